//! Malformed input for every format: empty files, binary garbage, truncated documents, and a deterministic
//! mutation sweep over real-file prefixes that must never panic (the fuzz targets in /fuzz go further).

mod support;

use lists::*;
use support::*;

#[test]
fn empty_and_garbage_are_rejected_everywhere() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for f in ListFormat::ALL {
        let e = expect_err(import_bytes(f, "empty", b""));
        assert!(e.reason.contains("empty"), "{f}: {e}");
        expect_err(import_bytes(f, "garbage", &garbage));
        expect_err(import_bytes(f, "blank", b"   \r\n\r\n"));
        expect_err(import_bytes(f, "nul", &[0u8; 64]));
    }
}

#[test]
fn truncated_un_xml_reports_line_and_column() {
    let xml = read(&data("un_sc/UN_consolidated.xml"));
    let e = expect_err(import_bytes(
        ListFormat::UnScXml,
        "UN_consolidated.xml",
        &xml[..100_000],
    ));
    assert!(e.position.starts_with("line "), "{e}");
    assert!(
        e.reason.contains("truncated") || e.reason.contains("malformed"),
        "{e}"
    );
    // a cut inside a multi-byte character is invalid UTF-8, not a panic
    let pos = xml.iter().position(|&b| b >= 0xc0).expect("non-ASCII byte");
    expect_err(import_bytes(
        ListFormat::UnScXml,
        "cut.xml",
        &xml[..pos + 1],
    ));
}

#[test]
fn un_structure_errors() {
    let e = expect_err(import_bytes(
        ListFormat::UnScXml,
        "x.xml",
        b"<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>",
    ));
    assert!(e.reason.contains("no INDIVIDUAL or ENTITY records"), "{e}");
    let e = expect_err(import_bytes(ListFormat::UnScXml, "x.xml", b"<OTHER/>"));
    assert!(e.reason.contains("CONSOLIDATED_LIST"), "{e}");
    let e = expect_err(import_bytes(
        ListFormat::UnScXml,
        "x.xml",
        b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
    ));
    assert!(e.reason.contains("REFERENCE_NUMBER"), "{e}");
    // the position of the offending <INDIVIDUAL> start tag
    assert_eq!(e.position, "line 1, column 33 (byte 32)");
    let e = expect_err(import_bytes(
        ListFormat::UnScXml,
        "x.xml",
        b"<CONSOLIDATED_LIST><a></b></CONSOLIDATED_LIST>",
    ));
    assert!(e.reason.contains("malformed XML"), "{e}");
    // nesting bomb
    let deep = "<a>".repeat(100_000);
    let e = expect_err(import_bytes(
        ListFormat::UnScXml,
        "deep.xml",
        deep.as_bytes(),
    ));
    assert!(e.reason.contains("nested deeper"), "{e}");
    // unknown entity
    expect_err(import_bytes(
        ListFormat::UnScXml,
        "x.xml",
        b"<CONSOLIDATED_LIST>&bogus;</CONSOLIDATED_LIST>",
    ));
}

/// xorshift, so the sweep is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutation_sweep_never_panics() {
    let seeds: Vec<(ListFormat, Vec<u8>)> = vec![
        (
            ListFormat::UnScXml,
            read(&data("un_sc/UN_consolidated.xml"))[..20_000].to_vec(),
        ),
        (
            ListFormat::OfacCsv,
            read(&data("us_ofac_sdn_2021-07/sdn.csv"))[..8_000].to_vec(),
        ),
        (
            ListFormat::BisDpl,
            read(&data("us_bis_dpl_2023-11/dpl.txt"))[..8_000].to_vec(),
        ),
        (ListFormat::EuFsfXml, read(&fixture("eu_fsf_synthetic.xml"))),
        (
            ListFormat::UkSanctions,
            read(&fixture("uk_sanctions_synthetic.csv")),
        ),
        (ListFormat::UsCslCsv, {
            let gz = read(&data("us_trade_csl/consolidated.csv.gz"));
            let mut d = flate2::read::GzDecoder::new(gz.as_slice());
            let mut out = vec![0u8; 8_000];
            std::io::Read::read_exact(&mut d, &mut out).expect("gunzip");
            out
        }),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (format, seed) in &seeds {
        for _ in 0..300 {
            let mut m = seed.clone();
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(m.len());
                match rng.below(4) {
                    0 => m[i] = rng.next() as u8,
                    1 => {
                        m.remove(i);
                    }
                    2 => m.insert(i, b"<>\"\t,;()\n\r\x1a\xff"[rng.below(12)]),
                    _ => m.truncate(i),
                }
                if m.is_empty() {
                    break;
                }
            }
            // Ok or Err are both fine; a panic fails the test
            if let Ok(s) = import_bytes(*format, "mutant", &m) {
                assert!(!s.entries.is_empty());
            }
        }
    }
}
