//! `exportctl demo history`: seeds the demo data and the decision history through the use cases into the
//! database named by the usual options (SQLite data directory, PostgreSQL URL); the statistics of a past
//! year then have cases, the audit log verifies, and a second run is refused without changing anything.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run(dir: &Path, db: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_exportctl"));
    c.env_remove("EXPORTCTL_DATA_DIR")
        .env_remove("EXPORTCTL_DATABASE_URL")
        .env_remove("EXPORTCTL_SIGNING_KEY_FILE")
        .stdin(Stdio::null())
        .args(args)
        .arg("--data-dir")
        .arg(dir);
    if let Some(url) = db {
        c.arg("--database").arg(url);
    }
    c.output().expect("run exportctl")
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn audit_events(dir: &Path, db: Option<&str>) -> u64 {
    let out = ok(&run(dir, db, &["audit", "verify"]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("verify prints JSON");
    v["events"].as_u64().expect("events")
}

async fn seeds_history(backend: testdb::Backend) {
    let db = testdb::TestDb::new(backend).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let url = (backend == testdb::Backend::Postgres).then_some(db.url.as_str());
    let out = ok(&run(&dir, url, &["demo", "history"]));
    // The demo users, one line each: username role password token.
    let users: Vec<&str> = out.lines().collect();
    assert!(
        users.iter().any(|l| l.starts_with("demo-officer officer ")),
        "{out}"
    );
    assert!(users.iter().all(|l| l.split(' ').count() == 4), "{out}");
    // A past year's statistics count decided cases (several hundred spread over 2017 to now).
    let reports = tmp.path().join("reports");
    let path = ok(&run(
        &dir,
        url,
        &[
            "stats",
            "report",
            "--period",
            "2023",
            "--format",
            "json",
            "--out",
            reports.to_str().unwrap(),
        ],
    ));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path.trim()).unwrap()).unwrap();
    let total = &report["tables"][0]["total"];
    let apps = total["applications"].as_u64().expect("a published count");
    assert!(apps >= 10, "{total}");
    assert!(total["issued"].as_u64().unwrap_or(0) > 0, "{total}");
    // Every change went through the use cases with its audit event, and the log verifies.
    let events = audit_events(&dir, url);
    assert!(events > 1000, "{events} events");
    // A second run is refused and changes nothing.
    let again = run(&dir, url, &["demo", "history"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("demo data already present"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(audit_events(&dir, url), events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_history_seeds_sqlite() {
    seeds_history(testdb::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_history_seeds_postgres() {
    seeds_history(testdb::Backend::Postgres).await;
}
