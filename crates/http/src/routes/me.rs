//! `/me`: who the caller is.

use crate::error::Problem;
use crate::extract::Caller;
use crate::AppState;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_me))
}

/// Who the caller is
///
/// The user the bearer token belongs to: id, username, role, and for exporters their organisation, for advisers their specialism.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = app::Principal), (status = 401, body = Problem)))]
async fn get_me(Caller(p): Caller) -> Json<app::Principal> {
    Json(p)
}
