//! The annual report over 100,000 decided cases (BENCHMARKS.md): effective facts, every table, suppression.

use criterion::{criterion_group, criterion_main, Criterion};
use stats::{report, synthetic, to_csv, Options, Period};

fn annual_report(c: &mut Criterion) {
    let from = "2026-01-01".parse().expect("date");
    let facts = synthetic::facts(100_000, 11, from, 365);
    let period = Period::parse("2026").expect("period");
    let as_of = "2027-01-01T00:00:00.000Z";
    let mut g = c.benchmark_group("stats");
    g.sample_size(10);
    g.bench_function("annual_report_100k_facts", |b| {
        b.iter(|| report(&facts, &period, as_of, &Options::default()))
    });
    g.bench_function("annual_report_100k_facts_json_and_csv", |b| {
        b.iter(|| {
            let r = report(&facts, &period, as_of, &Options::default());
            (serde_json::to_string(&r).map(|s| s.len()), to_csv(&r).len())
        })
    });
    g.finish();
}

criterion_group!(benches, annual_report);
criterion_main!(benches);
