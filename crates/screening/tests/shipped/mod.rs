//! The list files shipped in `../shared/data/sanctions/` (never copied into the repository), loaded through the
//! importers. Shared by the integration tests, the examples and the benchmarks (`#[path]`-included).
#![allow(dead_code)]

use lists::{ListFormat, ListSnapshot};
use std::path::PathBuf;

/// Label, format, path relative to the sanctions data folder.
pub const SHIPPED: &[(&str, ListFormat, &str)] = &[
    (
        "un-sc-xml",
        ListFormat::UnScXml,
        "un_sc/UN_consolidated.xml",
    ),
    ("ofac-sdn-csv", ListFormat::OfacCsv, "us_ofac_sdn_2021-07"),
    (
        "ofac-cons-csv",
        ListFormat::OfacCsv,
        "us_ofac_non_sdn_2025-12",
    ),
    (
        "ofac-enhanced-xml",
        ListFormat::OfacEnhancedXml,
        "us_ofac_non_sdn_enhanced_2025-01/CONS_ENHANCED.ZIP",
    ),
    (
        "us-csl-csv",
        ListFormat::UsCslCsv,
        "us_trade_csl/consolidated.csv.gz",
    ),
    ("bis-dpl", ListFormat::BisDpl, "us_bis_dpl_2023-11/dpl.txt"),
];

/// The sanctions data folder (`SANCTIONS_DATA` overrides).
pub fn data_dir() -> PathBuf {
    std::env::var_os("SANCTIONS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/sanctions"
            ))
        })
}

/// Import one shipped list by label; `None` when the data folder is absent.
pub fn load(label: &str) -> Option<(String, ListSnapshot)> {
    let (l, f, p) = SHIPPED.iter().find(|(l, _, _)| *l == label)?;
    let path = data_dir().join(p);
    if !path.exists() {
        return None;
    }
    let snap = lists::import(*f, &path).unwrap_or_else(|e| panic!("importing {l}: {e}"));
    Some((l.to_string(), snap))
}

/// Import every shipped list (in parallel). A missing file fails: a measurement over fewer lists than it
/// claims would be silently wrong.
pub fn load_all() -> Vec<(String, ListSnapshot)> {
    use rayon::prelude::*;
    SHIPPED
        .par_iter()
        .map(|(l, _, p)| {
            load(l).unwrap_or_else(|| {
                panic!(
                    "shipped list {l} missing at {}: the tests read ../shared/data/sanctions beside the checkout",
                    data_dir().join(p).display()
                )
            })
        })
        .collect()
}
