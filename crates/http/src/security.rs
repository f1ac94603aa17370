//! Response hardening applied to every response: security headers, and a bound on the size of request
//! headers (431 problem+json).

use crate::error::ApiError;
use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The one Content-Security-Policy of the service. The API renders nothing, so nothing may load and nothing
/// may frame it. (HTML pages, when added, relax this to `default-src 'self'` here, in one place.)
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Largest total size of a request's headers (names and values); larger answers 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Adds the security headers to every response and refuses oversized request headers.
///
/// - `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, the [`CONTENT_SECURITY_POLICY`];
/// - `Cache-Control: no-store` unless the handler set its own: responses carry case data and, once, token
///   secrets, and must not be kept by browsers or proxies.
pub async fn headers(req: Request, next: Next) -> Response {
    let size: usize = req
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len())
        .sum();
    let mut resp = if size > MAX_HEADER_BYTES {
        ApiError::status(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers",
            "Request headers too large",
            format!("headers: the request's headers total {size} bytes; at most {MAX_HEADER_BYTES} are accepted"),
        )
        .with_field("headers")
        .into_response()
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // A page that sets its own (narrowly widened, e.g. `style-src 'self'`) policy keeps it; everything else
    // gets the restrictive default.
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}
