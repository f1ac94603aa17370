//! Disclosure control: primary suppression of small counts and complementary suppression so that no
//! suppressed count can be recovered from the row and column totals of its table or from another table of
//! the same period.
//!
//! A two-way table with totals is a set of equations: each row's cells sum to its row total, each column's to
//! its column total. Seen as a bipartite graph (one node per row, total row included, one per column, total
//! column included; one edge per suppressed cell), a suppressed cell can be solved for exactly when its edge
//! is a bridge; it cannot when the edge lies on a cycle, because adding and subtracting alternately round the
//! cycle keeps every total. So: every node has no or at least two suppressed cells, and no suppressed cell is
//! a bridge. Tables of a period share cells (the period's totals by outcome appear in every table; the
//! cyber-surveillance rows are rows of the control-entry table): a shared cell is suppressed everywhere or
//! nowhere, and the suppressed totals are pairwise linked inside every table that shows them, so that a
//! change round a cycle in one table can be matched in every other. The test `tests/disclosure.rs` attacks
//! every published table of a period at once with an exact integer solver and fails to recover a cell.

use std::collections::{BTreeSet, HashMap, VecDeque};

/// Keys of cells that are never published (their suppression follows from the cells they derive from).
pub(crate) const HIDDEN_PREFIX: &str = "non-cyber/total/";
const CYBER_TOTAL_PREFIX: &str = "cyber-surveillance/total/";

/// A two-way table: global keys of its cells, `(rows + 1) x (cols + 1)`, the last row and column the totals.
pub(crate) struct Layout {
    pub cells: Vec<Vec<String>>,
    /// Whether its total row is the period's shared total row.
    pub shared_total_row: bool,
}

impl Layout {
    fn rows(&self) -> usize {
        self.cells.len()
    }
    fn cols(&self) -> usize {
        self.cells[0].len()
    }
}

/// The suppressed cell keys. `lists` are lines without a two-way structure (refusals by criterion within a
/// period, where a refusal may cite several; a criterion's count over the quarters and the year): they get a
/// second suppressed cell whenever they would otherwise have exactly one. `initial` is suppressed from the
/// start (every cell of a period with fewer cases than the threshold); `protected` cells are never chosen as
/// complements (the year's grand total, which is always published, and cells of rows a period does not have,
/// which everyone knows to be zero).
pub(crate) fn suppress(
    layouts: &[Layout],
    lists: &[Vec<String>],
    values: &HashMap<String, u64>,
    k: u64,
    protected: &BTreeSet<String>,
    derived: &[(String, Vec<String>)],
    initial: BTreeSet<String>,
) -> BTreeSet<String> {
    let v = |key: &str| values.get(key).copied().unwrap_or(0);
    let mut s = initial;
    for key in values.keys() {
        let n = v(key);
        if n > 0 && n < k {
            s.insert(key.clone());
        }
    }
    let open = |c: &&String, s: &BTreeSet<String>| !s.contains(*c) && !protected.contains(*c);
    // Each step adds at least one suppression, so this ends.
    loop {
        let mut changed = false;
        // Hidden totals (never published, known when both cells they follow from are): unknown exactly when
        // one of those is suppressed.
        for (hidden, from) in derived {
            if from.iter().any(|f| s.contains(f)) && s.insert(hidden.clone()) {
                changed = true;
            }
        }
        for l in layouts {
            while protect_table(l, &mut s, &v, protected) {
                changed = true;
            }
        }
        if link_totals(layouts, &mut s, &v, protected) {
            changed = true;
        }
        for l in lists {
            let n = l.iter().filter(|c| s.contains(*c)).count();
            if n == 1 {
                if let Some(c) = cheapest(l.iter().filter(|c| open(c, &s)), &v) {
                    changed |= s.insert(c);
                }
            }
        }
        if !changed {
            return s;
        }
    }
}

/// The best complement among candidates: the smallest positive count (a zero complement can pin a cycle).
fn cheapest<'a>(
    cands: impl Iterator<Item = &'a String>,
    v: &impl Fn(&str) -> u64,
) -> Option<String> {
    let best = cands.min_by_key(|c| {
        let n = v(c);
        (n == 0, n, (*c).clone())
    })?;
    // A hidden total is withheld by withholding the published total it is derived from (keys are
    // `<period>|<cell>`).
    let (period, cell) = best.split_once('|').unwrap_or(("", best.as_str()));
    Some(match cell.strip_prefix(HIDDEN_PREFIX) {
        Some(col) if period.is_empty() => format!("{CYBER_TOTAL_PREFIX}{col}"),
        Some(col) => format!("{period}|{CYBER_TOTAL_PREFIX}{col}"),
        None => best.clone(),
    })
}

