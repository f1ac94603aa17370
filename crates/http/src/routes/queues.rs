//! `/queues`: work queues of officers, auditors and advisers.

use super::PageQuery;
use super::S;
use crate::error::ApiResult;
use crate::extract::{Allowed, OfficersAuditorsAdvisers, QueryParams};
use crate::AppState;
use app::model::*;
use axum::extract::{OriginalUri, Path, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_queue))
}

/// Get a work queue
///
/// Officers and auditors: `unassigned`, `mine`, `awaiting-advice`, `overdue`, `screening` (open screening hits) and `flagged`. Advisers: `awaiting-advice`, the cases awaiting their kind of advice. Each row names the applicant, the destinations, the elapsed and target working days. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/queues/{name}", params(("name" = String, Path, description = "unassigned, mine, awaiting-advice, overdue, screening or flagged"), PageQuery), responses((status = 200, body = [QueueEntry], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more rows follow")))))]
async fn get_queue(
    State(s): S,
    Allowed(p, _): Allowed<OfficersAuditorsAdvisers>,
    Path(n): Path<String>,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Response> {
    Ok(super::paged(&uri, s.app.queue(&p, &n, &q.into()).await?))
}
