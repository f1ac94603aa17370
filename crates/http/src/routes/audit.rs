//! `/audit`: the verifiable audit log — search, verification, checkpoints and Merkle proofs for auditors.

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
        .routes(routes!(list_checkpoints, create_checkpoint))
        .routes(routes!(get_inclusion_proof))
        .routes(routes!(get_consistency_proof))
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
    /// The record before the change: its stored JSON form, which differs by record kind (an object for most
    /// records, a string or number for a single changed value).
    #[schema(value_type = Option<serde_json::Value>)]
    before: Option<serde_json::Value>,
    /// The record after the change: its stored JSON form, which differs by record kind (an object for most
    /// records, a string or number for a single changed value).
    #[schema(value_type = Option<serde_json::Value>)]
    after: Option<serde_json::Value>,
    /// The reason the actor gave, when the action takes one.
    reason: Option<String>,
    /// Hash of the previous event (hex).
    prev_hash: String,
    /// Hash of this event over its fields and the previous hash (hex).
    hash: String,
}

/// Result of recomputing the audit log's hash chain and Merkle tree.
#[derive(ToSchema)]
#[allow(dead_code)]
struct VerifyReport {
    /// Number of events checked (in order, up to the first problem).
    events: i64,
    /// Hash of the last event that checked out.
    head: String,
    /// The first event that is missing, changed, inserted or out of place; absent when the log is intact.
    first_bad_seq: Option<i64>,
    /// What is wrong, when something is.
    problem: Option<String>,
    /// Merkle root over the events checked (base64).
    root: String,
    /// Signed checkpoints the log was checked against.
    checkpoints_checked: i64,
    /// Stored checkpoints whose signature did not verify.
    bad_checkpoints: Vec<String>,
}

/// A stored signed checkpoint.
#[derive(ToSchema)]
#[allow(dead_code)]
struct Checkpoint {
    id: i64,
    /// Tree size (number of events) it commits to.
    size: i64,
    /// Root hash, base64.
    root: String,
    at: String,
    key_id: String,
    /// The C2SP signed note.
    note: String,
}

/// An inclusion proof (RFC 9162 §2.1.3) of one event.
#[derive(ToSchema)]
#[allow(dead_code)]
struct InclusionProof {
    seq: i64,
    tree_size: i64,
    /// SHA-256(0x00 || entry), base64.
    leaf_hash: String,
    /// The event's canonical bytes.
    entry: String,
    root: String,
    /// Hashes from the leaf upwards, base64.
    proof: Vec<String>,
    /// The latest signed checkpoint, when it is for `tree_size`.
    checkpoint: Option<String>,
}

/// A consistency proof (RFC 9162 §2.1.4) between two tree sizes.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ConsistencyProof {
    old_size: i64,
    new_size: i64,
    old_root: String,
    new_root: String,
    proof: Vec<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Only events after this sequence number.
    after: Option<i64>,
    limit: Option<i64>,
    /// Only events about this record (a case, organisation, user... id).
    record: Option<String>,
    /// Only events about this case (same as `record` with a case id).
    case: Option<String>,
    /// Only events by this actor (user id, or `system`).
    actor: Option<String>,
    /// Only events with this action, e.g. `case.approve`.
    action: Option<String>,
    /// Only events at or after this time (RFC 3339).
    from: Option<String>,
    /// Only events before this time (RFC 3339).
    until: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct InclusionQuery {
    /// The event's sequence number.
    seq: i64,
    /// Tree size to prove against (default: the whole log).
    tree_size: Option<u64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    old_size: u64,
    /// Default: the whole log.
    new_size: Option<u64>,
}

/// Search the audit log
///
/// Audit events in sequence order, filtered by record or case, actor, action and time range (all given must hold). Page with `after` (the last sequence number read) and `limit` (1 to 1000, default 100).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses((status = 200, body = [AuditEvent])))]
async fn list_audit(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
    QueryParams(q): QueryParams<AuditQuery>,
) -> ApiResult<Json<Vec<store::AuditEvent>>> {
    if let Some(r) = &q.record {
        id("record", r)?;
    }
    if let Some(c) = &q.case {
        id("case", c)?;
        if q.record.as_ref().is_some_and(|r| r != c) {
            return Err(crate::error::ApiError::invalid(
                "case",
                "case: give either record or case, or the same id in both",
            ));
        }
    }
    for (field, v) in [("actor", &q.actor), ("action", &q.action)] {
        if let Some(v) = v {
            if v.is_empty() || v.len() > 128 {
                return Err(crate::error::ApiError::invalid(
                    field,
                    format!("{field}: 1 to 128 characters"),
                ));
            }
        }
    }
    let filter = store::AuditFilter {
        record_id: q.record.or(q.case),
        actor: q.actor,
        action: q.action,
        from: q.from,
        until: q.until,
    };
    Ok(Json(
        s.app
            .search_audit(&p, &filter, q.after.unwrap_or(0), q.limit.unwrap_or(100))
            .await?,
    ))
}

/// List audit checkpoints
///
/// Every signed checkpoint made so far, oldest first.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", responses((status = 200, body = [Checkpoint])))]
async fn list_checkpoints(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
) -> ApiResult<Json<Vec<store::CheckpointRow>>> {
    Ok(Json(s.app.checkpoints(&p).await?))
}

/// Make an audit checkpoint
///
/// Signs and stores a checkpoint of the whole log now (besides the hourly ones) and returns it.
#[utoipa::path(post, path = "/api/v1/audit/checkpoints", responses((status = 201, body = Checkpoint)))]
async fn create_checkpoint(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
) -> ApiResult<(axum::http::StatusCode, Json<store::CheckpointRow>)> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(s.app.make_checkpoint(&p).await?),
    ))
}

/// Inclusion proof of an event
///
/// The RFC 9162 audit path proving that event `seq` is in the tree of `tree_size` events, with the event's canonical bytes and the root.
#[utoipa::path(get, path = "/api/v1/audit/proofs/inclusion", params(InclusionQuery), responses((status = 200, body = InclusionProof)))]
async fn get_inclusion_proof(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
    QueryParams(q): QueryParams<InclusionQuery>,
) -> ApiResult<Json<app::audit_log::InclusionProof>> {
    Ok(Json(s.app.inclusion_proof(&p, q.seq, q.tree_size).await?))
}

/// Consistency proof between two tree sizes
///
/// The RFC 9162 proof that the tree of `old_size` events is a prefix of the tree of `new_size` events.
#[utoipa::path(get, path = "/api/v1/audit/proofs/consistency", params(ConsistencyQuery), responses((status = 200, body = ConsistencyProof)))]
async fn get_consistency_proof(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
    QueryParams(q): QueryParams<ConsistencyQuery>,
) -> ApiResult<Json<app::audit_log::ConsistencyProof>> {
    Ok(Json(
        s.app.consistency_proof(&p, q.old_size, q.new_size).await?,
    ))
}

/// Verify the audit log
///
/// Recomputes the hash chain and the Merkle tree of the whole audit log, checks them against the stored head and every signed checkpoint, and answers whether the log is intact, and where it breaks if not.
#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = VerifyReport)))]
async fn verify_audit(
    State(s): S,
    Allowed(p, _): Allowed<AdminsAuditors>,
) -> ApiResult<Json<app::audit_log::AuditVerification>> {
    Ok(Json(s.app.verify_audit(&p).await?))
}
