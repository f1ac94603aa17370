//! Audit log benchmarks (issue 10, BENCHMARKS.md "Audit log"):
//!
//! 1. `audit verify` over 1,000,000 events against `sha256sum` over the same canonical bytes, in the same run;
//! 2. proof generation (inclusion, consistency) at 1,000,000 events (criterion);
//! 3. the cost an audit event adds to a write: a record insert with and without its event (criterion, SQLite
//!    and PostgreSQL).
//!
//! The 1M-event log is a SQLite file built through `Store` itself (the real encoding, chain and tree), 20,000
//! events per transaction, and kept in `AUDIT_BENCH_DIR` (default `target/audit-bench`) for later runs.
//! `AUDIT_BENCH_EVENTS` changes the size (for a quick try); `AUDIT_BENCH_ROUNDS` the verify rounds (default 3);
//! `AUDIT_BENCH_VERIFY=0` skips them.

use criterion::Criterion;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use store::{canonical, NewAuditEvent, Record, Store};
use tokio::runtime::Runtime;

/// SplitMix64: deterministic events without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const DESTS: &[&str] = &["DE", "FR", "US", "GB", "MX", "BR", "IN", "AE", "SG", "IL"];
const ENTRIES: &[&str] = &["5A001.j", "4A005", "4D004", "5D002", "5A002.a", "4E001.c"];
const STATES: &[&str] = &["draft", "submitted", "under-review", "approved", "issued"];

/// A case body shaped like the application's (parties, product lines, history), about 1 KB of JSON.
fn case_body(rng: &mut Rng, case: u64, state: &str) -> Value {
    let lines: Vec<Value> = (0..1 + rng.below(3))
        .map(|i| {
            json!({
                "product": format!("p-{case}-{i}"),
                "description": "Network monitoring appliance with deep packet inspection",
                "control_entries": [ENTRIES[rng.below(ENTRIES.len() as u64) as usize]],
                "quantity": 1 + rng.below(500),
                "value": {"amount": 1000 + rng.below(2_000_000), "currency": "EUR"}
            })
        })
        .collect();
    json!({
        "licence": if rng.below(3) == 0 { "marketing" } else { "export" },
        "exporter": {"org_id": format!("org-{}", case % 97), "name": "Example Systems Ltd"},
        "export": {
            "destination": DESTS[rng.below(DESTS.len() as u64) as usize],
            "end_user": {"name": "Ministry of Interior", "end_user_type": "government", "address": "1 Main Street"},
            "consignee": {"name": "Freight Forwarding LLC", "address": "Port Road 12"}
        },
        "lines": lines,
        "state": state,
        "history": [{"from": "draft", "to": "submitted", "at": "2026-03-02T09:14:00.000Z", "by": "u-7"}],
        "required_reviews": ["technical"],
        "policy_version": "2026.1",
        "target_working_days": 20
    })
}

