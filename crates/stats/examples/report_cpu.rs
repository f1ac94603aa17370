//! CPU time of one annual report over 100,000 synthetic facts (the benchmark's data), measured on the
//! computing thread (`/proc/thread-self/stat`), so that waiting for a core on a shared machine does not
//! count: `cargo run --release -p stats --example report_cpu [runs] [cases] [seed]` (defaults 5, 100000, 11:
//! the benchmark's data, year 2026). Prints, per run, wall and CPU time of the report with disclosure control
//! (heuristic and audit) and, for comparison, without it.

use stats::{report, synthetic, Options, Period};
use std::time::Instant;

/// User + system CPU time of the calling thread, in seconds (Linux).
fn thread_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("/proc/thread-self/stat");
    // Fields after the command name (in parentheses): utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().expect("utime") + f[12].parse::<f64>().expect("stime");
    ticks / 100.0
}

fn main() {
    let arg = |i: usize, default: u64| -> u64 {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (runs, cases, seed) = (arg(1, 5), arg(2, 100_000), arg(3, 11));
    let facts = synthetic::facts(
        cases as usize,
        seed,
        "2026-01-01".parse().expect("date"),
        365,
    );
    let period = Period::parse("2026").expect("period");
    let as_of = "2027-01-01T00:00:00.000Z";
    for suppress in [true, false] {
        let opts = Options {
            suppress,
            ..Options::default()
        };
        for _ in 0..runs {
            let (w, c) = (Instant::now(), thread_cpu());
            let r = report(&facts, &period, as_of, &opts);
            println!(
                "suppress={suppress} wall={:.3}s cpu={:.2}s tables={}",
                w.elapsed().as_secs_f64(),
                thread_cpu() - c,
                r.tables.len()
            );
        }
    }
}
