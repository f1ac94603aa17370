//! `serve --metrics-listen`: Prometheus metrics on their own address, not on the public one, with route
//! templates (never paths) as labels, the job queue, the database pool and the screening and policy timings.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

/// A plain HTTP/1.0 GET: (status, body).
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The value of the sample `name{labels}` in an OpenMetrics text.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn metrics_are_served_on_their_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_exportctl"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .args(["--metrics-listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run exportctl serve");
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let (mut api, mut metrics) = (None, None);
    let mut lines = BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        let line = line.expect("read stderr");
        if let Some(a) = line.strip_prefix("exportctl listening on http://") {
            api = Some(a.trim().to_string());
        }
        if let Some(a) = line.strip_prefix("metrics on http://") {
            metrics = Some(a.trim().trim_end_matches("/metrics").to_string());
        }
        if api.is_some() && metrics.is_some() {
            break;
        }
    }
    // Keep reading stderr (the request log) so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let (api, metrics) = (api.expect("API address"), metrics.expect("metrics address"));
    assert_ne!(api, metrics);

    assert_eq!(get(&api, "/healthz").0, 200);
    assert_eq!(get(&api, "/healthz").0, 200);
    // A path with an identifier: the label is the route template, the identifier appears nowhere.
    assert_eq!(
        get(&api, "/api/v1/applications/a1b2c3d4e5f6deadbeef").0,
        401
    );
    // Not on the public address.
    assert_eq!(get(&api, "/metrics").0, 404);

    let (status, text) = get(&metrics, "/metrics");
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        sample(
            &text,
            r#"exportctl_http_requests_total{method="GET",route="/healthz",status="200"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"exportctl_http_requests_total{method="GET",route="/api/v1/applications/{id}",status="401"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains("a1b2c3d4e5f6deadbeef"), "{text}");
    assert_eq!(
        sample(
            &text,
            r#"exportctl_http_request_duration_seconds_count{method="GET",route="/healthz"}"#
        ),
        Some(2.0),
        "{text}"
    );
    // The demo submitted cases: their parties were screened and the policy evaluated.
    let screened = sample(
        &text,
        r#"exportctl_screening_duration_seconds_count{purpose="case"}"#,
    )
    .unwrap_or(0.0);
    assert!(screened >= 1.0, "{text}");
    let evaluated =
        sample(&text, "exportctl_policy_evaluation_duration_seconds_count").unwrap_or(0.0);
    assert!(evaluated >= 1.0, "{text}");
    // The pool and the job queue.
    let max = sample(&text, "exportctl_db_pool_connections_max").unwrap_or(0.0);
    let open = sample(&text, "exportctl_db_pool_connections_open").unwrap_or(-1.0);
    assert!(max >= 1.0 && (0.0..=max).contains(&open), "{text}");
    assert!(text.contains("# TYPE exportctl_jobs gauge"), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    drop(server);
}
