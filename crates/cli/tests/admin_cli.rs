//! `exportctl admin ...` and `exportctl serve` end to end, spawning the built binary over a temporary data
//! directory: organisations, users (token printed once and accepted by the served API), users and tokens
//! listed without secrets, revocation, audit verification, and bad arguments failing with a message that
//! names the argument.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_exportctl"));
    // The tests choose the database; nothing from the caller's environment may override it.
    c.env_remove("EXPORTCTL_DATABASE_URL")
        .env_remove("EXPORTCTL_DATA_DIR")
        .env_remove("EXPORTCTL_LISTEN")
        .stdin(Stdio::null());
    c
}

/// `exportctl admin --data-dir DIR <args>`.
fn admin(dir: &Path, args: &[&str]) -> Output {
    command()
        .arg("admin")
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run exportctl")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn succeeded(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
    stdout(o)
}

/// Asserts a failure whose message names `arg` (any of the given spellings) and is not a panic.
#[track_caller]
fn fails_naming(o: &Output, names: &[&str]) {
    let err = stderr(o);
    assert!(
        !o.status.success(),
        "expected failure naming {names:?}, got success: {}",
        stdout(o)
    );
    assert!(
        names.iter().any(|n| err.contains(n)),
        "the message does not name {names:?}: {err}"
    );
    assert!(!err.contains("panicked"), "panicked: {err}");
}

/// The value after `prefix` on the first line containing it, up to whitespace.
fn after(text: &str, prefix: &str) -> String {
    let i = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix:?} not in {text}"));
    text[i + prefix.len()..]
        .split_whitespace()
        .next()
        .expect("value")
        .trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A raw HTTP/1.1 GET: (status, body).
