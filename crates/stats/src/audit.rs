//! The disclosure audit: after the heuristic suppression (`suppress.rs`), an exact integer check that no
//! suppressed count has a single possible value.
//!
//! What an outsider knows is written as linear relations over the cells of a year and its quarters (row and
//! column sums of every table, the year as the sum of its quarters, shared cells, decided = issued + refused,
//! refusal criteria against refusals, "a listed row has at least one case", "a withheld period has fewer
//! cases than the threshold") plus the published values. A suppressed cell is *pinned* when every
//! non-negative integer completion of the published figures gives it the same value. For each suppressed
//! cell with a positive true value the audit searches for a completion in which it has another value: a
//! depth-first search over the unknown cells of its connected component with bounds propagation, values
//! nearest the true ones first. A completion found proves every cell it changes safe at once.
//!
//! The search is bounded ([`NODE_BUDGET`] search nodes per probe). A probe that runs out of budget counts as
//! pinned, so the bound costs only extra suppression, never safety: every cell the audit passes has a
//! completion, found and checked, in which its value differs from the true one. The search is deterministic
//! (fixed orders, a node budget rather than a time limit), so the same facts give the same suppression.

use std::collections::{BTreeMap, BTreeSet};

/// Search nodes allowed per probe (one direction of one cell).
pub(crate) const NODE_BUDGET: u32 = 500;

/// `sum(coef * cell) == rhs` (or `>= rhs`) over cell keys.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Relation {
    pub terms: Vec<(i64, String)>,
    pub eq: bool,
    pub rhs: i64,
}

impl Relation {
    pub fn eq(terms: Vec<(i64, String)>, rhs: i64) -> Relation {
        Relation {
            terms,
            eq: true,
            rhs,
        }
    }
    pub fn ge(terms: Vec<(i64, String)>, rhs: i64) -> Relation {
        Relation {
            terms,
            eq: false,
            rhs,
        }
    }
}

/// A relation over the unknown cells only (indices), the known ones moved to the right-hand side.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Lin {
    terms: Vec<(i64, usize)>,
    eq: bool,
    rhs: i64,
}

