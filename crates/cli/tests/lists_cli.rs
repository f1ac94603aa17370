//! `exportctl lists import` / `lists status` against the real list files, into a throw-away data directory.

use std::process::Command;

const SHARED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/sanctions"
);

fn exportctl(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .arg("lists")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("run exportctl")
}

#[test]
fn import_status_and_rejected_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let un = format!("{SHARED}/un_sc/UN_consolidated.xml");
    let out = exportctl(&data, &["import", "un-sc-xml", &un]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("imported un-sc version sha256:"),
        "{stdout}"
    );
    assert!(stdout.contains("(1003 records)"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("[1/3] parsing"),
        "progress is shown"
    );

    let ofac = format!("{SHARED}/us_ofac_sdn_2021-07");
    let out = exportctl(&data, &["import", "ofac-csv", &ofac]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A malformed file is rejected with position and reason; the version in force stays.
    let bad = dir.path().join("broken.xml");
    std::fs::write(
        &bad,
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>",
    )
    .unwrap();
    let out = exportctl(&data, &["import", "un-sc-xml", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.xml") && err.contains("stays in force"),
        "{err}"
    );
    let out = exportctl(&data, &["import", "no-such-format", &un]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("FORMAT"));

    let out = exportctl(&data, &["status"]);
    assert!(out.status.success());
    let status = String::from_utf8_lossy(&out.stdout);
    let active: Vec<&str> = status.lines().filter(|l| l.contains(" yes ")).collect();
    assert_eq!(active.len(), 2, "{status}");
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("un-sc ") && l.contains("1003")),
        "{status}"
    );
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("ofac-sdn ") && l.contains("8976")),
        "{status}"
    );
}

/// The database URL can come from a file (secrets stay out of the environment).
#[test]
fn database_url_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite3");
    let url_file = dir.path().join("db-url");
    std::fs::write(&url_file, format!("sqlite://{}?mode=rwc\n", db.display())).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .args([
            "lists",
            "--database-file",
            url_file.to_str().unwrap(),
            "status",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists(), "the database named in the file was created");
    let out = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .args(["lists", "--database-file", "/nonexistent/url", "status"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--database-file"));
}

/// Sources, not formats: the non-SDN list does not switch the SDN list off; the same files again add nothing; a
/// much shorter file is refused unless forced.
#[test]
fn sources_identical_files_and_record_count_drops() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ok = |args: &[&str]| {
        let out = exportctl(&data, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let sdn = format!("{SHARED}/us_ofac_sdn_2021-07");
    let cons = format!("{SHARED}/us_ofac_non_sdn_2025-12");
    ok(&["import", "ofac-csv", &sdn]);
    let out = ok(&["import", "ofac-csv", &cons]);
    assert!(out.contains("imported ofac-non-sdn"), "{out}");
    let status = ok(&["status"]);
    let active: Vec<&str> = status.lines().filter(|l| l.contains(" yes ")).collect();
    assert_eq!(active.len(), 2, "{status}");
    let out = ok(&["import", "ofac-csv", &sdn]);
    assert!(
        out.contains("unchanged ofac-sdn") && out.contains("nothing new"),
        "{out}"
    );
    assert_eq!(ok(&["status"]).lines().count(), status.lines().count());

    // sdn.csv with 5,000 of its 8,976 records (whole lines, end-of-file marker kept)
    let short = dir.path().join("short");
    std::fs::create_dir(&short).unwrap();
    let full = std::fs::read_to_string(format!("{sdn}/sdn.csv")).unwrap();
    let mut cut: String = full.split_inclusive("\r\n").take(5000).collect();
    cut.push('\u{1a}');
    std::fs::write(short.join("sdn.csv"), cut).unwrap();
    let out = exportctl(&data, &["import", "ofac-csv", short.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("8976") && err.contains("force"), "{err}");
    assert!(ok(&["status"])
        .lines()
        .any(|l| l.starts_with("ofac-sdn ") && l.contains(" yes ") && l.contains("8976")));
    let out = ok(&["import", "ofac-csv", short.to_str().unwrap(), "--force"]);
    assert!(out.contains("forced by the administrator"), "{out}");
    assert!(ok(&["status"])
        .lines()
        .any(|l| l.starts_with("ofac-sdn ") && l.contains(" yes ") && l.contains("5000")));
}
