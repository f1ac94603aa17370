//! `/pre-application-checks`, `/exemptions` and `/policy/versions`: the licensing policy.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Allowed, Body, Caller, Exporters, PolicyAdmins, PolicyAdminsAuditors};
use crate::AppState;
use app::model::*;
use app::policy_svc::{PolicyVersionView, PublishPolicy, StagePolicy};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check_pre_application))
        .routes(routes!(list_exemptions))
        .routes(routes!(list_policy_versions, stage_policy_version))
        .routes(routes!(get_policy_impact))
        .routes(routes!(publish_policy_version))
}

#[utoipa::path(post, path = "/api/v1/pre-application-checks", request_body = PreApplicationCheck, responses((status = 200, body = PreApplicationAnswer), (status = 422, body = Problem)))]
async fn check_pre_application(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<PreApplicationCheck>,
) -> ApiResult<Json<PreApplicationAnswer>> {
    Ok(Json(s.app.pre_application_check(&p, b).await?))
}

#[utoipa::path(get, path = "/api/v1/exemptions", responses((status = 200, body = [Exemption])))]
async fn list_exemptions(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<Exemption>>> {
    Ok(Json(s.app.exemptions(&p).await?))
}

#[utoipa::path(get, path = "/api/v1/policy/versions", responses((status = 200, body = [PolicyVersionView])))]
async fn list_policy_versions(
    State(s): S,
    Caller(p): Caller,
) -> ApiResult<Json<Vec<PolicyVersionView>>> {
    Ok(Json(s.app.policy_versions(&p).await?))
}

#[utoipa::path(post, path = "/api/v1/policy/versions", request_body = StagePolicy, responses((status = 201, body = PolicyVersionView), (status = 422, body = Problem)))]
async fn stage_policy_version(
    State(s): S,
    Allowed(p, _): Allowed<PolicyAdmins>,
    Body(b): Body<StagePolicy>,
) -> ApiResult<(StatusCode, Json<PolicyVersionView>)> {
    Ok((StatusCode::CREATED, Json(s.app.stage_policy(&p, b).await?)))
}

#[utoipa::path(get, path = "/api/v1/policy/versions/{id}/impact", params(("id" = String, Path)), responses((status = 200, body = Object, description = "Impact report")))]
async fn get_policy_impact(
    State(s): S,
    Allowed(p, _): Allowed<PolicyAdminsAuditors>,
    Path(i): Path<String>,
) -> ApiResult<Json<policy::ImpactReport>> {
    id("id", &i)?;
    Ok(Json(s.app.policy_impact(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/policy/versions/{id}/publish", params(("id" = String, Path)), request_body = PublishPolicy, responses((status = 200, body = PolicyVersionView)))]
async fn publish_policy_version(
    State(s): S,
    Allowed(p, _): Allowed<PolicyAdmins>,
    Path(i): Path<String>,
    Body(b): Body<PublishPolicy>,
) -> ApiResult<Json<PolicyVersionView>> {
    id("id", &i)?;
    Ok(Json(s.app.publish_policy(&p, &i, b).await?))
}
