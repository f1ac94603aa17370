//! `/pre-application-checks`, `/exemptions` and `/policy/versions`: the licensing policy.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{
    Allowed, Body, Caller, Exporters, Officers, PolicyAdmins, PolicyAdminsAuditors,
};
use crate::AppState;
use app::exemptions::{ExemptionDecision, ExemptionRequest, ExemptionRevocation};
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
        .routes(routes!(list_exemptions, request_exemption))
        .routes(routes!(get_exemption))
        .routes(routes!(decide_exemption))
        .routes(routes!(revoke_exemption))
        .routes(routes!(list_policy_versions, stage_policy_version))
        .routes(routes!(get_policy_impact))
        .routes(routes!(publish_policy_version))
        .routes(routes!(suspend_under_moratorium))
}

/// Suspend the licences a moratorium covers
///
/// An officer suspends, in one audited action, every issued licence that this policy version would have prohibited (the impact preview's `licences_prohibited`), with the moratorium as the reason. Each licence gets its own audit event and the suspension's denial and notification to partners.
#[utoipa::path(post, path = "/api/v1/policy/versions/{id}/moratorium-suspensions", params(("id" = String, Path)), request_body(content = app::moratorium::MoratoriumSuspension, example = json!({"reason": "UN rapporteur's call for a moratorium on surveillance technology"})), responses((status = 200, body = app::moratorium::MoratoriumSuspended)))]
async fn suspend_under_moratorium(
    State(s): S,
    Allowed(p, _): Allowed<crate::extract::Officers>,
    Path(i): Path<String>,
    Body(b): Body<app::moratorium::MoratoriumSuspension>,
) -> ApiResult<Json<app::moratorium::MoratoriumSuspended>> {
    id("id", &i)?;
    Ok(Json(s.app.suspend_under_moratorium(&p, &i, b).await?))
}

/// Check whether a licence is needed
///
/// An exporter asks, before applying, what the policy says for a product, destination and end-user type: not controlled, exempt, licence required or prohibited, with the rule that decided. An `exempt` answer can be recorded as a marketing-licence exemption.
#[utoipa::path(post, path = "/api/v1/pre-application-checks", request_body(content = PreApplicationCheck, example = json!({"product": "0190c3a2-7b1e-7c3d-9a4f-2b8e5d6f1a01", "destination": "FR", "end_user_type": "government-law-enforcement", "licence": "marketing", "record_exemption": false})), responses((status = 200, body = PreApplicationAnswer), (status = 409, body = Problem, description = "record_exemption was asked for a determination that is not exempt"), (status = 422, body = Problem)))]
async fn check_pre_application(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<PreApplicationCheck>,
) -> ApiResult<Json<PreApplicationAnswer>> {
    Ok(Json(s.app.pre_application_check(&p, b).await?))
}

/// List exemptions
///
/// Marketing-licence exemptions, requested by exporters and granted, refused or revoked by officers; exporters see their organisation's. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/exemptions", params(super::PageQuery), responses((status = 200, body = [Exemption], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_exemptions(
    State(s): S,
    Caller(p): Caller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::PageQuery>,
) -> ApiResult<axum::response::Response> {
    Ok(super::paged(&uri, s.app.exemptions(&p, &q.into()).await?))
}

/// Request a marketing-licence exemption
///
/// An exporter asks for an exemption from the marketing licence for one of its classified products, a destination and an end-user type. The policy in force today must find the marketing step `exempt` (409 with the policy's reasons otherwise). The exemption is `requested` until an officer grants or refuses it; only a granted one may be cited by an export application.
#[utoipa::path(post, path = "/api/v1/exemptions", request_body(content = ExemptionRequest, example = json!({"product": "0190c3a2-7b1e-7c3d-9a4f-2b8e5d6f1a01", "destination": "DE", "end_user_type": "government-law-enforcement", "justification": "demonstration to the federal police"})), responses((status = 201, body = Exemption), (status = 409, body = Problem, description = "The policy in force does not find the marketing step exempt"), (status = 422, body = Problem)))]
async fn request_exemption(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<ExemptionRequest>,
) -> ApiResult<(StatusCode, Json<Exemption>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.request_exemption(&p, b).await?),
    ))
}