fn http_get(port: u16, path: &str, token: Option<&str>) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Connection: close\r\n\r\n"
    )?;
    let mut buf = String::new();
    s.read_to_string(&mut buf)?;
    let status = buf
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = buf
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// The served API; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let port = free_port();
        let log = dir.join("serve.log");
        let child = command()
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn serve");
        let mut s = Server { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, _)) = http_get(port, "/healthz", None) {
                return s;
            }
            if let Ok(Some(status)) = s.child.try_wait() {
                panic!("serve exited with {status}: {}", s.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "serve not healthy: {}",
                s.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn admin_commands_create_list_revoke_and_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();

    let org = succeeded(&admin(
        d,
        &["create-org", "--name", "Acme Cyber Ltd", "--country", "il"],
    ));
    let org: serde_json::Value = serde_json::from_str(&org).expect("organisation JSON");
    assert_eq!(org["country"], "IL");
    let org_id = org["id"].as_str().expect("id").to_string();
    let orgs = succeeded(&admin(d, &["list-orgs"]));
    assert!(
        orgs.contains(&org_id) && orgs.contains("Acme Cyber Ltd"),
        "{orgs}"
    );

    // The token is printed once, with the user.
    let out = succeeded(&admin(
        d,
        &["create-user", "--username", "off1", "--role", "officer"],
    ));
    let user_id = after(&out, "created: id ");
    let token = after(&out, "): ");
    assert!(token.starts_with("exp_") && token.len() > 40, "{out}");
    let out = succeeded(&admin(
        d,
        &[
            "create-user",
            "--username",
            "exp1",
            "--role",
            "exporter",
            "--org",
            &org_id,
            "--days",
            "7",
        ],
    ));
    let exporter_token = after(&out, "): ");
    succeeded(&admin(
        d,
        &[
            "create-user",
            "--username",
            "hr1",
            "--role",
            "adviser",
            "--review-kind",
            "human-rights",
        ],
    ));

    let users = succeeded(&admin(d, &["list-users"]));
    for want in [
        "off1\tofficer",
        "exp1\texporter",
        "hr1\tadviser\thuman-rights",
        &org_id,
        &user_id,
    ] {
        assert!(users.contains(want), "{want:?} missing from {users}");
    }
    let tokens = succeeded(&admin(d, &["list-tokens"]));
    assert_eq!(
        tokens.lines().next(),
        Some("id\tuser_id\tlabel\texpires_at\tstatus"),
        "a header line first: {tokens}"
    );
    assert_eq!(tokens.lines().count(), 1 + 3, "{tokens}");
    assert!(
        tokens.lines().skip(1).all(|l| l.contains("live")),
        "{tokens}"
    );
    for secret in [&token, &exporter_token] {
        assert!(
            !tokens.contains(secret.as_str()),
            "a token secret is listed: {tokens}"
        );
        assert!(
            !users.contains(secret.as_str()),
            "a token secret is listed: {users}"
        );
    }
    let token_id = tokens
        .lines()
        .find(|l| l.contains(&user_id))
        .and_then(|l| l.split('\t').next())
        .expect("the officer's token")
        .to_string();

    // The printed token works against the served API, and stops working once revoked.
    {
        let server = Server::start(d);
        let (status, body) =
            http_get(server.port, "/api/v1/me", Some(&token)).expect("GET /api/v1/me");
        assert_eq!(status, 200, "{body}");
        assert!(
            body.contains("\"username\":\"off1\"") && body.contains("\"role\":\"officer\""),
            "{body}"
        );
        let (status, _) =
            http_get(server.port, "/api/v1/me", Some("exp_not-a-token")).expect("GET");
        assert_eq!(status, 401);

        let out = succeeded(&admin(d, &["revoke-token", &token_id]));
        assert!(out.contains(&token_id) && out.contains("revoked"), "{out}");
        let (status, body) = http_get(server.port, "/api/v1/me", Some(&token)).expect("GET");
        assert_eq!(status, 401, "a revoked token still works: {body}");
    }
    let tokens = succeeded(&admin(d, &["list-tokens"]));
    let line = tokens
        .lines()
        .find(|l| l.starts_with(&token_id))
        .expect("revoked token listed");
    assert!(line.contains("revoked"), "{line}");
    fails_naming(
        &admin(d, &["revoke-token", &token_id]),
        &["already revoked"],
    );

    let out = succeeded(&admin(d, &["verify-audit"]));
    let report: serde_json::Value = serde_json::from_str(&out).expect("verify report");
    assert!(report["first_bad_seq"].is_null(), "{report}");
    assert!(report["events"].as_i64().expect("events") >= 7, "{report}");
}

#[test]
fn bad_arguments_fail_naming_the_argument() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let org = succeeded(&admin(
        d,
        &["create-org", "--name", "Acme", "--country", "DE"],
    ));
    let org: serde_json::Value = serde_json::from_str(&org).expect("JSON");
    let org_id = org["id"].as_str().expect("id");
    let users_before = succeeded(&admin(d, &["list-users"]));

    let user = |extra: &[&str]| {
        let mut args = vec!["create-user", "--username", "u1"];
        args.extend_from_slice(extra);
        admin(d, &args)
    };
    fails_naming(&user(&["--role", "superuser"]), &["role"]);
    fails_naming(
        &user(&["--role", "adviser"]),
        &["review_kind", "review-kind"],
    );
    fails_naming(
        &user(&["--role", "adviser", "--review-kind", "legal"]),
        &["review-kind"],
    );
    fails_naming(
        &user(&["--role", "officer", "--review-kind", "defence"]),
        &["review_kind", "review-kind"],
    );
    fails_naming(&user(&["--role", "exporter"]), &["org"]);
    fails_naming(
        &user(&["--role", "exporter", "--org", "no-such-org"]),
        &["org"],
    );
    fails_naming(&user(&["--role", "officer", "--org", org_id]), &["org"]);
    fails_naming(&user(&["--role", "officer", "--days", "0"]), &["days"]);
    fails_naming(&user(&["--role", "officer", "--days=-1"]), &["--days"]);
    fails_naming(&user(&["--role", "officer", "--days", "-1"]), &["-1"]);
    fails_naming(&user(&["--role", "officer", "--days", "many"]), &["--days"]);
    fails_naming(&user(&[]), &["--role"]);
    fails_naming(
        &admin(
            d,
            &["create-user", "--username", "a b", "--role", "officer"],
        ),
        &["username"],
    );
    fails_naming(
        &admin(d, &["create-org", "--name", "X", "--country", "ZZ"]),
        &["country"],
    );
    fails_naming(
        &admin(d, &["create-org", "--name", "X", "--country", "DEU"]),
        &["country"],
    );
    fails_naming(
        &admin(d, &["create-org", "--name", "X", "--country", "1A"]),
        &["country"],
    );
    fails_naming(
        &admin(d, &["create-org", "--name", " ", "--country", "DE"]),
        &["name"],
    );
    fails_naming(&admin(d, &["create-org", "--country", "DE"]), &["--name"]);
    fails_naming(&admin(d, &["revoke-token", "no-such-token"]), &["token"]);
    fails_naming(
        &admin(d, &["create-token", "--user", "no-such-user"]),
        &["user"],
    );
    fails_naming(&admin(d, &["frobnicate"]), &["frobnicate"]);

    // Nothing was created by the failures.
    assert_eq!(succeeded(&admin(d, &["list-users"])), users_before);
    let orgs = succeeded(&admin(d, &["list-orgs"]));
    assert_eq!(
        orgs.lines().count(),
        1 + 1,
        "header and one organisation: {orgs}"
    );
    succeeded(&admin(d, &["verify-audit"]));

    // serve: an invalid or unusable --listen fails at once.
    let serve = |listen: &str| {
        command()
            .args(["serve", "--listen", listen, "--data-dir"])
            .arg(d)
            .output()
            .expect("run serve")
    };
    fails_naming(&serve("nonsense"), &["--listen"]);
    fails_naming(&serve("127.0.0.1:99999"), &["--listen"]);
    fails_naming(&serve("localhost"), &["--listen"]);
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    fails_naming(&serve(&format!("127.0.0.1:{port}")), &["cannot listen"]);
}