/// Event `i`: a deterministic mix of case changes (before and after bodies), creations (after only),
/// sign-ins and token events (no bodies), roughly as the application writes them.
fn event(rng: &mut Rng, i: u64) -> NewAuditEvent {
    let case = i / 7;
    let at = format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        1 + (i / 90_000) % 12,
        1 + (i / 3_000) % 28,
        (i / 125) % 24,
        (i / 2) % 60,
        i % 60,
        i % 1000
    );
    let kind = rng.below(10);
    let (action, record_kind, record_id, before, after) = match kind {
        0..=5 => {
            let s = rng.below(STATES.len() as u64 - 1) as usize;
            (
                "case.transition",
                "case",
                format!("c-{case}"),
                Some(case_body(rng, case, STATES[s])),
                Some(case_body(rng, case, STATES[s + 1])),
            )
        }
        6 | 7 => (
            "case.create",
            "case",
            format!("c-{case}"),
            None,
            Some(case_body(rng, case, "draft")),
        ),
        8 => (
            "session.create",
            "session",
            format!("s-{i}"),
            None,
            Some(json!({"user_id": format!("u-{}", i % 40), "expires_at": at})),
        ),
        _ => ("token.use", "token", format!("t-{}", i % 40), None, None),
    };
    NewAuditEvent {
        at,
        actor: format!("u-{}", i % 40),
        via: (kind != 8).then(|| format!("tok-{}", i % 40)),
        action: action.into(),
        record_kind: record_kind.into(),
        record_id,
        before,
        after,
        reason: (kind == 5).then(|| "Criterion 7: risk of diversion".to_string()),
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Opens the benchmark log, building it (through `Store`, 20,000 events per transaction) if it is missing or
/// of another size.
async fn log_of(dir: &Path, events: u64) -> Store {
    let path = dir.join(format!("audit-{events}.sqlite3"));
    if path.exists() {
        let store = Store::connect(&sqlite_url(&path)).await.expect("open log");
        if store.audit_tree_size().await.expect("size") == events {
            return store;
        }
        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    let store = Store::connect(&sqlite_url(&path))
        .await
        .expect("create log");
    let started = Instant::now();
    let mut rng = Rng(10);
    let mut i = 0;
    while i < events {
        let mut tx = store.begin().await.expect("begin");
        for _ in 0..20_000.min(events - i) {
            tx.audit(event(&mut rng, i));
            i += 1;
        }
        tx.commit().await.expect("commit");
    }
    eprintln!(
        "built {events} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store
}

/// Writes the canonical bytes of every event, in order, to `out` (what `verify` hashes); returns the size.
/// Reads the columns straight from the SQLite file (before/after as stored text, not parsed and re-encoded),
/// so that dumping a million events takes seconds, not the better part of an hour.
async fn dump(path: &Path, out: &Path) -> u64 {
    use sqlx::Row;
    use std::io::Write;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&sqlite_url(path))
        .await
        .expect("open log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(out).expect("dump file"));
    let mut after = 0i64;
    let mut total = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, record_kind, record_id, before_json, after_json, reason, via \
             FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 50000",
        )
        .bind(after)
        .fetch_all(&pool)
        .await
        .expect("events");
        let Some(last) = rows.last() else { break };
        after = last.get("seq");
        for r in &rows {
            let e = NewAuditEvent {
                at: r.get("at"),
                actor: r.get("actor"),
                via: r.get("via"),
                action: r.get("action"),
                record_kind: r.get("record_kind"),
                record_id: r.get("record_id"),
                before: None,
                after: None,
                reason: r.get("reason"),
            };
            let before: Option<&str> = r.get("before_json");
            let after_json: Option<&str> = r.get("after_json");
            let b = canonical(r.get("seq"), &e, before, after_json);
            total += b.len() as u64;
            f.write_all(&b).expect("write");
        }
    }
    f.flush().expect("flush");
    pool.close().await;
    total
}

/// User + system CPU time of this process so far (all threads), from /proc/self/stat.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
    Duration::from_millis((ticks(11) + ticks(12)) * 1000 / clock_ticks())
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// `sha256sum FILE` under `/usr/bin/time`: (wall, user + system CPU) in seconds.
fn sha256sum(file: &Path) -> (f64, f64) {
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%U %S"])
        .arg("sha256sum")
        .arg(file)
        .output()
        .expect("run /usr/bin/time sha256sum (apt-get install time coreutils)");
    let wall = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "sha256sum failed");
    let err = String::from_utf8_lossy(&out.stderr);
    let cpu: f64 = err
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|v| v.parse::<f64>().ok())
        .sum();
    (wall, cpu)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn verify_vs_sha256sum(rt: &Runtime, store: &Store, dir: &Path, events: u64) {
    let bytes_file = dir.join(format!("audit-{events}.canonical"));
    let started = Instant::now();
    let bytes = rt.block_on(dump(
        &dir.join(format!("audit-{events}.sqlite3")),
        &bytes_file,
    ));
    eprintln!(
        "dumped {bytes} canonical bytes in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let rounds: usize = std::env::var("AUDIT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let (mut vw, mut vc, mut sw, mut sc) = (vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        let cpu0 = cpu_time();
        let t0 = Instant::now();
        let report = rt.block_on(store.verify_audit(&[])).expect("verify");
        let wall = t0.elapsed().as_secs_f64();
        let cpu = (cpu_time() - cpu0).as_secs_f64();
        assert_eq!(report.events as u64, events);
        assert!(report.first_bad_seq.is_none(), "{report:?}");
        let (s_wall, s_cpu) = sha256sum(&bytes_file);
        eprintln!(
            "round {round}: verify {wall:.3} s wall / {cpu:.2} s CPU; sha256sum {s_wall:.3} s wall / {s_cpu:.2} s CPU"
        );
        vw.push(wall);
        vc.push(cpu);
        sw.push(s_wall);
        sc.push(s_cpu);
    }
    let (vw, vc, sw, sc) = (median(vw), median(vc), median(sw), median(sc));
    let mb = bytes as f64 / 1e6;
    println!(
        "audit verify: {events} events, {mb:.1} MB canonical bytes ({:.0} B/event)",
        bytes as f64 / events as f64
    );
    println!(
        "  verify     median {vw:.3} s wall ({:.0} MB/s, {:.0} events/s), {vc:.2} s CPU",
        mb / vw,
        events as f64 / vw
    );
    println!(
        "  sha256sum  median {sw:.3} s wall ({:.0} MB/s), {sc:.2} s CPU",
        mb / sw
    );
    println!(
        "  ratio verify/sha256sum throughput: {:.2} (wall), {:.2} (CPU)",
        sw / vw,
        sc / vc
    );
}

fn proofs(c: &mut Criterion, rt: &Runtime, store: &Store, events: u64) {
    let mut g = c.benchmark_group(format!("audit_proofs_{events}"));
    let mut seq = 0u64;
    g.bench_function("inclusion", |b| {
        b.iter(|| {
            seq = (seq + 7_919) % events;
            rt.block_on(store.audit_inclusion_proof(seq as i64 + 1, events))
                .expect("proof")
        })
    });
    let mut old = 0u64;
    g.bench_function("consistency", |b| {
        b.iter(|| {
            old = (old + 104_729) % (events - 1);
            rt.block_on(store.audit_consistency_proof(old + 1, events))
                .expect("proof")
        })
    });
    g.bench_function("root", |b| {
        b.iter(|| rt.block_on(store.audit_root(events)).expect("root"))
    });
    g.finish();
}

/// One write as the use cases make it: insert a case record, with or without its audit event, and commit.
async fn write(store: &Store, rng: &mut Rng, n: u64, with_event: bool) {
    let body = case_body(rng, n, "draft");
    let at = "2026-11-30T10:00:00.000Z".to_string();
    // A kind the store checks no references of (a case's organisation and products would have to exist): this
    // measures the audit's cost, not the reference checks'.
    let r = Record::new(
        format!("c-{n}"),
        "bench-case",
        None,
        "draft",
        body,
        at.clone(),
    );
    let mut tx = store.begin().await.expect("begin");
    tx.insert(&r).await.expect("insert");
    if with_event {
        tx.audit(NewAuditEvent {
            at,
            actor: "u-1".into(),
            via: Some("tok-1".into()),
            action: "case.create".into(),
            record_kind: "case".into(),
            record_id: r.id.clone(),
            before: None,
            after: serde_json::to_value(&r.body).ok(),
            reason: None,
        });
    }
    tx.commit().await.expect("commit");
}

fn write_cost(c: &mut Criterion, rt: &Runtime) {
    let mut g = c.benchmark_group("audit_write_cost");
    for backend in [testdb::Backend::Sqlite, testdb::Backend::Postgres] {
        let db = rt.block_on(testdb::TestDb::new(backend));
        let store = rt.block_on(Store::connect(&db.url)).expect("connect");
        // A log that is not empty, so appends find a real frontier.
        rt.block_on(async {
            let mut tx = store.begin().await.expect("begin");
            let mut rng = Rng(3);
            for i in 0..10_000 {
                tx.audit(event(&mut rng, i));
            }
            tx.commit().await.expect("commit");
        });
        let name = format!("{backend:?}").to_lowercase();
        let mut rng = Rng(4);
        let mut n = 0u64;
        for with_event in [false, true] {
            let label = if with_event {
                "with_event"
            } else {
                "without_event"
            };
            g.bench_function(format!("{name}/{label}"), |b| {
                b.iter(|| {
                    n += 1;
                    rt.block_on(write(&store, &mut rng, n, with_event))
                })
            });
        }
        rt.block_on(store.close());
    }
    g.finish();
}

fn main() {
    let events: u64 = std::env::var("AUDIT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::var_os("AUDIT_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/audit-bench")
        });
    std::fs::create_dir_all(&dir).expect("bench dir");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let store = rt.block_on(log_of(&dir, events));
    let mut c = Criterion::default().configure_from_args();
    proofs(&mut c, &rt, &store, events);
    write_cost(&mut c, &rt);
    c.final_summary();
    // `AUDIT_BENCH_VERIFY=0` skips the (long) verify rounds, run last; criterion's filter applies to the rest.
    if std::env::var("AUDIT_BENCH_VERIFY").as_deref() != Ok("0") {
        verify_vs_sha256sum(&rt, &store, &dir, events);
    }
}
