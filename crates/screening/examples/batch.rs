//! The library path of `exportctl screen`: load every shipped list, build the index, run
//! `screening::batch::screen_jsonl` over a JSON Lines file, print throughput and peak memory.
//! `cargo run --release -p screening --example batch -- QUERIES.jsonl > /dev/null`
#[path = "../tests/shipped/mod.rs"]
mod shipped;

use std::io::{BufReader, BufWriter};
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: batch QUERIES.jsonl");
    let t0 = Instant::now();
    let lists = shipped::load_all();
    let t1 = Instant::now();
    let ix = screening::Index::build(&lists);
    drop(lists);
    let t2 = Instant::now();
    let input = BufReader::with_capacity(1 << 16, std::fs::File::open(&path).unwrap());
    let out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let s =
        screening::batch::screen_jsonl(&ix, input, out, &screening::Options::default()).unwrap();
    let dt = t2.elapsed().as_secs_f64();
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .unwrap_or_default();
    eprintln!(
        "batch: import {:.2}s, index {:.2}s, {} queries in {:.2}s = {:.0} queries/s on {} threads; {} with matches, {} errors; {}",
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        s.queries,
        dt,
        s.queries as f64 / dt,
        rayon::current_num_threads(),
        s.with_matches,
        s.errors,
        hwm
    );
}
