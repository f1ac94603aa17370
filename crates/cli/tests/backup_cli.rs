//! Backing up and restoring, as an administrator runs it: `exportctl backup` while the database is open,
//! `exportctl restore` that replaces it only with a copy whose audit log verifies, a refusal to overwrite
//! either way without being told, the PostgreSQL procedure of docs/operations.md (pg_dump, pg_restore,
//! `audit verify`) run for real, and a database written by a later release refused at start.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run(db: &[&str], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .env_remove("EXPORTCTL_DATA_DIR")
        .env_remove("EXPORTCTL_DATABASE_URL")
        .env_remove("EXPORTCTL_SIGNING_KEY_FILE")
        .stdin(Stdio::null())
        .args(args)
        .args(db)
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
    assert!(!o.status.success(), "succeeded; stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
}

fn org(db: &[&str], name: &str) {
    ok(&run(
        db,
        &["admin", "create-org", "--name", name, "--country", "DE"],
    ));
}

fn orgs(db: &[&str]) -> String {
    ok(&run(db, &["admin", "list-orgs"]))
}

async fn exec(url: &str, sql: &[&str]) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    for s in sql {
        sqlx::query(s).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}", file.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_and_restore() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.to_str().unwrap();
    let db = ["--data-dir", d];
    let backup = tmp.path().join("exportctl.backup");
    let b = backup.to_str().unwrap();
    org(&db, "Alpha GmbH");
    org(&db, "Beta GmbH");

    let out = ok(&run(&db, &["backup", "--to", b]));
    assert!(out.contains("audit log intact, 2 events"), "{out}");
    // Never overwrites a file, not even an earlier backup.
    fails(&run(&db, &["backup", "--to", b]), "exists already");

    // Work after the backup, then restore: the database is what it was at the backup.
    org(&db, "Gamma GmbH");
    assert!(orgs(&db).contains("Gamma GmbH"));
    fails(&run(&db, &["restore", "--from", b]), "--force");
    assert!(
        orgs(&db).contains("Gamma GmbH"),
        "a refused restore changes nothing"
    );
    let out = ok(&run(&db, &["restore", "--from", b, "--force"]));
    assert!(out.contains("audit log intact, 2 events"), "{out}");
    let listed = orgs(&db);
    assert!(
        listed.contains("Alpha GmbH") && listed.contains("Beta GmbH"),
        "{listed}"
    );
    assert!(!listed.contains("Gamma GmbH"), "{listed}");
    ok(&run(&db, &["audit", "verify"]));
    // The backup is still a backup: restoring it twice gives the same database.
    ok(&run(&db, &["restore", "--from", b, "--force"]));

    // Restoring into an empty data directory needs no --force.
    let fresh = tmp.path().join("fresh");
    let f = fresh.to_str().unwrap();
    ok(&run(&["--data-dir", f], &["restore", "--from", b]));
    assert!(orgs(&["--data-dir", f]).contains("Beta GmbH"));

    // A backup whose audit log was edited is refused, and the database in place is kept.
    let forged = tmp.path().join("forged.backup");
    std::fs::copy(&backup, &forged).unwrap();
    exec(
        &sqlite_url(&forged),
        &[
            "DROP TRIGGER audit_events_no_update",
            "UPDATE audit_events SET actor = 'someone-else' WHERE seq = 1",
        ],
    )
    .await;
    org(&db, "Delta GmbH");
    fails(
        &run(
            &db,
            &["restore", "--from", forged.to_str().unwrap(), "--force"],
        ),
        "audit log is broken at event 1",
    );
    assert!(
        orgs(&db).contains("Delta GmbH"),
        "the database in place is kept"
    );
    ok(&run(&db, &["audit", "verify"]));

    // Something that is not a database at all.
    let junk = tmp.path().join("junk");
    std::fs::write(&junk, b"not a database").unwrap();
    fails(
        &run(
            &db,
            &["restore", "--from", junk.to_str().unwrap(), "--force"],
        ),
        "not an exportctl database",
    );
    assert!(orgs(&db).contains("Delta GmbH"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_later_release_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.to_str().unwrap();
    let db = ["--data-dir", d];
    org(&db, "Alpha GmbH");
    // A later release's migration, as sqlx records it.
    exec(
        &sqlite_url(&data.join("exportctl.sqlite3")),
        &["INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
           VALUES (999999, 'from the future', '2030-01-01 00:00:00', 1, x'00', 0)"],
    )
    .await;
    fails(
        &run(&db, &["admin", "list-orgs"]),
        "schema version 999999 is newer",
    );
    fails(
        &run(&db, &["audit", "verify"]),
        "schema version 999999 is newer",
    );
}

/// docs/operations.md's procedure for PostgreSQL: `pg_dump -Fc`, `pg_restore` into a new database, then
/// `exportctl audit verify` on it. The product's own commands name this procedure instead of half-doing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_is_pg_dump_and_pg_restore() {
    let src = testdb::TestDb::new(testdb::Backend::Postgres).await;
    let dst = testdb::TestDb::new(testdb::Backend::Postgres).await;
    let db = ["--database", src.url.as_str()];
    org(&db, "Alpha GmbH");
    org(&db, "Beta GmbH");
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("exportctl.dump");
    fails(
        &run(&db, &["backup", "--to", dump.to_str().unwrap()]),
        "pg_dump",
    );
    let st = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(&src.url)
        .status()
        .expect("pg_dump (Debian: postgresql-client)");
    assert!(st.success(), "pg_dump failed");
    let st = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&dst.url)
        .arg(&dump)
        .status()
        .expect("pg_restore");
    assert!(st.success(), "pg_restore failed");
    let restored = ["--database", dst.url.as_str()];
    let out = ok(&run(&restored, &["audit", "verify"]));
    assert!(out.contains("\"events\": 2"), "{out}");
    assert!(orgs(&restored).contains("Beta GmbH"));
    // The restored database takes writes and its chain goes on.
    org(&restored, "Gamma GmbH");
    ok(&run(&restored, &["audit", "verify"]));
    fails(
        &run(&restored, &["restore", "--from", dump.to_str().unwrap()]),
        "pg_restore",
    );
}
