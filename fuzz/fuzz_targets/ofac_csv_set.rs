//! Fuzz the OFAC legacy CSV file-set join (sdn.csv + alt.csv + add.csv + sdn_comments.csv) through
//! `lists::import_files`: the input is split at 0xFF bytes into up to four files.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let names = ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"];
    let files: Vec<(&str, &[u8])> = data.splitn(4, |&b| b == 0xff).zip(names).map(|(b, n)| (n, b)).collect();
    if let Ok(s) = lists::import_files(lists::ListFormat::OfacCsv, &files) {
        assert!(!s.entries.is_empty());
    }
});
