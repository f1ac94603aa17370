//! Regression inputs for the parsers. The bounded cargo-fuzz runs (see docs/lists.md) found no crash so far;
//! crashing inputs found later go here. The cases below are hand-made hostile containers and edge inputs of the
//! kind the fuzzers explore, kept so they stay covered in ordinary `cargo test` runs.

mod support;

use lists::*;
use support::*;

#[test]
fn hostile_tar_headers() {
    // declared size far beyond the data
    let mut t = tar(&[(
        "sdn.csv",
        b"1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n".as_slice(),
    )]);
    t[124..136].copy_from_slice(b"77777777777\0");
    let e = expect_err(import_bytes(ListFormat::OfacCsv, "x.tar", &t));
    assert!(e.reason.contains("tar"), "{e}");
    // non-octal size
    let mut t = tar(&[("sdn.csv", b"x".as_slice())]);
    t[124..136].copy_from_slice(b"zzzzzzzzzzz\0");
    expect_err(import_bytes(ListFormat::OfacCsv, "x.tar", &t));
    // header cut short
    let t = tar(&[("sdn.csv", b"x".as_slice())]);
    expect_err(import_bytes(ListFormat::OfacCsv, "x.tar", &t[..300]));
    // a tar with no CSV members
    let t = tar(&[("readme.txt", b"hello".as_slice())]);
    let e = expect_err(import_bytes(ListFormat::OfacCsv, "x.tar", &t));
    assert!(e.reason.contains("no OFAC CSV files"), "{e}");
}

#[test]
fn hostile_compression() {
    // gzip of nothing, gzip of gzip, gzip header only
    expect_err(import_bytes(ListFormat::UsCslCsv, "x.gz", &gzip(b"")));
    expect_err(import_bytes(
        ListFormat::UsCslCsv,
        "x.gz",
        &gzip(&gzip(b"_id,source,name\n1,S,N\n")),
    ));
    expect_err(import_bytes(ListFormat::UsCslCsv, "x.gz", &[0x1f, 0x8b]));
    expect_err(import_bytes(
        ListFormat::OfacCsv,
        "x.tgz",
        &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255],
    ));
    // ZIP magic followed by junk, and an end-of-central-directory record claiming 65,535 members
    expect_err(import_bytes(
        ListFormat::OfacEnhancedXml,
        "x.zip",
        b"PK\x03\x04\x14\x00\x00\x00",
    ));
    let mut eocd = b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff".to_vec();
    eocd.extend_from_slice(&[0xff; 8]);
    eocd.extend_from_slice(&[0, 0]);
    expect_err(import_bytes(ListFormat::OfacEnhancedXml, "x.zip", &eocd));
    expect_err(import_bytes(ListFormat::OfacCsv, "x.zip", &eocd));
    // a ZIP whose only member is an empty sdn.csv
    let z = zip(&[("sdn.csv", b"".as_slice())]);
    expect_err(import_bytes(ListFormat::OfacCsv, "x.zip", &z));
}

#[test]
fn edge_values_do_not_panic() {
    // multi-byte characters next to the places where the parsers cut strings
    let remarks = "DOB ééé; Passport é1 (Ér); nationality ☃; a.k.a. '; f.k.a.; DOB 1999 to 1000; DOB 1000 to 2999";
    let row = format!(
        "1,\"ÉLAN\",\"individual\",\"P] [\",-0- ,-0- ,-0- ,-0- ,-0- ,\"☃\",-0- ,\"{remarks}\"\r\n\x1a"
    );
    let s = import_bytes(ListFormat::OfacCsv, "sdn.csv", row.as_bytes()).expect("imports");
    assert_eq!(s.entries[0].primary_name(), "ÉLAN");
    assert!(s.entries[0].birth_dates.len() <= 101);
    // a 10,000-character name and control characters
    let long = "A".repeat(10_000);
    let xml = format!(
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>X.1</REFERENCE_NUMBER>\
         <FIRST_NAME>{long}&#x1;</FIRST_NAME><INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY>\
         <ALIAS_NAME>(金)</ALIAS_NAME></INDIVIDUAL_ALIAS></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"
    );
    match import_bytes(ListFormat::UnScXml, "x.xml", xml.as_bytes()) {
        Ok(s) => assert!(s.entries[0].primary_name().len() >= 10_000),
        Err(e) => assert!(!e.position.is_empty()),
    }
    // UK cells with unbalanced "(n)" markers
    let uk = "Unique ID,Name 6,Name type,D.O.B,Nationality(/ies)\r\nX1,N,Primary Name,(1) 00/00/19(,(9999) (\r\n";
    import_bytes(ListFormat::UkSanctions, "uk.csv", uk.as_bytes()).expect("imports");
    // EU dates with out-of-range parts
    let eu = "<export><sanctionEntity logicalId=\"1\"><nameAlias wholeName=\"N\"/>\
              <birthdate year=\"99999\" monthOfYear=\"99\" dayOfMonth=\"-1\"/>\
              <birthdate yearRangeFrom=\"1000\" yearRangeTo=\"2999\"/></sanctionEntity></export>";
    let s = import_bytes(ListFormat::EuFsfXml, "eu.xml", eu.as_bytes()).expect("imports");
    assert_eq!(s.entries[0].birth_dates, vec!["1000", "2999"]);
}
