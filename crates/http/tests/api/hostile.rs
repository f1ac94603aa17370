//! Hostile input that must not hurt the service (issue 7): a deeply nested policy condition, slow clients,
//! an exporter's large upload to an administrator-only endpoint, fetches aimed at internal addresses, and the
//! security headers every response carries.

use crate::both_backends;
use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

both_backends!(deeply_nested_policy_condition_is_refused_and_the_service_lives);

async fn deeply_nested_policy_condition_is_refused_and_the_service_lives(b: Backend) {
    let t = TestApp::start(b).await;
    let w = t.world().await;
    let mut files: BTreeMap<String, String> = policy::reference_files().into_iter().collect();
    let n = 26_000;
    let nested = format!("{}embargoed{}", "(".repeat(n), ")".repeat(n));
    let rules = files.get_mut("rules.toml").expect("rules.toml");
    *rules = rules.replacen("when = \"embargoed\"", &format!("when = \"{nested}\""), 1);
    let r = t
        .post(
            &w.policy_admin,
            "/api/v1/policy/versions",
            json!({ "files": files }),
        )
        .await;
    let p = r.problem(422);
    assert_eq!(p["field"], "files");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("rule un-arms-embargo version 1"),
        "{detail}"
    );
    assert!(detail.contains("at most 4096"), "{detail}");
    assert!(
        detail.len() < 2_000,
        "the detail does not echo the condition"
    );
    let health = t
        .client
        .get(format!("{}/healthz", t.base))
        .send()
        .await
        .expect("alive");
    assert_eq!(health.status(), 200);
}

