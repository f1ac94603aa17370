//! The score of every match is computed from exactly what its explanation shows (docs/screening.md, sections 5
//! and 6): recomputing it from the explanation's tokens, weights, factors and qualifiers gives the same number.
//! Runs over the UN list shipped in ../shared (fails when it is absent).
mod shipped;

use screening::{Explanation, Index, Match, Options, Query};

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The name score by the documented formula, from the explanation alone.
fn name_score(e: &Explanation) -> f64 {
    let base = match e.comparison.as_str() {
        "latin-compact" => {
            e.compact
                .as_ref()
                .expect("compact comparison shown")
                .similarity
        }
        _ => {
            let num: f64 = e
                .tokens
                .iter()
                .map(|t| t.similarity * (t.query_weight + t.list_weight))
                .sum();
            let wq: f64 = e
                .tokens
                .iter()
                .map(|t| t.query_weight)
                .chain(e.unmatched_query.iter().map(|t| t.weight))
                .sum();
            let wl: f64 = e
                .tokens
                .iter()
                .map(|t| t.list_weight)
                .chain(e.unmatched_list.iter().map(|t| t.weight))
                .sum();
            let ul: f64 = e.unmatched_list.iter().map(|t| t.weight).sum();
            let den = wq + wl - 0.45 * ul;
            if den > 0.0 {
                num / den
            } else {
                0.0
            }
        }
    };
    round4(e.factors.iter().fold(base, |s, f| s * f.value))
}

fn check(query: &str, m: &Match) {
    let e = &m.explanation;
    assert_eq!(name_score(e), e.name_score, "{query} ~ {}: {e:#?}", m.name);
    let score = e.qualifiers.iter().fold(e.name_score, |s, q| s + q.effect);
    assert_eq!(
        round4(score.clamp(0.0, 1.0)),
        m.score,
        "{query} ~ {}: {e:#?}",
        m.name
    );
}

#[test]
fn score_is_recomputed_from_the_explanation() {
    let (label, snap) = shipped::load("un-sc-xml")
        .expect("the shipped UN list is missing: the tests read ../shared/data/sanctions beside the checkout");
    let entries = snap.entries.clone();
    let ix = Index::build(&[(label, snap)]);
    let opts = Options {
        threshold: 0.5,
        limit: 20,
        ..Options::default()
    };
    let mut checked = 0;
    let mut comparisons = std::collections::BTreeSet::new();
    for (i, e) in entries.iter().enumerate().step_by(7) {
        let n = e.primary_name();
        let mut queries = vec![n.to_string()];
        let mut c: Vec<char> = n.chars().collect();
        if c.len() > 6 {
            c.remove(c.len() / 2 + i % 3);
            queries.push(c.into_iter().collect());
        }
        let mut w: Vec<&str> = n.split_whitespace().collect();
        w.reverse();
        queries.push(w.join(" "));
        if let Some(first) = n.split_whitespace().next() {
            queries.push(first.to_string());
        }
        // Names in their original script (Arabic, Cyrillic, ...), compared token by token in that script.
        queries.extend(
            e.names
                .iter()
                .filter(|v| !v.name.is_ascii())
                .map(|v| v.name.clone()),
        );
        for (k, q) in queries.iter().enumerate() {
            // Every other query carries a birth date and countries so that qualifiers are exercised.
            let query = if k % 2 == 1 {
                Query::new(q, None, Some("1970"), &["AF".into(), "IQ".into()], &[])
            } else {
                Query::name(q)
            };
            let Ok(query) = query else { continue };
            for m in ix.screen(&query, &opts) {
                check(q, &m);
                comparisons.insert(m.explanation.comparison.clone());
                checked += 1;
            }
        }
    }
    eprintln!("{checked} matches recomputed; comparisons seen: {comparisons:?}");
    assert!(checked > 1000, "only {checked} matches checked");
}

#[test]
fn initials_never_pass_the_default_threshold_on_the_un_list() {
    let list = shipped::load("un-sc-xml")
        .expect("the shipped UN list is missing: the tests read ../shared/data/sanctions beside the checkout");
    let ix = Index::build(&[list]);
    for q in ["X", "X Y", "A B", "M. A.", "AL", "Ab Al"] {
        let hits = ix.screen(&Query::name(q).unwrap(), &Options::default());
        assert!(
            hits.iter().all(|m| m.explanation.unmatched_query.is_empty()
                && m.explanation.unmatched_list.is_empty()),
            "{q}: {:?}",
            hits.iter().map(|m| (&m.name, m.score)).collect::<Vec<_>>()
        );
    }
}
