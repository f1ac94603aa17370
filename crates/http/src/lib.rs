//! The JSON API under `/api/v1`, its OpenAPI document at `/api/v1/openapi.json` (built by utoipa-axum from
//! the same router that serves the requests), its reference page at `/api/v1/docs` ([`apidocs`]), `/healthz`, and the request middleware (body limit; request id, span
//! and one log line per request: [`observe`]; security headers: [`security`]). [`serve`] serves it with
//! header/request timeouts and a connection cap; [`lists_io`] receives list uploads and downloads list files
//! safely. Limits: docs/security.md.
//!
//! Handlers are thin: authenticate ([`extract::Caller`]), parse ([`extract::Body`]), call one use case of
//! [`app::App`], and map its error through [`error::ApiError`].

#![forbid(unsafe_code)]

pub mod apidocs;
pub mod error;
pub mod extract;
pub mod lists_io;
pub mod metrics;
pub mod observe;
pub mod pages;
mod routes;
pub mod security;
mod serve;

pub use serve::{serve, ServeLimits};

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// Largest JSON body accepted (list uploads have their own, larger limit).
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;
/// Largest list file accepted by upload.
pub const LIST_BODY_LIMIT: usize = 200 * 1024 * 1024;

/// State shared by handlers.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<app::App>,
    /// Where list files may be downloaded from.
    pub fetch: Arc<lists_io::FetchPolicy>,
}

/// The whole service router, with the default fetch policy.
pub fn router(app: Arc<app::App>) -> Router {
    router_with(app, lists_io::FetchPolicy::default())
}

/// The API's routes with their middleware, and the OpenAPI document collected from them.
fn api() -> OpenApiRouter<AppState> {
    let json = routes::api_router()
        .route_layer(axum::middleware::from_fn(reject_unexpected_query))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    let upload = routes::list_upload_router().layer(DefaultBodyLimit::max(LIST_BODY_LIMIT));
    let documents = routes::document_upload_router().layer(DefaultBodyLimit::disable());
    routes::base().merge(json).merge(upload).merge(documents)
}

/// The OpenAPI document of the API served by [`router`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api().into_openapi();
    routes::document_answers(&mut doc);
    doc
}

/// The whole service router.
pub fn router_with(app: Arc<app::App>, fetch: lists_io::FetchPolicy) -> Router {
    let state = AppState {
        app,
        fetch: Arc::new(fetch),
    };
    let (api, mut doc) = api().split_for_parts();
    routes::document_answers(&mut doc);
    let doc = serde_json::to_value(&doc).expect("the OpenAPI document serialises");
    let page = bytes::Bytes::from(apidocs::render(&doc));
    let doc = bytes::Bytes::from(doc.to_string());
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/api/v1/openapi.json",
            get(move || openapi_json(doc.clone())),
        )
        .route("/api/v1/docs", get(move || api_reference(page.clone())))
        .merge(api)
        .merge(pages::router())
        .fallback(not_found)
        .layer(axum::middleware::map_response(error::problem_fallback))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn(observe::observe))
        .with_state(state)
}

/// Routes whose handlers read query parameters (and validate them themselves).
const ROUTES_WITH_QUERY: &[&str] = &[
    "/applications",
    "/audit",
    "/products",
    "/licences",
    "/organisations",
    "/users",
    "/lists",
    "/tokens",
    "/exemptions",
    "/registrations",
    "/queues/{name}",
    "/audit/proofs/inclusion",
    "/audit/proofs/consistency",
    "/public/statistics",
    "/notifications",
    "/webhooks/deliveries",
    "/denials",
    "/denials/notifications",
    "/policy/versions",
    "/reporting-obligations",
    "/end-use-checks",
    "/unverified-parties",
    "/evidence",
    "/reassessments",
    "/compliance-audits",
    "/own-refusals",
    "/screening-hits",
];

/// Any other route answers a query string with 400 naming the first parameter, rather than ignoring it.
async fn reject_unexpected_query(
    path: axum::extract::MatchedPath,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let query = req.uri().query().unwrap_or("");
    let route = path.as_str().trim_start_matches("/api/v1");
    let takes_query = req.method() == axum::http::Method::GET && ROUTES_WITH_QUERY.contains(&route);
    if query.is_empty() || takes_query {
        return next.run(req).await;
    }
    let first = query
        .split('&')
        .next()
        .unwrap_or("")
        .split('=')
        .next()
        .unwrap_or("");
    let name = if first.is_empty() { "query" } else { first };
    error::ApiError::bad_request(
        name.to_string(),
        format!("{name}: this endpoint takes no query parameters"),
    )
    .into_response()
}

async fn healthz(axum::extract::State(s): axum::extract::State<AppState>) -> impl IntoResponse {
    if s.app.healthy().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

async fn openapi_json(doc: bytes::Bytes) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc,
    )
}

async fn api_reference(page: bytes::Bytes) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
}

async fn not_found() -> error::ApiError {
    error::ApiError::status(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        "no such endpoint".into(),
    )
}
