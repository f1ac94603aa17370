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
/// The caller's own API tokens (administrators: every token), without their secrets. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/tokens", params(super::PageQuery), responses((status = 200, body = [TokenView], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_tokens(
    State(s): S,
    Caller(p): Caller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::PageQuery>,
) -> ApiResult<axum::response::Response> {
    let page = s.app.tokens(&p, &q.into()).await?;
    let page = app::listing::Paged {
        items: page.items.into_iter().map(TokenView::from).collect(),
        next: page.next,
    };
    Ok(super::paged(&uri, page))
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
