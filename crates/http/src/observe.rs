//! Per-request observability: a request id (a sane incoming `X-Request-Id`, else a new one) returned in the
//! `X-Request-Id` header and in every problem+json body, a tracing span carrying it, and one log line per
//! request at INFO with method, route template, status, latency and request id. Never bodies, query strings,
//! names or tokens: the route template is logged, not the path.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

/// The response (and request) header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled, when called inside one (problem+json bodies carry it).
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// An incoming id is kept when it is 1 to 64 ASCII letters, digits, '-', '_', '.' or ':' (enough for UUIDs
/// and the ids proxies generate); anything else could inject text into logs, and is replaced.
fn sane(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The method as a metrics label: the standard ones by name, anything else (a client can send any token) as
/// `other`, so that clients cannot grow the label set.
fn known_method(m: &axum::http::Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// Middleware: see the module documentation.
pub async fn observe(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let span = tracing::info_span!("request", method = %method, route = %route, request_id = %id);
    let mut resp = REQUEST_ID
        .scope(id.clone(), next.run(req))
        .instrument(span)
        .await;
    let seconds = start.elapsed().as_secs_f64();
    let latency_ms = seconds * 1000.0;
    crate::metrics::record(
        known_method(&method),
        &route,
        resp.status().as_u16(),
        seconds,
    );
    tracing::info!(
        method = %method,
        route = %route,
        status = resp.status().as_u16(),
        latency_ms = format_args!("{latency_ms:.1}"),
        request_id = %id,
        "request"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::sane;

    #[test]
    fn incoming_ids_are_kept_only_when_sane() {
        assert!(sane("3f2a9c1e-7b7d-4c1e-9a55-0e9c2b1d7f10"));
        assert!(sane("req_42.a:b"));
        assert!(!sane(""));
        assert!(!sane("a b"));
        assert!(!sane("x\ny"));
        assert!(!sane(&"a".repeat(65)));
    }
}
