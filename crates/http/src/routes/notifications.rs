//! `/notifications`: the caller's in-app notifications and delivery preferences.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Body, Caller};
use crate::AppState;
use app::notifications::{Notification, Preferences};
use axum::extract::{Path, State};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(read_notification))
        .routes(routes!(
            get_notification_preferences,
            set_notification_preferences
        ))
}

/// Query parameters of the notification list.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct NotificationQuery {
    /// `true`: only unread notifications.
    unread: Option<bool>,
    /// The cursor of the page to read: the `after` value of the previous page's `Link: rel="next"` URL.
    after: Option<String>,
    /// Records per page, 1 to 500 (default 100).
    limit: Option<u32>,
}

/// List my notifications
///
/// The caller's notifications, oldest first: what awaits them (a case submitted to the officers' queue, assigned, advice requested, information requested...). Each names the event, the record and its reference; read ones carry `read_at`. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/notifications", params(NotificationQuery), responses((status = 200, body = [Notification], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_notifications(
    State(s): S,
    Caller(p): Caller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<NotificationQuery>,
) -> ApiResult<axum::response::Response> {
    let page = app::listing::Page {
        after: q.after,
        limit: q.limit,
    };
    Ok(super::paged(
        &uri,
        s.app
            .notifications(&p, q.unread.unwrap_or(false), &page)
            .await?,
    ))
}

/// Mark a notification read
///
/// Marks one of the caller's notifications read (again: no change). Another user's notification answers 404.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", params(("id" = String, Path)), responses((status = 200, body = Notification), (status = 404, body = Problem)))]
async fn read_notification(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Notification>> {
    id("id", &i)?;
    Ok(Json(s.app.read_notification(&p, &i).await?))
}

/// Get my notification preferences
///
/// Whether the caller also receives notifications by e-mail, and at which address.
#[utoipa::path(get, path = "/api/v1/notifications/preferences", responses((status = 200, body = Preferences)))]
async fn get_notification_preferences(
    State(s): S,
    Caller(p): Caller,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(s.app.preferences(&p).await?))
}

/// Set my notification preferences
///
/// Turns e-mail delivery on (with an address) or off. In-app notifications are always kept.
#[utoipa::path(put, path = "/api/v1/notifications/preferences", request_body(content = Preferences, example = json!({"email": "officer@authority.example", "email_enabled": true})), responses((status = 200, body = Preferences), (status = 422, body = Problem)))]
async fn set_notification_preferences(
    State(s): S,
    Caller(p): Caller,
    Body(b): Body<Preferences>,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(s.app.set_preferences(&p, b).await?))
}
