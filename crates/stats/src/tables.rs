//! The tables of a period, computed from the effective decision facts.

use crate::fact::{DecisionFact, FactKind, FactOutcome, StoredFact};
use crate::period::Period;
use crate::suppress::{suppress, Layout};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Computation options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Counts from 1 to `threshold - 1` are suppressed (default 5).
    pub threshold: u32,
    /// Apply disclosure control (default). Without it every count of the same tables is shown: for the
    /// authority's own checks, never for publication.
    pub suppress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threshold: 5,
            suppress: true,
        }
    }
}

/// One published figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Count(u64),
    /// A non-count figure (working days, a share), already rounded.
    Number(f64),
    /// Withheld by disclosure control: `{"suppressed": true}`.
    Suppressed,
    /// Nothing to compute (e.g. no decided case): `null`.
    Missing,
}

impl Serialize for Figure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Figure::Count(n) => s.serialize_u64(*n),
            Figure::Number(x) => s.serialize_f64(*x),
            Figure::Suppressed => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("suppressed", &true)?;
                m.end()
            }
            Figure::Missing => s.serialize_none(),
        }
    }
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Figure::Count(n) => write!(f, "{n}"),
            Figure::Number(x) => write!(f, "{x}"),
            Figure::Suppressed => f.write_str("suppressed"),
            Figure::Missing => Ok(()),
        }
    }
}

/// One row of a table: its key and one figure per column of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub key: String,
    pub figures: Vec<(String, Figure)>,
}

impl Row {
    pub fn get(&self, column: &str) -> Option<&Figure> {
        self.figures
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, f)| f)
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.figures.len() + 1))?;
        m.serialize_entry("key", &self.key)?;
        for (c, f) in &self.figures {
            m.serialize_entry(c, f)?;
        }
        m.end()
    }
}

/// One published table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub id: String,
    pub title: String,
    /// What the rows are (`licence_kind`, `destination`, `control_entry`, `end_user_type`, `criterion`).
    pub dimension: String,
    pub as_of: String,
    pub data_version: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// The period's totals (absent where rows do not add up, as for refusal criteria).
    pub total: Option<Row>,
}

/// The statistics of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub period: String,
    pub from: String,
    pub to: String,
    /// Only facts recorded until then are counted.
    pub as_of: String,
    /// Identifies the facts the figures were computed from (see docs/statistics.md).
    pub data_version: String,
    /// Counts from 1 to threshold - 1 are suppressed.
    pub threshold: u32,
    pub tables: Vec<Table>,
}

/// Columns of the outcome tables: counts first, then processing times.
pub const COUNT_COLUMNS: [&str; 4] = ["applications", "issued", "refused", "withdrawn"];
pub const TIME_COLUMNS: [&str; 3] = [
    "median_working_days",
    "p90_working_days",
    "within_target_share",
];
const OUTCOMES: [FactOutcome; 3] = [
    FactOutcome::Issued,
    FactOutcome::Refused,
    FactOutcome::Withdrawn,
];

/// The facts in force as of `as_of`: for each case the latest fact recorded until then, unless that is an
/// exclusion. Sorted by case id.
pub fn effective_facts<'a>(facts: &'a [StoredFact], as_of: &str) -> Vec<&'a StoredFact> {
    let mut latest: BTreeMap<&str, &StoredFact> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.recorded_at.as_str() <= as_of) {
        match latest.get(f.fact.case_id.as_str()) {
            Some(prev) if prev.seq > f.seq => {}
            _ => {
                latest.insert(f.fact.case_id.as_str(), f);
            }
        }
    }
    latest
        .into_values()
        .filter(|f| f.kind != FactKind::Exclusion)
        .collect()
}

/// The data version of the facts recorded until `as_of`: the highest sequence number and the first 16 hex
/// digits of a SHA-256 over every such fact in sequence order.
pub fn data_version(facts: &[StoredFact], as_of: &str) -> String {
    let mut seen: Vec<&StoredFact> = facts
        .iter()
        .filter(|f| f.recorded_at.as_str() <= as_of)
        .collect();
    seen.sort_by_key(|f| f.seq);
    let mut h = Sha256::new();
    for f in &seen {
        // Serialising a plain struct of strings, numbers and lists cannot fail.
        let line = serde_json::to_vec(f).unwrap_or_default();
        h.update((line.len() as u64).to_be_bytes());
        h.update(&line);
    }
    let max = seen.last().map_or(0, |f| f.seq);
    format!("{max}-{}", &hex::encode(h.finalize())[..16])
}

