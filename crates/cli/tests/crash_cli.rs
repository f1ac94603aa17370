//! The crash test of issue 16 ("Proof"): the real `exportctl serve`, a bounded load of writes from several
//! clients, `kill -9` in the middle of it, a restart on the same database; then every write that was
//! acknowledged (a 2xx) is there, the audit log verifies and no durable job is lost: the webhook messages that
//! the acknowledged information requests enqueued are all delivered after the restart. On SQLite and
//! PostgreSQL.
//!
//! The load: each client files a draft, submits it, adds a note, assigns it to the officer and asks the
//! exporter for information (which notifies the exporter organisation's webhook through the `jobs` table). A
//! job that the killed process had claimed keeps its lease (5 minutes) before another worker may take it over;
//! the test moves those leases into the past instead of waiting them out, which is what their expiry does.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Client threads sending writes at once.
const CLIENTS: usize = 4;
/// How long the load runs before the server is killed.
const LOAD_BEFORE_KILL: Duration = Duration::from_millis(2500);
/// The longest a client keeps sending (it stops earlier once the server is gone).
const LOAD_LIMIT: Duration = Duration::from_secs(20);

fn exportctl() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_exportctl"));
    for (k, _) in std::env::vars() {
        if k.starts_with("EXPORTCTL_") {
            c.env_remove(k);
        }
    }
    c.stdin(Stdio::null());
    c
}

/// One HTTP/1.0 request: (status, JSON body or Null). Connection errors and time-outs are `Err`.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let out = String::from_utf8_lossy(&out);
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {out:?}")))?;
    let text = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Ok((status, serde_json::from_str(text).unwrap_or(Value::Null)))
}

