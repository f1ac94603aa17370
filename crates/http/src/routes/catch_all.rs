//! `/applications/{id}/catch-all` and `/catch-all-notifications`: catch-all controls (EU 2021/821 Art. 5) per
//! specific export (`app::catch_all`, docs/policy.md "Catch-all").

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Allowed, Body, CatchAllReaders, Officers, OfficersExporters};
use crate::AppState;
use app::catch_all::{CatchAllNotification, NewCatchAllNotification, RecordCatchAll};
use app::views::CaseView;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_case_catch_all))
        .routes(routes!(
            list_catch_all_notifications,
            record_catch_all_notification
        ))
}

/// Record a catch-all on an application
///
/// EU 2021/821 Art. 5 for this export. An officer notifies the exporter that the items are or may be intended for internal repression or serious violations of human rights (Art. 5(1)); the applicant exporter declares that its due diligence made it aware of a cyber-surveillance end use (Art. 5(2), also on a draft). The item is then controlled for this application (the policy fact `catch_all_notified`, the catch-all regime): on a submitted case the determinations are evaluated again and the reviews they now require are opened. Before the decision only (409 otherwise).
#[utoipa::path(post, path = "/api/v1/applications/{id}/catch-all", params(("id" = String, Path)), request_body(content = RecordCatchAll, example = json!({"end_use": "monitoring of opposition activists", "grounds": "the end user's unit is named in the UN rapporteur's 2025 report", "destination": "AE"})), responses((status = 200, body = CaseView), (status = 409, body = Problem, description = "The application is decided, or an officer notifies on a draft")))]
async fn record_case_catch_all(
    State(s): S,
    Allowed(p, _): Allowed<OfficersExporters>,
    Path(i): Path<String>,
    Body(b): Body<RecordCatchAll>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.record_case_catch_all(&p, &i, b).await?))
}

/// Record a standing catch-all notification
///
/// An officer notifies an exporter (Art. 5(1)) that exports to an end user in a destination need a licence, whatever the item's listing: every application of that exporter submitted afterwards with an end user of that name (compared without case and spacing) and that destination carries the notification.
#[utoipa::path(post, path = "/api/v1/catch-all-notifications", request_body(content = NewCatchAllNotification, example = json!({"org_id": "0190c3a2-7b1e-7c3d-9a4f-2b8e5d6f1a01", "end_user": "Gulf Monitoring Centre", "destination": "AE", "end_use": "national monitoring centre", "grounds": "documented use against journalists"})), responses((status = 201, body = CatchAllNotification)))]
async fn record_catch_all_notification(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Body(b): Body<NewCatchAllNotification>,
) -> ApiResult<(StatusCode, Json<CatchAllNotification>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.record_catch_all_notification(&p, b).await?),
    ))
}

/// List standing catch-all notifications
///
/// Officers, auditors and administrators see every notification; an exporter those addressed to it (without the officer's id). Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/catch-all-notifications", params(super::PageQuery), responses((status = 200, body = [CatchAllNotification], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_catch_all_notifications(
    State(s): S,
    Allowed(p, _): Allowed<CatchAllReaders>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::PageQuery>,
) -> ApiResult<axum::response::Response> {
    Ok(super::paged(
        &uri,
        s.app.catch_all_notifications(&p, &q.into()).await?,
    ))
}
