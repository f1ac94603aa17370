//! EU FSF XML and UK Sanctions List CSV on the synthetic fixtures in tests/fixtures (no real copies exist).

mod support;

use lists::*;
use support::*;

#[test]
fn eu_fixture() {
    let s =
        import(ListFormat::EuFsfXml, &fixture("eu_fsf_synthetic.xml")).expect("EU fixture imports");
    assert_eq!(s.entries.len(), 3);
    assert_eq!(s.published.as_deref(), Some("2026-03-02"));
    let p = entry(&s, "EU.9001.11");
    assert_eq!(p.kind, EntityKind::Person);
    assert_eq!(p.primary_name(), "Testoslav Ivanovich FIKTIVNOV");
    assert!(p
        .names
        .iter()
        .any(|n| n.name == "Тестослав Иванович ФИКТИВНОВ" && n.script.as_deref() == Some("Cyrl")));
    assert!(p
        .names
        .iter()
        .any(|n| n.name == "Testo Fiktivnoff" && n.quality == NameQuality::Low));
    assert_eq!(p.birth_dates, vec!["1971-05-17", "1972"]);
    assert_eq!(p.countries, vec!["RU"]);
    assert!(p.identifiers.iter().any(|i| i.kind == "passport"
        && i.number == "7500123456"
        && i.country.as_deref() == Some("RU")));
    assert_eq!(p.programs, vec!["RUS"]);
    assert_eq!(p.addresses[0].city.as_deref(), Some("Testograd"));

    let o = entry(&s, "EU.9002.22");
    assert_eq!(o.kind, EntityKind::Organization);
    assert_eq!(o.programs, vec!["BLR", "RUS"]);
    assert!(o
        .names
        .iter()
        .any(|n| n.name == "IOH" && n.quality == NameQuality::Low));
    assert!(o.identifiers.iter().any(|i| i.number == "1027700999999"));
    assert_eq!(
        o.addresses[0].street.as_deref(),
        Some("Fictional Avenue 42, PO Box 77")
    );

    // no euReferenceNumber: the logicalId is the id
    let u = entry(&s, "900003");
    assert!(u.names.iter().any(|n| n.script.as_deref() == Some("Arab")));
    assert_eq!(u.birth_dates, vec!["1965", "1966", "1967"]);
    assert_eq!(u.countries, vec!["YE"]);
}

#[test]
fn eu_malformed() {
    let good = read(&fixture("eu_fsf_synthetic.xml"));
    let e = expect_err(import_bytes(
        ListFormat::EuFsfXml,
        "eu.xml",
        &good[..good.len() - 200],
    ));
    assert!(e.position.starts_with("line"), "{e}");
    let e = expect_err(import_bytes(
        ListFormat::EuFsfXml,
        "eu.xml",
        b"<export generationDate=\"2026-01-01\"></export>",
    ));
    assert!(e.reason.contains("no sanctionEntity records"), "{e}");
    let e = expect_err(import_bytes(
        ListFormat::EuFsfXml,
        "eu.xml",
        b"<export><sanctionEntity><nameAlias wholeName=\"X\"/></sanctionEntity></export>",
    ));
    assert!(e.reason.contains("euReferenceNumber"), "{e}");
    expect_err(import_bytes(
        ListFormat::EuFsfXml,
        "eu.xml",
        b"<CONSOLIDATED_LIST/>",
    ));
}

#[test]
fn uk_fixture() {
    let s = import(
        ListFormat::UkSanctions,
        &fixture("uk_sanctions_synthetic.csv"),
    )
    .expect("UK fixture imports");
    assert_eq!(s.entries.len(), 3);
    assert_eq!(s.published.as_deref(), Some("2026-03-04"));
    let p = entry(&s, "RUS9901");
    assert_eq!(p.kind, EntityKind::Person);
    assert_eq!(p.primary_name(), "Testoslav Ivanovich FIKTIVNOV");
    assert!(p
        .names
        .iter()
        .any(|n| n.name == "Тестослав Иванович ФИКТИВНОВ" && n.script.as_deref() == Some("Cyrl")));
    assert!(p
        .names
        .iter()
        .any(|n| n.name == "Testo FIKTIV" && n.quality == NameQuality::Low));
    assert!(p
        .names
        .iter()
        .any(|n| n.name == "Slava TESTOVICH" && n.quality == NameQuality::Good));
    assert_eq!(p.birth_dates, vec!["1971-05-17", "1972"]);
    assert_eq!(p.countries, vec!["RU", "CY"]);
    assert!(p.identifiers.iter().any(|i| i.kind == "passport"
        && i.number == "7500123456"
        && i.country.as_deref() == Some("RU")));
    assert_eq!(p.programs, vec!["Russia"]);

    let o = entry(&s, "CYB9902");
    assert_eq!(o.kind, EntityKind::Organization);
    assert_eq!(
        o.identifiers
            .iter()
            .filter(|i| i.kind == "registration-number")
            .count(),
        2
    );
    assert_eq!(o.addresses[0].country_code.as_deref(), Some("CY"));

    let ship = entry(&s, "IRN9903");
    assert_eq!(ship.kind, EntityKind::Vessel);
    assert!(ship
        .identifiers
        .iter()
        .any(|i| i.kind == "imo" && i.number == "9999991"));
    assert_eq!(ship.countries, vec!["PA"]);
}

#[test]
fn uk_malformed() {
    let e = expect_err(import_bytes(
        ListFormat::UkSanctions,
        "uk.csv",
        b"Report Date: 01-Jan-2026\nfoo,bar\n1,2\n",
    ));
    assert!(e.reason.contains("Unique ID"), "{e}");
    let e = expect_err(import_bytes(
        ListFormat::UkSanctions,
        "uk.csv",
        b"Unique ID,Name 1\nX,Y\n",
    ));
    assert!(e.reason.contains("Name 6"), "{e}");
    let e = expect_err(import_bytes(
        ListFormat::UkSanctions,
        "uk.csv",
        b"Unique ID,Name 6,Name type\n",
    ));
    assert!(
        e.reason.contains("no records") || e.reason.contains("no UK"),
        "{e}"
    );
    let e = expect_err(import_bytes(
        ListFormat::UkSanctions,
        "uk.csv",
        b"Unique ID,Name 6,Name type\nA1,,Primary Name\n",
    ));
    assert!(e.reason.contains("no name"), "{e}");
}