/// The cells (keys) whose value an outsider can determine exactly although they are not published, among
/// `unknown`-marked cells with a positive true value. `known(key)` says whether a cell's value is published
/// (or otherwise known); `truth` gives every cell's true value (0 when absent); `upper` bounds every count
/// (the year's published grand total). `checked(key)` says whether a cell must stay open (cells that are
/// never published on their own, such as derived sums, may be pinned).
pub(crate) fn pinned(
    relations: &[Relation],
    truth: &dyn Fn(&str) -> i64,
    known: &dyn Fn(&str) -> bool,
    checked: &dyn Fn(&str) -> bool,
    upper: i64,
) -> Vec<String> {
    // Unknown cells, in key order.
    let mut unknown: BTreeSet<&str> = BTreeSet::new();
    for r in relations {
        for (_, k) in &r.terms {
            if !known(k) {
                unknown.insert(k.as_str());
            }
        }
    }
    let names: Vec<&str> = unknown.into_iter().collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let truth_v: Vec<i64> = names.iter().map(|n| truth(n)).collect();
    let mut lins: BTreeSet<Lin> = BTreeSet::new();
    for r in relations {
        let mut rhs = r.rhs;
        let mut terms: BTreeMap<usize, i64> = BTreeMap::new();
        for (a, k) in &r.terms {
            match index.get(k.as_str()) {
                Some(&i) => *terms.entry(i).or_default() += a,
                None => rhs -= a * truth(k),
            }
        }
        let terms: Vec<(i64, usize)> = terms
            .into_iter()
            .filter(|(_, a)| *a != 0)
            .map(|(i, a)| (a, i))
            .collect();
        if terms.is_empty() {
            continue;
        }
        lins.insert(Lin {
            terms,
            eq: r.eq,
            rhs,
        });
    }
    let lins: Vec<Lin> = lins.into_iter().collect();
    // Connected components of the unknown cells.
    let mut parent: Vec<usize> = (0..names.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for l in &lins {
        for &(_, v) in &l.terms[1..] {
            let a = find(&mut parent, l.terms[0].1);
            let b = find(&mut parent, v);
            if a != b {
                parent[b.max(a)] = a.min(b);
            }
        }
    }
    let mut comps: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for v in 0..names.len() {
        let root = find(&mut parent, v);
        comps.entry(root).or_default().push(v);
    }
    let mut comp_lins: BTreeMap<usize, Vec<&Lin>> = BTreeMap::new();
    for l in &lins {
        let root = find(&mut parent, l.terms[0].1);
        comp_lins.entry(root).or_default().push(l);
    }
    let mut out = Vec::new();
    for (root, vars) in comps {
        let local: BTreeMap<usize, usize> = vars.iter().enumerate().map(|(i, v)| (*v, i)).collect();
        let cons: Vec<Lin> = comp_lins
            .get(&root)
            .map(|ls| {
                ls.iter()
                    .map(|l| Lin {
                        terms: l.terms.iter().map(|&(a, v)| (a, local[&v])).collect(),
                        eq: l.eq,
                        rhs: l.rhs,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let comp = Component::new(vars.len(), cons);
        let near: Vec<i64> = vars.iter().map(|&v| truth_v[v]).collect();
        for v in comp.open_cells(&near, upper, |i| {
            let name = names[vars[i]];
            near[i] > 0 && checked(name)
        }) {
            out.push(names[vars[v]].to_string());
        }
    }
    out
}

struct Component {
    cons: Vec<Lin>,
    /// For each cell, the relations it appears in.
    uses: Vec<Vec<usize>>,
}

impl Component {
    fn new(n: usize, cons: Vec<Lin>) -> Component {
        let mut uses = vec![Vec::new(); n];
        for (ci, c) in cons.iter().enumerate() {
            for &(_, v) in &c.terms {
                uses[v].push(ci);
            }
        }
        Component { cons, uses }
    }

    /// The cells (local indices) selected by `check` that are pinned or whose probe ran out of budget.
    fn open_cells(&self, near: &[i64], upper: i64, check: impl Fn(usize) -> bool) -> Vec<usize> {
        let n = near.len();
        let (mut lo, mut hi) = (vec![0i64; n], vec![upper; n]);
        let all: Vec<usize> = (0..self.cons.len()).collect();
        if !self.propagate(&mut lo, &mut hi, &all) {
            // The true figures always satisfy the relations; an empty search space means the model is
            // wrong. Count every cell as pinned (more suppression, never less).
            return (0..n).filter(|&i| check(i)).collect();
        }
        let mut safe = vec![false; n];
        let mut out = Vec::new();
        for v in 0..n {
            if safe[v] || !check(v) {
                continue;
            }
            let t = near[v];
            let mut found = false;
            for (a, b) in [(t + 1, hi[v]), (lo[v], t - 1)] {
                let (a, b) = (a.max(lo[v]), b.min(hi[v]));
                if a > b {
                    continue;
                }
                let (mut l2, mut h2) = (lo.clone(), hi.clone());
                l2[v] = a;
                h2[v] = b;
                let mut budget = NODE_BUDGET;
                if let Some(sol) = self.search(l2, h2, near, &[v], &mut budget) {
                    for (i, x) in sol.iter().enumerate() {
                        if *x != near[i] {
                            safe[i] = true;
                        }
                    }
                    found = true;
                    break;
                }
            }
            if !found {
                out.push(v);
            }
        }
        out
    }

    /// Bounds propagation from the relations in `start` (and those of every cell whose bounds change) to a
    /// fixed point; false if no solution is left.
    fn propagate(&self, lo: &mut [i64], hi: &mut [i64], start: &[usize]) -> bool {
        let mut queued = vec![false; self.cons.len()];
        let mut queue: std::collections::VecDeque<usize> = start.iter().copied().collect();
        for &c in start {
            queued[c] = true;
        }
        while let Some(ci) = queue.pop_front() {
            queued[ci] = false;
            let c = &self.cons[ci];
            let (mut smin, mut smax) = (0i64, 0i64);
            for &(a, v) in &c.terms {
                if a > 0 {
                    smin += a * lo[v];
                    smax += a * hi[v];
                } else {
                    smin += a * hi[v];
                    smax += a * lo[v];
                }
            }
            if smax < c.rhs || (c.eq && smin > c.rhs) {
                return false;
            }
            for &(a, v) in &c.terms {
                let (tmin, tmax) = if a > 0 {
                    (a * lo[v], a * hi[v])
                } else {
                    (a * hi[v], a * lo[v])
                };
                // a*x >= rhs - (smax - tmax); for equations also a*x <= rhs - (smin - tmin).
                let need = c.rhs - (smax - tmax);
                let cap = c.rhs - (smin - tmin);
                let (mut nlo, mut nhi) = (lo[v], hi[v]);
                if a > 0 {
                    nlo = nlo.max(div_ceil(need, a));
                    if c.eq {
                        nhi = nhi.min(cap.div_euclid(a));
                    }
                } else {
                    // a < 0: x <= need / a (rounded down), x >= cap / a (rounded up).
                    nhi = nhi.min((-need).div_euclid(-a));
                    if c.eq {
                        nlo = nlo.max(div_ceil(-cap, -a));
                    }
                }
                if nlo > nhi {
                    return false;
                }
                if (nlo, nhi) != (lo[v], hi[v]) {
                    lo[v] = nlo;
                    hi[v] = nhi;
                    for &other in &self.uses[v] {
                        if other != ci && !queued[other] {
                            queued[other] = true;
                            queue.push_back(other);
                        }
                    }
                }
            }
        }
        true
    }

    /// A solution within the bounds, values nearest `near` first; `None` if there is none or the budget runs
    /// out. `changed` are the cells whose bounds were just narrowed.
    fn search(
        &self,
        mut lo: Vec<i64>,
        mut hi: Vec<i64>,
        near: &[i64],
        changed: &[usize],
        budget: &mut u32,
    ) -> Option<Vec<i64>> {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        let start: Vec<usize> = changed
            .iter()
            .flat_map(|&v| self.uses[v].iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !self.propagate(&mut lo, &mut hi, &start) {
            return None;
        }
        let Some(v) = (0..lo.len())
            .filter(|&i| lo[i] < hi[i])
            .min_by_key(|&i| (hi[i] - lo[i], i))
        else {
            return Some(lo);
        };
        let t = near[v].clamp(lo[v], hi[v]);
        let mut step = 0i64;
        loop {
            let (up, down) = (t + step, t - step);
            if up > hi[v] && down < lo[v] {
                return None;
            }
            let values: &[i64] = if step == 0 { &[up] } else { &[up, down] };
            for &x in values {
                if x < lo[v] || x > hi[v] {
                    continue;
                }
                let (mut l2, mut h2) = (lo.clone(), hi.clone());
                l2[v] = x;
                h2[v] = x;
                if let Some(sol) = self.search(l2, h2, near, &[v], budget) {
                    return Some(sol);
                }
                if *budget == 0 {
                    return None;
                }
            }
            step += 1;
        }
    }
}

fn div_ceil(a: i64, b: i64) -> i64 {
    // b > 0
    a.div_euclid(b) + i64::from(a.rem_euclid(b) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(keys: &[&str]) -> Vec<(i64, String)> {
        keys.iter().map(|k| (1, k.to_string())).collect()
    }

    /// A 2x2 table with totals: a suppressed cycle of four positive cells is safe; one cell pinned at zero
    /// by its row pins the rest of the cycle.
    #[test]
    fn a_cycle_is_safe_and_a_zero_pins_it() {
        // a b | r1
        // c d | r2
        // ---------
        // c1 c2 | t
        let rel = |vals: &[(&str, i64)]| {
            let vals: BTreeMap<String, i64> =
                vals.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let mut rs = vec![];
            for (row, total) in [(["a", "b"], "r1"), (["c", "d"], "r2")] {
                let mut t = cells(&row);
                t.push((-1, total.into()));
                rs.push(Relation::eq(t, 0));
            }
            for (col, total) in [(["a", "c"], "c1"), (["b", "d"], "c2")] {
                let mut t = cells(&col);
                t.push((-1, total.into()));
                rs.push(Relation::eq(t, 0));
            }
            (rs, vals)
        };
        let hidden = ["a", "b", "c", "d"];
        let (rs, vals) = rel(&[
            ("a", 2),
            ("b", 3),
            ("c", 4),
            ("d", 1),
            ("r1", 5),
            ("r2", 5),
            ("c1", 6),
            ("c2", 4),
        ]);
        let truth = |k: &str| vals.get(k).copied().unwrap_or(0);
        let known = |k: &str| !hidden.contains(&k);
        assert!(pinned(&rs, &truth, &known, &|_| true, 10).is_empty());
        // d = 0: the cycle can still move one way (a+1, b-1, c-1, d+1), so every cell stays open.
        let (rs, vals) = rel(&[
            ("a", 2),
            ("b", 3),
            ("c", 4),
            ("d", 0),
            ("r1", 5),
            ("r2", 4),
            ("c1", 6),
            ("c2", 3),
        ]);
        let truth = |k: &str| vals.get(k).copied().unwrap_or(0);
        assert!(pinned(&rs, &truth, &known, &|_| true, 10).is_empty());
        // With b published, row 1 pins a, then column 1 pins c (and row 2 pins d, a zero).
        let known2 = |k: &str| !["a", "c", "d"].contains(&k);
        let mut p = pinned(&rs, &truth, &known2, &|_| true, 10);
        p.sort();
        assert_eq!(p, vec!["a".to_string(), "c".to_string()]);
    }

    #[test]
    fn inequalities_bound_the_search() {
        // x + y = 5, x >= 4 (published elsewhere as a lower bound), y >= 1: x = 4, y = 1 only.
        let rs = vec![
            Relation::eq(cells(&["x", "y"]), 5),
            Relation::ge(cells(&["x"]), 4),
            Relation::ge(cells(&["y"]), 1),
        ];
        let truth = |k: &str| if k == "x" { 4 } else { 1 };
        let mut p = pinned(&rs, &truth, &|_| false, &|_| true, 5);
        p.sort();
        assert_eq!(p, vec!["x".to_string(), "y".to_string()]);
        let rs = vec![Relation::eq(cells(&["x", "y"]), 5)];
        assert!(pinned(&rs, &truth, &|_| false, &|_| true, 5).is_empty());
    }
}
