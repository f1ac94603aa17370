//! Hostile containers and inputs that must not hurt the service: ZIP bombs, archives of many members, and
//! errors that would echo a huge piece of the input.

mod support;

use lists::*;
use std::io::Write;
use support::*;

/// A ZIP of `n` members, each `size` zero bytes deflated (about 1,000:1).
fn bomb(members: &[(&str, usize)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    let chunk = vec![0u8; 1 << 20];
    for (name, size) in members {
        w.start_file(*name, opts).expect("member");
        let mut left = *size;
        while left > 0 {
            let n = left.min(chunk.len());
            w.write_all(&chunk[..n]).expect("write");
            left -= n;
        }
    }
    w.finish().expect("finish").into_inner()
}

#[test]
fn zip_bomb_is_refused_by_its_total_decompressed_size() {
    // two members of 160 MiB each: each under the 256 MiB cap, together over it
    let z = bomb(&[("sdn.csv", 160 << 20), ("alt.csv", 160 << 20)]);
    assert!(z.len() < 1 << 20, "the bomb is small: {} bytes", z.len());
    let e = expect_err(import_bytes(ListFormat::OfacCsv, "bomb.zip", &z));
    assert!(e.reason.contains("decompresses to more than"), "{e}");
}

#[test]
fn zip_members_the_format_does_not_use_are_not_decompressed() {
    // a valid set beside a README whose compressed data is garbage: decompressing the README would fail the
    // import, so its success shows the member was skipped unread
    let cons = read(&data("us_ofac_non_sdn_2025-12/cons_prim.csv"));
    let readme = vec![b'A'; 100_000];
    let mut z = zip(&[
        ("cons_prim.csv", cons.as_slice()),
        ("README.txt", &readme),
        ("docs/", b""),
    ]);
    let (start, len) = {
        let mut a = zip::ZipArchive::new(std::io::Cursor::new(z.as_slice())).expect("zip");
        let f = a.by_name("README.txt").expect("readme");
        (f.data_start() as usize, f.compressed_size() as usize)
    };
    z[start..start + len].fill(0xff);
    let s = import_bytes(ListFormat::OfacCsv, "cons.zip", &z).expect("imports");
    assert_eq!(s.entries.len(), 442);
    // the same archive with the garbage under a name the format reads fails: the corruption is real
    let mut bad = zip(&[
        ("cons_prim.csv", cons.as_slice()),
        ("cons_alt.csv", &readme),
    ]);
    let (start, len) = {
        let mut a = zip::ZipArchive::new(std::io::Cursor::new(bad.as_slice())).expect("zip");
        let f = a.by_name("cons_alt.csv").expect("alt");
        (f.data_start() as usize, f.compressed_size() as usize)
    };
    bad[start..start + len].fill(0xff);
    let e = expect_err(import_bytes(ListFormat::OfacCsv, "cons.zip", &bad));
    assert!(e.reason.contains("corrupt ZIP member"), "{e}");
}

#[test]
fn archives_of_many_members_are_refused() {
    let names: Vec<String> = (0..100).map(|i| format!("m{i}.txt")).collect();
    let members: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), b"x".as_slice()))
        .collect();
    let e = expect_err(import_bytes(
        ListFormat::OfacCsv,
        "many.zip",
        &zip(&members),
    ));
    assert!(e.reason.contains("at most 64"), "{e}");
    let e = expect_err(import_bytes(
        ListFormat::OfacCsv,
        "many.tar",
        &tar(&members),
    ));
    assert!(e.reason.contains("more than 64"), "{e}");
}

/// A 100 KB gzip whose CSV header is one 100 MB line produced a 100 MB error; errors quote at most a short
/// excerpt of any input.
#[test]
fn errors_quote_only_a_short_excerpt_of_the_input() {
    let long_header = "x".repeat(20 << 20);
    let gz = gzip(format!("{long_header}\nrow\n").as_bytes());
    let e = expect_err(import_bytes(ListFormat::UsCslCsv, "big.csv.gz", &gz));
    assert!(e.to_string().len() < 1_000, "{} bytes", e.to_string().len());

    let tsv = format!("{long_header}\tEffective_Date\nrow\t2020-01-01\n");
    let e = expect_err(import_bytes(ListFormat::BisDpl, "dpl.txt", tsv.as_bytes()));
    assert!(e.to_string().len() < 1_000, "{} bytes", e.to_string().len());

    let huge_id = "9".repeat(1 << 20);
    let bad_id =
        format!("{huge_id}x,\"X\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a");
    let e = expect_err(import_bytes(
        ListFormat::OfacCsv,
        "sdn.csv",
        bad_id.as_bytes(),
    ));
    assert!(e.to_string().len() < 1_000, "{} bytes", e.to_string().len());

    let bad_type =
        format!("1,\"X\",\"{long_header}\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a");
    let e = expect_err(import_bytes(
        ListFormat::OfacCsv,
        "sdn.csv",
        bad_type.as_bytes(),
    ));
    assert!(e.to_string().len() < 1_000, "{} bytes", e.to_string().len());

    let name = "E".repeat(1 << 20);
    for f in [
        ListFormat::UnScXml,
        ListFormat::EuFsfXml,
        ListFormat::OfacEnhancedXml,
    ] {
        let xml = format!("<{name}></{name}>");
        let e = expect_err(import_bytes(f, "x.xml", xml.as_bytes()));
        assert!(
            e.to_string().len() < 1_000,
            "{f}: {} bytes",
            e.to_string().len()
        );
        let xml = format!("<a><{name}></b></a>");
        let e = expect_err(import_bytes(f, "x.xml", xml.as_bytes()));
        assert!(
            e.to_string().len() < 1_000,
            "{f}: {} bytes",
            e.to_string().len()
        );
    }
    // a ZIP member with a long name
    let long_member = format!("{}.xml", "n".repeat(60_000));
    let z = zip(&[(long_member.as_str(), b"<x/>".as_slice())]);
    let e = expect_err(import_bytes(ListFormat::OfacEnhancedXml, "x.zip", &z));
    assert!(e.to_string().len() < 1_000, "{} bytes", e.to_string().len());
}
