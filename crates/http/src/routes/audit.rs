//! `/audit`: the hash-chained audit log.

use super::{id, S};
use crate::error::ApiResult;
use crate::extract::{AdminsAuditors, Allowed, QueryParams};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_audit))
        .routes(routes!(verify_audit))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Only events after this sequence number.
    after: Option<i64>,
    limit: Option<i64>,
    /// Only events about this record.
    record: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses((status = 200, body = Object)))]
async fn list_audit(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
    QueryParams(q): QueryParams<AuditQuery>,
) -> ApiResult<Json<Vec<store::AuditEvent>>> {
    if let Some(r) = &q.record {
        id("record", r)?;
    }
    Ok(Json(
        s.app
            .audit_log(
                &p,
                q.record.as_deref(),
                q.after.unwrap_or(0),
                q.limit.unwrap_or(100),
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = Object)))]
async fn verify_audit(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
) -> ApiResult<Json<store::VerifyReport>> {
    Ok(Json(s.app.verify_audit(&p).await?))
}
