//! Synthetic decision facts for tests and benchmarks (a deterministic generator: same seed, same facts).

use crate::fact::{DecisionFact, FactKind, FactLine, FactOutcome, StoredFact};
use chrono::{Duration, NaiveDate};
use domain::{EndUserType, LicenceKind, RefusalCriterion};

/// A small deterministic pseudo-random generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// Picks from weighted items.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u64)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total);
        for (t, w) in items {
            if x < *w {
                return t;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

/// `n` cases decided between `from` and `from + days` with skewed destinations, entries and outcomes (issued,
/// refused, withdrawn, lapsed), so that some cells are small; on top, about one refusal in six is overturned
/// on appeal (a correction of outcome `issued-on-appeal`, up to 119 days later) and about one licence in
/// twelve ends early (an `after-issue` fact). Facts are recorded in decision order at noon UTC of their
/// decision date.
pub fn facts(n: usize, seed: u64, from: NaiveDate, days: i64) -> Vec<StoredFact> {
    let mut rng = Rng::new(seed);
    let dests: Vec<(&str, u64)> = vec![
        ("DE", 30),
        ("FR", 25),
        ("US", 20),
        ("GB", 15),
        ("MX", 8),
        ("BR", 6),
        ("IN", 5),
        ("AE", 4),
        ("SG", 3),
        ("CO", 2),
        ("KE", 1),
        ("PH", 1),
    ];
    let entries: Vec<((&str, bool), u64)> = vec![
        (("5A001.j", true), 20),
        (("4A005", true), 10),
        (("4D004", true), 8),
        (("5A004.b", false), 25),
        (("5D001.e", true), 6),
        (("4E001.c", true), 2),
        (("5A002", false), 12),
    ];
    let eut: Vec<(EndUserType, u64)> = vec![
        (EndUserType::GovernmentLawEnforcement, 40),
        (EndUserType::GovernmentIntelligence, 15),
        (EndUserType::GovernmentMilitary, 6),
        (EndUserType::GovernmentOther, 4),
        (EndUserType::Private, 10),
    ];
    let outcomes = [
        (FactOutcome::Issued, 80),
        (FactOutcome::Refused, 8),
        (FactOutcome::Withdrawn, 6),
        (FactOutcome::Lapsed, 3),
    ];
    let mut out: Vec<StoredFact> = (0..n)
        .map(|i| {
            let decided_on = from + Duration::days(rng.below(days.max(1) as u64) as i64);
            let licence = if rng.below(4) == 0 {
                LicenceKind::Export
            } else {
                LicenceKind::Marketing
            };
            let lines_n = if rng.below(10) == 0 { 2 } else { 1 };
            let mut lines: Vec<FactLine> = (0..lines_n)
                .map(|j| {
                    let (code, cyber) = *rng.weighted(&entries);
                    FactLine {
                        product: format!("p{}", (i * 2 + j) % 97),
                        control_entries: vec![code.into()],
                        cyber_surveillance: cyber,
                    }
                })
                .collect();
            lines.dedup_by(|a, b| a.control_entries == b.control_entries);
            let mut destinations = vec![rng.weighted(&dests).to_string()];
            if licence == LicenceKind::Marketing && rng.below(12) == 0 {
                destinations.push(rng.weighted(&dests).to_string());
                destinations.sort();
                destinations.dedup();
            }
            let outcome = *rng.weighted(&outcomes);
            let criteria = if outcome == FactOutcome::Refused {
                let mut c = vec![
                    RefusalCriterion::ALL[rng.below(3) as usize * 3 % RefusalCriterion::ALL.len()],
                ];
                if rng.below(3) == 0 {
                    c.push(RefusalCriterion::C7);
                }
                c.sort();
                c.dedup();
                c
            } else {
                vec![]
            };
            let target = if licence == LicenceKind::Marketing {
                20
            } else {
                60
            };
            let working_days = 1 + rng.below(u64::from(target) * 3 / 2) as u32;
            StoredFact {
                seq: 0,
                kind: FactKind::Outcome,
                recorded_at: format!("{decided_on}T12:00:00.000Z"),
                supersedes: None,
                reason: None,
                fact: DecisionFact {
                    case_id: format!("case-{seed}-{i:06}"),
                    licence,
                    lines,
                    destinations,
                    end_user_types: vec![*rng.weighted(&eut)],
                    outcome,
                    criteria,
                    submitted_on: decided_on - Duration::days(i64::from(working_days) * 7 / 5),
                    decided_on,
                    working_days,
                    target_working_days: Some(target),
                    human_rights_review: rng.below(2) == 0,
                    policy_version: Some("reference-1".into()),
                },
            }
        })
        .collect();
    // About one refusal in six is overturned on appeal: the licence is issued 20 to 119 days later, a
    // correction superseding the refusal's fact (the clock ran on while the appeal was heard).
    let refused: Vec<StoredFact> = out
        .iter()
        .filter(|f| f.fact.outcome == FactOutcome::Refused)
        .cloned()
        .collect();
    for f in refused {
        if rng.below(6) != 0 {
            continue;
        }
        let mut c = f;
        let later = 20 + rng.below(100) as i64;
        c.kind = FactKind::Correction;
        c.fact.outcome = FactOutcome::IssuedOnAppeal;
        c.fact.criteria = vec![];
        c.fact.decided_on += Duration::days(later);
        c.fact.working_days += (later * 5 / 7) as u32;
        c.recorded_at = format!("{}T12:00:00.000Z", c.fact.decided_on);
        out.push(c);
    }
    // About one licence in twelve ends early: revoked, surrendered or annulled up to 120 days after issue
    // (a fact of its own, recorded on the day of the event).
    let events = [
        (FactOutcome::Revoked, 2),
        (FactOutcome::Surrendered, 3),
        (FactOutcome::Annulled, 1),
    ];
    let issued: Vec<StoredFact> = out
        .iter()
        .filter(|f| {
            matches!(
                f.fact.outcome,
                FactOutcome::Issued | FactOutcome::IssuedOnAppeal
            )
        })
        .cloned()
        .collect();
    for f in issued {
        if rng.below(12) != 0 {
            continue;
        }
        let mut e = f;
        e.kind = FactKind::AfterIssue;
        e.fact.outcome = *rng.weighted(&events);
        e.fact.decided_on += Duration::days(1 + rng.below(120) as i64);
        e.recorded_at = format!("{}T12:00:00.000Z", e.fact.decided_on);
        out.push(e);
    }
    out.sort_by(|a, b| {
        a.recorded_at
            .cmp(&b.recorded_at)
            .then(a.fact.case_id.cmp(&b.fact.case_id))
    });
    // A correction or an event after issue supersedes the case's previous fact.
    let mut previous: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (i, f) in out.iter_mut().enumerate() {
        f.seq = i as i64 + 1;
        if f.kind != FactKind::Outcome {
            f.supersedes = previous.get(&f.fact.case_id).copied();
        }
        previous.insert(f.fact.case_id.clone(), f.seq);
    }
    out
}
