//! Fuzz the uk-sanctions parser through `lists::import_bytes`: any input must give a snapshot or an
//! ImportError, never a panic; an Ok snapshot is never empty.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = lists::import_bytes(lists::ListFormat::UkSanctions, "uk.csv", data) {
        assert!(!s.entries.is_empty());
        assert!(s.entries.iter().all(|e| !e.names.is_empty() && !e.source_id.is_empty()));
    }
});
