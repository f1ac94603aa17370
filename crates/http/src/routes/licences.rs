//! `/licences`: licences as documents (the record, its signed form and its PDF), and
//! `/public/licences/{number}`: what anyone may learn about a licence number, without signing in.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::Caller;
use crate::AppState;
use app::licences::{Licence, PublicLicence};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_licences))
        .routes(routes!(get_licence))
        .routes(routes!(get_licence_document))
}

pub(super) fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_public_licence))
}

/// List licences
///
/// Exporters see their organisation's licences; officers, auditors and administrators every licence; advisers the licences of cases on which their advice was requested. `state` keeps one licence state (issued, suspended, revoked, expired). Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/licences", params(super::StateQuery), responses((status = 200, body = [Licence], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow"))), (status = 422, body = Problem)))]
async fn list_licences(
    State(s): S,
    Caller(p): Caller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::StateQuery>,
) -> ApiResult<axum::response::Response> {
    let (state, page) = q.split();
    Ok(super::paged(
        &uri,
        s.app.licences(&p, state.as_deref(), &page).await?,
    ))
}

/// Get a licence
///
/// One licence by number: its content exactly as signed, the signed token (JWS, Ed25519) with its key id, its state and the history of its state. The issuing officer, and who changed the state and why, are shown to staff only.
#[utoipa::path(get, path = "/api/v1/licences/{number}", params(("number" = String, Path, example = "L-EL-2026-000001")), responses((status = 200, body = Licence), (status = 404, body = Problem)))]
async fn get_licence(
    State(s): S,
    Caller(p): Caller,
    Path(number): Path<String>,
) -> ApiResult<Json<Licence>> {
    id("number", &number)?;
    Ok(Json(s.app.licence(&p, &number).await?))
}

/// Get a licence's PDF
///
/// The licence as a PDF for people, with a QR code carrying the licence number and the signed token; rendered from the stored licence, the same bytes on every request. The token is also in the PDF's document information (`/ExportctlLicence`) and attached as `licence.jws`, which `exportctl licence verify FILE.pdf` reads.
#[utoipa::path(get, path = "/api/v1/licences/{number}/document", params(("number" = String, Path, example = "L-EL-2026-000001")), responses((status = 200, description = "The licence PDF", content_type = "application/pdf", body = Vec<u8>), (status = 404, body = Problem)))]
async fn get_licence_document(
    State(s): S,
    Caller(p): Caller,
    Path(number): Path<String>,
) -> ApiResult<Response> {
    id("number", &number)?;
    let pdf = s.app.licence_document(&p, &number).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{number}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        pdf,
    )
        .into_response())
}

/// Check a licence (public)
///
/// Anyone, without signing in: the licence's state (`issued` means in force) and validity. Never the holder, products, parties or conditions. An unknown number answers 404.
#[utoipa::path(get, path = "/api/v1/public/licences/{number}", params(("number" = String, Path, example = "L-EL-2026-000001")), security(()), responses((status = 200, body = PublicLicence), (status = 404, body = Problem)))]
async fn get_public_licence(
    State(s): S,
    Path(number): Path<String>,
) -> ApiResult<Json<PublicLicence>> {
    id("number", &number)?;
    Ok(Json(s.app.public_licence(&number).await?))
}
