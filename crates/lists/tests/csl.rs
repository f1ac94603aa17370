//! US Consolidated Screening List CSV (gzip and plain) and malformed inputs.

mod support;

use lists::*;
use std::sync::OnceLock;
use support::*;

fn gz_bytes() -> Vec<u8> {
    read(&data("us_trade_csl/consolidated.csv.gz"))
}

fn snap() -> &'static ListSnapshot {
    static S: OnceLock<ListSnapshot> = OnceLock::new();
    S.get_or_init(|| {
        import(
            ListFormat::UsCslCsv,
            &data("us_trade_csl/consolidated.csv.gz"),
        )
        .expect("CSL imports")
    })
}

const SOURCES: [&str; 13] = [
    "Specially Designated Nationals (SDN) - Treasury Department",
    "Entity List (EL) - Bureau of Industry and Security",
    "ITAR Debarred (DTC) - State Department",
    "Denied Persons List (DPL) - Bureau of Industry and Security",
    "Sectoral Sanctions Identifications List (SSI) - Treasury Department",
    "Unverified List (UVL) - Bureau of Industry and Security",
    "Nonproliferation Sanctions (ISN) - State Department",
    "Palestinian Legislative Council List (PLC) - Treasury Department",
    "Military End User (MEU) List - Bureau of Industry and Security",
    "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department",
    "Capta List (CAP) - Treasury Department",
    "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department",
    "Foreign Sanctions Evaders (FSE) - Treasury Department",
];

#[test]
fn counts() {
    let s = snap();
    // 14,160 rows; 71 `_id`s appear on 2-3 sub-lists and are merged: 14,048 records
    assert_eq!(s.entries.len(), 14_048);
    let memberships: usize = s
        .entries
        .iter()
        .map(|e| {
            e.programs
                .iter()
                .filter(|p| SOURCES.contains(&p.as_str()))
                .count()
        })
        .sum();
    // every row's source is kept: 14,160 rows, one of which (15268, Capta List) repeats its own row
    assert_eq!(memberships, 14_159);
    let sdn = s
        .entries
        .iter()
        .filter(|e| e.programs.iter().any(|p| p == SOURCES[0]))
        .count();
    assert_eq!(sdn, 10_026);
    let el = s
        .entries
        .iter()
        .filter(|e| e.programs.iter().any(|p| p == SOURCES[1]))
        .count();
    assert_eq!(el, 2_001);
    assert_eq!(
        s.version,
        "sha256:f55c580c0eadaeef6f291d5cd3653b147650c2019f227c92a93814aa5dc4364c"
    );
    let with_dob = s
        .entries
        .iter()
        .filter(|e| !e.birth_dates.is_empty())
        .count();
    assert!(with_dob >= 5_000, "{with_dob}");
}

#[test]
fn spot_checks() {
    let s = snap();
    let e = entry(s, "17291");
    assert_eq!(e.kind, EntityKind::Person);
    assert_eq!(e.birth_dates, vec!["1989-07-13"]);
    assert!(e.identifiers.iter().any(|i| i.kind == "national-id"
        && i.number == "28940000602"
        && i.country.as_deref() == Some("QA")));
    assert!(e.identifiers.iter().any(|i| i.kind == "passport"
        && i.number == "K475336"
        && i.country.as_deref() == Some("JO")));
    assert!(e
        .names
        .iter()
        .any(|n| n.name == "'Umar al-Qatari" && n.kind == NameKind::Alias));

    let vtb = entry(s, "18725");
    assert_eq!(vtb.kind, EntityKind::Organization);
    for p in [SOURCES[0], SOURCES[4], SOURCES[10]] {
        assert!(vtb.programs.iter().any(|x| x == p), "{p}");
    }
    let dpl = entry(s, "deb7a1d5743a85c354ca1a2c7f2664e2104b32d7");
    assert_eq!(dpl.primary_name(), "I. ASH");
    assert_eq!(dpl.kind, EntityKind::Unknown);
    assert_eq!(dpl.addresses[0].country_code.as_deref(), Some("US"));
}

#[test]
fn plain_and_gzip_agree() {
    let plain = {
        let gz = gz_bytes();
        let mut d = flate2::read::GzDecoder::new(gz.as_slice());
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut d, &mut out).expect("gunzip");
        out
    };
    let s = import_bytes(ListFormat::UsCslCsv, "consolidated.csv", &plain).expect("plain CSV");
    assert_eq!(s.entries, snap().entries);
}

#[test]
fn malformed() {
    // bad gzip: valid magic, corrupt body
    let mut gz = gz_bytes();
    gz.truncate(5000);
    let e = expect_err(import_bytes(ListFormat::UsCslCsv, "cut.csv.gz", &gz));
    assert!(e.reason.contains("gzip"), "{e}");
    let e = expect_err(import_bytes(
        ListFormat::UsCslCsv,
        "bad.gz",
        b"\x1f\x8b\x08\x00garbagegarbage",
    ));
    assert!(e.reason.contains("gzip"), "{e}");
    // missing required column
    let e = expect_err(import_bytes(
        ListFormat::UsCslCsv,
        "x.csv",
        b"_id,source,title\n1,SDN,x\n",
    ));
    assert!(e.reason.contains("name"), "{e}");
    // wrong field count
    let e = expect_err(import_bytes(
        ListFormat::UsCslCsv,
        "x.csv",
        b"_id,source,name\n1,SDN,A\n2,SDN\n",
    ));
    assert_eq!(e.position, "line 3");
    // header only
    let e = expect_err(import_bytes(
        ListFormat::UsCslCsv,
        "x.csv",
        b"_id,source,name\n",
    ));
    assert!(e.reason.contains("no CSL records"), "{e}");
    expect_err(import_bytes(ListFormat::UsCslCsv, "x.csv", b""));
    expect_err(import_bytes(
        ListFormat::UsCslCsv,
        "x.csv",
        &[0u8, 159, 146, 150, 255, 0, 1],
    ));
}
