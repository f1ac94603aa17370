//! Every parsed file is split into the publisher's lists ("sources"), each of which has its own active version
//! in the service: SDN and non-SDN are distinct whatever the format, and the CSL gives one source per sub-list.

mod support;

use lists::*;
use support::*;

fn sources_of(format: ListFormat, rel: &str) -> Vec<(String, usize, String)> {
    let snap = import(format, &data(rel)).expect("imports");
    split_sources(snap)
        .into_iter()
        .map(|s| {
            (
                s.source.clone().expect("source set"),
                s.entries.len(),
                s.version,
            )
        })
        .collect()
}

#[test]
fn ofac_sdn_and_non_sdn_are_distinct_sources_in_both_formats() {
    let sdn = sources_of(ListFormat::OfacCsv, "us_ofac_sdn_2021-07");
    assert_eq!(sdn.len(), 1);
    assert_eq!(sdn[0].0, "ofac-sdn");
    assert_eq!(sdn[0].1, 8976);
    let cons = sources_of(ListFormat::OfacCsv, "us_ofac_non_sdn_2025-12");
    assert_eq!(cons.len(), 1);
    assert_eq!(cons[0].0, "ofac-non-sdn");
    let xml = sources_of(
        ListFormat::OfacEnhancedXml,
        "us_ofac_non_sdn_enhanced_2025-01/CONS_ENHANCED.ZIP",
    );
    assert_eq!(xml.len(), 1);
    assert_eq!(xml[0].0, "ofac-non-sdn");
}

#[test]
fn single_source_formats() {
    assert_eq!(
        sources_of(ListFormat::UnScXml, "un_sc/UN_consolidated.xml")[0].0,
        "un-sc"
    );
    assert_eq!(
        sources_of(ListFormat::BisDpl, "us_bis_dpl_2023-11/dpl.txt")[0].0,
        "bis-dpl"
    );
}

#[test]
fn csl_splits_into_one_source_per_sub_list() {
    let got = sources_of(ListFormat::UsCslCsv, "us_trade_csl/consolidated.csv.gz");
    let ids: Vec<&str> = got.iter().map(|(s, _, _)| s.as_str()).collect();
    assert_eq!(
        ids,
        [
            "us-csl-cap",
            "us-csl-cmic",
            "us-csl-dpl",
            "us-csl-dtc",
            "us-csl-el",
            "us-csl-fse",
            "us-csl-isn",
            "us-csl-meu",
            "us-csl-ns-mbs",
            "us-csl-plc",
            "us-csl-sdn",
            "us-csl-ssi",
            "us-csl-uvl",
        ]
    );
    for (s, n, _) in &got {
        assert!(*n > 0, "{s} is empty");
        assert!(is_source_id(s), "{s}");
    }
    // every sub-list shares the file's content version: re-importing the same file changes none of them
    assert!(got.windows(2).all(|w| w[0].2 == w[1].2));
    let el = got.iter().find(|(s, _, _)| s == "us-csl-el").unwrap();
    assert!(el.1 > 1500, "Entity List has {} entries", el.1);
}
