//! Throughput of `evaluate()` with the reference policy over a varied request mix (all destinations,
//! dates 2017-2026, both licence kinds, every grade and end-user type, 0-3 control entries, some catch-all).

use chrono::{Days, NaiveDate};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use domain::{CountryCode, EndUserType, LicenceKind, SecurityGrade};
use policy::Request;

const ENTRIES: &[&str] = &[
    "4A005", "4D004", "4E001.a", "4E001.c", "5A001.f", "5A001.j", "5D001.e", "5A004.b", "5A002",
    "5D002", "4.A.5", "5.A.1.j",
];

fn mix(n: usize) -> Vec<Request> {
    let set = policy::reference();
    let countries: Vec<&str> = set.countries().iter().map(|c| c.code.as_str()).collect();
    let start = NaiveDate::from_ymd_opt(2017, 1, 1).expect("date");
    // A small deterministic LCG so the mix is the same on every run.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    (0..n)
        .map(|_| {
            let k = next() % 4;
            let entries = (0..k.min(3))
                .map(|_| ENTRIES[next() % ENTRIES.len()].to_string())
                .collect();
            // Half the requests go to the 52 assessed destinations, where the interesting rules fire.
            let dest = if next() % 2 == 0 {
                [
                    "DE", "FR", "AE", "SA", "MX", "IL", "IN", "IR", "KP", "SS", "CY", "US", "GB",
                    "RW",
                ][next() % 14]
            } else {
                countries[next() % countries.len()]
            };
            Request {
                as_of: start + Days::new((next() % 3650) as u64),
                licence: LicenceKind::ALL[next() % 2],
                control_entries: entries,
                security_grade: SecurityGrade::ALL[next() % 4],
                destination: CountryCode::parse(dest).expect("code"),
                end_user_type: EndUserType::ALL[next() % 5],
                catch_all_notified: next() % 10 == 0,
                denial_match: false,
                evidence_of_misuse: false,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let set = policy::reference();
    let requests = mix(4096);
    for r in &requests {
        policy::evaluate(r, set).expect("every request in the mix is valid");
    }
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(requests.len() as u64));
    g.bench_function("reference_mix_4096", |b| {
        b.iter(|| {
            for r in &requests {
                black_box(policy::evaluate(black_box(r), set).ok());
            }
        })
    });
    g.finish();
    c.bench_function("load_reference_policy", |b| {
        b.iter(|| {
            policy::PolicySet::load_files(black_box(policy::reference_files()))
                .map(|s| s.rules().len())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
