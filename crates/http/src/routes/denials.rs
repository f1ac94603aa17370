//! `/denials`: the denials register (officers change it, officers, auditors and administrators read it), its
//! strict import, and the denial matches and consultations of a case. Exporters never see any of it.

use super::{id, PageQuery, S};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, Body, Officers, OfficersAdmins, OfficialReaders, QueryParams};
use crate::AppState;
use app::denials::{
    import::ImportSummary, CloseConsultation, Denial, DenialChange, DenialInput, DenialMatch,
    DenialNotification, RevokeDenial,
};
use app::views::CaseView;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_denial, list_denials))
        .routes(routes!(get_denial, update_denial))
        .routes(routes!(revoke_denial))
        .routes(routes!(list_denial_notifications))
        .routes(routes!(list_denial_matches))
        .routes(routes!(close_consultation))
}

/// The import route, with the list uploads' body limit.
pub(super) fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(import_denials))
}

/// Add a denial
///
/// An officer adds a partner state's denial to the register. Open cases are matched against it before the answer.
#[utoipa::path(post, path = "/api/v1/denials", request_body(content = DenialInput, example = json!({"regime": "wassenaar", "denying_state": "DE", "reference": "DE-2026-0147", "date": "2026-03-02", "control_entries": ["5A001.j"], "item_description": "IP network surveillance system", "end_user": {"name": "Gulf Monitoring Centre", "address": null, "country": "AE"}, "consignee": null, "destination": "AE", "end_use": "national monitoring centre", "criteria": ["2", "7"]})), responses((status = 201, body = Denial), (status = 409, body = Problem, description = "The register already holds this state's denial with this reference")))]
async fn add_denial(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Body(b): Body<DenialInput>,
) -> ApiResult<(StatusCode, Json<Denial>)> {
    Ok((StatusCode::CREATED, Json(s.app.add_denial(&p, b).await?)))
}

