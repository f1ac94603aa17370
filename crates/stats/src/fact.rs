//! Decision facts: what the application records about an outcome, in the transaction that decides it.

use chrono::NaiveDate;
use domain::{EndUserType, LicenceKind, RefusalCriterion};
use serde::{Deserialize, Serialize};

macro_rules! kebab {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $s:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name { $(#[serde(rename = $s)] $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),+ } }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok($name::$variant),)+
                    _ => Err(format!("{s:?} is not one of: {}", [$($s),+].join(", "))),
                }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

kebab!(
    /// The outcome a fact records. The first six are outcomes of the application (a case counts under its
    /// latest one); `revoked`, `surrendered` and `annulled` are events after a licence was issued, counted on
    /// their own (facts of kind `after-issue`) while the case still counts as issued (docs/statistics.md).
    FactOutcome {
        Issued => "issued",
        Refused => "refused",
        Withdrawn => "withdrawn",
        Lapsed => "lapsed",
        NoLicenceRequired => "no-licence-required",
        IssuedOnAppeal => "issued-on-appeal",
        Revoked => "revoked",
        Surrendered => "surrendered",
        Annulled => "annulled",
    }
);

impl FactOutcome {
    /// Whether this is an event after issue rather than an outcome of the application.
    pub fn is_after_issue(self) -> bool {
        matches!(
            self,
            FactOutcome::Revoked | FactOutcome::Surrendered | FactOutcome::Annulled
        )
    }
}

kebab!(
    /// Why a fact was written: an outcome of the case, a correction of an earlier fact (a refusal overturned
    /// on appeal is one), the exclusion of the case from statistics (with a recorded reason), or an event
    /// after the licence was issued (it supersedes nothing in the outcome tables: the case stays issued).
    FactKind { Outcome => "outcome", Correction => "correction", Exclusion => "exclusion", AfterIssue => "after-issue" }
);

/// One product line of a decided case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FactLine {
    pub product: String,
    /// Canonical control-entry codes (e.g. `5A001.j`), sorted.
    pub control_entries: Vec<String>,
    /// Whether any of the line's entries was a cyber-surveillance item on the decision date.
    pub cyber_surveillance: bool,
}

/// What is known about one decided case, as of its decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionFact {
    pub case_id: String,
    pub licence: LicenceKind,
    pub lines: Vec<FactLine>,
    /// ISO 3166-1 alpha-2 destinations, sorted.
    pub destinations: Vec<String>,
    /// End-user types, sorted.
    pub end_user_types: Vec<EndUserType>,
    pub outcome: FactOutcome,
    /// The refusal criteria cited (refusals only).
    #[serde(default)]
    pub criteria: Vec<RefusalCriterion>,
    pub submitted_on: NaiveDate,
    pub decided_on: NaiveDate,
    /// Working days with the clock running from submission to the decision (approval, refusal or withdrawal).
    pub working_days: u32,
    /// The processing-time target in force for the case.
    pub target_working_days: Option<u32>,
    /// Whether the policy in force required a human-rights review.
    pub human_rights_review: bool,
    /// The policy version the case was evaluated under.
    pub policy_version: Option<String>,
}

/// A stored fact with its place in the append-only sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredFact {
    pub seq: i64,
    pub kind: FactKind,
    /// When it was recorded (RFC 3339 UTC); statistics "as of" a time read only facts recorded until then.
    pub recorded_at: String,
    /// The fact this one replaces (the case's previous fact), if any; both stay stored.
    pub supersedes: Option<i64>,
    /// Why (corrections and exclusions).
    pub reason: Option<String>,
    pub fact: DecisionFact,
}

impl StoredFact {
    /// Appends exactly the bytes `serde_json::to_writer` writes for this fact (the data version hashes them:
    /// docs/statistics.md), without going through serde: the annual report hashes every fact, and serde's
    /// generic path (a `fmt::Write` detour for each date, escaping checked byte by byte) was most of its time.
    /// `tests::hand_written_json_is_serde_jsons` keeps the two identical.
    pub(crate) fn write_json(&self, o: &mut Vec<u8>) {
        let f = &self.fact;
        o.extend_from_slice(b"{\"seq\":");
        int_json(o, self.seq);
        o.extend_from_slice(b",\"kind\":");
        str_json(o, self.kind.as_str());
        o.extend_from_slice(b",\"recorded_at\":");
        str_json(o, &self.recorded_at);
        o.extend_from_slice(b",\"supersedes\":");
        match self.supersedes {
            Some(n) => int_json(o, n),
            None => o.extend_from_slice(b"null"),
        }
        o.extend_from_slice(b",\"reason\":");
        opt_str_json(o, self.reason.as_deref());
        o.extend_from_slice(b",\"fact\":{\"case_id\":");
        str_json(o, &f.case_id);
        o.extend_from_slice(b",\"licence\":");
        str_json(o, f.licence.as_str());
        o.extend_from_slice(b",\"lines\":[");
        for (i, l) in f.lines.iter().enumerate() {
            if i > 0 {
                o.push(b',');
            }
            o.extend_from_slice(b"{\"product\":");
            str_json(o, &l.product);
            o.extend_from_slice(b",\"control_entries\":");
            list_json(o, l.control_entries.iter().map(String::as_str));
            o.extend_from_slice(b",\"cyber_surveillance\":");
            bool_json(o, l.cyber_surveillance);
            o.push(b'}');
        }
        o.extend_from_slice(b"],\"destinations\":");
        list_json(o, f.destinations.iter().map(String::as_str));
        o.extend_from_slice(b",\"end_user_types\":");
        list_json(o, f.end_user_types.iter().map(|e| e.as_str()));
        o.extend_from_slice(b",\"outcome\":");
        str_json(o, f.outcome.as_str());
        o.extend_from_slice(b",\"criteria\":");
        list_json(o, f.criteria.iter().map(|c| c.as_str()));
        o.extend_from_slice(b",\"submitted_on\":");
        date_json(o, f.submitted_on);
        o.extend_from_slice(b",\"decided_on\":");
        date_json(o, f.decided_on);
        o.extend_from_slice(b",\"working_days\":");
        int_json(o, i64::from(f.working_days));
        o.extend_from_slice(b",\"target_working_days\":");
        match f.target_working_days {
            Some(n) => int_json(o, i64::from(n)),
            None => o.extend_from_slice(b"null"),
        }
        o.extend_from_slice(b",\"human_rights_review\":");
        bool_json(o, f.human_rights_review);
        o.extend_from_slice(b",\"policy_version\":");
        opt_str_json(o, f.policy_version.as_deref());
        o.extend_from_slice(b"}}");
    }
}

