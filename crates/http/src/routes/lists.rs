//! `/lists`: sanctions and restricted-party list versions, upload and fetch.

use super::S;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Admins, Allowed, Body, Caller, QueryParams};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_lists))
        .routes(routes!(fetch_list))
}

/// The upload route, which has its own (larger) body limit.
pub(super) fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload_list))
}

#[derive(serde::Serialize, ToSchema)]
struct ListVersionView {
    id: String,
    /// The publisher's list (ofac-sdn, ofac-non-sdn, us-csl-el, un-sc, ...): each has one active version.
    source: String,
    format: String,
    version: String,
    record_count: i64,
    published: Option<String>,
    imported_at: String,
    active: bool,
}

impl From<store::ListVersionRow> for ListVersionView {
    fn from(r: store::ListVersionRow) -> Self {
        ListVersionView {
            id: r.id,
            source: r.source,
            format: r.format,
            version: r.version,
            record_count: r.record_count,
            published: r.published,
            imported_at: r.imported_at,
            active: r.active,
        }
    }
}

/// List sanctions list versions
///
/// The imported versions of every list source, in import order, and which version of each is in force. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/lists", params(super::PageQuery), responses((status = 200, body = [ListVersionView], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_lists(
    State(s): S,
    Caller(p): Caller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::PageQuery>,
) -> ApiResult<axum::response::Response> {
    let page = s.app.list_status(&p, &q.into()).await?;
    let page = app::listing::Paged {
        items: page.items.into_iter().map(ListVersionView::from).collect(),
        next: page.next,
    };
    Ok(super::paged(&uri, page))
}

fn parse_format(f: &str) -> ApiResult<lists::ListFormat> {
    f.parse()
        .map_err(|e: String| ApiError::invalid("format", format!("format: {e}")))
}

/// Imports, then re-screens every open case and issued licence in the background. Answers the version in force
/// of each list source the file holds, with 201 when any of them is new and 200 when the file held only versions
/// already in force.
async fn import_and_rescreen(
    s: &AppState,
    p: &app::Principal,
    format: lists::ListFormat,
    name: &str,
    bytes: Vec<u8>,
    force: bool,
) -> ApiResult<(StatusCode, Json<Vec<ListVersionView>>)> {
    let imported = s
        .app
        .import_list_bytes(p, format, name, bytes, force)
        .await?;
    let status = if imported.iter().any(|i| i.created) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    spawn_rescreen(s.app.clone());
    Ok((
        status,
        Json(imported.into_iter().map(|i| i.row.into()).collect()),
    ))
}

/// Runs the re-screen job a list import has just enqueued (the API's upload and fetch, and the administrator's
/// lists page) now rather than at the job runner's next tick. The job itself is durable (stored with the
/// import): if this attempt is lost with the process, the runner does it after the restart.
pub(crate) fn spawn_rescreen(app: std::sync::Arc<app::App>) {
    tokio::spawn(async move {
        match app.run_pending_of(Some(app::screening_svc::RESCREEN)).await {
            Ok(r) => tracing::info!(
                done = r.done,
                retried = r.retried,
                failed = r.failed,
                "re-screening after list import"
            ),
            Err(e) => tracing::error!(error = %e, "re-screening after list import failed"),
        }
    });
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    /// The uploaded file's name (recorded with the list version).
    name: Option<String>,
    /// Import even when a list source's record count falls by more than the configured share against its
    /// version in force (audited with the reason).
    force: Option<bool>,
}

/// Upload a sanctions list file
///
/// An administrator uploads a list file in the given format (the raw file as the body). Each list source in the file gets a new version unless it is identical to the one in force; open cases and issued licences are then re-screened.
#[utoipa::path(post, path = "/api/v1/lists/{format}", params(("format" = String, Path), UploadQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = [ListVersionView], description = "The version in force of each list source in the file; at least one is new"),
        (status = 200, body = [ListVersionView], description = "The file held only versions already in force: nothing was added"),
        (status = 409, body = Problem, description = "A list source's record count falls by more than the configured share; nothing was imported (use force=true)"),
        (status = 422, body = Problem, description = "Malformed list file: position and reason; the list in force stays in force")))]
async fn upload_list(
    State(s): S,
    Allowed(p, _): Allowed<Admins>,
    Path(f): Path<String>,
    QueryParams(q): QueryParams<UploadQuery>,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<Vec<ListVersionView>>)> {
    // The role was checked by `Allowed` before a byte of the body was read; the body is streamed to a
    // temporary file within the limit.
    let format = parse_format(&f)?;
    if let Some(n) = &q.name {
        if n.is_empty() || n.chars().count() > 200 || n.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "name",
                "name: must be 1 to 200 characters without control characters",
            ));
        }
    }
    let name = q.name.unwrap_or_else(|| format!("upload.{f}"));
    let bytes = crate::lists_io::receive_upload(body, crate::LIST_BODY_LIMIT as u64).await?;
    import_and_rescreen(&s, &p, format, &name, bytes, q.force.unwrap_or(false)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FetchList {
    /// http:// URL of the list file.
    url: String,
}

/// Fetch a sanctions list file
///
/// An administrator has the server download a list file from a URL the fetch policy allows, then imports it as an upload would.
#[utoipa::path(post, path = "/api/v1/lists/{format}/fetch", params(("format" = String, Path)), request_body(content = FetchList, example = json!({"url": "http://lists.example/sdn.xml"})), responses((status = 201, body = [ListVersionView]), (status = 200, body = [ListVersionView]), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn fetch_list(
    State(s): S,
    Allowed(p, _): Allowed<Admins>,
    Path(f): Path<String>,
    Body(b): Body<FetchList>,
) -> ApiResult<(StatusCode, Json<Vec<ListVersionView>>)> {
    let format = parse_format(&f)?;
    let (name, bytes) = crate::lists_io::fetch(&b.url, &s.fetch).await?;
    import_and_rescreen(&s, &p, format, &name, bytes, false).await
}
