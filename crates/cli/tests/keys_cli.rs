//! `exportctl keys list|rotate` end to end over a temporary data directory and a named key file: the ring is
//! created at first use with owner-only permissions, rotation retires the old key and keeps it listed, and a
//! missing or world-readable key file fails naming the setting.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn keys(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .env_remove("EXPORTCTL_DATA_DIR")
        .env_remove("EXPORTCTL_SIGNING_KEY_FILE")
        .stdin(Stdio::null())
        .arg("keys")
        .arg("--data-dir")
        .arg(dir)
        .args(args)
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

#[test]
fn list_creates_the_ring_and_rotate_retires_the_current_key() {
    let dir = tempfile::tempdir().unwrap();
    let first = ok(&keys(dir.path(), &["list"]));
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines.len(), 1, "{first}");
    let cols: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(cols[1], "current");
    let id = cols[0].to_string();
    assert!(cols[4].starts_with(&format!("exportctl+{id}+")), "{first}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("signing-keys.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let out = ok(&keys(dir.path(), &["rotate"]));
    assert!(out.contains(&format!("key {id} retired")), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&keys(dir.path(), &["list", "--json"]))).unwrap();
    let ks = json.as_array().unwrap();
    assert_eq!(ks.len(), 2);
    assert_eq!(ks[0]["id"], id.as_str());
    assert_eq!(ks[0]["status"], "retired");
    assert_eq!(ks[1]["status"], "current");
    assert_ne!(ks[1]["id"], id.as_str());
}

#[test]
fn a_named_key_file_is_created_by_rotate_and_must_exist_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("authority.keys");
    let f = file.to_str().unwrap();
    let o = keys(dir.path(), &["--signing-key-file", f, "list"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--signing-key-file"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = ok(&keys(
        dir.path(),
        &[
            "--signing-key-file",
            f,
            "rotate",
            "--name",
            "authority.example/keys",
        ],
    ));
    assert!(out.starts_with("created"), "{out}");
    let list = ok(&keys(dir.path(), &["--signing-key-file", f, "list"]));
    assert!(list.contains("authority.example/keys+"), "{list}");
    // The data directory's ring was not created.
    assert!(!dir.path().join("signing-keys.json").exists());
    // A name for an existing ring is refused, naming the option.
    let o = keys(
        dir.path(),
        &["--signing-key-file", f, "rotate", "--name", "x"],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--name"));
    // A key file others may read is refused.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let o = keys(dir.path(), &["--signing-key-file", f, "list"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("chmod 600"));
}
