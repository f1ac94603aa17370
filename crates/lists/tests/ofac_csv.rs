//! OFAC legacy CSV: the SDN set (2021-07), the consolidated non-SDN set (2025-12), the partial 2025-12 set
//! without sdn.csv, container inputs and malformed files.

mod support;

use lists::*;
use std::sync::OnceLock;
use support::*;

fn sdn() -> &'static ListSnapshot {
    static S: OnceLock<ListSnapshot> = OnceLock::new();
    S.get_or_init(|| {
        import(ListFormat::OfacCsv, &data("us_ofac_sdn_2021-07")).expect("SDN set imports")
    })
}

#[test]
fn sdn_counts_and_kinds() {
    let s = sdn();
    assert_eq!(s.entries.len(), 8976);
    let count = |k| s.entries.iter().filter(|e| e.kind == k).count();
    assert_eq!(count(EntityKind::Person), 4620);
    assert_eq!(count(EntityKind::Organization), 3673);
    assert_eq!(count(EntityKind::Vessel), 406);
    assert_eq!(count(EntityKind::Aircraft), 277);
    // every alt.csv row (11,910) is attached; some duplicate a remarks a.k.a. or each other
    let aliases: usize = s.entries.iter().map(|e| e.names.len() - 1).sum();
    assert!(aliases >= 11_000, "{aliases}");
    assert!(s.version.starts_with("sha256:"));
}

#[test]
fn sdn_spot_checks() {
    let s = sdn();
    let bnc = entry(s, "306");
    assert_eq!(bnc.primary_name(), "BANCO NACIONAL DE CUBA");
    assert_eq!(bnc.kind, EntityKind::Organization);
    assert_eq!(bnc.programs, vec!["CUBA"]);
    assert!(bnc
        .names
        .iter()
        .any(|n| n.name == "NATIONAL BANK OF CUBA" && n.quality == NameQuality::Good));
    // the remarks a.k.a. is OFAC's weak alias
    assert!(bnc
        .names
        .iter()
        .any(|n| n.name == "BNC" && n.quality == NameQuality::Low));
    assert_eq!(bnc.addresses.len(), 4);
    assert!(bnc.countries.contains(&"CH".to_string()));

    let z = entry(s, "2676");
    assert_eq!(z.kind, EntityKind::Person);
    assert_eq!(z.birth_dates, vec!["1951-06-19"]);
    assert!(z.identifiers.iter().any(|i| i.kind == "passport"
        && i.number == "1084010"
        && i.country.as_deref() == Some("EG")));
    assert!(z
        .identifiers
        .iter()
        .any(|i| i.kind == "passport" && i.number == "19820215"));
    assert!(z.programs.contains(&"SDGT".to_string()));

    // multi-program field "A] [B"
    assert!(s.entries.iter().any(|e| e.programs.len() > 1));
    // vessels carry IMO numbers from their remarks
    assert!(s
        .entries
        .iter()
        .filter(|e| e.kind == EntityKind::Vessel)
        .any(|e| e.identifiers.iter().any(|i| i.kind == "imo")));
    // fka names are former names
    assert!(s
        .entries
        .iter()
        .any(|e| e.names.iter().any(|n| n.kind == NameKind::FormerName)));
}

#[test]
fn comments_continue_remarks() {
    let s = sdn();
    // sdn_comments.csv continues the truncated remarks of 17014-style records: some entry's remarks must hold
    // the text of the comments file.
    let comments =
        String::from_utf8_lossy(&read(&data("us_ofac_sdn_2021-07/sdn_comments.csv"))).to_string();
    let first = comments.lines().next().unwrap_or_default();
    let id = first.split(',').next().unwrap_or_default();
    let e = entry(s, id);
    let remarks = e.remarks.as_deref().unwrap_or_default();
    assert!(remarks.contains("Linked To"), "{remarks}");
}

#[test]
fn consolidated_non_sdn_set() {
    let s =
        import(ListFormat::OfacCsv, &data("us_ofac_non_sdn_2025-12")).expect("cons set imports");
    assert_eq!(s.entries.len(), 442);
    let e = entry(&s, "9639");
    assert_eq!(e.primary_name(), "HANIYA, Ismail Abdul Salah");
    assert_eq!(e.birth_dates, vec!["1962"]);
    assert!(e.names.iter().any(|n| n.name == "HANIYYA, Ismaeel"));
    assert_eq!(e.programs, vec!["NS-PLC"]);
}

#[test]
fn partial_set_without_sdn_csv_is_rejected() {
    let e = expect_err(import(
        ListFormat::OfacCsv,
        &data("us_ofac_sdn_partial_2025-12"),
    ));
    assert!(e.reason.contains("missing sdn.csv"), "{e}");
}

#[test]
fn containers_and_file_sets_agree() {
    let dir = data("us_ofac_sdn_2021-07");
    let names = ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"];
    let bytes: Vec<Vec<u8>> = names.iter().map(|n| read(&dir.join(n))).collect();
    let members: Vec<(&str, &[u8])> = names
        .iter()
        .zip(&bytes)
        .map(|(n, b)| (*n, b.as_slice()))
        .collect();

    let from_zip = import_bytes(ListFormat::OfacCsv, "sdn.zip", &zip(&members)).expect("zip");
    let from_tar = import_bytes(ListFormat::OfacCsv, "sdn.tar", &tar(&members)).expect("tar");
    let from_tgz =
        import_bytes(ListFormat::OfacCsv, "sdn.tar.gz", &gzip(&tar(&members))).expect("tar.gz");
    let from_files = import_files(ListFormat::OfacCsv, &members).expect("files");
    for other in [&from_zip, &from_tar, &from_tgz, &from_files] {
        assert_eq!(other.version, sdn().version);
        assert_eq!(other.entries, sdn().entries);
    }
    // a lone sdn.csv imports too, with primary names only
    let lone = import_bytes(ListFormat::OfacCsv, "sdn.csv", &bytes[0]).expect("lone sdn.csv");
    assert_eq!(lone.entries.len(), 8976);
}

