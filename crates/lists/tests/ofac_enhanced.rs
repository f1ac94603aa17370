//! OFAC Enhanced XML: CONS_ENHANCED.ZIP (2025-01), bare XML from the same ZIP, malformed inputs.

mod support;

use lists::*;
use std::sync::OnceLock;
use support::*;

fn snap() -> &'static ListSnapshot {
    static S: OnceLock<ListSnapshot> = OnceLock::new();
    S.get_or_init(|| {
        import(
            ListFormat::OfacEnhancedXml,
            &data("us_ofac_non_sdn_enhanced_2025-01/CONS_ENHANCED.ZIP"),
        )
        .expect("enhanced ZIP imports")
    })
}

fn bare_xml() -> Vec<u8> {
    let z = read(&data("us_ofac_non_sdn_enhanced_2025-01/CONS_ENHANCED.ZIP"));
    let mut a = zip::ZipArchive::new(std::io::Cursor::new(z)).expect("zip");
    let mut f = a.by_name("CONS_ENHANCED.XML").expect("member");
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut out).expect("read");
    out
}

#[test]
fn counts() {
    let s = snap();
    assert_eq!(s.entries.len(), 443);
    assert_eq!(s.published.as_deref(), Some("2025-01-10"));
    assert_eq!(
        s.version,
        "sha256:4cb3c92af6b72fe54c7e3b8893d763a644d5808b536be5b328084df8a8b8def4"
    );
    let with = |sc: &str| {
        s.entries
            .iter()
            .flat_map(|e| &e.names)
            .filter(|n| n.script.as_deref() == Some(sc))
            .count()
    };
    // 39 Cyrillic name translations (PROVENANCE's 50 "Cyrillic" also counts address translations)
    assert_eq!(with("Cyrl"), 39);
    assert!(with("Hani") >= 5, "Han names: {}", with("Hani"));
    assert!(s
        .entries
        .iter()
        .all(|e| e.names[0].kind == NameKind::Primary));
}

#[test]
fn spot_checks() {
    let s = snap();
    let h = entry(s, "9639");
    assert_eq!(h.kind, EntityKind::Person);
    assert_eq!(h.primary_name(), "HANIYA, Ismail Abdul Salah");
    assert_eq!(h.birth_dates, vec!["1962"]);
    assert!(h
        .names
        .iter()
        .any(|n| n.name == "HANIYYA, Ismaeel" && n.kind == NameKind::Alias));
    assert_eq!(h.programs, vec!["NS-PLC"]);

    let vtb = entry(s, "17013");
    assert_eq!(vtb.kind, EntityKind::Organization);
    assert_eq!(vtb.primary_name(), "VTB BANK PUBLIC JOINT STOCK COMPANY");
    assert!(vtb
        .names
        .iter()
        .any(|n| n.name == "БАНК ВТБ ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО"
            && n.script.as_deref() == Some("Cyrl")));
    assert!(vtb
        .names
        .iter()
        .any(|n| n.name == "JSC VTB BANK" && n.kind == NameKind::FormerName));
    assert!(vtb
        .identifiers
        .iter()
        .any(|i| i.kind == "swift-bic" && i.number == "VTBRRUMM"));
    assert!(vtb
        .identifiers
        .iter()
        .any(|i| i.kind == "registration-number"
            && i.number == "1027739609391"
            && i.country.as_deref() == Some("RU")));
    assert!(vtb.countries.contains(&"RU".to_string()));

    let megvii = entry(s, "33091");
    assert!(megvii
        .names
        .iter()
        .any(|n| n.name == "旷视科技有限公司" && n.script.as_deref() == Some("Hani")));
    assert!(megvii
        .addresses
        .iter()
        .any(|a| a.country_code.as_deref() == Some("KY")));
}

#[test]
fn bare_xml_matches_zip() {
    let xml = bare_xml();
    let s = import_bytes(ListFormat::OfacEnhancedXml, "CONS_ENHANCED.XML", &xml).expect("bare XML");
    assert_eq!(s.entries, snap().entries);
}

#[test]
fn malformed() {
    let xml = bare_xml();
    // truncated in the middle
    let cut = &xml[..xml.len() / 2];
    let e = expect_err(import_bytes(ListFormat::OfacEnhancedXml, "cut.xml", cut));
    assert!(e.position.contains("line"), "{e}");
    // no entities
    let e = expect_err(import_bytes(
        ListFormat::OfacEnhancedXml,
        "empty.xml",
        b"<sanctionsData><entities></entities></sanctionsData>",
    ));
    assert!(e.reason.contains("no entity records"), "{e}");
    expect_err(import_bytes(
        ListFormat::OfacEnhancedXml,
        "other.xml",
        b"<foo/>",
    ));
    // a ZIP without XML
    let z = zip(&[("readme.txt", b"hello".as_slice())]);
    let e = expect_err(import_bytes(ListFormat::OfacEnhancedXml, "x.zip", &z));
    assert!(e.reason.contains("no .xml"), "{e}");
    // entity without id
    expect_err(import_bytes(
        ListFormat::OfacEnhancedXml,
        "noid.xml",
        b"<sanctionsData><entities><entity><names/></entity></entities></sanctionsData>",
    ));
}