/// The service served with `http_api::serve` and the given limits and fetch policy.
struct Served {
    base: String,
    addr: std::net::SocketAddr,
    admin: String,
    app: Arc<app::App>,
    server: tokio::task::JoinHandle<()>,
    _db: testdb::TestDb,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve_with(
    limits: http_api::ServeLimits,
    fetch: http_api::lists_io::FetchPolicy,
) -> Served {
    let db = testdb::TestDb::new(Backend::Sqlite).await;
    let store = store::Store::connect(&db.url).await.expect("store");
    let app = app::App::new(store, app::AppConfig::default())
        .await
        .expect("app");
    let admin = app
        .bootstrap_admin("root")
        .await
        .expect("admin")
        .token
        .expect("bootstrap gives a token")
        .token;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = http_api::router_with(app.clone(), fetch);
    let server = tokio::spawn(async move {
        http_api::serve(listener, router, limits, std::future::pending())
            .await
            .unwrap();
    });
    Served {
        base: format!("http://{addr}"),
        addr,
        admin,
        app,
        server,
        _db: db,
    }
}

/// Reads until the server closes the connection (or `limit` passes); true when it closed.
async fn closed_within(s: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_closed_and_health_still_answers() {
    let limits = http_api::ServeLimits {
        header_read_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(30),
        max_connections: 64,
    };
    let s = serve_with(limits, Default::default()).await;
    // 300 connections that start a request and never finish its headers: more than the connection limit
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut c = TcpStream::connect(s.addr).await.expect("connect");
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .expect("write");
        slow.push(c);
    }
    // a normal client still gets an answer: its connection waits at most for the slow ones' header timeout
    // (no idle connection reuse: the server closes an idle keep-alive connection after the header timeout too)
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let r = client
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(r.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // and every slow connection is closed by the server
    for (i, c) in slow.iter_mut().enumerate() {
        assert!(
            closed_within(c, Duration::from_secs(20)).await,
            "slow connection {i} still open"
        );
    }
    let r = client
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporter_upload_is_refused_before_its_body_is_read() {
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let addr = t.base.trim_start_matches("http://").to_string();
    for token in [w.exporter.as_str(), "not-a-token"] {
        let mut c = TcpStream::connect(&addr).await.expect("connect");
        // announces 190 MiB and sends none of it: only a handler that refuses before reading answers
        let head = format!(
            "POST /api/v1/lists/ofac-csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
            190u64 << 20
        );
        c.write_all(head.as_bytes()).await.expect("write");
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(10), c.read(&mut buf))
            .await
            .expect("answered without waiting for the body")
            .expect("read");
        let text = String::from_utf8_lossy(&buf[..n]);
        let want = if token == "not-a-token" { "401" } else { "403" };
        assert!(text.starts_with(&format!("HTTP/1.1 {want}")), "{text}");
    }
    // an administrator's upload still imports
    let sdn = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sanctions/us_ofac_non_sdn_2025-12/cons_prim.csv"
    ))
    .expect("list file");
    let r = t
        .raw(
            "POST",
            Some(&t.admin),
            "/api/v1/lists/ofac-csv?name=cons_prim.csv",
            Some(("application/octet-stream", sdn)),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body[0]["record_count"], 442);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_errors_stay_small() {
    let t = TestApp::start(Backend::Sqlite).await;
    // a CSV whose header is one 20 MB line, gzip-compressed to a small upload
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut gz,
        format!("{}\nrow\n", "x".repeat(20 << 20)).as_bytes(),
    )
    .unwrap();
    let body = gz.finish().unwrap();
    let r = t
        .raw(
            "POST",
            Some(&t.admin),
            "/api/v1/lists/us-csl-csv",
            Some(("application/octet-stream", body)),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "file");
    assert!(
        r.body.to_string().len() < 2_000,
        "{} bytes",
        r.body.to_string().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_on_every_response() {
    let t = TestApp::start(Backend::Sqlite).await;
    let url = |p: &str| format!("{}{p}", t.base);
    let responses = vec![
        t.client.get(url("/healthz")).send().await.unwrap(),
        t.client
            .get(url("/api/v1/me"))
            .bearer_auth(&t.admin)
            .send()
            .await
            .unwrap(),
        t.client.get(url("/api/v1/me")).send().await.unwrap(),
        t.client.get(url("/nowhere")).send().await.unwrap(),
        t.client
            .get(url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
        t.client
            .delete(url("/api/v1/me"))
            .bearer_auth(&t.admin)
            .send()
            .await
            .unwrap(),
    ];
    for r in responses {
        let h = r.headers();
        let get = |n: &str| {
            h.get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let at = format!("{} {}", r.url().path(), r.status());
        assert_eq!(get("x-content-type-options"), "nosniff", "{at}");
        assert_eq!(get("cache-control"), "no-store", "{at}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{at}");
        assert_eq!(
            get("content-security-policy"),
            http_api::security::CONTENT_SECURITY_POLICY,
            "{at}"
        );
        assert!(get("content-security-policy").contains("frame-ancestors 'none'"));
    }
    // an oversized header: 431 with a problem+json body naming the headers
    let r = t
        .client
        .get(url("/api/v1/me"))
        .bearer_auth(&t.admin)
        .header("x-padding", "a".repeat(20_000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 431);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "headers");
}

/// A small list publisher on 127.0.0.1: a real list file, a redirect to another host name for the same
/// server, and an oversized file.
async fn publisher() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let port = addr.port();
    let cons = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sanctions/us_ofac_non_sdn_2025-12/cons_prim.csv"
    ))
    .expect("list file");
    let router = axum::Router::new()
        .route("/cons_prim.csv", get(move || async move { cons }))
        .route(
            "/same-host",
            get(|| async { axum::response::Redirect::temporary("/cons_prim.csv") }),
        )
        .route(
            "/elsewhere",
            get(move || async move {
                axum::response::Redirect::temporary(&format!(
                    "http://localhost:{port}/cons_prim.csv"
                ))
            }),
        )
        .route("/big.csv", get(|| async { vec![b'1'; 3 << 20] }))
        .route("/secret", get(|| async { "internal-secret-line\nmore" }));
    let h = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (addr, h)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_refuses_internal_targets_other_hosts_and_oversize() {
    let (pubaddr, _p) = publisher().await;
    let fetch = |s: &Served, url: String| {
        let client = reqwest::Client::new();
        let req = client
            .post(format!("{}/api/v1/lists/ofac-csv/fetch", s.base))
            .bearer_auth(&s.admin)
            .json(&json!({ "url": url }));
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    // default policy: loopback, private and link-local targets are refused after resolution
    let s = serve_with(Default::default(), Default::default()).await;
    for url in [
        format!("http://{pubaddr}/secret"),
        format!("http://localhost:{}/secret", pubaddr.port()),
        "http://10.0.0.1/x".to_string(),
        "http://169.254.169.254/latest/meta-data".to_string(),
        "http://[::1]/x".to_string(),
        "http://0.0.0.0/x".to_string(),
    ] {
        let (status, body) = fetch(&s, url.clone()).await;
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(body["field"], "url", "{url}");
        assert!(!body.to_string().contains("internal-secret"), "{body}");
    }
    let (status, body) = fetch(&s, "file:///etc/passwd".into()).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("url")));
    drop(s);

    // a configured publisher host may be internal; redirects stay on it; the size is capped
    let policy = http_api::lists_io::FetchPolicy {
        allow_hosts: vec!["127.0.0.1".into()],
        max_bytes: 1 << 20,
        ..Default::default()
    };
    let s = serve_with(Default::default(), policy).await;
    let (status, body) = fetch(&s, format!("http://{pubaddr}/cons_prim.csv")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body[0]["record_count"], 442);
    let (status, body) = fetch(&s, format!("http://{pubaddr}/same-host")).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = fetch(&s, format!("http://{pubaddr}/elsewhere")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "url");
    assert!(
        body["detail"].as_str().unwrap().contains("another host"),
        "{body}"
    );
    let (status, body) = fetch(&s, format!("http://{pubaddr}/big.csv")).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("larger than"),
        "{body}"
    );
    // a fetched file that does not parse: the error quotes no more than a short excerpt
    let (status, body) = fetch(&s, format!("http://{pubaddr}/secret")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().len() < 2_000);
    let _ = &s.app;
}
