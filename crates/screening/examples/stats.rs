//! Load every shipped list, build the index, print sizes, build time, resident memory, and screen a few names.
//! `cargo run --release -p screening --example stats [-- NAME ...]`
#[path = "../tests/shipped/mod.rs"]
mod shipped;

use std::time::Instant;

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn lists_names(v: &[String]) -> Vec<String> {
    v.to_vec()
}

fn main() {
    let t0 = Instant::now();
    let lists = shipped::load_all();
    let t1 = Instant::now();
    let before = rss_kib("VmRSS:");
    let ix = screening::Index::build(&lists);
    let t2 = Instant::now();
    let ix_src: Vec<String> = lists
        .iter()
        .flat_map(|(_, s)| s.entries.iter().map(|e| e.primary_name().to_string()))
        .collect();
    drop(lists);
    println!(
        "lists {} entries {} names {} import {:.2}s build {:.3}s rss-after-build {} MiB (index alone ~{} MiB) peak {} MiB",
        ix.lists().len(),
        ix.len(),
        ix.variant_count(),
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        rss_kib("VmRSS:") / 1024,
        rss_kib("VmRSS:").saturating_sub(before) / 1024,
        rss_kib("VmHWM:") / 1024
    );
    for l in ix.lists() {
        println!("  {} {} entries {}", l.label, l.format, l.entries);
    }
    // Latency over a reproducible query mix: list names (every 7th entry's primary name) with a typo.
    let mut lat = Vec::new();
    let mut slow: Vec<(u64, String)> = Vec::new();
    let mut qs = Vec::new();
    for (i, e) in lists_names(&ix_src).into_iter().enumerate() {
        if i % 7 == 0 {
            qs.push(e);
        }
    }
    for (i, n) in qs.iter().enumerate() {
        let mut n = n.clone();
        if i % 2 == 0 && n.chars().count() > 6 {
            let mut c: Vec<char> = n.chars().collect();
            c.remove(c.len() / 2);
            n = c.into_iter().collect();
        }
        if let Ok(q) = screening::Query::name(&n) {
            let t = Instant::now();
            let _ = ix.screen(&q, &screening::Options::default());
            let ns = t.elapsed().as_nanos() as u64;
            lat.push(ns);
            slow.push((ns, n.clone()));
        }
    }
    lat.sort();
    if !lat.is_empty() {
        let p = |f: f64| lat[((lat.len() as f64 - 1.0) * f) as usize] as f64 / 1000.0;
        println!(
            "latency over {} queries: median {:.1} us, p90 {:.1} us, p99 {:.1} us, max {:.1} us",
            lat.len(),
            p(0.5),
            p(0.9),
            p(0.99),
            p(1.0)
        );
    }
    slow.sort();
    for (ns, n) in slow.iter().rev().take(8) {
        println!("  slow: {:.0} us {n:?}", *ns as f64 / 1000.0);
    }
    let names: Vec<String> = std::env::args().skip(1).collect();
    for n in names {
        let q = screening::Query::name(&n).unwrap();
        let t = Instant::now();
        let m = ix.screen(&q, &screening::Options::default());
        let dt = t.elapsed();
        println!("{n:?} ({:?}):", dt);
        for m in m {
            println!(
                "  {:.3} {} {} {:?} via {:?}",
                m.score,
                m.list,
                m.source_id,
                m.name,
                m.explanation
                    .tokens
                    .iter()
                    .map(|t| format!("{}~{}:{:.2}:{}", t.query, t.list, t.similarity, t.method))
                    .collect::<Vec<_>>()
            );
        }
    }
}