/// A request that must succeed with `want`: its JSON body.
#[track_caller]
fn must(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
    want: u16,
) -> Value {
    let (status, v) =
        request(addr, method, path, token, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    assert_eq!(status, want, "{method} {path}: {v}");
    v
}

/// A running `exportctl serve`: its address and the lines it printed on standard output.
struct Server {
    child: Child,
    addr: String,
    stdout: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(db: &[String], demo: bool) -> Server {
        let mut cmd = exportctl();
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--webhook-allow-hosts", "127.0.0.1"])
            .args(["--job-interval-secs", "1", "--job-retry-secs", "1"])
            .args(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if demo {
            cmd.arg("--demo");
        }
        let mut child = cmd.spawn().expect("run exportctl serve");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let err = BufReader::new(child.stderr.take().unwrap());
        // Both pipes are read to their end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                if let Some(a) = line.strip_prefix("exportctl listening on http://") {
                    let _ = tx.send(a.trim().to_string());
                }
            }
        });
        let out = BufReader::new(child.stdout.take().unwrap());
        let lines = stdout.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the server announces its address");
        Server {
            child,
            addr,
            stdout,
        }
    }

    /// The demo user's token from the start-up lines (`username role password token`).
    fn token(&self, user: &str) -> String {
        let lines = self.stdout.lock().unwrap();
        lines
            .iter()
            .find_map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                (f.len() == 4 && f[0] == user).then(|| f[3].to_string())
            })
            .unwrap_or_else(|| panic!("no token for {user} in {lines:?}"))
    }

    fn kill_9(&mut self) {
        // `Child::kill` is SIGKILL on Unix: no shutdown code runs.
        self.child.kill().expect("kill -9 the server");
        self.child.wait().unwrap();
    }

    fn stop(&mut self) {
        let st = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let status = self.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{status:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A webhook receiver on a free loopback port: answers 204 to every POST and keeps each message's
/// `webhook-id` (a message keeps its id on every retry).
struct Receiver {
    url: String,
    seen: Arc<Mutex<BTreeSet<String>>>,
}

fn receiver() -> Receiver {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let ids = seen.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut s) = conn else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let mut r = BufReader::new(s.try_clone().unwrap());
            let (mut id, mut len) = (None, 0usize);
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    match k.trim().to_ascii_lowercase().as_str() {
                        "webhook-id" => id = Some(v.trim().to_string()),
                        "content-length" => len = v.trim().parse().unwrap_or(0),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; len];
            if r.read_exact(&mut body).is_err() {
                continue;
            }
            if let Some(id) = id {
                ids.lock().unwrap().insert(id);
            }
            let _ = s.write_all(
                b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    Receiver { url, seen }
}

/// A write the server acknowledged with a 2xx.
#[derive(Debug, Clone)]
enum Ack {
    Draft(String),
    Submitted(String),
    Note { case: String, note: String },
    Assigned(String),
    InformationRequested(String),
}

/// One client: cases through draft, submission, a note, assignment and an information request, until the
/// server stops answering or the time is up. Returns whether it saw the server go away.
fn client(
    addr: &str,
    exporter: &str,
    officer: &str,
    officer_id: &str,
    product: &str,
    n: usize,
    acks: &Mutex<Vec<Ack>>,
) -> bool {
    let start = Instant::now();
    let ack = |a: Ack| acks.lock().unwrap().push(a);
    let mut i = 0;
    while start.elapsed() < LOAD_LIMIT {
        i += 1;
        let body = json!({"licence": "marketing", "marketing": {"products": [product], "destinations": ["BR"],
            "end_users": [{"name": format!("Federal Police {n}-{i}"), "type": "government-law-enforcement", "country": "BR"}]}});
        let steps: [(&str, &str, Value); 4] = [
            (exporter, "submit", json!({})),
            (
                officer,
                "notes",
                json!({"text": format!("crash test note {n}-{i}"), "visibility": "internal"}),
            ),
            (officer, "assign", json!({"officer_id": officer_id})),
            (
                officer,
                "information-requests",
                json!({"question": format!("who is the end user {n}-{i}?")}),
            ),
        ];
        let id = match request(addr, "POST", "/api/v1/applications", exporter, Some(&body)) {
            Ok((201, v)) => v["id"].as_str().expect("case id").to_string(),
            Ok((s, v)) => panic!("POST /api/v1/applications answered {s}: {v}"),
            Err(_) => return true,
        };
        ack(Ack::Draft(id.clone()));
        for (token, action, body) in steps {
            let path = format!("/api/v1/applications/{id}/{action}");
            match request(addr, "POST", &path, token, Some(&body)) {
                Ok((s, v)) if (200..300).contains(&s) => ack(match action {
                    "submit" => Ack::Submitted(id.clone()),
                    "notes" => Ack::Note {
                        case: id.clone(),
                        note: v["id"].as_str().expect("note id").to_string(),
                    },
                    "assign" => Ack::Assigned(id.clone()),
                    _ => Ack::InformationRequested(id.clone()),
                }),
                Ok((s, v)) => panic!("POST {path} answered {s}: {v}"),
                Err(_) => return true,
            }
        }
    }
    false
}

/// Every job of the database: id -> (kind, state, payload).
async fn jobs(url: &str) -> BTreeMap<String, (String, String, Value)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT id, kind, state, payload FROM jobs")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows.into_iter()
        .map(|(id, kind, state, payload)| {
            (id, (kind, state, serde_json::from_str(&payload).unwrap()))
        })
        .collect()
}

/// What a lease's expiry does after a crash: jobs the killed process had claimed become claimable again.
async fn expire_leases(url: &str) -> u64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let n = sqlx::query(
        "UPDATE jobs SET locked_until = '2000-01-01T00:00:00.000Z' WHERE state = 'running'",
    )
    .execute(&pool)
    .await
    .unwrap()
    .rows_affected();
    pool.close().await;
    n
}

