//! `/applications`: licence applications (cases), their lifecycle actions, advice and screening hits.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Advisers, Allowed, Body, Caller, Exporters, Officers, OptBody, QueryParams};
use crate::AppState;
use app::model::*;
use app::views::CaseView;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::CaseAction;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_application, list_applications))
        .routes(routes!(get_application))
        .routes(routes!(submit_application))
        .routes(routes!(withdraw_application))
        .routes(routes!(assign_application))
        .routes(routes!(request_information))
        .routes(routes!(respond_application))
        .routes(routes!(request_advice))
        .routes(routes!(give_advice))
        .routes(routes!(approve_application))
        .routes(routes!(refuse_application))
        .routes(routes!(issue_licence))
        .routes(routes!(suspend_licence))
        .routes(routes!(reinstate_licence))
        .routes(routes!(revoke_licence))
        .routes(routes!(list_case_hits))
        .routes(routes!(decide_hit))
}

#[utoipa::path(post, path = "/api/v1/applications", request_body = NewApplication, responses((status = 201, body = CaseView), (status = 422, body = Problem)))]
async fn create_application(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<NewApplication>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_application(&p, b).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CaseQuery {
    /// Only cases in this state.
    #[param(value_type = Option<domain::CaseState>)]
    state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/applications", params(CaseQuery), responses((status = 200, body = [CaseView])))]
async fn list_applications(
    State(s): S,
    Caller(p): Caller,
    QueryParams(q): QueryParams<CaseQuery>,
) -> ApiResult<Json<Vec<CaseView>>> {
    Ok(Json(s.app.applications(&p, q.state.as_deref()).await?))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 404, body = Problem)))]
async fn get_application(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.application(&p, &i).await?))
}

macro_rules! simple_action {
    ($name:ident, $roles:ty, $path:literal, $method:ident $(, $extra:expr)?) => {
        #[utoipa::path(post, path = $path, params(("id" = String, Path)), request_body(content = Option<ActionBody>),
            responses((status = 200, body = CaseView), (status = 409, body = Problem, description = "Not allowed in the current state, or changed concurrently")))]
        async fn $name(State(s): S, Allowed(p, _): Allowed<$roles>, Path(i): Path<String>, OptBody(b): OptBody<ActionBody>) -> ApiResult<Json<CaseView>> {
            id("id", &i)?;
            Ok(Json(s.app.$method(&p, &i, $($extra,)? b).await?))
        }
    };
}

simple_action!(
    submit_application,
    Exporters,
    "/api/v1/applications/{id}/submit",
    submit_application
);
simple_action!(
    withdraw_application,
    Exporters,
    "/api/v1/applications/{id}/withdraw",
    withdraw_application
);
simple_action!(
    issue_licence,
    Officers,
    "/api/v1/applications/{id}/issue",
    issue
);
/// The body of suspend, reinstate and revoke: the reason is required (it is recorded on the case and in the
/// audit log). No body at all is answered like a body without a reason (422 naming `reason`).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    /// Why the licence is changed (1 to 5000 characters).
    #[schema(example = "The end user was reported to misuse the product")]
    reason: String,
    /// Optimistic concurrency: the case version the caller last read.
    expected_version: Option<i64>,
}

macro_rules! licence_action {
    ($name:ident, $roles:ty, $path:literal, $action:expr) => {
        #[utoipa::path(post, path = $path, params(("id" = String, Path)), request_body = ReasonBody,
            responses((status = 200, body = CaseView), (status = 409, body = Problem, description = "Not allowed in the current state, or changed concurrently")))]
        async fn $name(State(s): S, Allowed(p, _): Allowed<$roles>, Path(i): Path<String>, OptBody(b): OptBody<ReasonBody>) -> ApiResult<Json<CaseView>> {
            id("id", &i)?;
            let b = ActionBody { expected_version: b.expected_version, reason: Some(b.reason) };
            Ok(Json(s.app.change_licence(&p, &i, $action, b).await?))
        }
    };
}

licence_action!(
    suspend_licence,
    Officers,
    "/api/v1/applications/{id}/suspend",
    CaseAction::Suspend
);
licence_action!(
    reinstate_licence,
    Officers,
    "/api/v1/applications/{id}/reinstate",
    CaseAction::Reinstate
);
licence_action!(
    revoke_licence,
    Officers,
    "/api/v1/applications/{id}/revoke",
    CaseAction::Revoke
);

#[utoipa::path(post, path = "/api/v1/applications/{id}/assign", params(("id" = String, Path)), request_body(content = Option<AssignBody>), responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn assign_application(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    OptBody(b): OptBody<AssignBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.assign(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/information-requests", params(("id" = String, Path)), request_body = InfoRequestBody, responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn request_information(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<InfoRequestBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.request_information(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/responses", params(("id" = String, Path)), request_body = RespondBody, responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn respond_application(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    Body(b): Body<RespondBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.respond(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/advice-requests", params(("id" = String, Path)), request_body = AdviceRequestBody, responses((status = 200, body = CaseView)))]
async fn request_advice(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<AdviceRequestBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.request_advice(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/advice", params(("id" = String, Path)), request_body = NewAdvice, responses((status = 200, body = CaseView), (status = 422, body = Problem)))]
async fn give_advice(
    State(s): S,
    Allowed(p, _): Allowed<Advisers>,
    Path(i): Path<String>,
    Body(b): Body<NewAdvice>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.give_advice(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/approve", params(("id" = String, Path)), request_body = ApproveBody, responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn approve_application(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<ApproveBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.approve(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/refuse", params(("id" = String, Path)), request_body = RefuseBody, responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn refuse_application(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<RefuseBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.refuse(&p, &i, b).await?))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}/screening-hits", params(("id" = String, Path)), responses((status = 200, body = [ScreeningHit])))]
async fn list_case_hits(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Vec<ScreeningHit>>> {
    id("id", &i)?;
    Ok(Json(s.app.case_hits(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/screening-hits/{hit}/decision", params(("id" = String, Path), ("hit" = String, Path)), request_body = HitDecisionBody, responses((status = 200, body = CaseView)))]
async fn decide_hit(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path((i, h)): Path<(String, String)>,
    Body(b): Body<HitDecisionBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    id("hit", &h)?;
    Ok(Json(s.app.decide_hit(&p, &i, &h, b).await?))
}
