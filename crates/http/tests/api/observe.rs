//! Request ids and the per-request log line.

use crate::common::*;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Everything logged by the test process at INFO and above (the service's default level).
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .try_init();
        buf
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);
impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn lines_with(id: &str) -> Vec<String> {
    let buf = logs();
    let text = String::from_utf8_lossy(&buf.lock().unwrap()).to_string();
    text.lines()
        .filter(|l| l.contains(id))
        .map(str::to_string)
        .collect()
}

async fn send_with_id(
    t: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
    id: Option<&str>,
    body: Option<serde_json::Value>,
) -> reqwest::Response {
    let mut rb = t.client.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{}{path}", t.base),
    );
    if let Some(tok) = token {
        rb = rb.bearer_auth(tok);
    }
    if let Some(id) = id {
        rb = rb.header("x-request-id", id);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_problems_quote_it() {
    let t = TestApp::start(Backend::Sqlite).await;
    // Generated when absent, on success and on errors alike; problem bodies carry the same id.
    let ok = send_with_id(&t, Some(&t.admin), "GET", "/api/v1/me", None, None).await;
    let id = ok.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(id.len() >= 16, "{id}");
    let err = send_with_id(&t, None, "GET", "/api/v1/me", None, None).await;
    assert_eq!(err.status(), 401);
    let hid = err.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(hid, id, "each request has its own id");
    let body: serde_json::Value = err.json().await.unwrap();
    assert_eq!(body["request_id"], json!(hid));
    // A sane incoming id is kept, also in the framework's own errors (405, unknown endpoint).
    for (method, path, status) in [
        ("DELETE", "/api/v1/me", 405),
        ("GET", "/api/v1/nowhere", 404),
    ] {
        let r = send_with_id(&t, Some(&t.admin), method, path, Some("abc-123_x.y"), None).await;
        assert_eq!(r.status(), status);
        assert_eq!(r.headers()["x-request-id"], "abc-123_x.y");
        let b: serde_json::Value = r.json().await.unwrap();
        assert_eq!(b["request_id"], "abc-123_x.y");
    }
    // An insane one (too long, or characters that could forge log lines) is replaced.
    for bad in ["a".repeat(65), "a b".to_string(), "x\"y".to_string()] {
        let r = send_with_id(&t, Some(&t.admin), "GET", "/api/v1/me", Some(&bad), None).await;
        let got = r.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(got, bad);
        assert!(!got.is_empty());
    }
}

#[tokio::test]
async fn one_log_line_per_request_without_names_tokens_or_bodies() {
    let _ = logs();
    let t = TestApp::start(Backend::Sqlite).await;
    let secret_name = "Zebulon Quartermain Holdings";
    let r = send_with_id(
        &t,
        Some(&t.admin),
        "POST",
        "/api/v1/organisations",
        Some("log-test-1"),
        Some(json!({"name": secret_name, "country": "IL"})),
    )
    .await;
    assert_eq!(r.status(), 201);
    let id: serde_json::Value = r.json().await.unwrap();
    let org = id["id"].as_str().unwrap();
    let r = send_with_id(
        &t,
        Some(&t.admin),
        "GET",
        &format!("/api/v1/organisations/{org}?x=1"),
        Some("log-test-2"),
        None,
    )
    .await;
    assert_eq!(r.status(), 400);

    let first = lines_with("log-test-1");
    let done: Vec<&String> = first.iter().filter(|l| l.contains("status=")).collect();
    assert_eq!(done.len(), 1, "one line per request: {first:?}");
    let line = done[0];
    for part in [
        "INFO",
        "method=POST",
        "route=/api/v1/organisations",
        "status=201",
        "latency_ms=",
        "request_id=log-test-1",
    ] {
        assert!(line.contains(part), "{part} missing from {line}");
    }
    let second = lines_with("log-test-2");
    let line = second
        .iter()
        .find(|l| l.contains("status="))
        .expect("log line");
    assert!(
        line.contains("route=/api/v1/organisations/{id}") && line.contains("status=400"),
        "{line}"
    );
    // The route template, not the path: no ids, query strings, names, tokens or bodies.
    for l in first.iter().chain(&second) {
        for leak in [secret_name, &t.admin, org, "x=1"] {
            assert!(!l.contains(leak), "{leak} logged: {l}");
        }
    }
}

/// The application log during a whole journey (an organisation and its people created, a list imported and the
/// re-screen it starts, an application with a listed end user submitted, asked about, answered, advised on,
/// approved and issued, and a refused request) holds no person's, organisation's or party's name, no token and
/// no request or answer body: everything the service logs at its default level, not only the request lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journey_logs_no_names_tokens_or_bodies() {
    let logs = logs();
    let t = TestApp::start(Backend::Sqlite).await;
    let w = t.world().await;
    let org_name = "Quillon Varga Exports";
    let (_, exporter) = t.registered_exporter(&w, org_name, "yvarga").await;
    t.raw(
        "POST",
        Some(&t.admin),
        "/api/v1/lists/bis-dpl?name=dpl.txt",
        Some((
            "application/octet-stream",
            std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/sanctions/us_bis_dpl_2023-11/dpl.txt"
            ))
            .expect("shared DPL list"),
        )),
    )
    .await
    .ok();
    let product = t
        .classified_product(&w, &exporter, "Ostravik Lens", "5.A.1.j", "secret")
        .await;
    let end_user = "Ysolde Brannigan-Petrovic";
    let mut body = ml_body(&product, "BR");
    body["marketing"]["end_users"] = json!([
        {"name": end_user, "type": "government-law-enforcement", "country": "BR"},
        {"name": "TECHMA GMBH", "type": "private", "country": "BR"},
    ]);
    let c = t.post(&exporter, "/api/v1/applications", body).await.ok();
    let id = c["id"].as_str().unwrap().to_string();
    let step = |a: &str| format!("/api/v1/applications/{id}/{a}");
    // A refused request: its body (an unknown field) is not logged either.
    t.post(&exporter, &step("submit"), json!({"Marisol Quetzal": 1}))
        .await
        .problem(422);
    t.post(&exporter, &step("submit"), json!({})).await.ok();
    t.post(&w.officer, &step("assign"), json!({})).await.ok();
    let question = "Which Threnody Harbour unit operates it?";
    t.post(
        &w.officer,
        &step("information-requests"),
        json!({"question": question}),
    )
    .await
    .ok();
    let answer = "The Kestrelmoor cyber unit only";
    t.post(&exporter, &step("responses"), json!({"answer": answer}))
        .await
        .ok();
    let case = t.officer_view(&w, &id).await;
    for h in case["screening"].as_array().unwrap() {
        t.post(
            &w.officer,
            &format!(
                "/api/v1/applications/{id}/screening-hits/{}/decision",
                h["id"].as_str().unwrap()
            ),
            json!({"decision": "clear", "reason": "Vintergatan address differs"}),
        )
        .await
        .ok();
    }
    assert!(
        !case["screening"].as_array().unwrap().is_empty(),
        "the listed end user was a hit: {case}"
    );
    t.advise_all(&w, &case).await;
    t.decide(
        &w,
        &id,
        "approve",
        json!({"reason": "Palisander review favourable"}),
    )
    .await
    .ok();
    let issued = t.post(&w.officer, &step("issue"), json!({})).await.ok();
    assert_eq!(issued["state"], "issued", "{issued}");

    let text = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    // The capture works: this journey's requests are there, by route template.
    assert!(
        text.contains("route=/api/v1/applications/{id}/submit") && text.contains("status=422"),
        "the journey's request lines are missing from the captured log"
    );
    let tokens = [
        &t.admin,
        &exporter,
        &w.officer,
        &w.officer2,
        &w.defence,
        &w.hr,
        &w.fa,
        &w.cyber,
    ];
    let names = [
        org_name,
        "yvarga",
        "Ostravik Lens",
        end_user,
        "TECHMA GMBH",
        "Marisol Quetzal",
        question,
        "Threnody Harbour",
        answer,
        "Kestrelmoor",
        "Vintergatan",
        "Palisander",
    ];
    for leak in names
        .iter()
        .copied()
        .chain(tokens.iter().map(|s| s.as_str()))
    {
        let line = text.lines().find(|l| l.contains(leak));
        assert!(line.is_none(), "{leak:?} is in the log: {line:?}");
    }
}