/// Issue 8: `--format json` lists parse as JSON arrays with the table's records; `create-token --user` takes a
/// username as well as an id; database options are accepted before the subcommand too.
#[test]
fn lists_as_json_tokens_by_username_and_options_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    succeeded(&admin(
        d,
        &["create-user", "--username", "aud1", "--role", "auditor"],
    ));
    let out = succeeded(&admin(
        d,
        &["create-token", "--user", "aud1", "--label", "by-name"],
    ));
    assert!(out.contains("exp_"), "{out}");
    let users: serde_json::Value =
        serde_json::from_str(&succeeded(&admin(d, &["list-users", "--format", "json"])))
            .expect("list-users --format json is JSON");
    let aud = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "aud1")
        .expect("aud1 listed");
    let id = aud["id"].as_str().unwrap().to_string();
    succeeded(&admin(
        d,
        &["create-token", "--user", &id, "--label", "by-id"],
    ));
    let tokens: serde_json::Value =
        serde_json::from_str(&succeeded(&admin(d, &["list-tokens", "--format", "json"])))
            .expect("list-tokens --format json is JSON");
    let labels: Vec<&str> = tokens
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["user_id"] == id.as_str())
        .filter_map(|t| t["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"by-name") && labels.contains(&"by-id"),
        "{tokens}"
    );
    assert!(
        !tokens.to_string().contains("exp_"),
        "no secret is listed: {tokens}"
    );
    fails_naming(&admin(d, &["list-users", "--format", "xml"]), &["--format"]);
    // Options before the subcommand.
    let first = command()
        .arg("--data-dir")
        .arg(d)
        .args(["admin", "list-orgs", "--format", "json"])
        .output()
        .expect("run exportctl");
    let orgs: serde_json::Value = serde_json::from_str(&succeeded(&first)).expect("JSON");
    assert_eq!(orgs, serde_json::json!([]));
}

/// Issue 8: `--data-dir` (like `--database` and `--database-file`) is accepted after the subcommand too.
#[test]
fn database_options_are_accepted_after_the_subcommand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let created = command()
        .args([
            "admin",
            "create-org",
            "--name",
            "Late Option Ltd",
            "--country",
            "fr",
        ])
        .arg("--data-dir")
        .arg(d)
        .output()
        .expect("run exportctl");
    succeeded(&created);
    // The organisation went into that directory: the usual spelling finds it there.
    let orgs = succeeded(&admin(d, &["list-orgs"]));
    assert!(orgs.contains("Late Option Ltd"), "{orgs}");
    let listed = command()
        .args(["admin", "list-orgs", "--data-dir"])
        .arg(d)
        .output()
        .expect("run exportctl");
    assert!(succeeded(&listed).contains("Late Option Ltd"));
}

/// `admin set-grade`: makes an officer senior (shown by `list-users`); refuses
/// other roles, unknown grades and unknown users, naming what is wrong.
#[test]
fn set_grade_makes_an_officer_senior() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    succeeded(&admin(
        d,
        &["create-user", "--username", "off1", "--role", "officer"],
    ));
    succeeded(&admin(
        d,
        &[
            "create-user",
            "--username",
            "hr1",
            "--role",
            "adviser",
            "--review-kind",
            "human-rights",
        ],
    ));
    let users = succeeded(&admin(d, &["list-users"]));
    assert!(users.contains("off1\tofficer\t\t\tstandard"), "{users}");
    let out = succeeded(&admin(
        d,
        &["set-grade", "off1", "senior", "--reason", "promoted"],
    ));
    assert!(out.contains("off1 is now a senior officer"), "{out}");
    let users = succeeded(&admin(d, &["list-users"]));
    assert!(users.contains("off1\tofficer\t\t\tsenior"), "{users}");
    fails_naming(
        &admin(d, &["set-grade", "hr1", "senior", "--reason", "x"]),
        &["grade", "only officers"],
    );
    fails_naming(
        &admin(d, &["set-grade", "off1", "chief", "--reason", "x"]),
        &["grade", "chief"],
    );
    fails_naming(
        &admin(d, &["set-grade", "nobody", "senior", "--reason", "x"]),
        &["user"],
    );
    fails_naming(
        &admin(d, &["set-grade", "off1", "senior", "--reason", "again"]),
        &["already senior"],
    );
}
