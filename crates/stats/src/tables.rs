//! The tables of a period, computed from the effective decision facts.

use crate::audit::{self, Relation};
use crate::fact::{DecisionFact, FactKind, FactOutcome, StoredFact};
use crate::period::Period;
use crate::suppress::{suppress, Layout, HIDDEN_PREFIX};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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
pub const COUNT_COLUMNS: [&str; 6] = [
    "applications",
    "issued",
    "refused",
    "withdrawn",
    "lapsed",
    "no_licence_required",
];
pub const TIME_COLUMNS: [&str; 3] = [
    "median_working_days",
    "p90_working_days",
    "within_target_share",
];
/// The outcome columns, in order (applications = their sum).
const OUTCOMES: [FactOutcome; 5] = [
    FactOutcome::Issued,
    FactOutcome::Refused,
    FactOutcome::Withdrawn,
    FactOutcome::Lapsed,
    FactOutcome::NoLicenceRequired,
];

/// The outcome column a case counts in: a licence issued on appeal is an issued licence (its refusal, which
/// it superseded, no longer counts). `None` for events after issue, which are not outcomes.
fn outcome_column(o: FactOutcome) -> Option<usize> {
    match o {
        FactOutcome::Issued | FactOutcome::IssuedOnAppeal => Some(0),
        FactOutcome::Refused => Some(1),
        FactOutcome::Withdrawn => Some(2),
        FactOutcome::Lapsed => Some(3),
        FactOutcome::NoLicenceRequired => Some(4),
        FactOutcome::Revoked | FactOutcome::Surrendered | FactOutcome::Annulled => None,
    }
}

/// The events after issue, each a row of the `after-issue` table.
const AFTER_ISSUE: [FactOutcome; 3] = [
    FactOutcome::Revoked,
    FactOutcome::Surrendered,
    FactOutcome::Annulled,
];

/// The facts in force as of `as_of`: for each case the latest outcome fact (events after issue aside)
/// recorded until then, unless that is an exclusion. Sorted by case id.
pub fn effective_facts<'a>(facts: &'a [StoredFact], as_of: &str) -> Vec<&'a StoredFact> {
    let mut latest = latest_facts(facts, as_of);
    latest.sort_unstable_by(|a, b| a.fact.case_id.cmp(&b.fact.case_id));
    latest
}

/// The facts in force as of `as_of`, in the order their cases first appear. Facts of kind `after-issue` do
/// not change a case's outcome (an exclusion written after one supersedes it and excludes the case).
fn latest_facts<'a>(facts: &'a [StoredFact], as_of: &str) -> Vec<&'a StoredFact> {
    let mut at: HashMap<&str, usize> = HashMap::with_capacity(facts.len());
    let mut latest: Vec<&StoredFact> = Vec::with_capacity(facts.len());
    for f in facts
        .iter()
        .filter(|f| f.recorded_at.as_str() <= as_of && f.kind != FactKind::AfterIssue)
    {
        match at.entry(f.fact.case_id.as_str()) {
            Entry::Occupied(e) => {
                let prev = &mut latest[*e.get()];
                if prev.seq <= f.seq {
                    *prev = f;
                }
            }
            Entry::Vacant(e) => {
                e.insert(latest.len());
                latest.push(f);
            }
        }
    }
    latest.retain(|f| f.kind != FactKind::Exclusion);
    latest
}

/// The events after issue recorded until `as_of` for the cases that count (`counted`: not excluded).
fn after_issue_events<'a>(
    facts: &'a [StoredFact],
    as_of: &str,
    counted: &HashSet<&str>,
) -> Vec<&'a DecisionFact> {
    facts
        .iter()
        .filter(|f| {
            f.kind == FactKind::AfterIssue
                && f.recorded_at.as_str() <= as_of
                && f.fact.outcome.is_after_issue()
                && counted.contains(f.fact.case_id.as_str())
        })
        .map(|f| &f.fact)
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
    let mut line = Vec::with_capacity(1024);
    for f in &seen {
        line.clear();
        // The bytes serde_json writes for the fact.
        f.write_json(&mut line);
        h.update((line.len() as u64).to_be_bytes());
        h.update(&line);
    }
    let max = seen.last().map_or(0, |f| f.seq);
    format!("{max}-{}", &hex::encode(h.finalize())[..16])
}

/// Row key of a fact in each dimension: one row per case, so that every table adds up to the same totals.
/// Borrowed from the fact or static: computing the keys of 100,000 facts allocates nothing.
fn key_licence(f: &DecisionFact) -> &str {
    f.licence.as_str()
}
fn key_destination(f: &DecisionFact) -> &str {
    match f.destinations.as_slice() {
        [one] => one,
        _ => "multiple",
    }
}
fn key_control_entry(f: &DecisionFact) -> &str {
    let mut entries = f
        .lines
        .iter()
        .flat_map(|l| l.control_entries.iter().map(String::as_str));
    match entries.next() {
        // One distinct entry over all lines.
        Some(first) if entries.all(|e| e == first) => first,
        _ if is_cyber(f) => "multiple-cyber-surveillance",
        _ => "multiple",
    }
}
fn key_end_user(f: &DecisionFact) -> &str {
    match f.end_user_types.as_slice() {
        [one] => one.as_str(),
        _ => "multiple",
    }
}
fn is_cyber(f: &DecisionFact) -> bool {
    f.lines.iter().any(|l| l.cyber_surveillance)
}

const OTHER: &str = "other";
const OTHER_CYBER: &str = "other-cyber-surveillance";

