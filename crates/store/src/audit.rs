//! The append-only, hash-chained audit log.
//!
//! Each event's hash is SHA-256 over the previous hash and the event's canonical JSON encoding
//! (seq, at, actor, action, record kind and id, before, after, reason). The chain head lives in `audit_head`,
//! which every writing transaction updates, so appends are serialised and the chain has no forks.

use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

/// An audit event to append.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewAuditEvent {
    pub at: String,
    /// Actor user id (or "system").
    pub actor: String,
    /// The token (or session) id the actor authenticated with, when the change came through the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    pub action: String,
    pub record_kind: String,
    pub record_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

/// A stored audit event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditEvent {
    pub seq: i64,
    #[serde(flatten)]
    pub event: NewAuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// Result of verifying the chain.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VerifyReport {
    pub events: i64,
    pub head: String,
    /// The first sequence number whose hash does not match, if any.
    pub first_bad_seq: Option<i64>,
}

pub(crate) fn event_hash(prev: &str, seq: i64, e: &NewAuditEvent) -> String {
    let mut canonical = serde_json::json!({
        "seq": seq, "at": e.at, "actor": e.actor, "action": e.action,
        "record_kind": e.record_kind, "record_id": e.record_id,
        "before": e.before, "after": e.after, "reason": e.reason,
    });
    if let Some(via) = &e.via {
        canonical["via"] = serde_json::Value::String(via.clone());
    }
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(canonical.to_string().as_bytes());
    hex::encode(h.finalize())
}

pub(crate) async fn append(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    events: Vec<NewAuditEvent>,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    // Lock the head row first (UPDATE takes the row lock on PostgreSQL, the write lock on SQLite).
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    let mut seq: i64 = row.try_get("seq")?;
    let mut prev: String = row.try_get("hash")?;
    for e in events {
        seq += 1;
        let hash = event_hash(&prev, seq, &e);
        sqlx::query(
            "INSERT INTO audit_events (seq, at, actor, action, record_kind, record_id, before_json, after_json, reason, prev_hash, hash, via) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(seq)
        .bind(&e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.record_kind)
        .bind(&e.record_id)
        .bind(e.before.as_ref().map(|v| v.to_string()))
        .bind(e.after.as_ref().map(|v| v.to_string()))
        .bind(e.reason.as_deref())
        .bind(&prev)
        .bind(&hash)
        .bind(e.via.as_deref())
        .execute(&mut **tx)
        .await?;
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&prev)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    let parse = |s: Option<String>| -> Result<Option<serde_json::Value>> {
        s.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    };
    Ok(AuditEvent {
        seq: r.try_get("seq")?,
        event: NewAuditEvent {
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            via: r.try_get("via")?,
            action: r.try_get("action")?,
            record_kind: r.try_get("record_kind")?,
            record_id: r.try_get("record_id")?,
            before: parse(r.try_get("before_json")?)?,
            after: parse(r.try_get("after_json")?)?,
            reason: r.try_get("reason")?,
        },
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const SELECT: &str = "SELECT seq, at, actor, action, record_kind, record_id, before_json, after_json, reason, prev_hash, hash, via FROM audit_events";

pub(crate) async fn list(
    pool: &AnyPool,
    record_id: Option<&str>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let rows = match record_id {
        Some(id) => {
            sqlx::query(&format!(
                "{SELECT} WHERE record_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
            ))
            .bind(id)
            .bind(after_seq)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} WHERE seq > $1 ORDER BY seq LIMIT $2"))
                .bind(after_seq)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}

pub(crate) async fn verify(pool: &AnyPool) -> Result<VerifyReport> {
    let mut prev = "0".repeat(64);
    let mut after = 0;
    let mut n = 0;
    loop {
        let batch = list(pool, None, after, 1000).await?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            n += 1;
            if e.prev_hash != prev || event_hash(&prev, e.seq, &e.event) != e.hash {
                return Ok(VerifyReport {
                    events: n,
                    head: prev,
                    first_bad_seq: Some(e.seq),
                });
            }
            prev = e.hash.clone();
            after = e.seq;
        }
    }
    Ok(VerifyReport {
        events: n,
        head: prev,
        first_bad_seq: None,
    })
}
