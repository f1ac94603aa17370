//! Index retrieval against a full scan on the shipped lists: the index must find (almost) every entry that
//! scoring every name variant finds at the default threshold. Fails when ../shared is absent.
mod shipped;

use screening::{Index, Options, Query};

#[test]
fn index_recall_matches_full_scan() {
    let lists = shipped::load_all();
    assert!(
        !lists.is_empty(),
        "the shipped list files are missing: the tests read ../shared/data/sanctions beside the checkout"
    );
    let ix = Index::build(&lists);
    let mut queries = Vec::new();
    for (_, snap) in &lists {
        for (i, e) in snap
            .entries
            .iter()
            .enumerate()
            .step_by(snap.entries.len() / 8 + 1)
        {
            let n = e.primary_name();
            queries.push(n.to_string());
            // a typo'd and a reordered form
            let mut c: Vec<char> = n.chars().collect();
            if c.len() > 6 {
                c.remove(c.len() / 2 + i % 3);
                queries.push(c.into_iter().collect());
            }
            let mut w: Vec<&str> = n.split_whitespace().collect();
            w.reverse();
            queries.push(w.join(" "));
        }
    }
    queries.extend(["Mohammed Ali", "Kim Jong Un", "John Smith", "Bank Melli"].map(String::from));
    let (mut both, mut full_only) = (0usize, Vec::new());
    for n in &queries {
        let Ok(q) = Query::name(n) else { continue };
        let fast: Vec<_> = ix.screen(
            &q,
            &Options {
                limit: 1000,
                ..Options::default()
            },
        );
        let full: Vec<_> = ix.screen(
            &q,
            &Options {
                limit: 1000,
                exhaustive: true,
                ..Options::default()
            },
        );
        for m in &full {
            if fast.iter().any(|f| f.entry == m.entry) {
                both += 1;
            } else {
                full_only.push((n.clone(), m.name.clone(), m.score));
            }
        }
        // whatever the index returns, the full scan returns too, scoring it at least as high
        for f in &fast {
            let m = full
                .iter()
                .find(|m| m.entry == f.entry)
                .expect("index hit missing from full scan");
            assert!(
                f.score <= m.score + 1e-9,
                "{n}: index {} > full scan {}",
                f.score,
                m.score
            );
        }
    }
    let recall = both as f64 / (both + full_only.len()).max(1) as f64;
    eprintln!(
        "{} queries; index recall vs full scan {recall:.4} ({} of {} hits); missed: {:?}",
        queries.len(),
        both,
        both + full_only.len(),
        &full_only[..full_only.len().min(10)]
    );
    // The figure docs/screening.md states (0.9553, 662 of 693), asserted at the figure: a change in retrieval,
    // better or worse, changes the document with it.
    assert_eq!(
        (both, both + full_only.len()),
        (662, 693),
        "index recall {recall:.4} is not the documented 0.9553, 662 of 693 (docs/screening.md, Limits)"
    );
}