async fn crash_and_restart(db: Vec<String>, db_url: String) {
    let hook = receiver();
    let mut server = Server::start(&db, true);
    let (addr, exporter, officer) = (
        server.addr.clone(),
        server.token("demo-exporter"),
        server.token("demo-officer"),
    );
    let me = must(&addr, "GET", "/api/v1/me", &officer, None, 200);
    let officer_id = me["user_id"].as_str().expect("officer id").to_string();
    let products = must(&addr, "GET", "/api/v1/products", &exporter, None, 200);
    let product = products
        .as_array()
        .and_then(|p| p.first())
        .and_then(|p| p["id"].as_str())
        .expect("a demo product")
        .to_string();
    must(
        &addr,
        "POST",
        "/api/v1/webhooks",
        &exporter,
        Some(&json!({"url": hook.url})),
        201,
    );

    // The load, and kill -9 while it runs.
    let acks = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (addr, exporter, officer, officer_id, product, acks) = (
                addr.clone(),
                exporter.clone(),
                officer.clone(),
                officer_id.clone(),
                product.clone(),
                acks.clone(),
            );
            std::thread::spawn(move || {
                client(&addr, &exporter, &officer, &officer_id, &product, n, &acks)
            })
        })
        .collect();
    std::thread::sleep(LOAD_BEFORE_KILL);
    server.kill_9();
    let cut_off = clients
        .into_iter()
        .map(|c| c.join().expect("client thread"))
        .filter(|&cut| cut)
        .count();
    assert_eq!(
        cut_off, CLIENTS,
        "every client was still sending when the server was killed"
    );
    let acks = acks.lock().unwrap().clone();
    let requested: Vec<&String> = acks
        .iter()
        .filter_map(|a| match a {
            Ack::InformationRequested(id) => Some(id),
            _ => None,
        })
        .collect();
    assert!(
        !requested.is_empty(),
        "the load got as far as information requests before the kill: {acks:?}"
    );

    // Restart on the same database (no --demo: the tokens printed at the first start stay valid).
    let reclaimed = expire_leases(&db_url).await;
    let mut server = Server::start(&db, false);
    let addr = server.addr.clone();

    // Every acknowledged write is there.
    let case = |id: &str| {
        must(
            &addr,
            "GET",
            &format!("/api/v1/applications/{id}"),
            &exporter,
            None,
            200,
        )
    };
    let state = |id: &str| case(id)["state"].as_str().unwrap_or_default().to_string();
    for a in &acks {
        match a {
            Ack::Draft(id) => {
                case(id);
            }
            Ack::Submitted(id) => assert_ne!(state(id), "draft", "{id} was submitted"),
            Ack::Note { case, note } => {
                let notes = must(
                    &addr,
                    "GET",
                    &format!("/api/v1/applications/{case}/notes"),
                    &officer,
                    None,
                    200,
                );
                assert!(
                    notes
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|n| n["id"] == note.as_str()),
                    "note {note} of {case} is kept: {notes}"
                );
            }
            Ack::Assigned(id) => {
                let c = must(
                    &addr,
                    "GET",
                    &format!("/api/v1/applications/{id}"),
                    &officer,
                    None,
                    200,
                );
                assert_eq!(
                    c["assigned_to"],
                    officer_id.as_str(),
                    "{id} is assigned: {c}"
                );
            }
            Ack::InformationRequested(id) => {
                assert_eq!(state(id), "awaiting-exporter", "{id} awaits the exporter")
            }
        }
    }

    // No job is lost: each acknowledged information request enqueued a webhook message in its transaction,
    // and after the restart every message is delivered.
    let deadline = Instant::now() + Duration::from_secs(60);
    let webhooks = loop {
        let all = jobs(&db_url).await;
        let hooks: Vec<(String, Value)> = all
            .into_values()
            .filter(|(kind, _, _)| kind == "deliver-webhook")
            .map(|(_, state, payload)| (state, payload))
            .collect();
        if hooks.iter().all(|(state, _)| state == "done") || Instant::now() > deadline {
            break hooks;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let seen = hook.seen.lock().unwrap().clone();
    for id in &requested {
        let job = webhooks.iter().find(|(_, p)| {
            let body: Value = serde_json::from_str(p["body"].as_str().unwrap_or("{}")).unwrap();
            body["type"] == "information.requested" && body["data"]["id"] == id.as_str()
        });
        let (state, payload) = job.unwrap_or_else(|| {
            panic!("no webhook job for the information request on {id}: {webhooks:?}")
        });
        assert_eq!(state, "done", "the webhook job for {id}: {payload}");
        let message = payload["message_id"].as_str().unwrap();
        assert!(seen.contains(message), "{message} ({id}) was delivered");
    }
    server.stop();

    let out = exportctl()
        .arg("audit")
        .arg("verify")
        .args(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "audit verify after the crash: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "crash test: {} acknowledged writes ({} information requests), {} jobs reclaimed after kill -9, {} webhook messages delivered",
        acks.len(),
        requested.len(),
        reclaimed,
        seen.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_write_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let url = format!("sqlite://{}", data.join("exportctl.sqlite3").display());
    crash_and_restart(vec!["--data-dir".into(), data.display().to_string()], url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_write_postgres() {
    let pg = testdb::TestDb::new(testdb::Backend::Postgres).await;
    let tmp = tempfile::tempdir().unwrap();
    crash_and_restart(
        vec![
            "--database".into(),
            pg.url.clone(),
            "--data-dir".into(),
            tmp.path().join("data").display().to_string(),
        ],
        pg.url.clone(),
    )
    .await;
}
