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

#[utoipa::path(post, path = "/api/v1/registrations", request_body = NewRegistration, responses((status = 201, body = Registration), (status = 422, body = Problem)))]
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

#[utoipa::path(get, path = "/api/v1/registrations", responses((status = 200, body = [Registration])))]
async fn list_registrations(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<Registration>>> {
    Ok(Json(s.app.registrations(&p).await?))
}

#[utoipa::path(get, path = "/api/v1/registrations/{id}", params(("id" = String, Path)), responses((status = 200, body = Registration), (status = 404, body = Problem)))]
async fn get_registration(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Registration>> {
    id("id", &i)?;
    Ok(Json(s.app.registration(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/decision", params(("id" = String, Path)), request_body = RegistrationDecision, responses((status = 200, body = Registration), (status = 409, body = Problem)))]
async fn decide_registration(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<RegistrationDecision>,
) -> ApiResult<Json<Registration>> {
    id("id", &i)?;
    Ok(Json(s.app.decide_registration(&p, &i, b).await?))
}
