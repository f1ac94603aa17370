//! BIS Denied Persons List (tab-separated) and malformed inputs.

mod support;

use lists::*;
use support::*;

#[test]
fn real_file() {
    let s = import(ListFormat::BisDpl, &data("us_bis_dpl_2023-11/dpl.txt")).expect("DPL imports");
    // 665 rows, of which two are exact duplicates of other rows (same derived id): 663 records
    assert_eq!(s.entries.len(), 663);
    assert!(s
        .entries
        .iter()
        .all(|e| e.source_id.starts_with("dpl-") && e.source_id.len() == 20));
    assert!(s.entries.iter().all(|e| e.programs == vec!["DPL"]));
    let ash: Vec<&ListEntry> = s
        .entries
        .iter()
        .filter(|e| e.primary_name() == "I. ASH")
        .collect();
    assert_eq!(ash.len(), 3, "listed at three addresses");
    let a = ash
        .iter()
        .flat_map(|e| &e.addresses)
        .find(|a| a.city.as_deref() == Some("SEAGOVILLE, TX"))
        .expect("Seagoville address");
    assert_eq!(a.city.as_deref(), Some("SEAGOVILLE, TX"));
    assert_eq!(a.postal_code.as_deref(), Some("75159"));
    assert_eq!(a.country_code.as_deref(), Some("US"));
    // one person at two addresses stays two records
    assert_eq!(
        s.entries
            .iter()
            .filter(|e| e.primary_name() == "ABDULAH AL NASSER")
            .count(),
        2
    );
    // ids are stable across imports
    let again = import(ListFormat::BisDpl, &data("us_bis_dpl_2023-11/dpl.txt")).expect("again");
    assert_eq!(again.entries, s.entries);
    assert_eq!(
        s.version,
        "sha256:b4d9a287f8527af7c5713f7cc03751c639819aa44595863088506a80cd63988a"
    );
}

#[test]
fn malformed() {
    let header = "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\t\"Postal_Code\"\t\"Effective_Date\"\n";
    let e = expect_err(import_bytes(
        ListFormat::BisDpl,
        "dpl.txt",
        format!("{header}\"A\"\t\"B\"\n").as_bytes(),
    ));
    assert_eq!(e.position, "line 2");
    let e = expect_err(import_bytes(
        ListFormat::BisDpl,
        "dpl.txt",
        header.as_bytes(),
    ));
    assert!(e.reason.contains("no DPL records"), "{e}");
    let e = expect_err(import_bytes(
        ListFormat::BisDpl,
        "dpl.txt",
        b"\"Foo\"\t\"Bar\"\n\"a\"\t\"b\"\n",
    ));
    assert!(e.reason.contains("Name"), "{e}");
    let e = expect_err(import_bytes(
        ListFormat::BisDpl,
        "dpl.txt",
        b"\"Name\"\t\"Effective_Date\"\n\"unterminated\t\"x\"\n",
    ));
    assert!(!e.position.is_empty());
    expect_err(import_bytes(ListFormat::BisDpl, "dpl.txt", b""));
}