/// Row key of a fact in each dimension: one row per case, so that every table adds up to the same totals.
fn key_licence(f: &DecisionFact) -> String {
    f.licence.as_str().to_string()
}
fn key_destination(f: &DecisionFact) -> String {
    match f.destinations.as_slice() {
        [one] => one.clone(),
        _ => "multiple".into(),
    }
}
fn key_control_entry(f: &DecisionFact) -> String {
    let entries: BTreeSet<&str> = f
        .lines
        .iter()
        .flat_map(|l| l.control_entries.iter().map(String::as_str))
        .collect();
    if entries.len() == 1 {
        entries.into_iter().next().unwrap_or_default().to_string()
    } else if is_cyber(f) {
        "multiple-cyber-surveillance".into()
    } else {
        "multiple".into()
    }
}
fn key_end_user(f: &DecisionFact) -> String {
    match f.end_user_types.as_slice() {
        [one] => one.as_str().to_string(),
        _ => "multiple".into(),
    }
}
fn is_cyber(f: &DecisionFact) -> bool {
    f.lines.iter().any(|l| l.cyber_surveillance)
}

const OTHER: &str = "other";
const OTHER_CYBER: &str = "other-cyber-surveillance";

/// Rows with fewer applications than the threshold are merged into an `other` row of their group (a row that
/// is shown reveals that it has at least one application, which would pin small suppressed rows); while that
/// row is itself below the threshold, the smallest remaining row of the group joins it.
fn merge_small(
    sizes: &BTreeMap<String, u64>,
    k: u64,
    group: impl Fn(&str) -> &'static str,
) -> HashMap<String, String> {
    let mut into: HashMap<String, String> = HashMap::new();
    for g in [OTHER, OTHER_CYBER] {
        let members: Vec<(&String, u64)> = sizes
            .iter()
            .filter(|(key, _)| group(key) == g)
            .map(|(key, n)| (key, *n))
            .collect();
        let mut small: u64 = 0;
        let mut rest: Vec<(&String, u64)> = Vec::new();
        for (key, n) in members {
            if n < k {
                small += n;
                into.insert(key.clone(), g.to_string());
            } else {
                rest.push((key, n));
            }
        }
        rest.sort_by_key(|(key, n)| (*n, (*key).clone()));
        let mut rest = rest.into_iter();
        while small > 0 && small < k {
            match rest.next() {
                Some((key, n)) => {
                    small += n;
                    into.insert(key.clone(), g.to_string());
                }
                None => break,
            }
        }
    }
    into
}

/// Nearest-rank percentile of sorted values: the value at rank ceil(p/100 * n).
fn percentile(sorted: &[u32], p: u32) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (u64::from(p) * n).div_ceil(100).max(1);
    sorted.get(rank as usize - 1).copied()
}

/// Counts and processing times of the facts of one row.
#[derive(Default)]
struct Acc {
    by_outcome: [u64; 3],
    days: Vec<u32>,
    with_target: u64,
    within: u64,
}

impl Acc {
    fn add(&mut self, f: &DecisionFact) {
        let i = OUTCOMES.iter().position(|o| *o == f.outcome).unwrap_or(0);
        self.by_outcome[i] += 1;
        if f.outcome != FactOutcome::Withdrawn {
            self.days.push(f.working_days);
            if let Some(t) = f.target_working_days {
                self.with_target += 1;
                if f.working_days <= t {
                    self.within += 1;
                }
            }
        }
    }
    fn total(&self) -> u64 {
        self.by_outcome.iter().sum()
    }
}

struct Dim {
    id: &'static str,
    title: &'static str,
    dimension: &'static str,
    key: fn(&DecisionFact) -> String,
}

const DIMS: [Dim; 4] = [
    Dim {
        id: "by-licence-kind",
        title: "Applications decided by licence kind",
        dimension: "licence_kind",
        key: key_licence,
    },
    Dim {
        id: "by-destination",
        title: "Applications decided by destination",
        dimension: "destination",
        key: key_destination,
    },
    Dim {
        id: "by-control-entry",
        title: "Applications decided by control entry",
        dimension: "control_entry",
        key: key_control_entry,
    },
    Dim {
        id: "by-end-user-type",
        title: "Applications decided by end-user type",
        dimension: "end_user_type",
        key: key_end_user,
    },
];
const CYBER_ID: &str = "cyber-surveillance";
const CRITERIA_ID: &str = "refusals-by-criterion";
/// Not published: the control-entry rows outside the cyber-surveillance section. Their totals follow from
/// the period totals and the section's totals, so disclosure control must protect them too.
const NON_CYBER_ID: &str = "non-cyber";
/// Not published: the section's totals and the non-cyber totals as the two rows of a table whose total row
/// is the period's.
const GROUPS_ID: &str = "groups";

