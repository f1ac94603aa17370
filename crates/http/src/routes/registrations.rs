//! `/registrations`: organisations' registrations and their decisions.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Allowed, Body, Caller, Exporters, Officers};
use crate::AppState;
use app::model::*;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(file_registration, list_registrations))
        .routes(routes!(get_registration))
        .routes(routes!(decide_registration))
}

/// File an organisation registration
///
/// An exporter files its organisation's registration (company details and contact) for an officer to decide.
#[utoipa::path(post, path = "/api/v1/registrations", request_body(content = NewRegistration, example = json!({"company_name": "Example Cyber Ltd", "registration_number": "51-123456-7", "address": "1 Example Street, Tel Aviv", "country": "IL", "contact_email": "compliance@example.com"})), responses((status = 201, body = Registration), (status = 422, body = Problem)))]
async fn file_registration(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<NewRegistration>,
) -> ApiResult<(StatusCode, Json<Registration>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.file_registration(&p, b).await?),
    ))
}

/// List registrations
///
/// Exporters see their organisation's registrations; officers see all of them. `state` is pending, approved or rejected. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/registrations", params(super::StateQuery), responses((status = 200, body = [Registration], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_registrations(
    State(s): S,
    Caller(p): Caller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::StateQuery>,
) -> ApiResult<axum::response::Response> {
    let (state, page) = q.split();
    Ok(super::paged(
        &uri,
        s.app.registrations(&p, state.as_deref(), &page).await?,
    ))
}

/// Get a registration
///
/// One registration by id.
#[utoipa::path(get, path = "/api/v1/registrations/{id}", params(("id" = String, Path)), responses((status = 200, body = Registration), (status = 404, body = Problem)))]
async fn get_registration(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Registration>> {
    id("id", &i)?;
    Ok(Json(s.app.registration(&p, &i).await?))
}

/// Decide a registration
///
/// An officer approves or rejects a pending registration, with a reason. `expected_version` guards against a concurrent change (409).
#[utoipa::path(post, path = "/api/v1/registrations/{id}/decision", params(("id" = String, Path)), request_body(content = RegistrationDecision, example = json!({"approve": true, "reason": "Company details verified", "expected_version": 1})), responses((status = 200, body = Registration), (status = 409, body = Problem)))]
async fn decide_registration(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<RegistrationDecision>,
) -> ApiResult<Json<Registration>> {
    id("id", &i)?;
    Ok(Json(s.app.decide_registration(&p, &i, b).await?))
}
