//! Criterion benchmarks with every shipped list loaded: index build and single-name screening.
//! `cargo bench -p screening --bench screen`
#[path = "../tests/shipped/mod.rs"]
mod shipped;

use criterion::{criterion_group, criterion_main, Criterion};
use screening::{Index, Options, Query};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let lists = shipped::load_all();
    if lists.is_empty() {
        eprintln!("no shipped lists; nothing to benchmark");
        return;
    }
    let mut g = c.benchmark_group("index");
    g.sample_size(10);
    g.bench_function("build_all_shipped_lists", |b| {
        b.iter(|| black_box(Index::build(&lists)))
    });
    g.finish();
    let ix = Index::build(&lists);
    let opts = Options::default();
    let mut g = c.benchmark_group("screen_one_name");
    for name in [
        "Saddam Hussein al-Tikriti",
        "Margaret Ostrowska-Lindqvist",
        "Mohamad Yousef Abdul Rahman",
        "Banco Nacional de Cuba SA",
        "Kim Jong Un",
        "صدام حسين التكريتي",
        "Владимир Путин",
    ] {
        let q = Query::name(name).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| black_box(ix.screen(black_box(&q), &opts)))
        });
    }
    // A mix: every 97th primary name of every list, rotating per iteration.
    let mix: Vec<Query> = lists
        .iter()
        .flat_map(|(_, s)| {
            s.entries
                .iter()
                .step_by(97)
                .map(|e| e.primary_name().to_string())
        })
        .filter_map(|n| Query::name(&n).ok())
        .collect();
    let mut i = 0;
    g.bench_function("mixed_list_names", |b| {
        b.iter(|| {
            i = (i + 1) % mix.len();
            black_box(ix.screen(&mix[i], &opts))
        })
    });
    g.finish();
}

criterion_group!(screen, benches);
criterion_main!(screen);
