//! `/webhooks`: an exporter organisation's webhook endpoints and their delivery log.

use super::S;
use crate::error::{ApiResult, Problem};
use crate::extract::{Allowed, Body, Exporters};
use crate::AppState;
use app::notifications::{Delivery, NewWebhook, Webhook};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(list_webhook_deliveries))
}

/// Add a webhook
///
/// Adds an endpoint receiving the organisation's events (information requested, licence issued, refused, suspended, revoked, expiring, registration decided) as JSON POSTs signed per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`). The answer carries the signing secret (`whsec_...`) once.
#[utoipa::path(post, path = "/api/v1/webhooks", request_body(content = NewWebhook, example = json!({"url": "https://hooks.example.com/exportctl"})), responses((status = 201, body = Webhook), (status = 422, body = Problem)))]
async fn create_webhook(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<NewWebhook>,
) -> ApiResult<(StatusCode, Json<Webhook>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_webhook(&p, b).await?),
    ))
}

/// List webhooks
///
/// The organisation's webhook endpoints (without their secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", responses((status = 200, body = [Webhook])))]
async fn list_webhooks(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
) -> ApiResult<Json<Vec<Webhook>>> {
    Ok(Json(s.app.webhooks(&p).await?))
}

/// List webhook deliveries
///
/// Every delivery attempt to the organisation's endpoints, oldest first: message id, event, attempt, the receiver's status or the error, and the outcome (delivered, retrying, failed). Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/webhooks/deliveries", params(super::PageQuery), responses((status = 200, body = [Delivery], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow"))), (status = 403, body = Problem)))]
async fn list_webhook_deliveries(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::PageQuery>,
) -> ApiResult<axum::response::Response> {
    Ok(super::paged(
        &uri,
        s.app.webhook_deliveries(&p, &q.into()).await?,
    ))
}
