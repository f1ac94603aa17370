//! `/tokens`: bearer tokens.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::Caller;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens))
        .routes(routes!(revoke_token))
}

#[derive(serde::Serialize, ToSchema)]
struct TokenView {
    id: String,
    user_id: String,
    label: String,
    created_at: String,
    expires_at: String,
    revoked_at: Option<String>,
}

impl From<store::TokenRow> for TokenView {
    fn from(t: store::TokenRow) -> Self {
        TokenView {
            id: t.id,
            user_id: t.user_id,
            label: t.label,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// List tokens
///
/// The caller's own API tokens (administrators: every token), without their secrets.
#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = [TokenView])))]
async fn list_tokens(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(
        s.app
            .tokens(&p)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Revoke a token
///
/// Revokes one token at once; requests made with it answer 401 from then on. Users revoke their own tokens, administrators any.
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", params(("id" = String, Path)), responses((status = 200, body = TokenView), (status = 404, body = Problem)))]
async fn revoke_token(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<TokenView>> {
    id("id", &i)?;
    Ok(Json(s.app.revoke_token(&p, &i).await?.into()))
}