#[test]
fn malformed_sets() {
    let good_row =
        b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n";
    let whole = |b: &[u8]| [b, b"\x1a".as_slice()].concat();
    // wrong column count on line 2
    let mut bad = good_row.to_vec();
    bad.extend_from_slice(b"37,\"X\",-0- ,\"CUBA\"\r\n");
    let e = expect_err(import_bytes(ListFormat::OfacCsv, "sdn.csv", &whole(&bad)));
    assert_eq!(e.position, "line 2");
    assert!(e.reason.contains("expected 12 fields"), "{e}");
    // non-numeric ent_num
    let e = expect_err(import_bytes(
        ListFormat::OfacCsv,
        "sdn.csv",
        b"abc,\"X\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
    ));
    assert!(e.reason.contains("ent_num"), "{e}");
    // duplicate ent_num
    let mut dup = good_row.to_vec();
    dup.extend_from_slice(good_row);
    let e = expect_err(import_bytes(ListFormat::OfacCsv, "sdn.csv", &whole(&dup)));
    assert!(e.reason.contains("duplicate"), "{e}");
    // only the EOF marker
    expect_err(import_bytes(ListFormat::OfacCsv, "sdn.csv", b"\x1a"));
    expect_err(import_bytes(ListFormat::OfacCsv, "sdn.csv", b""));
    // a malformed alt.csv fails the whole set
    let e = expect_err(import_files(
        ListFormat::OfacCsv,
        &[
            ("sdn.csv", whole(good_row).as_slice()),
            ("alt.csv", b"36,1,\"aka\"\r\n\x1a".as_slice()),
        ],
    ));
    assert_eq!(e.file, "alt.csv");
    // SDN and consolidated files mixed
    expect_err(import_files(
        ListFormat::OfacCsv,
        &[
            ("sdn.csv", good_row.as_slice()),
            ("cons_prim.csv", good_row.as_slice()),
        ],
    ));
    // a broken ZIP
    let e = expect_err(import_bytes(
        ListFormat::OfacCsv,
        "x.zip",
        b"PK\x03\x04garbage",
    ));
    assert!(e.reason.contains("ZIP"), "{e}");
}

/// A real sdn.csv cut in the middle of a quoted field was accepted as a whole list with 5,001 of its 8,976
/// records; it must fail, naming the line the unclosed field starts on.
#[test]
fn sdn_csv_cut_inside_a_quoted_field_is_rejected() {
    let bytes = read(&data("us_ofac_sdn_2021-07/sdn.csv"));
    // the remarks field of a record around the middle: cut one character after its opening quote
    let mid = bytes.len() / 2;
    let line_start = mid + bytes[mid..].windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let line_end = line_start
        + bytes[line_start..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap();
    let quote = bytes[..line_end].iter().rposition(|&b| b == b'"').unwrap();
    let quote = bytes[line_start..quote]
        .iter()
        .rposition(|&b| b == b'"')
        .map(|q| line_start + q)
        .unwrap();
    // `quote` opens the record's last quoted field; keep one character of it
    let cut = &bytes[..quote + 2];
    let e = expect_err(import_bytes(ListFormat::OfacCsv, "sdn.csv", cut));
    assert!(e.reason.contains("never closed"), "{e}");
    let line = bytes[..line_start].iter().filter(|&&b| b == b'\n').count() + 1;
    assert_eq!(e.position, format!("line {line}"));
    // the same inside the set, as a directory upload would deliver it
    let e = expect_err(import_files(
        ListFormat::OfacCsv,
        &[
            ("sdn.csv", cut),
            ("alt.csv", &read(&data("us_ofac_sdn_2021-07/alt.csv"))),
        ],
    ));
    assert!(e.reason.contains("never closed"), "{e}");
}

/// A file cut between two records has balanced quotes; OFAC's end-of-file marker tells it from a whole file.
#[test]
fn ofac_csv_cut_between_records_lacks_its_end_of_file_marker() {
    for (dir, file) in [
        ("us_ofac_sdn_2021-07", "sdn.csv"),
        ("us_ofac_sdn_2021-07", "alt.csv"),
        ("us_ofac_sdn_2021-07", "add.csv"),
        ("us_ofac_non_sdn_2025-12", "cons_prim.csv"),
    ] {
        let bytes = read(&data(&format!("{dir}/{file}")));
        let mid = bytes.len() / 2;
        let cut = mid + bytes[mid..].windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        let primary = if dir.contains("non_sdn") {
            "cons_prim.csv"
        } else {
            "sdn.csv"
        };
        let mut set: Vec<(&str, Vec<u8>)> =
            vec![(primary, read(&data(&format!("{dir}/{primary}"))))];
        if file != primary {
            set.push((file, bytes[..cut].to_vec()));
        } else {
            set[0].1.truncate(cut);
        }
        let refs: Vec<(&str, &[u8])> = set.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let e = expect_err(import_files(ListFormat::OfacCsv, &refs));
        assert_eq!(e.file, file);
        assert!(e.reason.contains("end-of-file marker"), "{file}: {e}");
    }
}
