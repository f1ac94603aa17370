//! Matching one application against a register of 100,000 denials (issue 13; target under 5 ms p99).
//! `cargo bench -p screening --bench denial_match`. Prints p50/p99 over 2,000 applications (the first pass,
//! and each application's best of five passes, which leaves out waiting for a core on a shared machine),
//! then criterion's estimate for one representative application.

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use screening::denials::{Application, DenialKey, DeniedName, Matcher};
use std::time::Instant;

const DENIALS: usize = 100_000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// Organisation words (shared by many names, as in real registers).
const ORG: &[&str] = &[
    "Monitoring",
    "Security",
    "Intelligence",
    "Police",
    "Signals",
    "Systems",
    "Technologies",
    "Trading",
    "Logistics",
    "Bureau",
    "Agency",
    "Directorate",
    "Ministry",
    "Services",
    "Holdings",
    "Solutions",
    "Networks",
    "Telecom",
    "Analytics",
    "Research",
    "Institute",
    "Command",
    "Guard",
    "Authority",
];
/// Syllables of the distinctive words: 40^2 + 40^3 possible words, so names differ as real parties' do.
const SYL: &[&str] = &[
    "ka", "ro", "mi", "sa", "ten", "vol", "dar", "zu", "fe", "li", "nor", "ba", "shi", "qa", "ret",
    "ul", "mon", "go", "ve", "tri", "al", "ha", "dim", "ko", "pe", "ras", "yo", "ni", "sto", "bel",
    "gar", "fi", "ma", "lek", "os", "tu", "har", "zen", "ri", "da",
];
const COUNTRIES: &[&str] = &[
    "AE", "SA", "EG", "MX", "BR", "IN", "ID", "TR", "KZ", "UZ", "VN", "TH", "MY", "PH", "NG", "KE",
    "ET", "MA", "DZ", "CO", "PE", "CL", "AR", "BD", "PK", "JO", "QA", "OM", "BH", "KW",
];
const ENTRIES: &[&str] = &[
    "5A001.j", "5A001.f", "4A005", "4D004", "5D001.e", "5A004.b", "4E001.a",
];

fn word(r: &mut Rng) -> String {
    let n = 2 + (r.next() % 2) as usize;
    let w: String = (0..n).map(|_| r.pick(SYL)).collect();
    let mut c = w.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// Two or three distinctive words and an organisation word.
fn name(r: &mut Rng) -> String {
    let n = 2 + (r.next() % 2) as usize;
    let mut words: Vec<String> = (0..n).map(|_| word(r)).collect();
    words.push(r.pick(ORG).to_string());
    words.join(" ")
}

fn register() -> Matcher {
    let mut r = Rng(0x9E3779B97F4A7C15);
    let until = NaiveDate::from_ymd_opt(2029, 1, 1).unwrap();
    let denials = (0..DENIALS)
        .map(|i| {
            let key = DenialKey {
                id: format!("d{i}"),
                reference: format!("DE/R-{i}"),
                denying_state: "DE".into(),
                own: false,
                entries: vec![r.pick(ENTRIES).to_string()],
                destination: r.pick(COUNTRIES).to_string(),
                in_force_until: until,
            };
            let mut names = vec![DeniedName {
                role: "end-user",
                name: name(&mut r),
            }];
            if i % 2 == 0 {
                names.push(DeniedName {
                    role: "consignee",
                    name: name(&mut r),
                });
            }
            (key, names)
        })
        .collect();
    Matcher::build(denials)
}

/// Applications with parties drawn from the same name generator as the register.
fn applications(n: usize) -> Vec<Application> {
    let mut r = Rng(0xD1B54A32D192ED03);
    (0..n)
        .map(|_| Application {
            entries: vec![r.pick(ENTRIES).to_string()],
            destinations: vec![r.pick(COUNTRIES).to_string()],
            parties: vec![
                ("end-user".into(), name(&mut r)),
                ("consignee".into(), name(&mut r)),
            ],
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let t0 = Instant::now();
    let m = register();
    eprintln!(
        "built the index over {} denials in {:.1}s",
        m.len(),
        t0.elapsed().as_secs_f64()
    );
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let apps = applications(2_000);
    let mut times: Vec<f64> = Vec::with_capacity(apps.len());
    let mut matched = 0;
    for a in &apps {
        let t = Instant::now();
        let found = m.find(a, today, screening::DEFAULT_THRESHOLD);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        matched += usize::from(!found.is_empty());
    }
    // Four more passes over all the applications in the same order, keeping each one's best time: the best
    // leaves out the time spent waiting for a core while other processes ran (a shared machine). Each run is
    // still cold: consecutive applications almost never share a (destination, entry) block, and the per-thread
    // caches belong to one block's index at a time.
    let mut best = times.clone();
    for _ in 0..4 {
        for (i, a) in apps.iter().enumerate() {
            let t = Instant::now();
            black_box(m.find(a, today, screening::DEFAULT_THRESHOLD));
            best[i] = best[i].min(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    let pct = |xs: &mut Vec<f64>, p: f64| {
        xs.sort_by(f64::total_cmp);
        xs[((xs.len() as f64 * p) as usize).min(xs.len() - 1)]
    };
    eprintln!(
        "matching one application against {DENIALS} denials (first run, wall clock): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({matched} of {} applications matched)",
        pct(&mut times, 0.50),
        pct(&mut times, 0.99),
        times[times.len() - 1],
        apps.len()
    );
    eprintln!(
        "matching one application against {DENIALS} denials (best of 5 passes): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        pct(&mut best, 0.50),
        pct(&mut best, 0.99),
        best[best.len() - 1],
    );
    let one = &apps[0];
    c.bench_function("match one application against 100000 denials", |b| {
        b.iter(|| black_box(m.find(black_box(one), today, screening::DEFAULT_THRESHOLD)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = bench
}
criterion_main!(benches);
