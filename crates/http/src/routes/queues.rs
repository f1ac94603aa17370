//! `/queues`: officers' work queues.

use super::S;
use crate::error::ApiResult;
use crate::extract::{Allowed, OfficersAuditors};
use crate::AppState;
use app::model::*;
use axum::extract::{Path, State};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_queue))
}

/// Get a work queue
///
/// The cases in one of the officers' queues, with their elapsed and target working days.
#[utoipa::path(get, path = "/api/v1/queues/{name}", params(("name" = String, Path, description = "unassigned, mine, awaiting-advice, overdue or screening")), responses((status = 200, body = [QueueEntry])))]
async fn get_queue(
    State(s): S,
    Allowed(p, _): Allowed<OfficersAuditors>,
    Path(n): Path<String>,
) -> ApiResult<Json<Vec<QueueEntry>>> {
    Ok(Json(s.app.queue(&p, &n).await?))
}