/// A JSON string as serde_json writes it: copied as is unless it holds a byte serde_json escapes (`"`, `\`,
/// control characters), which goes through serde_json itself.
fn str_json(o: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        o.push(b'"');
        o.extend_from_slice(s.as_bytes());
        o.push(b'"');
    } else {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *o, s);
    }
}

fn opt_str_json(o: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => str_json(o, s),
        None => o.extend_from_slice(b"null"),
    }
}

fn list_json<'a>(o: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    o.push(b'[');
    for (i, s) in items.enumerate() {
        if i > 0 {
            o.push(b',');
        }
        str_json(o, s);
    }
    o.push(b']');
}

fn bool_json(o: &mut Vec<u8>, b: bool) {
    o.extend_from_slice(if b { b"true" } else { b"false" });
}

fn int_json(o: &mut Vec<u8>, n: i64) {
    if n < 0 {
        o.push(b'-');
    }
    let mut v = n.unsigned_abs();
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    o.extend_from_slice(&buf[i..]);
}

/// A date as chrono serialises it (`"YYYY-MM-DD"` for years 0 to 9999; other years through chrono).
fn date_json(o: &mut Vec<u8>, d: NaiveDate) {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        let _ = serde_json::to_writer(&mut *o, &d);
        return;
    }
    let y = y as u32;
    o.extend_from_slice(&[
        b'"',
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b'-',
        b'0' + (day / 10) as u8,
        b'0' + (day % 10) as u8,
        b'"',
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(f: &StoredFact) -> Vec<u8> {
        let mut o = Vec::new();
        f.write_json(&mut o);
        o
    }

    #[test]
    fn hand_written_json_is_serde_jsons() {
        let mut facts = crate::synthetic::facts(2_000, 7, "2025-01-01".parse().unwrap(), 365);
        for f in &facts {
            assert_eq!(json(f), serde_json::to_vec(f).unwrap());
        }
        // Every optional field, every vocabulary, escapes, non-ASCII text, extreme numbers and dates.
        let mut f = facts[0].clone();
        f.seq = i64::MIN;
        f.kind = FactKind::Correction;
        f.supersedes = Some(i64::MAX);
        f.reason = Some("a \"quoted\" \\ reason\n\t\u{1}\u{1f} with ünïcödé \u{7f} and 🙂".into());
        f.recorded_at = "2026-11-30T12:00:00.000Z\u{0}".into();
        f.fact.case_id = "c/\"1\"".into();
        f.fact.lines = vec![
            FactLine {
                product: "p\u{8}".into(),
                control_entries: vec![],
                cyber_surveillance: false,
            },
            FactLine {
                product: String::new(),
                control_entries: vec!["5A001.j".into(), "4A005\\".into()],
                cyber_surveillance: true,
            },
        ];
        f.fact.destinations = vec![];
        f.fact.end_user_types = EndUserType::ALL.to_vec();
        f.fact.criteria = RefusalCriterion::ALL.to_vec();
        f.fact.submitted_on = NaiveDate::from_ymd_opt(-44, 3, 15).unwrap();
        f.fact.decided_on = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
        f.fact.working_days = u32::MAX;
        f.fact.target_working_days = None;
        f.fact.policy_version = None;
        facts.push(f.clone());
        for kind in FactKind::ALL {
            for outcome in FactOutcome::ALL {
                for licence in [LicenceKind::Marketing, LicenceKind::Export] {
                    let mut g = f.clone();
                    g.kind = *kind;
                    g.fact.outcome = *outcome;
                    g.fact.licence = licence;
                    g.reason = None;
                    g.supersedes = None;
                    g.seq = 0;
                    g.fact.submitted_on = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
                    g.fact.decided_on = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
                    g.fact.target_working_days = Some(0);
                    g.fact.policy_version = Some("reference-1".into());
                    facts.push(g);
                }
            }
        }
        for f in &facts {
            assert_eq!(
                String::from_utf8(json(f)).unwrap(),
                serde_json::to_string(f).unwrap()
            );
        }
    }
}
