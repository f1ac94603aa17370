//! `/users`: user accounts and the tokens issued to them.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Body, Caller};
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
        .routes(routes!(create_token))
}

#[utoipa::path(post, path = "/api/v1/users",
    request_body(content = NewUser, example = json!({"username": "hr-adviser-1", "role": "adviser", "review_kind": "human-rights"})),
    responses((status = 201, body = UserCreated, description = "The user and its first token (shown once)"), (status = 422, body = Problem)))]
async fn create_user(
    State(s): S,
    Caller(p): Caller,
    Body(b): Body<NewUser>,
) -> ApiResult<(StatusCode, Json<UserCreated>)> {
    Ok((StatusCode::CREATED, Json(s.app.create_user(&p, b).await?)))
}

#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = [User])))]
async fn list_users(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(s.app.users(&p).await?))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = String, Path)), responses((status = 200, body = User), (status = 404, body = Problem)))]
async fn get_user(State(s): S, Caller(p): Caller, Path(i): Path<String>) -> ApiResult<Json<User>> {
    id("id", &i)?;
    Ok(Json(s.app.user(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", params(("id" = String, Path)), request_body = NewToken,
    responses((status = 201, body = IssuedToken)))]
async fn create_token(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<NewToken>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    id("id", &i)?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_token(&p, &i, b).await?),
    ))
}