/// Nodes: rows 0..R, then columns R..R+C.
fn adjacency(l: &Layout, s: &BTreeSet<String>) -> Vec<Vec<(usize, usize, usize)>> {
    let (r, c) = (l.rows(), l.cols());
    let mut adj = vec![Vec::new(); r + c];
    for (i, row) in l.cells.iter().enumerate() {
        for (j, key) in row.iter().enumerate() {
            if s.contains(key) {
                adj[i].push((r + j, i, j));
                adj[r + j].push((i, i, j));
            }
        }
    }
    adj
}

/// Nodes reachable from `start` without using edge `skip` (a cell) or node `avoid`.
fn reach(
    adj: &[Vec<(usize, usize, usize)>],
    start: usize,
    skip: Option<(usize, usize)>,
    avoid: Option<usize>,
) -> Vec<bool> {
    let mut seen = vec![false; adj.len()];
    seen[start] = true;
    let mut q = VecDeque::from([start]);
    while let Some(n) = q.pop_front() {
        for &(m, i, j) in &adj[n] {
            if Some((i, j)) == skip || Some(m) == avoid || seen[m] {
                continue;
            }
            seen[m] = true;
            q.push_back(m);
        }
    }
    seen
}

/// One protection step on one table; true if it suppressed a cell.
fn protect_table(
    l: &Layout,
    s: &mut BTreeSet<String>,
    v: &impl Fn(&str) -> u64,
    protected: &BTreeSet<String>,
) -> bool {
    let (rows, cols) = (l.rows(), l.cols());
    let not_grand = |k: &&String| !protected.contains(*k);
    // A line (row or column) with exactly one suppressed cell gives that cell away.
    for i in 0..rows {
        let line: Vec<&String> = l.cells[i].iter().collect();
        if line.iter().filter(|k| s.contains(**k)).count() == 1 {
            if let Some(c) = cheapest(
                line.into_iter()
                    .filter(|k| !s.contains(*k))
                    .filter(not_grand),
                v,
            ) {
                if s.insert(c) {
                    return true;
                }
            }
        }
    }
    for j in 0..cols {
        let line: Vec<&String> = l.cells.iter().map(|r| &r[j]).collect();
        if line.iter().filter(|k| s.contains(**k)).count() == 1 {
            if let Some(c) = cheapest(
                line.into_iter()
                    .filter(|k| !s.contains(*k))
                    .filter(not_grand),
                v,
            ) {
                if s.insert(c) {
                    return true;
                }
            }
        }
    }
    // A suppressed cell that is a bridge can be solved for: join its two sides with another cell.
    let adj = adjacency(l, s);
    for i in 0..rows {
        for j in 0..cols {
            if !s.contains(&l.cells[i][j]) {
                continue;
            }
            let a = reach(&adj, i, Some((i, j)), None);
            if a[rows + j] {
                continue;
            }
            let b = reach(&adj, rows + j, Some((i, j)), None);
            let cands = (0..rows)
                .flat_map(|r| (0..cols).map(move |c| (r, c)))
                .filter(|&(r, c)| (a[r] && b[rows + c]) || (b[r] && a[rows + c]));
            let keys: Vec<&String> = cands
                .map(|(r, c)| &l.cells[r][c])
                .filter(|k| !s.contains(*k))
                .filter(not_grand)
                .collect();
            if let Some(c) = cheapest(keys.into_iter(), v) {
                if s.insert(c) {
                    return true;
                }
            }
        }
    }
    false
}

/// The period's totals are shown in several tables. Suppressed totals are taken in column order, and each
/// consecutive pair must be connected inside every table without going through the total row, so that a
/// change to the pair (one up, one down) can be absorbed in every table alike.
fn link_totals(
    layouts: &[Layout],
    s: &mut BTreeSet<String>,
    v: &impl Fn(&str) -> u64,
    protected: &BTreeSet<String>,
) -> bool {
    let mut changed = false;
    for l in layouts.iter().filter(|l| l.shared_total_row) {
        let (rows, cols) = (l.rows(), l.cols());
        let total = rows - 1;
        let suppressed: Vec<usize> = (0..cols - 1)
            .filter(|&j| s.contains(&l.cells[total][j]))
            .collect();
        for pair in suppressed.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let adj = adjacency(l, s);
            if reach(&adj, rows + a, None, Some(total))[rows + b] {
                continue;
            }
            // Suppress both cells of the body row that costs least.
            let best = (0..total)
                .filter(|&r| {
                    !protected.contains(&l.cells[r][a]) && !protected.contains(&l.cells[r][b])
                })
                .min_by_key(|&r| {
                    let cost = |j: usize| {
                        let k = &l.cells[r][j];
                        if s.contains(k) {
                            (0, 0)
                        } else {
                            let n = v(k);
                            (u64::from(n == 0), n)
                        }
                    };
                    let (za, na) = cost(a);
                    let (zb, nb) = cost(b);
                    (za + zb, na + nb, r)
                });
            if let Some(r) = best {
                s.insert(l.cells[r][a].clone());
                s.insert(l.cells[r][b].clone());
                changed = true;
            }
        }
    }
    changed
}
