//! `/audit`: the hash-chained audit log.

use super::{id, S};
use crate::error::ApiResult;
use crate::extract::{AdminsAuditors, Allowed, QueryParams};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_audit))
        .routes(routes!(verify_audit))
}

/// One event of the audit log, linked to the previous one by its hash. (The shape of the stored event,
/// documented here: the store's type is not part of the API's schemas.)
#[derive(ToSchema)]
#[allow(dead_code)]
struct AuditEvent {
    /// Sequence number, from 1, without gaps.
    seq: i64,
    /// When (RFC 3339, UTC).
    at: String,
    /// The acting user's id, or "system".
    actor: String,
    /// The token the actor authenticated with, when the change came through the API.
    via: Option<String>,
    /// What was done, e.g. "case.approve".
    action: String,
    /// The kind of record changed, e.g. "case".
    record_kind: String,
    record_id: String,
    /// The record before the change (its stored JSON form, which differs by record kind).
    #[schema(value_type = Option<Object>)]
    before: Option<serde_json::Value>,
    /// The record after the change (its stored JSON form, which differs by record kind).
    #[schema(value_type = Option<Object>)]
    after: Option<serde_json::Value>,
    /// The reason the actor gave, when the action takes one.
    reason: Option<String>,
    /// Hash of the previous event (hex).
    prev_hash: String,
    /// Hash of this event over its fields and the previous hash (hex).
    hash: String,
}

/// Result of recomputing the audit log's hash chain.
#[derive(ToSchema)]
#[allow(dead_code)]
struct VerifyReport {
    /// Number of events checked.
    events: i64,
    /// Hash of the last event.
    head: String,
    /// The first sequence number whose hash does not match; absent when the chain is intact.
    first_bad_seq: Option<i64>,
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

/// Read the audit log
///
/// Audit events in sequence order, optionally only those about one record. Page with `after` (the last sequence number read) and `limit`.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses((status = 200, body = [AuditEvent])))]
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

/// Verify the audit log
///
/// Recomputes the hash chain of the whole audit log and answers whether it is intact, and where it breaks if not.
#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = VerifyReport)))]
async fn verify_audit(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
) -> ApiResult<Json<store::VerifyReport>> {
    Ok(Json(s.app.verify_audit(&p).await?))
}
