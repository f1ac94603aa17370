//! Matching an application against a denials register (exportctl issue 13, docs/denials.md). The register is
//! blocked by (destination, control entry): one screening index over the denied end users and consignees of
//! the denials of each pair, a denial naming several entries being indexed under each. An application is
//! screened only in the indexes of its own destinations and entries, so the name matcher runs over the
//! denials that could match at all; a candidate is then kept when the denial is in force. Pure: no store, no
//! clock.

use crate::{Explanation, Index, Options, Query};
use chrono::NaiveDate;
use lists::{EntityKind, ListEntry, ListFormat, ListSnapshot, NameKind, NameQuality, NameVariant};
use std::collections::HashMap;

/// The list label under which denied parties are indexed.
const LABEL: &str = "denials";
/// Candidates asked of the index per party: a register may hold many denials of one party (one per
/// destination, entry or year); the destination and entry conditions are applied after retrieval.
const CANDIDATES: usize = 500;

/// What matching needs of one denial.
#[derive(Debug, Clone, PartialEq)]
pub struct DenialKey {
    pub id: String,
    /// The denial's register reference (`STATE/partner reference`).
    pub reference: String,
    pub denying_state: String,
    /// A denial of this authority (outgoing) rather than a partner's.
    pub own: bool,
    /// Canonical control-entry codes.
    pub entries: Vec<String>,
    pub destination: String,
    /// The last day the denial is in force (it lapses after this day unless renewed).
    pub in_force_until: NaiveDate,
}

/// A denied party's name: the denial it belongs to and its role there (`end-user` or `consignee`).
#[derive(Debug, Clone)]
pub struct DeniedName {
    pub role: &'static str,
    pub name: String,
}

/// An application as matching sees it.
#[derive(Debug, Clone, Default)]
pub struct Application {
    /// Canonical control-entry codes of its products.
    pub entries: Vec<String>,
    /// ISO codes of its destinations.
    pub destinations: Vec<String>,
    /// (role on the case, name): end users and consignee.
    pub parties: Vec<(String, String)>,
}

/// One match: an application party resembles a denied party of a denial in force with the same destination
/// and a shared control entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub denial: DenialKey,
    pub party_role: String,
    pub party_name: String,
    /// `end-user` or `consignee` of the denial.
    pub denied_role: String,
    pub denied_name: String,
    pub score: f64,
    pub explanation: Explanation,
    pub shared_entries: Vec<String>,
    pub destination: String,
}

/// The index over the register's denials in force: one screening index per (destination, control entry), so
/// an application is screened only against the denials that share a destination and an entry with it.
pub struct Matcher {
    indexes: HashMap<(String, String), Index>,
    denials: Vec<DenialKey>,
    /// Source id in the index → (denial position, denied role, denied name).
    names: HashMap<String, (usize, &'static str)>,
}

impl Matcher {
    /// Builds the index over `denials` (each with its denied names).
    pub fn build(denials: Vec<(DenialKey, Vec<DeniedName>)>) -> Matcher {
        let mut keys = Vec::with_capacity(denials.len());
        let mut names = HashMap::with_capacity(denials.len() * 2);
        let mut blocks: HashMap<(String, String), Vec<ListEntry>> = HashMap::new();
        for (i, (key, parties)) in denials.into_iter().enumerate() {
            let mut entries: Vec<&String> = key.entries.iter().collect();
            entries.sort();
            entries.dedup();
            for p in parties {
                let source_id = format!("{i}/{}", p.role);
                names.insert(source_id.clone(), (i, p.role));
                let entry = ListEntry {
                    source_id,
                    kind: EntityKind::Unknown,
                    names: vec![NameVariant {
                        name: p.name,
                        kind: NameKind::Primary,
                        quality: NameQuality::Good,
                        script: None,
                    }],
                    birth_dates: vec![],
                    countries: vec![],
                    addresses: vec![],
                    identifiers: vec![],
                    programs: vec![],
                    remarks: None,
                };
                for e in &entries {
                    blocks
                        .entry((key.destination.clone(), (*e).clone()))
                        .or_default()
                        .push(entry.clone());
                }
            }
            keys.push(key);
        }
        let indexes = blocks
            .into_iter()
            .map(|(block, entries)| {
                let snapshot = ListSnapshot {
                    // The format only labels where entries came from; the register is not a list file.
                    format: ListFormat::UsCslCsv,
                    version: "register".into(),
                    published: None,
                    source: Some(LABEL.into()),
                    entries,
                };
                (block, Index::build(&[(LABEL.to_string(), snapshot)]))
            })
            .collect();
        Matcher {
            indexes,
            denials: keys,
            names,
        }
    }

    /// Number of (destination, control entry) blocks, each with its own index.
    pub fn blocks(&self) -> usize {
        self.indexes.len()
    }

    /// Number of denials indexed.
    pub fn len(&self) -> usize {
        self.denials.len()
    }

    pub fn is_empty(&self) -> bool {
        self.denials.is_empty()
    }

