//! `exportctl serve`: binds before touching the database, and says at start-up what to do next.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Runs `serve` with `args` on a free port and returns its standard output up to the end of the "next steps"
/// block (the last line names the real lists), then stops it.
fn serve_banner(data: &std::path::Path, args: &[&str]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run exportctl serve");
    let stdout = child.stdout.take().unwrap();
    let mut out = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read stdout");
        out.push_str(&line);
        out.push('\n');
        if line
            .trim_start()
            .starts_with("require them with --required-lists")
        {
            break;
        }
    }
    child.kill().expect("stop the server");
    let _ = child.wait();
    out
}

/// Starts `serve` on a free port with the SQLite database of `data` and reads its output up to the end of the
/// "next steps" block (it is answering then). The output is kept open until the caller drops it: a closed pipe
/// would make the server's next line of output fail.
fn serving(
    data: &std::path::Path,
) -> (
    std::process::Child,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .env_remove("EXPORTCTL_DATABASE_URL")
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run exportctl serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line
            .expect("read stdout")
            .trim_start()
            .starts_with("require them with")
        {
            break;
        }
    }
    (child, lines)
}

#[test]
fn a_port_in_use_fails_before_the_database_is_created() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .args(["serve", "--listen", &addr, "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot listen on") && err.contains(&addr),
        "{err}"
    );
    assert!(
        !data.exists(),
        "no data directory or database was created before the bind failed"
    );
}

#[test]
fn demo_says_what_to_do_next() {
    let dir = tempfile::tempdir().unwrap();
    let out = serve_banner(&dir.path().join("data"), &["--demo"]);
    // One line per user: username, role, password and token separated by single spaces (scripts read it).
    let officer = out
        .lines()
        .find(|l| l.starts_with("demo-officer "))
        .unwrap_or_else(|| panic!("an officer line: {out}"));
    let fields: Vec<&str> = officer.split(' ').collect();
    assert_eq!(fields.len(), 4, "{officer}");
    assert_eq!(fields[1], "officer");
    assert!(
        fields[2].len() >= 12 && fields[3].starts_with("exp_"),
        "{officer}"
    );
    assert!(out.contains("/api/v1/openapi.json"), "{out}");
    assert!(out.contains("Authorization: Bearer"), "{out}");
    assert!(out.contains("exportctl lists import FORMAT PATH"), "{out}");
    assert!(out.contains("us-csl-demo"), "{out}");
    assert!(!out.contains("no users exist"), "{out}");
    assert!(!out.contains("not imported yet"), "{out}");
}

#[test]
fn an_empty_database_says_how_to_create_the_first_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let out = serve_banner(
        &dir.path().join("data"),
        &["--required-lists", "un-sc,ofac-sdn"],
    );
    assert!(out.contains("no users exist yet"), "{out}");
    assert!(
        out.contains("exportctl admin create-user --username root --role admin"),
        "{out}"
    );
    assert!(out.contains("not imported yet: un-sc, ofac-sdn"), "{out}");
    assert!(out.contains("Authorization: Bearer"), "{out}");
}

#[test]
fn unknown_required_list_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--required-lists",
            "ofac-csv",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a list source id"));
}

/// A service manager stops the server with SIGTERM: it finishes and exits with success (it is not killed by
/// the signal), so that requests in flight are answered and the database is closed cleanly.
#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, lines) = serving(&dir.path().join("data"));
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the server did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    drop(lines);
}

/// The licences of a database, by state: (id, state, valid until).
async fn licences(store: &store::Store) -> Vec<(String, String, chrono::NaiveDate)> {
    let filter = store::Filter {
        states: ["issued", "suspended", "expired"]
            .map(String::from)
            .to_vec(),
        ..Default::default()
    };
    store
        .list::<serde_json::Value>("case", &filter)
        .await
        .expect("list cases")
        .into_iter()
        .map(|r| {
            let until = r.body["licence_issued"]["valid_until"]
                .as_str()
                .unwrap_or_else(|| panic!("licence {} has a validity: {}", r.id, r.body))
                .parse()
                .expect("a date");
            (r.id, r.state, until)
        })
        .collect()
}

/// The running server's expiry job (hourly, and once at start), observed from outside: on a database whose
/// decision history holds licences whose validity ended years ago and licences still valid, `serve` expires
/// every one past its validity and no other. Days within one of today are left out, so the service's calendar
/// zone cannot make the test depend on the hour it runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expiry_job_expires_licences_past_their_validity_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let seeded = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .env_remove("EXPORTCTL_DATABASE_URL")
        .args(["demo", "history", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::null())
        .output()
        .expect("run exportctl demo history");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let url = format!(
        "sqlite://{}?mode=rw",
        data.join("exportctl.sqlite3").display()
    );
    let store = store::Store::connect(&url)
        .await
        .expect("open the database");
    let today = app::today();
    let (day_before, day_after) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let before = licences(&store).await;
    let due: Vec<&String> = before
        .iter()
        .filter(|(_, s, until)| s != "expired" && *until < day_before)
        .map(|(id, _, _)| id)
        .collect();
    let valid: Vec<&String> = before
        .iter()
        .filter(|(_, s, until)| s != "expired" && *until > day_after)
        .map(|(id, _, _)| id)
        .collect();
    assert!(
        !due.is_empty() && !valid.is_empty(),
        "the history has licences on both sides of today: {before:?}"
    );

    let (mut child, lines) = serving(&data);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let after = loop {
        let now = licences(&store).await;
        let expired = |id: &String| now.iter().any(|(i, s, _)| i == id && s == "expired");
        if due.iter().all(|id| expired(id)) {
            break now;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("not every licence past its validity was expired within 60 s: {now:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    child.kill().expect("stop the server");
    let _ = child.wait();
    drop(lines);
    for id in &valid {
        let (_, state, until) = after.iter().find(|(i, _, _)| i == *id).unwrap();
        assert_ne!(
            state, "expired",
            "licence {id} valid until {until} was expired"
        );
    }
}