/// Cell keys shared between tables: the period totals (`total/<column>`) and the control-entry rows.
fn cell_key(table: &str, row: Option<&str>, column: &str) -> String {
    match (table, row) {
        (_, None) if table != CYBER_ID && table != NON_CYBER_ID => format!("total/{column}"),
        (CYBER_ID | NON_CYBER_ID | "by-control-entry", Some(r)) => {
            format!("control-entry/{r}/{column}")
        }
        (t, Some(r)) => format!("{t}/{r}/{column}"),
        (t, None) => format!("{t}/total/{column}"),
    }
}

/// Computes the statistics of `period` from the facts recorded until `as_of`.
pub fn report(facts: &[StoredFact], period: &Period, as_of: &str, opts: &Options) -> Report {
    let data_version = data_version(facts, as_of);
    let in_period: Vec<&DecisionFact> = effective_facts(facts, as_of)
        .into_iter()
        .map(|f| &f.fact)
        .filter(|f| period.contains(f.decided_on))
        .collect();
    let k = u64::from(opts.threshold.max(1));

    // Accumulate every table's rows.
    let mut values: HashMap<String, u64> = HashMap::new();
    let mut accs: Vec<(String, BTreeMap<String, Acc>, Acc)> = Vec::new();
    let cyber_keys: BTreeSet<String> = in_period
        .iter()
        .filter(|f| is_cyber(f))
        .map(|f| key_control_entry(f))
        .collect();
    let mut merged: Vec<HashMap<String, String>> = Vec::new();
    for d in &DIMS {
        let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
        for f in &in_period {
            *sizes.entry((d.key)(f)).or_default() += 1;
        }
        let group = |key: &str| -> &'static str {
            if d.id == "by-control-entry" && cyber_keys.contains(key) {
                OTHER_CYBER
            } else {
                OTHER
            }
        };
        merged.push(merge_small(&sizes, k, group));
    }
    let key_of = |dim: usize, f: &DecisionFact| -> String {
        let key = (DIMS[dim].key)(f);
        merged[dim].get(&key).cloned().unwrap_or(key)
    };
    for (i, d) in DIMS.iter().enumerate() {
        let mut rows: BTreeMap<String, Acc> = BTreeMap::new();
        let mut total = Acc::default();
        for f in &in_period {
            rows.entry(key_of(i, f)).or_default().add(f);
            total.add(f);
        }
        accs.push((d.id.to_string(), rows, total));
    }
    // The cyber-surveillance section: the control-entry rows that hold a cyber-surveillance decision.
    let key_control_entry = |f: &DecisionFact| key_of(2, f);
    let cyber_keys: BTreeSet<String> = in_period
        .iter()
        .filter(|f| is_cyber(f))
        .map(|f| key_control_entry(f))
        .collect();
    {
        let mut rows: BTreeMap<String, Acc> = BTreeMap::new();
        let mut total = Acc::default();
        for f in in_period
            .iter()
            .filter(|f| cyber_keys.contains(&key_control_entry(f)))
        {
            rows.entry(key_control_entry(f)).or_default().add(f);
            total.add(f);
        }
        accs.push((CYBER_ID.to_string(), rows, total));
    }
    let mut hidden: Vec<(String, BTreeMap<String, Acc>, Acc)> = Vec::new();
    {
        let mut rows: BTreeMap<String, Acc> = BTreeMap::new();
        let mut total = Acc::default();
        for f in in_period
            .iter()
            .filter(|f| !cyber_keys.contains(&key_control_entry(f)))
        {
            rows.entry(key_control_entry(f)).or_default().add(f);
            total.add(f);
        }
        hidden.push((NON_CYBER_ID.to_string(), rows, total));
    }
    let mut layouts = Vec::new();
    for (id, rows, total) in accs.iter().chain(hidden.iter()) {
        let mut cells = Vec::new();
        let all = rows
            .iter()
            .map(|(k, a)| (Some(k.as_str()), a))
            .chain([(None, total)]);
        for (row, acc) in all {
            let mut line = Vec::new();
            for (i, o) in OUTCOMES.iter().enumerate() {
                let key = cell_key(id, row, o.as_str());
                values.insert(key.clone(), acc.by_outcome[i]);
                line.push(key);
            }
            let key = cell_key(id, row, "applications");
            values.insert(key.clone(), acc.total());
            line.push(key);
            cells.push(line);
        }
        layouts.push(Layout {
            cells,
            shared_total_row: id != CYBER_ID && id != NON_CYBER_ID,
        });
    }
    let group_cells = [CYBER_ID, NON_CYBER_ID, GROUPS_ID]
        .iter()
        .map(|t| {
            let t = if *t == GROUPS_ID { "" } else { t };
            OUTCOMES
                .iter()
                .map(|o| o.as_str())
                .chain(["applications"])
                .map(|c| cell_key(t, None, c))
                .collect()
        })
        .collect();
    layouts.push(Layout {
        cells: group_cells,
        shared_total_row: true,
    });
    // Refusals by criterion (a refusal may cite several: the rows need not add up to the refusals).
    let mut crit: BTreeMap<domain::RefusalCriterion, u64> = BTreeMap::new();
    for f in in_period
        .iter()
        .filter(|f| f.outcome == FactOutcome::Refused)
    {
        for c in f.criteria.iter().collect::<BTreeSet<_>>() {
            *crit.entry(*c).or_default() += 1;
        }
    }
    let crit_keys: Vec<String> = crit
        .keys()
        .map(|c| cell_key(CRITERIA_ID, Some(c.as_str()), "refusals"))
        .collect();
    for (c, n) in &crit {
        values.insert(cell_key(CRITERIA_ID, Some(c.as_str()), "refusals"), *n);
    }
    let grand = cell_key("", None, "applications");
    let derived: Vec<(String, Vec<String>)> = OUTCOMES
        .iter()
        .map(|o| o.as_str())
        .chain(["applications"])
        .map(|c| {
            (
                cell_key(NON_CYBER_ID, None, c),
                vec![cell_key("", None, c), cell_key(CYBER_ID, None, c)],
            )
        })
        .collect();
    let suppressed = if opts.suppress {
        suppress(&layouts, &[crit_keys], &values, k, &grand, &derived)
    } else {
        BTreeSet::new()
    };
    let count = |key: String| {
        if suppressed.contains(&key) {
            Figure::Suppressed
        } else {
            Figure::Count(values.get(&key).copied().unwrap_or(0))
        }
    };

    let mut tables = Vec::new();
    let titles = DIMS.iter().map(|d| (d.title, d.dimension)).chain([(
        "Cyber-surveillance items (EU Regulation 2021/821 Art. 26 section): decisions by control entry",
        "control_entry",
    )]);
    for ((id, rows, total), (title, dimension)) in accs.iter().zip(titles) {
        let make = |row: Option<&str>, acc: &Acc| {
            let mut figures: Vec<(String, Figure)> = COUNT_COLUMNS
                .iter()
                .map(|c| (c.to_string(), count(cell_key(id, row, c))))
                .collect();
            // Processing times only where the decided count is published and at least the threshold.
            let decided_known = ["issued", "refused"]
                .iter()
                .all(|c| !suppressed.contains(&cell_key(id, row, c)));
            let mut days = acc.days.clone();
            days.sort_unstable();
            let n = days.len() as u64;
            let k = if opts.suppress { k } else { 0 };
            let time = |p: u32| -> Figure {
                if n == 0 {
                    Figure::Missing
                } else if !decided_known || n < k {
                    Figure::Suppressed
                } else {
                    percentile(&days, p).map_or(Figure::Missing, |d| Figure::Count(u64::from(d)))
                }
            };
            figures.push((TIME_COLUMNS[0].into(), time(50)));
            figures.push((TIME_COLUMNS[1].into(), time(90)));
            let late = acc.with_target - acc.within;
            let small = |x: u64| opts.suppress && x > 0 && x < k;
            let share = if acc.with_target == 0 {
                Figure::Missing
            } else if !decided_known || acc.with_target != n || small(acc.within) || small(late) {
                Figure::Suppressed
            } else {
                Figure::Number(
                    (acc.within as f64 * 1000.0 / acc.with_target as f64).round() / 1000.0,
                )
            };
            figures.push((TIME_COLUMNS[2].into(), share));
            Row {
                key: row.unwrap_or("total").to_string(),
                figures,
            }
        };
        tables.push(Table {
            id: id.clone(),
            title: title.to_string(),
            dimension: dimension.to_string(),
            as_of: as_of.to_string(),
            data_version: data_version.clone(),
            columns: COUNT_COLUMNS
                .iter()
                .chain(TIME_COLUMNS.iter())
                .map(|c| c.to_string())
                .collect(),
            rows: rows.iter().map(|(k, a)| make(Some(k), a)).collect(),
            total: Some(make(None, total)),
        });
    }
    tables.push(Table {
        id: CRITERIA_ID.into(),
        title: "Refusals by criterion cited (a refusal may cite several)".into(),
        dimension: "criterion".into(),
        as_of: as_of.to_string(),
        data_version: data_version.clone(),
        columns: vec!["refusals".into()],
        rows: crit
            .keys()
            .map(|c| Row {
                key: c.as_str().into(),
                figures: vec![(
                    "refusals".into(),
                    count(cell_key(CRITERIA_ID, Some(c.as_str()), "refusals")),
                )],
            })
            .collect(),
        total: None,
    });
    Report {
        period: period.label().to_string(),
        from: period.from().to_string(),
        to: period.to().to_string(),
        as_of: as_of.to_string(),
        data_version,
        threshold: opts.threshold,
        tables,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
    }
}