    /// The matches of `app` on `today`: every (application party, denial) pair whose denial is in force, has
    /// one of the application's destinations, shares a control entry with it, and whose denied end user or
    /// consignee the screening engine scores at `threshold` or above. Best first; one match per (party,
    /// denial), the better-scoring denied name.
    pub fn find(&self, app: &Application, today: NaiveDate, threshold: f64) -> Vec<Found> {
        let opts = Options {
            threshold,
            limit: CANDIDATES,
            exhaustive: false,
        };
        let mut out: Vec<Found> = Vec::new();
        // The blocks of the application's (destination, entry) pairs: only their denials can match.
        let mut indexes: Vec<&Index> = Vec::new();
        for d in &app.destinations {
            for e in &app.entries {
                if let Some(ix) = self.indexes.get(&(d.clone(), e.clone())) {
                    if !indexes.iter().any(|x| std::ptr::eq(*x, ix)) {
                        indexes.push(ix);
                    }
                }
            }
        }
        if indexes.is_empty() {
            return Vec::new();
        }
        for (role, name) in &app.parties {
            let Ok(q) = Query::new(name, None, None, &[], &[]) else {
                continue;
            };
            for m in indexes.iter().flat_map(|ix| ix.screen(&q, &opts)) {
                let Some(&(i, denied_role)) = self.names.get(&m.source_id) else {
                    continue;
                };
                let d = &self.denials[i];
                if d.in_force_until < today || !app.destinations.contains(&d.destination) {
                    continue;
                }
                let shared: Vec<String> = d
                    .entries
                    .iter()
                    .filter(|e| app.entries.contains(e))
                    .cloned()
                    .collect();
                if shared.is_empty() {
                    continue;
                }
                if let Some(prev) = out
                    .iter_mut()
                    .find(|f| f.party_role == *role && f.denial.id == d.id)
                {
                    if m.score > prev.score {
                        prev.score = m.score;
                        prev.denied_role = denied_role.into();
                        prev.denied_name = m.name.clone();
                        prev.explanation = m.explanation.clone();
                    }
                    continue;
                }
                out.push(Found {
                    denial: d.clone(),
                    party_role: role.clone(),
                    party_name: name.clone(),
                    denied_role: denied_role.into(),
                    denied_name: m.name,
                    score: m.score,
                    explanation: m.explanation,
                    shared_entries: shared,
                    destination: d.destination.clone(),
                });
            }
        }
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.denial.reference.cmp(&b.denial.reference))
                .then_with(|| a.party_role.cmp(&b.party_role))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, dest: &str, entries: &[&str], until: &str) -> DenialKey {
        DenialKey {
            id: id.into(),
            reference: format!("DE/{id}"),
            denying_state: "DE".into(),
            own: false,
            entries: entries.iter().map(|e| e.to_string()).collect(),
            destination: dest.into(),
            in_force_until: until.parse().unwrap(),
        }
    }

    fn named(k: DenialKey, end_user: &str) -> (DenialKey, Vec<DeniedName>) {
        (
            k,
            vec![DeniedName {
                role: "end-user",
                name: end_user.into(),
            }],
        )
    }

    fn application(name: &str) -> Application {
        Application {
            entries: vec!["5A001.j".into()],
            destinations: vec!["AE".into()],
            parties: vec![("end-user".into(), name.into())],
        }
    }

    #[test]
    fn needs_destination_entry_force_and_name() {
        let today: NaiveDate = "2026-11-30".parse().unwrap();
        let m = Matcher::build(vec![
            named(
                key("a", "AE", &["5A001.j"], "2028-01-01"),
                "Gulf Monitoring Centre",
            ),
            named(
                key("b", "SA", &["5A001.j"], "2028-01-01"),
                "Gulf Monitoring Centre",
            ),
            named(
                key("c", "AE", &["4A005"], "2028-01-01"),
                "Gulf Monitoring Centre",
            ),
            named(
                key("d", "AE", &["5A001.j"], "2025-01-01"),
                "Gulf Monitoring Centre",
            ),
            named(
                key("e", "AE", &["5A001.j"], "2028-01-01"),
                "Northern Fisheries Board",
            ),
        ]);
        let found = m.find(&application("Gulf Monitoring Center"), today, 0.8);
        let ids: Vec<&str> = found.iter().map(|f| f.denial.id.as_str()).collect();
        assert_eq!(ids, ["a"]);
        assert_eq!(found[0].shared_entries, ["5A001.j"]);
        assert!((0.8..1.0).contains(&found[0].score));
        assert!(m
            .find(&application("Unrelated Bakery"), today, 0.8)
            .is_empty());
    }

    #[test]
    fn a_denial_of_several_entries_is_found_through_each_once() {
        let today: NaiveDate = "2026-11-30".parse().unwrap();
        let m = Matcher::build(vec![named(
            key("a", "AE", &["5A001.j", "4A005"], "2028-01-01"),
            "Gulf Monitoring Centre",
        )]);
        assert_eq!(m.blocks(), 2);
        let mut app = application("Gulf Monitoring Centre");
        app.entries = vec!["4A005".into()];
        let found = m.find(&app, today, 0.8);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].shared_entries, ["4A005"]);
        app.entries = vec!["4A005".into(), "5A001.j".into(), "4D004".into()];
        let found = m.find(&app, today, 0.8);
        assert_eq!(found.len(), 1, "one match per party and denial");
        assert_eq!(found[0].shared_entries, ["5A001.j", "4A005"]);
        app.entries = vec!["4D004".into()];
        assert!(m.find(&app, today, 0.8).is_empty());
    }
}