/// Read an exemption
///
/// One marketing-licence exemption: its state (`requested`, `granted`, `refused`, `revoked`), validity and reasons. Exporters read their organisation's, without the deciding officer.
#[utoipa::path(get, path = "/api/v1/exemptions/{id}", params(("id" = String, Path)), responses((status = 200, body = Exemption)))]
async fn get_exemption(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Exemption>> {
    id("id", &i)?;
    Ok(Json(s.app.exemption(&p, &i).await?))
}

/// Grant or refuse an exemption
///
/// An officer grants (`"grant": true`) or refuses a requested exemption, with a reason. A grant evaluates the policy in force today again with the product's current classification (409 when it is no longer exempt) and is valid from today for the policy's `exemption_validity_months` (reference 24).
#[utoipa::path(post, path = "/api/v1/exemptions/{id}/decision", params(("id" = String, Path)), request_body(content = ExemptionDecision, example = json!({"grant": true, "reason": "unclassified item; destination assessed tier 1", "expected_version": 1})), responses((status = 200, body = Exemption), (status = 409, body = Problem)))]
async fn decide_exemption(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<ExemptionDecision>,
) -> ApiResult<Json<Exemption>> {
    id("id", &i)?;
    Ok(Json(s.app.decide_exemption(&p, &i, b).await?))
}

/// Revoke an exemption
///
/// An officer revokes a granted exemption with a reason; export applications can no longer cite it.
#[utoipa::path(post, path = "/api/v1/exemptions/{id}/revocation", params(("id" = String, Path)), request_body(content = ExemptionRevocation, example = json!({"reason": "the destination's assessment changed on 2021-11-25", "expected_version": 2})), responses((status = 200, body = Exemption), (status = 409, body = Problem)))]
async fn revoke_exemption(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<ExemptionRevocation>,
) -> ApiResult<Json<Exemption>> {
    id("id", &i)?;
    Ok(Json(s.app.revoke_exemption(&p, &i, b).await?))
}

/// List policy versions
///
/// Every staged and published version of the licensing policy, with the day each takes effect: the shipped reference policy first, then uploads in upload order. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/policy/versions", params(super::PageQuery), responses((status = 200, body = [PolicyVersionView], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_policy_versions(
    State(s): S,
    Caller(p): Caller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::PageQuery>,
) -> ApiResult<axum::response::Response> {
    Ok(super::paged(
        &uri,
        s.app.policy_versions(&p, &q.into()).await?,
    ))
}

/// Stage a policy version
///
/// A policy administrator uploads a complete policy (its files by name). The version is checked and staged; it does not apply until published.
#[utoipa::path(post, path = "/api/v1/policy/versions", request_body(content = StagePolicy, example = json!({"files": {"policy.toml": "# the policy's files by name, as in a policy directory"}})), responses((status = 201, body = PolicyVersionView), (status = 422, body = Problem)))]
async fn stage_policy_version(
    State(s): S,
    Allowed(p, _): Allowed<PolicyAdmins>,
    Body(b): Body<StagePolicy>,
) -> ApiResult<(StatusCode, Json<PolicyVersionView>)> {
    Ok((StatusCode::CREATED, Json(s.app.stage_policy(&p, b).await?)))
}

/// Preview a policy version's impact
///
/// How the staged version would change the determinations of open cases and issued licences, compared with the policy in force.
#[utoipa::path(get, path = "/api/v1/policy/versions/{id}/impact", params(("id" = String, Path)), responses((status = 200, body = policy::ImpactReport, description = "Impact report")))]
async fn get_policy_impact(
    State(s): S,
    Allowed(p, _): Allowed<PolicyAdminsAuditors>,
    Path(i): Path<String>,
) -> ApiResult<Json<policy::ImpactReport>> {
    id("id", &i)?;
    Ok(Json(s.app.policy_impact(&p, &i).await?))
}

/// Publish a policy version
///
/// A policy administrator publishes a staged version from a day on (today or later, never retroactive).
#[utoipa::path(post, path = "/api/v1/policy/versions/{id}/publish", params(("id" = String, Path)), request_body(content = PublishPolicy, example = json!({"effective_from": "2026-07-01"})), responses((status = 200, body = PolicyVersionView)))]
async fn publish_policy_version(
    State(s): S,
    Allowed(p, _): Allowed<PolicyAdmins>,
    Path(i): Path<String>,
    Body(b): Body<PublishPolicy>,
) -> ApiResult<Json<PolicyVersionView>> {
    id("id", &i)?;
    Ok(Json(s.app.publish_policy(&p, &i, b).await?))
}
