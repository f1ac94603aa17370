//! `exportctl audit ...` end to end over a temporary SQLite data directory: checkpoints, verify (and the
//! `admin verify-audit` alias), export, an inclusion proof and a consistency proof checked offline with only
//! the published keys, tampered proofs refused, and a carefully truncated log (head, tree and stored
//! checkpoints made to match) found only by `verify --checkpoint` with a checkpoint kept outside.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .env_remove("EXPORTCTL_DATA_DIR")
        .env_remove("EXPORTCTL_DATABASE_URL")
        .env_remove("EXPORTCTL_SIGNING_KEY_FILE")
        .stdin(Stdio::null())
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .expect("run exportctl")
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

#[track_caller]
fn fails(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
}

fn orgs(dir: &Path, names: &[&str]) {
    for n in names {
        ok(&run(
            dir,
            &["admin", "create-org", "--name", n, "--country", "DE"],
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prove_check_offline_and_detect_truncation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let file = |n: &str| tmp.path().join(n);
    let path = |n: &str| file(n).to_str().unwrap().to_string();
    orgs(&dir, &["Alpha GmbH", "Beta GmbH", "Gamma GmbH"]);
    let cp1 = ok(&run(&dir, &["audit", "checkpoint"]));
    std::fs::write(file("cp1"), &cp1).unwrap();
    let size1: u64 = cp1.lines().nth(1).unwrap().parse().unwrap();
    assert_eq!(size1, 3);
    orgs(&dir, &["Delta GmbH", "Epsilon GmbH"]);
    let cp2 = ok(&run(&dir, &["audit", "checkpoint"]));
    std::fs::write(file("cp2"), &cp2).unwrap();
    std::fs::write(
        file("keys.json"),
        ok(&run(&dir, &["keys", "list", "--json"])),
    )
    .unwrap();
    let keys = format!("@{}", path("keys.json"));

    ok(&run(&dir, &["audit", "verify"]));
    ok(&run(&dir, &["admin", "verify-audit"]));
    let export = ok(&run(&dir, &["audit", "export"]));
    let lines: Vec<serde_json::Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[4]["seq"], 5);
    assert!(lines[0]["leaf_hash"].is_string());

    // Inclusion: proved against the latest checkpoint, checked with only the public keys.
    std::fs::write(file("proof.json"), ok(&run(&dir, &["audit", "prove", "2"]))).unwrap();
    let out = ok(&run(
        &dir,
        &[
            "audit",
            "check-proof",
            &path("proof.json"),
            "--public-key",
            &keys,
        ],
    ));
    assert!(out.starts_with("valid: event 2"), "{out}");
    let mut p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file("proof.json")).unwrap()).unwrap();
    p["entry"] = p["entry"].as_str().unwrap().replace("Beta", "Bxta").into();
    std::fs::write(file("bad.json"), p.to_string()).unwrap();
    fails(
        &run(
            &dir,
            &[
                "audit",
                "check-proof",
                &path("bad.json"),
                "--public-key",
                &keys,
            ],
        ),
        "invalid",
    );
    // A key that did not sign the checkpoint.
    let other = tempfile::tempdir().unwrap();
    let foreign = ok(&run(other.path(), &["keys", "list"]));
    let foreign = foreign.split('\t').nth(4).unwrap().trim().to_string();
    let o = run(
        &dir,
        &[
            "audit",
            "check-proof",
            &path("proof.json"),
            "--public-key",
            &foreign,
        ],
    );
    assert!(!o.status.success());

    // Consistency between the two checkpoints.
    std::fs::write(
        file("cons.json"),
        ok(&run(&dir, &["audit", "prove-consistency", "3", "5"])),
    )
    .unwrap();
    let out = ok(&run(
        &dir,
        &[
            "audit",
            "check-consistency",
            &path("cp1"),
            &path("cp2"),
            "--proof",
            &path("cons.json"),
            "--public-key",
            &keys,
        ],
    ));
    assert!(out.starts_with("valid"), "{out}");
    fails(
        &run(
            &dir,
            &[
                "audit",
                "check-consistency",
                &path("cp2"),
                &path("cp1"),
                "--proof",
                &path("cons.json"),
                "--public-key",
                &keys,
            ],
        ),
        "invalid",
    );

    // Cut the log back to 3 events, carefully: head, tree and stored checkpoints made to match.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.join("exportctl.sqlite3").display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    for sql in [
        "DROP TRIGGER audit_events_no_delete",
        "DROP TRIGGER audit_tree_no_delete",
        "DROP TRIGGER audit_checkpoints_no_delete",
        "DELETE FROM audit_events WHERE seq > 3",
        "DELETE FROM audit_tree",
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_head SET seq = 3, tree_size = 0, hash = (SELECT hash FROM audit_events WHERE seq = 3)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    ok(&run(&dir, &["audit", "verify"]));
    fails(
        &run(&dir, &["audit", "verify", "--checkpoint", &path("cp2")]),
        "broken at event 4",
    );
    ok(&run(
        &dir,
        &["audit", "verify", "--checkpoint", &path("cp1")],
    ));
    // A checkpoint file that is not signed by the keys is refused, naming the option.
    std::fs::write(file("forged"), cp2.replace("\n5\n", "\n3\n")).unwrap();
    fails(
        &run(&dir, &["audit", "verify", "--checkpoint", &path("forged")]),
        "--checkpoint",
    );
}

/// Opens the data directory's SQLite database with the append-only triggers dropped (what an attacker with
/// file access does first), runs `sql`, and closes it.
async fn tamper(dir: &Path, sql: &[&str]) {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.join("exportctl.sqlite3").display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    for s in [
        "DROP TRIGGER IF EXISTS audit_events_no_update",
        "DROP TRIGGER IF EXISTS audit_events_no_delete",
    ]
    .iter()
    .chain(sql)
    {
        sqlx::query(s)
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    pool.close().await;
}

/// `admin verify-audit` and `audit verify` on a tampered log: exit 1, the first broken event named on stderr,
/// and the JSON report on stdout naming the same event; for an edited event, a deleted one and two swapped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_fails_naming_the_first_broken_event() {
    let cases: [(&str, &[&str], i64); 3] = [
        (
            "edit",
            &["UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3"],
            3,
        ),
        ("delete", &["DELETE FROM audit_events WHERE seq = 4"], 4),
        (
            "reorder",
            &[
                "UPDATE audit_events SET seq = 100 WHERE seq = 2",
                "UPDATE audit_events SET seq = 2 WHERE seq = 3",
                "UPDATE audit_events SET seq = 3 WHERE seq = 100",
            ],
            2,
        ),
    ];
    for (what, sql, bad) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        orgs(
            &dir,
            &[
                "Alpha GmbH",
                "Beta GmbH",
                "Gamma GmbH",
                "Delta GmbH",
                "Epsilon GmbH",
            ],
        );
        ok(&run(&dir, &["admin", "verify-audit"]));
        tamper(&dir, sql).await;
        for args in [&["admin", "verify-audit"][..], &["audit", "verify"][..]] {
            let o = run(&dir, args);
            fails(&o, &format!("audit log broken at event {bad}: "));
            let report: serde_json::Value = serde_json::from_slice(&o.stdout)
                .unwrap_or_else(|e| panic!("{what} {args:?}: stdout is not the report: {e}"));
            assert_eq!(report["first_bad_seq"], bad, "{what} {args:?}: {report}");
            assert!(report["problem"].is_string(), "{what}: {report}");
            assert_eq!(
                report["events"],
                bad - 1,
                "{what}: events checked before the break"
            );
        }
    }
}
