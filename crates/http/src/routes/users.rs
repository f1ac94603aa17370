//! `/users`: user accounts, disabling them, and enrolment (how a user obtains its API token).

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Admins, AdminsAuditors, Allowed, Body, Caller, NoParams, OptBody};
use crate::AppState;
use app::model::*;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user))
        .routes(routes!(create_enrolment))
        .routes(routes!(enrol))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
        .routes(routes!(set_user_grade))
}

/// Set an officer's grade
///
/// Administrators make an officer a senior officer (`senior`) or return it to the standard grade, with a reason. A senior officer gives the countersignature the policy reserves to one. Recorded in the audit log.
#[utoipa::path(put, path = "/api/v1/users/{id}/grade", params(("id" = String, Path)), request_body(content = GradeChange, example = json!({"grade": "senior", "reason": "Promoted to senior licensing officer"})),
    responses((status = 200, body = User, description = "The officer with its new grade"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn set_user_grade(
    State(s): S,
    Allowed(p, _): Allowed<Admins>,
    Path(i): Path<String>,
    Body(b): Body<GradeChange>,
) -> ApiResult<Json<User>> {
    id("id", &i)?;
    Ok(Json(s.app.set_user_grade(&p, &i, b).await?))
}

/// Create a user
///
/// Administrators create user accounts with a role. Advisers need their specialism (`review_kind`), exporters their organisation (`org_id`). The answer carries a one-time enrolment secret that the new user exchanges for an API token at `POST /api/v1/enrol`.
#[utoipa::path(post, path = "/api/v1/users",
    request_body(content = NewUser, example = json!({"username": "hr-adviser-1", "role": "adviser", "review_kind": "human-rights"})),
    responses((status = 201, body = UserCreated, description = "The user and its first token (shown once)"), (status = 422, body = Problem)))]
async fn create_user(
    State(s): S,
    Allowed(p, _): Allowed<Admins>,
    Body(b): Body<NewUser>,
) -> ApiResult<(StatusCode, Json<UserCreated>)> {
    Ok((StatusCode::CREATED, Json(s.app.create_user(&p, b).await?)))
}

/// List users
///
/// Every user account, for administrators and auditors. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/users", params(super::PageQuery), responses((status = 200, body = [User], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_users(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::PageQuery>,
) -> ApiResult<axum::response::Response> {
    Ok(super::paged(&uri, s.app.users(&p, &q.into()).await?))
}

/// Get a user
///
/// One user by id. Users other than administrators and auditors may only read themselves.
#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = String, Path)), responses((status = 200, body = User), (status = 404, body = Problem)))]
async fn get_user(State(s): S, Caller(p): Caller, Path(i): Path<String>) -> ApiResult<Json<User>> {
    id("id", &i)?;
    Ok(Json(s.app.user(&p, &i).await?))
}

/// Issue a new enrolment secret
///
/// Administrators issue a fresh one-time enrolment secret for a user (for example after it lost its token). The secret is shown once; the user exchanges it for a token at `POST /api/v1/enrol`. No body, or an empty JSON object.
#[utoipa::path(post, path = "/api/v1/users/{id}/enrolment", params(("id" = String, Path)),
    responses((status = 201, body = Enrolment, description = "A one-time enrolment secret for the user (shown once)"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn create_enrolment(
    State(s): S,
    Allowed(p, _): Allowed<Admins>,
    Path(i): Path<String>,
    _b: OptBody<NoParams>,
) -> ApiResult<(StatusCode, Json<Enrolment>)> {
    id("id", &i)?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_enrolment(&p, &i).await?),
    ))
}

/// Exchange an enrolment secret for a token
///
/// The one operation without a bearer token: the user sends its username and the one-time enrolment secret and receives its API token, shown once. A secret works once and expires.
#[utoipa::path(post, path = "/api/v1/enrol", request_body(content = EnrolRequest, example = json!({"username": "hr-adviser-1", "secret": "the-one-time-secret", "label": "laptop", "days": 30})), security(()),
    responses((status = 201, body = IssuedToken, description = "The user's new API token (shown once)"),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn enrol(
    State(s): S,
    Body(b): Body<EnrolRequest>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    Ok((StatusCode::CREATED, Json(s.app.enrol(b).await?)))
}

/// Disable a user
///
/// Administrators disable an account with a reason: it can no longer authenticate and every token it holds is revoked. Recorded in the audit log.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", params(("id" = String, Path)), request_body(content = UserStatusChange, example = json!({"reason": "Left the authority"})),
    responses((status = 200, body = User, description = "The user, disabled; every token revoked"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn disable_user(
    State(s): S,
    Allowed(p, _): Allowed<Admins>,
    Path(i): Path<String>,
    Body(b): Body<UserStatusChange>,
) -> ApiResult<Json<User>> {
    id("id", &i)?;
    Ok(Json(s.app.set_user_disabled(&p, &i, true, b).await?))
}

/// Enable a user
///
/// Administrators enable a disabled account with a reason. The user then needs a new enrolment secret to obtain a token.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", params(("id" = String, Path)), request_body(content = UserStatusChange, example = json!({"reason": "Left the authority"})),
    responses((status = 200, body = User, description = "The user, enabled (it enrols again for a token)"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn enable_user(
    State(s): S,
    Allowed(p, _): Allowed<Admins>,
    Path(i): Path<String>,
    Body(b): Body<UserStatusChange>,
) -> ApiResult<Json<User>> {
    id("id", &i)?;
    Ok(Json(s.app.set_user_disabled(&p, &i, false, b).await?))
}
