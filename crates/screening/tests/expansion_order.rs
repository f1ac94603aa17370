//! A query's matches do not depend on what was screened before it on the same thread. The per-thread cache
//! of query-token expansions once keyed tokens by comparison form alone, so a Latin "vin" screened after the
//! Cyrillic "вин" (same form) got the Cyrillic token's expansion, and a batch's scores depended on its order.
//! Fails when ../shared is absent.
mod shipped;

use screening::{Index, Options, Query};
use std::sync::Arc;

/// Every match of each name, screened in the given order on a thread of its own (a fresh cache).
fn screen_in_order(ix: &Arc<Index>, names: &[&str]) -> Vec<String> {
    let ix = Arc::clone(ix);
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    std::thread::spawn(move || {
        let opts = Options {
            threshold: 0.8,
            limit: 20,
            exhaustive: false,
        };
        names
            .iter()
            .map(|n| {
                let q = Query::name(n).expect("a name");
                let matches = ix.screen(&q, &opts);
                format!(
                    "{n}: {}",
                    serde_json::to_string(&matches).expect("matches serialise")
                )
            })
            .collect()
    })
    .join()
    .expect("screening thread")
}

#[test]
fn a_query_scores_the_same_whatever_was_screened_before_it() {
    let lists = shipped::load_all();
    assert!(
        !lists.is_empty(),
        "the shipped list files are missing: the tests read ../shared/data/sanctions beside the checkout"
    );
    let ix = Arc::new(Index::build(&lists));
    // Latin and Cyrillic spellings with the same comparison form.
    for (latin, cyrillic) in [
        ("vin", "вин"),
        ("Ivan Petrov", "Иван Петров"),
        ("Oleg", "Олег"),
    ] {
        let latin_alone = screen_in_order(&ix, &[latin]);
        let cyrillic_alone = screen_in_order(&ix, &[cyrillic]);
        let after_cyrillic = screen_in_order(&ix, &[cyrillic, latin]);
        let after_latin = screen_in_order(&ix, &[latin, cyrillic]);
        assert_eq!(
            after_cyrillic[1], latin_alone[0],
            "{latin} after {cyrillic}"
        );
        assert_eq!(
            after_latin[1], cyrillic_alone[0],
            "{cyrillic} after {latin}"
        );
    }
}