/// Rows with fewer applications than the threshold are merged into an `other` row of their group (a row that
/// is shown reveals that it has at least one application, which would pin small suppressed rows); while that
/// row is itself below the threshold, the smallest remaining row of the group joins it. `sizes` holds a
/// category's size in each period of a year family (the year and its quarters): the merging is the same in
/// all of them, so a row means the same cases in the year and in every quarter and the year's row is the sum
/// of the quarters' rows. A category is merged when it is small in any of them.
fn merge_small(
    sizes: &[BTreeMap<String, u64>],
    k: u64,
    group: impl Fn(&str) -> &'static str,
) -> HashMap<String, String> {
    let mut into: HashMap<String, String> = HashMap::new();
    let size = |p: &BTreeMap<String, u64>, key: &str| p.get(key).copied().unwrap_or(0);
    for g in [OTHER, OTHER_CYBER] {
        let members: BTreeSet<&String> = sizes
            .iter()
            .flat_map(|p| p.keys())
            .filter(|key| group(key) == g)
            .collect();
        for key in &members {
            if sizes.iter().any(|p| (1..k).contains(&size(p, key))) {
                into.insert((*key).clone(), g.to_string());
            }
        }
        // While the merged row of some period is below the threshold, the smallest remaining row of that
        // period joins it (everywhere).
        loop {
            let small = sizes.iter().find(|p| {
                let n: u64 = members
                    .iter()
                    .filter(|key| into.contains_key(**key))
                    .map(|key| size(p, key))
                    .sum();
                n > 0 && n < k
            });
            let Some(p) = small else { break };
            let next = members
                .iter()
                .filter(|key| !into.contains_key(**key) && size(p, key) > 0)
                .min_by_key(|key| (size(p, key), (**key).clone()));
            match next {
                Some(key) => {
                    into.insert((*key).clone(), g.to_string());
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
    by_outcome: [u64; OUTCOMES.len()],
    days: Vec<u32>,
    with_target: u64,
    within: u64,
}

impl Acc {
    fn add(&mut self, f: &DecisionFact) {
        let Some(i) = outcome_column(f.outcome) else {
            return;
        };
        self.by_outcome[i] += 1;
        // Processing times of decisions only (issued, on appeal too, and refused): a "no licence required"
        // conclusion is counted but has no processing time, so that decided = issued + refused stays exact
        // for disclosure control.
        if i < 2 {
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
    key: fn(&DecisionFact) -> &str,
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
const AFTER_ISSUE_ID: &str = "after-issue";
/// Not published: the control-entry rows outside the cyber-surveillance section. Their totals follow from
/// the period totals and the section's totals, so disclosure control must protect them too.
const NON_CYBER_ID: &str = "non-cyber";

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

/// Columns of the processing-time equations: decisions within their target and the others (`late`, which
/// includes decisions without a target) add up to the decided (issued and refused) cases. Never published as
/// counts; the share within target reveals them, so disclosure control protects them like counts.
const TIME_CELLS: [&str; 3] = ["within", "late", "decided"];

/// The rows of one period of a year family, before disclosure control.
struct Slice {
    period: Period,
    /// Prefix of its cell keys: `<period label>|`.
    prefix: String,
    /// The published tables (four dimensions, then the cyber-surveillance section) and the hidden
    /// non-cyber rows.
    accs: Vec<(String, BTreeMap<String, Acc>, Acc)>,
    crit: BTreeMap<domain::RefusalCriterion, u64>,
    /// Events after issue in the period, by event.
    events: BTreeMap<FactOutcome, u64>,
}

/// A two-way table of one period with its row and column labels (the last row and column are the totals).
struct Grid {
    rows: Vec<String>,
    cells: Vec<Vec<String>>,
    shared_total_row: bool,
}

impl Grid {
    fn key(&self, row: &str, col: usize) -> Option<&String> {
        let i = self.rows.iter().position(|r| r == row)?;
        Some(&self.cells[i][col])
    }
}

/// What an outsider can know about the cells of a year and its quarters besides their published values:
/// the relations between cells, which rows, refusal criteria and events are listed, and which processing-time
/// counts the published shares reveal. Used by the audit that follows the heuristic suppression.
struct Disclosed {
    relations: Vec<Relation>,
    /// For each within-target count of a published row: the row's cases with a target and decided cases, and
    /// the cells whose suppression withholds its share (issued, refused, within, late).
    shares: BTreeMap<String, Vec<(u64, u64, [String; 4])>>,
    /// `decided` cells of published rows without any decided case (their processing times are empty, `null`).
    no_decisions: BTreeSet<String>,
    /// For each cell, the equations it appears in.
    uses: HashMap<String, Vec<usize>>,
}

impl Disclosed {
    fn new(
        slices: &[Slice],
        layouts: &[Layout],
        derived: &[(String, Vec<String>)],
        order: &[usize],
        k: u64,
    ) -> Disclosed {
        let mut rels: BTreeSet<Relation> = BTreeSet::new();
        let mut add = |mut r: Relation| {
            r.terms.sort_by(|a, b| a.1.cmp(&b.1));
            rels.insert(r);
        };
        for l in layouts {
            let (rows, cols) = (l.cells.len(), l.cells[0].len());
            for i in 0..rows {
                let mut t: Vec<(i64, String)> = l.cells[i][..cols - 1]
                    .iter()
                    .map(|c| (1, c.clone()))
                    .collect();
                t.push((-1, l.cells[i][cols - 1].clone()));
                add(Relation::eq(t, 0));
            }
            for j in 0..cols {
                let mut t: Vec<(i64, String)> = l.cells[..rows - 1]
                    .iter()
                    .map(|r| (1, r[j].clone()))
                    .collect();
                t.push((-1, l.cells[rows - 1][j].clone()));
                add(Relation::eq(t, 0));
            }
        }
        for (cell, from) in derived {
            if cell.ends_with("/decided") && !is_hidden(cell) {
                let mut t = vec![(1, cell.clone())];
                t.extend(from.iter().map(|f| (-1, f.clone())));
                add(Relation::eq(t, 0));
            }
        }
        let key = |s: &Slice, t: &str, row: Option<&str>, c: &str| {
            format!("{}{}", s.prefix, cell_key(t, row, c))
        };
        let mut shares: BTreeMap<String, Vec<(u64, u64, [String; 4])>> = BTreeMap::new();
        let mut no_decisions = BTreeSet::new();
        for (p, s) in slices.iter().enumerate() {
            let withheld = s.accs[0].2.total() < k;
            let refused = key(s, "", None, "refused");
            // No criterion is cited by more refusals than there are; every refusal cites one at least.
            for c in s.crit.keys() {
                let c = key(s, CRITERIA_ID, Some(c.as_str()), "refusals");
                add(Relation::ge(vec![(1, refused.clone()), (-1, c)], 0));
            }
            let cited: u64 = s.crit.values().sum();
            if cited >= s.accs[0].2.by_outcome[1] {
                let mut t: Vec<(i64, String)> = s
                    .crit
                    .keys()
                    .map(|c| (1, key(s, CRITERIA_ID, Some(c.as_str()), "refusals")))
                    .collect();
                t.push((-1, refused.clone()));
                add(Relation::ge(t, 0));
            }
            if withheld {
                // A period that publishes nothing has fewer cases than the threshold.
                let total = key(s, "", None, "applications");
                add(Relation::ge(vec![(-1, total)], 1 - k as i64));
            } else {
                // A listed row, criterion or event has at least one case.
                for (id, rows, _) in &s.accs[..DIMS.len() + 1] {
                    for r in rows.keys() {
                        add(Relation::ge(
                            vec![(1, key(s, id, Some(r), "applications"))],
                            1,
                        ));
                    }
                }
                // A quarter lists every criterion of its year: only the year's list says "cited at least once".
                for c in s.crit.keys().filter(|_| p == 0) {
                    let c = key(s, CRITERIA_ID, Some(c.as_str()), "refusals");
                    add(Relation::ge(vec![(1, c)], 1));
                }
                for e in s.events.keys() {
                    let e = key(s, AFTER_ISSUE_ID, Some(e.as_str()), "licences");
                    add(Relation::ge(vec![(1, e)], 1));
                }
            }
            for (id, rows, total) in &s.accs[..DIMS.len() + 1] {
                let listed = rows
                    .iter()
                    .filter(|_| !withheld)
                    .map(|(r, a)| (Some(r.as_str()), a));
                for (row, acc) in listed.chain([(None, total)]) {
                    let n = acc.days.len() as u64;
                    if n == 0 {
                        no_decisions.insert(key(s, id, row, "decided"));
                    }
                    shares.entry(key(s, id, row, "within")).or_default().push((
                        acc.with_target,
                        n,
                        ["issued", "refused", "within", "late"].map(|c| key(s, id, row, c)),
                    ));
                }
            }
        }
        // The year is the sum of its quarters for refusal criteria and events too.
        let crits: BTreeSet<domain::RefusalCriterion> =
            slices.iter().flat_map(|s| s.crit.keys().copied()).collect();
        let evs: BTreeSet<FactOutcome> = slices
            .iter()
            .flat_map(|s| s.events.keys().copied())
            .collect();
        let year_sums = crits
            .iter()
            .map(|c| (CRITERIA_ID, c.as_str(), "refusals"))
            .chain(evs.iter().map(|e| (AFTER_ISSUE_ID, e.as_str(), "licences")));
        for (t, row, col) in year_sums {
            let terms = order
                .iter()
                .map(|&p| {
                    (
                        if p == 0 { -1 } else { 1 },
                        key(&slices[p], t, Some(row), col),
                    )
                })
                .collect();
            add(Relation::eq(terms, 0));
        }
        let relations: Vec<Relation> = rels.into_iter().collect();
        let mut uses: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in relations.iter().enumerate().filter(|(_, r)| r.eq) {
            for (_, c) in &r.terms {
                uses.entry(c.clone()).or_default().push(i);
            }
        }
        Disclosed {
            relations,
            shares,
            no_decisions,
            uses,
        }
    }

    /// Whether a cell's value is published (or otherwise known) under suppression `s`.
    fn known(&self, key: &str, s: &BTreeSet<String>) -> bool {
        if s.contains(key) || is_hidden(key) || key.ends_with("/late") {
            return false;
        }
        if key.ends_with("/decided") {
            return self.no_decisions.contains(key);
        }
        if key.ends_with("/within") {
            // Known when some published row shows its share, or has no case with a target (`null`).
            return self.shares.get(key).is_some_and(|rows| {
                rows.iter().any(|(with_target, n, cells)| {
                    *with_target == 0 || (with_target == n && cells.iter().all(|c| !s.contains(c)))
                })
            });
        }
        true
    }

    /// Adds complementary suppression until no suppressed cell (and no within-target count behind a withheld
    /// share) with a positive value is pinned; returns the suppression and the cells it left pinned (none,
    /// unless no published cell was left near one). A pinned suppressed cell of at least `k` cases is published
    /// instead: its value is known anyway, and a large count is not sensitive; it is never withheld again.
    /// `heuristic` restores the heuristic's rules after each round (it never chooses the cells it is given).
    fn audit(
        &self,
        mut s: BTreeSet<String>,
        upper: u64,
        k: u64,
        heuristic: impl Fn(BTreeSet<String>, &BTreeSet<String>) -> BTreeSet<String>,
        values: &HashMap<String, u64>,
        protected: &BTreeSet<String>,
    ) -> (BTreeSet<String>, Vec<String>) {
        let value = |key: &str| values.get(key).copied().unwrap_or(0);
        let mut revealed: BTreeSet<String> = BTreeSet::new();
        loop {
            let truth = |key: &str| value(key) as i64;
            let known = |key: &str| self.known(key, &s);
            let checked = |key: &str| {
                !is_hidden(key)
                    && !key.ends_with("/decided")
                    && (s.contains(key) || key.ends_with("/within"))
            };
            let pinned = audit::pinned(&self.relations, &truth, &known, &checked, upper as i64);
            if pinned.is_empty() {
                return (s, pinned);
            }
            let (large, small): (Vec<&String>, Vec<&String>) =
                pinned.iter().partition(|c| s.contains(*c) && value(c) >= k);
            let mut add = BTreeSet::new();
            let closed: BTreeSet<String> = protected.union(&revealed).cloned().collect();
            for cell in small {
                if let Some(c) = self.complement(cell, &s, values, &closed) {
                    add.insert(c);
                }
            }
            if add.is_empty() && large.is_empty() {
                // Nothing left to withhold near the pinned cells.
                return (s, pinned);
            }
            for c in large {
                s.remove(c);
                revealed.insert(c.clone());
            }
            s.extend(add);
            s = heuristic(s, &revealed);
        }
    }

    /// The published cell nearest `cell` in the equations (breadth first) that is cheapest to withhold: the
    /// smallest positive count, then zeros, ties by key.
    fn complement(
        &self,
        cell: &str,
        s: &BTreeSet<String>,
        values: &HashMap<String, u64>,
        protected: &BTreeSet<String>,
    ) -> Option<String> {
        let mut seen: BTreeSet<&str> = BTreeSet::from([cell]);
        let mut layer: Vec<&str> = vec![cell];
        while !layer.is_empty() {
            let mut next: BTreeSet<&str> = BTreeSet::new();
            for c in &layer {
                for &r in self.uses.get(*c).map_or(&[][..], Vec::as_slice) {
                    for (_, o) in &self.relations[r].terms {
                        if seen.insert(o.as_str()) {
                            next.insert(o.as_str());
                        }
                    }
                }
            }
            let best = next
                .iter()
                .filter(|c| self.known(c, s) && !protected.contains(**c))
                .min_by_key(|c| {
                    let n = values.get(**c).copied().unwrap_or(0);
                    (n == 0, n, **c)
                });
            if let Some(b) = best {
                return Some(b.to_string());
            }
            layer = next.into_iter().collect();
        }
        None
    }
}

/// Cells never published on their own (the non-cyber totals).
fn is_hidden(key: &str) -> bool {
    key.split_once('|')
        .map_or(key, |(_, cell)| cell)
        .starts_with(HIDDEN_PREFIX)
}

/// Computes the statistics of `period` from the facts recorded until `as_of`.
///
/// A year and its quarters are computed and protected together (whichever of them is asked for), with the
/// same rows, so that no suppressed cell of a quarter can be recovered from the year minus the other
/// quarters, nor a year's from its quarters.
pub fn report(facts: &[StoredFact], period: &Period, as_of: &str, opts: &Options) -> Report {
    audited_report(facts, period, as_of, opts).0
}

/// [`report`], and the suppressed cells its audit left pinned (a value every completion agrees on).
fn audited_report(
    facts: &[StoredFact],
    period: &Period,
    as_of: &str,
    opts: &Options,
) -> (Report, Vec<String>) {
    let data_version = data_version(facts, as_of);
    let family = period.year_family();
    let wanted = family
        .iter()
        .position(|p| p.label() == period.label())
        .unwrap_or(0);
    let latest = latest_facts(facts, as_of);
    let counted: HashSet<&str> = latest.iter().map(|f| f.fact.case_id.as_str()).collect();
    // Events after issue in the year, by the period of the event's date.
    let mut events: Vec<BTreeMap<FactOutcome, u64>> = vec![BTreeMap::new(); family.len()];
    for e in after_issue_events(facts, as_of, &counted) {
        for (p, period) in family.iter().enumerate() {
            if period.contains(e.decided_on) {
                *events[p].entry(e.outcome).or_default() += 1;
            }
        }
    }
    let year_facts: Vec<&DecisionFact> = latest
        .into_iter()
        .map(|f| &f.fact)
        .filter(|f| family[0].contains(f.decided_on))
        .collect();
    let k = u64::from(opts.threshold.max(1));

    // Each fact's periods (the year and its quarter) and its row key in every dimension, computed once and
    // interned: `raw[i][d]` indexes `names[d]`. Every later step works on these small integers, not on
    // strings (100,000 facts, BENCHMARKS.md).
    let periods_of: Vec<[usize; 2]> = year_facts
        .iter()
        .map(|f| {
            let q = family[1..]
                .iter()
                .position(|p| p.contains(f.decided_on))
                .map_or(0, |q| q + 1);
            [0, q]
        })
        .collect();
    let mut names: [Vec<&str>; 4] = Default::default();
    let mut ids: [HashMap<&str, usize>; 4] = Default::default();
    let mut raw: Vec<[usize; 4]> = Vec::with_capacity(year_facts.len());
    for f in &year_facts {
        let mut r = [0; 4];
        for (d, dim) in DIMS.iter().enumerate() {
            let key = (dim.key)(f);
            r[d] = *ids[d].entry(key).or_insert_with(|| {
                names[d].push(key);
                names[d].len() - 1
            });
        }
        raw.push(r);
    }
    // Row merging, the same in the year and each quarter.
    let mut cyber_raw = vec![false; names[2].len()];
    let mut sizes: Vec<Vec<Vec<u64>>> = names
        .iter()
        .map(|n| vec![vec![0; n.len()]; family.len()])
        .collect();
    for ((f, r), ps) in year_facts.iter().zip(&raw).zip(&periods_of) {
        if is_cyber(f) {
            cyber_raw[r[2]] = true;
        }
        for (d, &id) in r.iter().enumerate() {
            for &p in ps {
                sizes[d][p][id] += 1;
            }
        }
    }
    // `row_of[d][raw id]` = the row (an index into `rows[d]`) a raw key is counted in after merging.
    let mut rows: [Vec<String>; 4] = Default::default();
    let mut row_of: [Vec<usize>; 4] = Default::default();
    for (d, dim) in DIMS.iter().enumerate() {
        let by_period: Vec<BTreeMap<String, u64>> = sizes[d]
            .iter()
            .map(|counts| {
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(id, n)| (names[d][id].to_string(), *n))
                    .collect()
            })
            .collect();
        let cyber: BTreeSet<&str> = (0..names[d].len())
            .filter(|&id| d == 2 && cyber_raw[id])
            .map(|id| names[d][id])
            .collect();
        let group = |key: &str| -> &'static str {
            if dim.id == "by-control-entry" && cyber.contains(key) {
                OTHER_CYBER
            } else {
                OTHER
            }
        };
        let merged = merge_small(&by_period, k, group);
        let mut row_ids: HashMap<&str, usize> = HashMap::new();
        for name in &names[d] {
            let row = merged.get(*name).map_or(*name, String::as_str);
            let id = *row_ids.entry(row).or_insert_with(|| {
                rows[d].push(row.to_string());
                rows[d].len() - 1
            });
            row_of[d].push(id);
        }
    }
    let keys: Vec<[usize; 4]> = raw
        .iter()
        .map(|r| std::array::from_fn(|d| row_of[d][r[d]]))
        .collect();
    // The cyber-surveillance section: the control-entry rows that hold a cyber-surveillance decision.
    let mut cyber_rows = vec![false; rows[2].len()];
    for (f, key) in year_facts.iter().zip(&keys) {
        if is_cyber(f) {
            cyber_rows[key[2]] = true;
        }
    }

    // Accumulate per period, table and row index; then name the rows a period has.
    let row_counts: Vec<usize> = rows
        .iter()
        .map(Vec::len)
        .chain([rows[2].len(), rows[2].len()])
        .collect();
    let mut by_index: Vec<Vec<(Vec<Acc>, Acc)>> = family
        .iter()
        .map(|_| {
            row_counts
                .iter()
                .map(|&n| ((0..n).map(|_| Acc::default()).collect(), Acc::default()))
                .collect()
        })
        .collect();
    let mut crits: Vec<BTreeMap<domain::RefusalCriterion, u64>> =
        vec![BTreeMap::new(); family.len()];
    for ((f, key), ps) in year_facts.iter().zip(&keys).zip(&periods_of) {
        let section = if cyber_rows[key[2]] {
            DIMS.len()
        } else {
            DIMS.len() + 1
        };
        for &p in ps {
            let s = &mut by_index[p];
            for (d, &row) in key.iter().enumerate() {
                s[d].0[row].add(f);
                s[d].1.add(f);
            }
            s[section].0[key[2]].add(f);
            s[section].1.add(f);
            // Refusals by criterion (a refusal may cite several: the rows need not add up to the refusals).
            if f.outcome == FactOutcome::Refused {
                for c in f.criteria.iter().collect::<BTreeSet<_>>() {
                    *crits[p].entry(*c).or_default() += 1;
                }
            }
        }
    }
    // A quarter lists every refusal criterion its year lists, zero included: whether a quarter lists a
    // criterion then says nothing about the quarter (a criterion listed only where it was cited would say "at
    // least one refusal citing it", which together with the year's figures pinned counts; seed 9).
    let year_criteria: Vec<domain::RefusalCriterion> = crits[0].keys().copied().collect();
    for quarter in &mut crits[1..] {
        for c in &year_criteria {
            quarter.entry(*c).or_insert(0);
        }
    }
    let table_ids = DIMS.iter().map(|d| d.id).chain([CYBER_ID, NON_CYBER_ID]);
    let slices: Vec<Slice> = family
        .iter()
        .zip(by_index)
        .zip(crits)
        .zip(events)
        .map(|(((p, tables), crit), events)| Slice {
            prefix: format!("{}|", p.label()),
            period: p.clone(),
            accs: table_ids
                .clone()
                .zip(tables)
                .enumerate()
                .map(|(t, (id, (accs, total)))| {
                    let names = if t < DIMS.len() { &rows[t] } else { &rows[2] };
                    let rows: BTreeMap<String, Acc> = accs
                        .into_iter()
                        .enumerate()
                        .filter(|(_, a)| a.total() > 0)
                        .map(|(i, a)| (names[i].clone(), a))
                        .collect();
                    (id.to_string(), rows, total)
                })
                .collect(),
            crit,
            events,
        })
        .collect();

    // Every cell of every period, and each period's two-way tables: counts by outcome, and processing-time
    // counts (within target + late = decided), for the published tables, the hidden non-cyber rows and the
    // groups (cyber total, non-cyber total, period total).
    let mut values: HashMap<String, u64> = HashMap::new();
    let mut grids: Vec<Vec<Grid>> = Vec::new();
    let mut derived: Vec<(String, Vec<String>)> = Vec::new();
    let mut protected: BTreeSet<String> = BTreeSet::new();
    // The outcome columns by their published names (`no-licence-required` is published as
    // `no_licence_required`, like the other column names).
    let names: Vec<String> = OUTCOMES
        .iter()
        .map(|o| o.as_str().replace('-', "_"))
        .collect();
    let count_cols: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .chain(["applications"])
        .collect();
    for s in &slices {
        let key =
            |t: &str, row: Option<&str>, c: &str| format!("{}{}", s.prefix, cell_key(t, row, c));
        let mut gs = Vec::new();
        for (id, rows, total) in &s.accs {
            let all: Vec<(Option<&str>, &Acc)> = rows
                .iter()
                .map(|(k, a)| (Some(k.as_str()), a))
                .chain([(None, total)])
                .collect();
            let labels: Vec<String> = all
                .iter()
                .map(|(r, _)| r.unwrap_or("total").to_string())
                .collect();
            let mut counts = Vec::new();
            let mut times = Vec::new();
            for (row, acc) in &all {
                let mut line = Vec::new();
                for (i, c) in count_cols.iter().enumerate() {
                    let n = if i < OUTCOMES.len() {
                        acc.by_outcome[i]
                    } else {
                        acc.total()
                    };
                    values.insert(key(id, *row, c), n);
                    line.push(key(id, *row, c));
                }
                counts.push(line);
                let decided = acc.days.len() as u64;
                let mut line = Vec::new();
                for (c, n) in TIME_CELLS
                    .iter()
                    .zip([acc.within, decided - acc.within, decided])
                {
                    values.insert(key(id, *row, c), n);
                    line.push(key(id, *row, c));
                }
                // Decided = issued + refused: known exactly when both are; never a complement itself.
                derived.push((
                    key(id, *row, "decided"),
                    vec![key(id, *row, "issued"), key(id, *row, "refused")],
                ));
                protected.insert(key(id, *row, "decided"));
                times.push(line);
            }
            let shared = id != CYBER_ID && id != NON_CYBER_ID;
            gs.push(Grid {
                rows: labels.clone(),
                cells: counts,
                shared_total_row: shared,
            });
            gs.push(Grid {
                rows: labels,
                cells: times,
                shared_total_row: shared,
            });
        }
        for cols in [&count_cols[..], &TIME_CELLS[..]] {
            gs.push(Grid {
                rows: vec!["cyber".into(), "non-cyber".into(), "total".into()],
                cells: [CYBER_ID, NON_CYBER_ID, ""]
                    .iter()
                    .map(|t| cols.iter().map(|c| key(t, None, c)).collect())
                    .collect(),
                shared_total_row: true,
            });
            for c in cols {
                derived.push((
                    key(NON_CYBER_ID, None, c),
                    vec![key("", None, c), key(CYBER_ID, None, c)],
                ));
            }
        }
        grids.push(gs);
    }
    let mut layouts: Vec<Layout> = grids
        .iter()
        .flatten()
        .map(|g| Layout {
            cells: g.cells.clone(),
            shared_total_row: g.shared_total_row,
        })
        .collect();
    // The year is the sum of its quarters: for each table, a (quarter + year) x column table per row and a
    // row x (quarter + year) table per column. A row a quarter does not have is a known zero.
    let order: Vec<usize> = (1..slices.len()).chain([0]).collect();
    let mut absent = |p: usize, gi: usize, row: &str, col: usize| -> String {
        let key = format!("{}absent/{gi}/{row}/{col}", slices[p].prefix);
        protected.insert(key.clone());
        key
    };
    for gi in 0..grids[0].len() {
        let mut rows: BTreeSet<&String> = BTreeSet::new();
        for g in &grids {
            rows.extend(g[gi].rows.iter().filter(|r| *r != "total"));
        }
        let mut rows: Vec<String> = rows.into_iter().cloned().collect();
        rows.push("total".into());
        let cols = grids[0][gi].cells[0].len();
        let mut cell = |p: usize, row: &str, col: usize| -> String {
            grids[p][gi]
                .key(row, col)
                .cloned()
                .unwrap_or_else(|| absent(p, gi, row, col))
        };
        for row in &rows {
            layouts.push(Layout {
                cells: order
                    .iter()
                    .map(|&p| (0..cols).map(|c| cell(p, row, c)).collect())
                    .collect(),
                shared_total_row: false,
            });
        }
        for c in 0..cols {
            layouts.push(Layout {
                cells: rows
                    .iter()
                    .map(|row| order.iter().map(|&p| cell(p, row, c)).collect())
                    .collect(),
                shared_total_row: false,
            });
        }
    }
    let mut lists: Vec<Vec<String>> = Vec::new();
    let crit_key = |s: &Slice, c: domain::RefusalCriterion| {
        format!(
            "{}{}",
            s.prefix,
            cell_key(CRITERIA_ID, Some(c.as_str()), "refusals")
        )
    };
    for s in &slices {
        for (c, n) in &s.crit {
            values.insert(crit_key(s, *c), *n);
        }
        lists.push(s.crit.keys().map(|c| crit_key(s, *c)).collect());
    }
    // Events after issue: no total is published, so only the year and its quarters constrain them.
    let event_key = |s: &Slice, e: FactOutcome| {
        format!(
            "{}{}",
            s.prefix,
            cell_key(AFTER_ISSUE_ID, Some(e.as_str()), "licences")
        )
    };
    for s in &slices {
        for (e, n) in &s.events {
            values.insert(event_key(s, *e), *n);
        }
    }
    for e in AFTER_ISSUE {
        if slices.iter().all(|s| !s.events.contains_key(&e)) {
            continue;
        }
        lists.push(
            order
                .iter()
                .map(|&p| {
                    let key = event_key(&slices[p], e);
                    if !values.contains_key(&key) {
                        protected.insert(key.clone());
                    }
                    key
                })
                .collect(),
        );
    }
    let all_criteria: BTreeSet<domain::RefusalCriterion> =
        slices.iter().flat_map(|s| s.crit.keys().copied()).collect();
    for c in all_criteria {
        lists.push(
            order
                .iter()
                .map(|&p| {
                    // A quarter's zero is published like a row the quarter does not have: never a complement.
                    let key = crit_key(&slices[p], c);
                    if values.get(&key).copied().unwrap_or(0) == 0 {
                        protected.insert(key.clone());
                    }
                    key
                })
                .collect(),
        );
    }
    // The year's grand total is always published; a period with fewer cases than the threshold publishes
    // nothing.
    let grand = |s: &Slice| format!("{}{}", s.prefix, cell_key("", None, "applications"));
    protected.insert(grand(&slices[0]));
    let mut initial = BTreeSet::new();
    for (s, gs) in slices.iter().zip(&grids) {
        if values.get(&grand(s)).copied().unwrap_or(0) < k {
            for g in gs {
                initial.extend(g.cells.iter().flatten().cloned());
            }
            initial.extend(
                s.crit
                    .iter()
                    .filter(|c| *c.1 > 0)
                    .map(|c| crit_key(s, *c.0)),
            );
            initial.extend(s.events.keys().map(|e| event_key(s, *e)));
        }
    }
    let (suppressed, pinned) = if opts.suppress {
        let s = suppress(&layouts, &lists, &values, k, &protected, &derived, initial);
        let year_cases = values.get(&grand(&slices[0])).copied().unwrap_or(0);
        if year_cases < k {
            // Nothing is published.
            (s, Vec::new())
        } else {
            let facts = Disclosed::new(&slices, &layouts, &derived, order.as_slice(), k);
            let heuristic = |s: BTreeSet<String>, revealed: &BTreeSet<String>| {
                let closed: BTreeSet<String> = protected.union(revealed).cloned().collect();
                suppress(&layouts, &lists, &values, k, &closed, &derived, s)
            };
            facts.audit(s, year_cases, k, heuristic, &values, &protected)
        }
    } else {
        (BTreeSet::new(), Vec::new())
    };

    let Slice {
        period,
        prefix,
        accs,
        crit,
        events,
    } = &slices[wanted];
    let is_suppressed = |key: String| suppressed.contains(&format!("{prefix}{key}"));
    let count = |key: String| {
        let key = format!("{prefix}{key}");
        if suppressed.contains(&key) {
            Figure::Suppressed
        } else {
            Figure::Count(values.get(&key).copied().unwrap_or(0))
        }
    };
    // A period with fewer cases than the threshold publishes nothing, not even which rows or refusal
    // criteria it has: a listed row says "at least one case", which together with the year's figures can
    // pin a suppressed cell.
    let withheld = opts.suppress && values.get(&grand(&slices[wanted])).copied().unwrap_or(0) < k;
    let accs = &accs[..DIMS.len() + 1];
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
                .all(|c| !is_suppressed(cell_key(id, row, c)));
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
            // Shown only where every decided case had a target and the within-target and late counts are
            // published figures under disclosure control (a share reveals both).
            let share = if acc.with_target == 0 {
                Figure::Missing
            } else if !decided_known
                || acc.with_target != n
                || is_suppressed(cell_key(id, row, "within"))
                || is_suppressed(cell_key(id, row, "late"))
            {
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
            rows: if withheld {
                Vec::new()
            } else {
                rows.iter().map(|(k, a)| make(Some(k), a)).collect()
            },
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
            .filter(|_| !withheld)
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
    tables.push(Table {
        id: AFTER_ISSUE_ID.into(),
        title: "Licences revoked, surrendered or annulled after issue, by date of the event".into(),
        dimension: "event".into(),
        as_of: as_of.to_string(),
        data_version: data_version.clone(),
        columns: vec!["licences".into()],
        rows: events
            .keys()
            .filter(|_| !withheld)
            .map(|e| Row {
                key: e.as_str().into(),
                figures: vec![(
                    "licences".into(),
                    count(cell_key(AFTER_ISSUE_ID, Some(e.as_str()), "licences")),
                )],
            })
            .collect(),
        total: None,
    });
    let report = Report {
        period: period.label().to_string(),
        from: period.from().to_string(),
        to: period.to().to_string(),
        as_of: as_of.to_string(),
        data_version,
        threshold: opts.threshold,
        tables,
    };
    (report, pinned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(seq: i64, kind: FactKind, outcome: FactOutcome, case: &str, on: &str) -> StoredFact {
        let mut f = crate::synthetic::facts(1, 1, "2026-01-05".parse().unwrap(), 1).remove(0);
        f.seq = seq;
        f.kind = kind;
        f.supersedes = (kind != FactKind::Outcome).then_some(seq - 1);
        f.recorded_at = format!("{on}T12:00:00.000Z");
        f.fact.case_id = case.into();
        f.fact.outcome = outcome;
        f.fact.criteria = vec![];
        f.fact.decided_on = on.parse().unwrap();
        f.fact.submitted_on = "2026-01-01".parse().unwrap();
        f
    }

    fn figure(r: &Report, table: &str, row: &str, col: &str) -> Option<Figure> {
        let t = r.tables.iter().find(|t| t.id == table)?;
        let row = if row == "total" {
            t.total.as_ref()
        } else {
            t.rows.iter().find(|x| x.key == row)
        }?;
        row.get(col).cloned()
    }

    /// Every outcome lands in its column; a licence issued on appeal replaces the refusal it overturned; an
    /// event after issue counts in its own table and leaves the case issued; an exclusion removes both.
    #[test]
    fn outcomes_corrections_and_events_after_issue() {
        use FactKind::*;
        use FactOutcome::*;
        let facts: Vec<StoredFact> = vec![
            stored(1, Outcome, Issued, "a", "2026-02-01"),
            stored(2, Outcome, Refused, "b", "2026-02-02"),
            stored(3, Outcome, Withdrawn, "c", "2026-02-03"),
            stored(4, Outcome, Lapsed, "d", "2026-02-04"),
            stored(5, Outcome, Refused, "e", "2026-02-05"),
            stored(6, Correction, IssuedOnAppeal, "e", "2026-05-06"),
            stored(7, AfterIssue, Surrendered, "a", "2026-08-07"),
            stored(8, Outcome, Issued, "f", "2026-02-08"),
            stored(9, AfterIssue, Annulled, "f", "2026-08-09"),
            stored(10, Outcome, Issued, "g", "2026-02-10"),
            stored(11, AfterIssue, Revoked, "g", "2026-08-11"),
            stored(12, Outcome, Issued, "h", "2026-02-12"),
            stored(13, AfterIssue, Revoked, "h", "2026-08-13"),
            stored(14, Exclusion, Revoked, "h", "2026-08-14"),
        ];
        let opts = Options {
            suppress: false,
            ..Options::default()
        };
        let year = Period::parse("2026").unwrap();
        let count = |as_of: &str, table: &str, row: &str, col: &str| {
            figure(&report(&facts, &year, as_of, &opts), table, row, col)
        };
        let end = "2026-12-31T23:59:59.000Z";
        for (col, n) in [
            ("applications", 7),
            ("issued", 4),
            ("refused", 1),
            ("withdrawn", 1),
            ("lapsed", 1),
        ] {
            assert_eq!(
                count(end, "by-licence-kind", "total", col),
                Some(Figure::Count(n)),
                "{col}"
            );
        }
        for (row, n) in [("revoked", 1), ("surrendered", 1), ("annulled", 1)] {
            assert_eq!(
                count(end, AFTER_ISSUE_ID, row, "licences"),
                Some(Figure::Count(n)),
                "{row}"
            );
        }
        // Before the appeal: e is refused; before the events: nothing after issue.
        let before = "2026-03-01T00:00:00.000Z";
        assert_eq!(
            count(before, "by-licence-kind", "total", "refused"),
            Some(Figure::Count(2))
        );
        assert_eq!(
            count(before, "by-licence-kind", "total", "issued"),
            Some(Figure::Count(4))
        );
        let r = report(&facts, &year, before, &opts);
        let t = r.tables.iter().find(|t| t.id == AFTER_ISSUE_ID).unwrap();
        assert!(t.rows.is_empty(), "{t:?}");
        // The events count in the quarter of their date, not of the issue.
        let q3 = report(&facts, &Period::parse("2026-Q3").unwrap(), end, &opts);
        assert_eq!(
            figure(&q3, AFTER_ISSUE_ID, "surrendered", "licences"),
            Some(Figure::Count(1))
        );
        assert_eq!(
            figure(&q3, "by-licence-kind", "total", "applications"),
            Some(Figure::Count(0))
        );
        // Lapsed and withdrawn cases have no processing time: the decided cases are the issued and refused.
        let mut timed = facts.clone();
        for f in &mut timed {
            f.fact.working_days = if matches!(f.fact.outcome, Withdrawn | Lapsed) {
                999
            } else {
                10
            };
        }
        let r = report(&timed, &year, end, &opts);
        assert_eq!(
            figure(&r, "by-licence-kind", "total", "p90_working_days"),
            Some(Figure::Count(10))
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
    }

    /// The audit ends with no suppressed cell pinned on the data sets the disclosure test attacks and more (seed 9 once
    /// ended with 12 refusal counts pinned: quarters listed only the criteria they cited, and a listed criterion
    /// said "at least one refusal" in that quarter).
    #[test]
    fn the_audit_leaves_nothing_pinned() {
        let sizes = [40usize, 80, 150, 300, 25, 60, 12, 120];
        let year = Period::parse("2025").unwrap();
        for seed in 1..=96u64 {
            let n = sizes[seed as usize % sizes.len()];
            let facts = crate::synthetic::facts(n, seed, "2025-01-01".parse().unwrap(), 365);
            let (_, pinned) = audited_report(
                &facts,
                &year,
                "2100-01-01T00:00:00.000Z",
                &Options::default(),
            );
            assert!(pinned.is_empty(), "seed {seed}: pinned {pinned:?}");
        }
    }

    /// A published quarter lists every refusal criterion its year lists, zero included, so that its list says
    /// nothing about the quarter; a withheld quarter lists none.
    #[test]
    fn quarters_list_the_years_criteria() {
        let as_of = "2100-01-01T00:00:00.000Z";
        let (mut zeros, mut published) = (0, 0);
        for seed in [3u64, 9, 20] {
            let facts = crate::synthetic::facts(80, seed, "2025-01-01".parse().unwrap(), 365);
            let tables = |p: &str| {
                report(
                    &facts,
                    &Period::parse(p).unwrap(),
                    as_of,
                    &Options::default(),
                )
                .tables
            };
            let criteria = |tables: &[Table]| -> Vec<(String, Figure)> {
                let t = tables.iter().find(|t| t.id == CRITERIA_ID).unwrap();
                t.rows
                    .iter()
                    .map(|r| (r.key.clone(), r.figures[0].1.clone()))
                    .collect()
            };
            let year: Vec<String> = criteria(&tables("2025")).into_iter().map(|r| r.0).collect();
            assert!(!year.is_empty());
            for q in 1..=4 {
                let tables = tables(&format!("2025-Q{q}"));
                let rows = criteria(&tables);
                if tables[0].rows.is_empty() {
                    // Withheld: fewer cases than the threshold.
                    assert!(rows.is_empty(), "seed {seed} Q{q}");
                    continue;
                }
                published += 1;
                let keys: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
                assert_eq!(keys, year, "seed {seed} Q{q}");
                zeros += rows.iter().filter(|r| r.1 == Figure::Count(0)).count();
            }
        }
        assert!(
            published >= 8 && zeros > 0,
            "{published} quarters, {zeros} zeros"
        );
    }
}
