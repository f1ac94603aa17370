//! Import a list and print it: `cargo run -p lists --release --example dump -- FORMAT PATH [SOURCE_ID]`.
//! Without a source id it prints the record count, version and import time; with one, that record as JSON.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: dump FORMAT PATH [SOURCE_ID]");
        std::process::exit(2);
    }
    let format: lists::ListFormat = match args[1].parse() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let t = Instant::now();
    let snap = match lists::import(format, std::path::Path::new(&args[2])) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let elapsed = t.elapsed();
    match args.get(3) {
        Some(id) => {
            for e in snap.entries.iter().filter(|e| &e.source_id == id) {
                println!("{}", serde_json::to_string_pretty(e).unwrap_or_default());
            }
        }
        None => println!(
            "{} records, version {}, published {:?}, imported in {:.1} ms",
            snap.entries.len(),
            snap.version,
            snap.published,
            elapsed.as_secs_f64() * 1000.0
        ),
    }
}