/// List the denials register
///
/// Every denial, partners' and this authority's, with its status (`in-force`, `revoked`, `expired`). Paginated (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/denials", params(PageQuery), responses((status = 200, body = [Denial], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more rows follow")))))]
async fn list_denials(
    State(s): S,
    Allowed(p, _): Allowed<OfficialReaders>,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Response> {
    Ok(super::paged(&uri, s.app.denials(&p, &q.into()).await?))
}

/// Get a denial
///
/// One denial of the register with its status and the last day it is in force.
#[utoipa::path(get, path = "/api/v1/denials/{id}", params(("id" = String, Path)), responses((status = 200, body = Denial)))]
async fn get_denial(
    State(s): S,
    Allowed(p, _): Allowed<OfficialReaders>,
    Path(i): Path<String>,
) -> ApiResult<Json<Denial>> {
    id("id", &i)?;
    Ok(Json(s.app.denial(&p, &i).await?))
}

/// Change a denial
///
/// An officer replaces a partner denial's details (the partner amended or renewed it); the denying state and reference stay. Open cases are re-matched.
#[utoipa::path(put, path = "/api/v1/denials/{id}", params(("id" = String, Path)), request_body(content = DenialChange, example = json!({"expected_version": 1, "denial": {"regime": "wassenaar", "denying_state": "DE", "reference": "DE-2026-0147", "date": "2026-03-02", "control_entries": ["5A001.j"], "item_description": "IP network surveillance system", "end_user": {"name": "Gulf Monitoring Centre", "address": null, "country": "AE"}, "consignee": null, "destination": "AE", "end_use": "national monitoring centre", "criteria": ["2", "7"], "renewed_on": "2026-06-01"}})), responses((status = 200, body = Denial)))]
async fn update_denial(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<DenialChange>,
) -> ApiResult<Json<Denial>> {
    id("id", &i)?;
    Ok(Json(s.app.update_denial(&p, &i, b).await?))
}

/// Revoke a denial
///
/// An officer revokes a denial (e.g. the partner withdrew it), with a reason. Open cases are re-matched.
#[utoipa::path(post, path = "/api/v1/denials/{id}/revocation", params(("id" = String, Path)), request_body(content = RevokeDenial, example = json!({"reason": "Withdrawn by the partner on 2026-11-02"})), responses((status = 200, body = Denial)))]
async fn revoke_denial(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<RevokeDenial>,
) -> ApiResult<Json<Denial>> {
    id("id", &i)?;
    Ok(Json(s.app.revoke_denial(&p, &i, b).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    /// `csv` or `jsonl` (docs/denials.md).
    format: String,
}

/// Import partner denials
///
/// An officer or administrator uploads a CSV or JSON Lines file of partner denials (the raw file as the body). The whole file is checked first: a malformed file changes nothing and the error names its line and field. Each denial is added, or updated when the register holds the same state and reference; open cases are re-matched.
#[utoipa::path(post, path = "/api/v1/denials/import", params(ImportQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 200, body = ImportSummary), (status = 422, body = Problem, description = "Malformed file: `field` names the line and the field; nothing was imported")))]
async fn import_denials(
    State(s): S,
    Allowed(p, _): Allowed<OfficersAdmins>,
    QueryParams(q): QueryParams<ImportQuery>,
    body: axum::body::Body,
) -> ApiResult<Json<ImportSummary>> {
    let format = q
        .format
        .parse()
        .map_err(|e: String| ApiError::invalid("format", format!("format: {e}")))?;
    let bytes = crate::lists_io::receive_upload(body, crate::LIST_BODY_LIMIT as u64).await?;
    Ok(Json(s.app.import_denials(&p, format, &bytes).await?))
}

/// List a case's denial matches
///
/// The denials in force the application matches (overlapping control entry, same destination, end user or consignee matched by screening), each with its score, explanation and consultation.
#[utoipa::path(get, path = "/api/v1/applications/{id}/denial-matches", params(("id" = String, Path)), responses((status = 200, body = [DenialMatch])))]
async fn list_denial_matches(
    State(s): S,
    Allowed(p, _): Allowed<OfficialReaders>,
    Path(i): Path<String>,
) -> ApiResult<Json<Vec<DenialMatch>>> {
    id("id", &i)?;
    Ok(Json(s.app.case_denial_matches(&p, &i).await?))
}

/// Close a consultation
///
/// The assigned officer records the partner's answer with its date, or overrides the consultation with a reason. Approval waits until every consultation of the case is closed.
#[utoipa::path(post, path = "/api/v1/applications/{id}/denial-matches/{match}/consultation", params(("id" = String, Path), ("match" = String, Path)), request_body(content = CloseConsultation, example = json!({"answer": "No objection: the earlier transaction differed in end use", "answered_on": "2026-11-20"})), responses((status = 200, body = CaseView)))]
async fn close_consultation(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path((i, m)): Path<(String, String)>,
    Body(b): Body<CloseConsultation>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    id("match", &m)?;
    Ok(Json(s.app.close_consultation(&p, &i, &m, b).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SinceQuery {
    /// First day (YYYY-MM-DD) of the notifications wanted.
    #[param(value_type = String, format = Date)]
    since: chrono::NaiveDate,
}

/// List the notifications due to partners
///
/// The notifications owed to partner states from a date on, oldest first: this authority's refusals, suspensions, revocations, the final assessment when a suspension ends, and approvals despite a partner's denial. `exportctl denials export --since DATE` writes the same as JSON Lines.
#[utoipa::path(get, path = "/api/v1/denials/notifications", params(SinceQuery), responses((status = 200, body = [DenialNotification])))]
async fn list_denial_notifications(
    State(s): S,
    Allowed(p, _): Allowed<OfficialReaders>,
    QueryParams(q): QueryParams<SinceQuery>,
) -> ApiResult<Json<Vec<DenialNotification>>> {
    Ok(Json(s.app.denial_notifications(&p, q.since).await?))
}
