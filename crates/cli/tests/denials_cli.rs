//! `exportctl denials import` and `denials export --since` run as the real binary on a seeded database (the
//! demo history, whose refusals owe partners notifications): a good file is added once, a malformed file is
//! refused naming its line and field and stores nothing, and the export writes exactly the notifications due
//! on or after the date, as JSON Lines.

use serde_json::json;
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

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

const HEAD: &str = "regime,denying_state,reference,date,control_entries,item_description,end_user_name,end_user_address,end_user_country,consignee_name,consignee_address,consignee_country,destination,end_use,criteria,renewed_on\n";

/// The notifications `denials export --since DATE` writes to a file, parsed line by line.
fn exported(dir: &Path, db: Option<&str>, since: &str) -> Vec<serde_json::Value> {
    let out = dir.join(format!("due-{since}.jsonl"));
    let o = run(
        dir,
        db,
        &[
            "denials",
            "export",
            "--since",
            since,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    ok(&o);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert!(
        text(&o.stderr).contains(&format!("{} notifications due since {since}", lines.len())),
        "{}",
        text(&o.stderr)
    );
    lines
}

async fn import_and_export(backend: testdb::Backend) {
    let db = testdb::TestDb::new(backend).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let url = (backend == testdb::Backend::Postgres).then_some(db.url.as_str());
    ok(&run(&dir, url, &["demo", "history"]));

    // A good CSV file: both denials added; the same file again changes nothing.
    let good = tmp.path().join("partners.csv");
    std::fs::write(
        &good,
        format!(
            "{HEAD}wassenaar,FR,FR-26-01,2026-02-01,5A001.j;4A005,Monitoring system,Gulf Monitoring Centre,\"1 Road, Dubai\",AE,Freight LLC,,AE,AE,monitoring,2;7,\n\
             wassenaar,NL,NL-26-7,2025-12-01,4D004,Forensic software,Ministry of Interior,,SA,,,,SA,investigations,2,\n"
        ),
    )
    .unwrap();
    let out = ok(&run(
        &dir,
        url,
        &["denials", "import", good.to_str().unwrap()],
    ));
    assert!(out.starts_with("2 added, 0 updated, 0 unchanged;"), "{out}");
    let out = ok(&run(
        &dir,
        url,
        &["denials", "import", good.to_str().unwrap()],
    ));
    assert!(out.starts_with("0 added, 0 updated, 2 unchanged;"), "{out}");

    // A malformed JSON Lines file: line 1 is a good new denial, line 2 has an unknown field. Refused, naming
    // line and field, and line 1 is not stored either.
    let line1 = r#"{"regime":"wassenaar","denying_state":"DE","reference":"DE-2026-0147","date":"2026-03-02","control_entries":["5A001.j"],"item_description":"IP network surveillance system","end_user":{"name":"Gulf Monitoring Centre","address":null,"country":"AE"},"consignee":null,"destination":"AE","end_use":"monitoring centre","criteria":["2","7"]}"#;
    let line2 = r#"{"regime":"wassenaar","denying_state":"DE","reference":"DE-2026-0148","date":"2026-03-02","control_entries":["5A001.j"],"item_description":"IP network surveillance system","end_user":{"name":"Gulf Monitoring Centre","address":null,"country":"AE","phone":"1"},"consignee":null,"destination":"AE","end_use":"monitoring centre","criteria":["2"]}"#;
    let bad = tmp.path().join("partners.jsonl");
    std::fs::write(&bad, format!("{line1}\n{line2}\n")).unwrap();
    let o = run(&dir, url, &["denials", "import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("partners.jsonl") && err.contains("line 2: end_user.phone"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    let first_only = tmp.path().join("first.jsonl");
    std::fs::write(&first_only, format!("{line1}\n")).unwrap();
    let out = ok(&run(
        &dir,
        url,
        &["denials", "import", first_only.to_str().unwrap()],
    ));
    assert!(
        out.starts_with("1 added, 0 updated, 0 unchanged;"),
        "the refused file stored nothing: {out}"
    );
    // A file whose format cannot be told is refused before anything is read.
    let unknown = tmp.path().join("partners.txt");
    std::fs::write(&unknown, line1).unwrap();
    let o = run(&dir, url, &["denials", "import", unknown.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--format"), "{}", text(&o.stderr));

    // The export: the demo history's refusals owe notifications, each due on its refusal's day, and a refusal
    // overturned on appeal its final assessment (the refusal's denials revoked).
    let all = exported(&dir, url, "2017-01-01");
    assert!(!all.is_empty());
    let kind = |n: &serde_json::Value| (n["kind"].clone(), n["outcome"].clone());
    let refusal = (json!("refusal"), json!(null));
    let overturned = (json!("final-assessment"), json!("overturned"));
    assert!(
        all.iter()
            .all(|n| kind(n) == refusal || kind(n) == overturned),
        "{all:?}"
    );
    assert!(all.iter().any(|n| kind(n) == overturned), "{all:?}");
    assert!(
        all.iter().filter(|n| kind(n) == refusal).count()
            > all.iter().filter(|n| kind(n) == overturned).count()
    );
    assert!(all.iter().all(|n| n["to"] == "regime-partners"));
    let dates: Vec<&str> = all.iter().map(|n| n["due_on"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "oldest first");
    let since = dates[dates.len() / 2];
    let later = exported(&dir, url, since);
    let expected = dates.iter().filter(|d| **d >= since).count();
    assert_eq!(later.len(), expected);
    assert!(later.len() < all.len() || dates[0] == since);
    let none = run(&dir, url, &["denials", "export", "--since", "2099-01-01"]);
    assert_eq!(ok(&none), "");
    assert!(text(&none.stderr).contains("0 notifications due since 2099-01-01"));
    let bad_date = run(&dir, url, &["denials", "export", "--since", "yesterday"]);
    assert_eq!(bad_date.status.code(), Some(2), "clap rejects a bad date");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denials_import_and_export_sqlite() {
    import_and_export(testdb::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denials_import_and_export_postgres() {
    import_and_export(testdb::Backend::Postgres).await;
}
