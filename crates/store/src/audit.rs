//! The append-only, hash-chained audit log and the Merkle tree over it.
//!
//! Each event's canonical bytes ([`canonical`]: one JSON object, keys sorted, no white space) are hashed
//! twice: into the chain (`hash = SHA-256(prev_hash hex || bytes)`) and as a leaf of the RFC 9162 tree
//! (`SHA-256(0x00 || bytes)`). A writing transaction stores its events unsequenced in `audit_pending`
//! ([`insert_pending`], no lock); the sequencer ([`sequence`]) chains them under the lock of the chain head in
//! `audit_head`, so the chain has no forks while writers never wait for each other on it. The tree's complete subtrees are stored in
//! `audit_tree` as they complete, so a root or a proof reads O(log n) rows. Signed checkpoints of
//! (size, root) are kept in `audit_checkpoints`. The database refuses UPDATE and DELETE on all three tables
//! (migration 0005).

use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};
use std::collections::HashMap;
use tlog::{Hash, NodeId, ProofPlan};

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

/// Result of verifying the log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VerifyReport {
    /// Number of events checked (in order, up to the first problem).
    pub events: i64,
    /// Hash of the last event that checked out.
    pub head: String,
    /// The first event that is missing, changed, inserted or out of place, if any.
    pub first_bad_seq: Option<i64>,
    /// What is wrong, when something is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The Merkle tree root over the events checked (standard base64).
    pub root: String,
    /// Trusted checkpoints the log was checked against.
    pub checkpoints_checked: usize,
}

/// A tree head the verifier trusts (from a checkpoint whose signature checked out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedHead {
    pub size: u64,
    pub root: Hash,
}

/// A stored checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckpointRow {
    pub id: i64,
    pub size: i64,
    /// Root hash, standard base64.
    pub root: String,
    pub at: String,
    pub key_id: String,
    /// The C2SP signed note.
    pub note: String,
}

/// Appends the JSON encoding of a string (serde_json's escaping).
fn push_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}

/// The text of an event's fields, borrowed (from a new event or straight from a database row).
struct EventText<'a> {
    action: &'a str,
    actor: &'a str,
    after: Option<&'a str>,
    at: &'a str,
    before: Option<&'a str>,
    reason: Option<&'a str>,
    record_id: &'a str,
    record_kind: &'a str,
    via: Option<&'a str>,
}

/// Writes the canonical bytes of an event to `o` (see [`canonical`]).
fn write_canonical(o: &mut Vec<u8>, seq: i64, t: &EventText<'_>) {
    o.extend_from_slice(b"{\"action\":");
    push_str(o, t.action);
    o.extend_from_slice(b",\"actor\":");
    push_str(o, t.actor);
    o.extend_from_slice(b",\"after\":");
    o.extend_from_slice(t.after.unwrap_or("null").as_bytes());
    o.extend_from_slice(b",\"at\":");
    push_str(o, t.at);
    o.extend_from_slice(b",\"before\":");
    o.extend_from_slice(t.before.unwrap_or("null").as_bytes());
    o.extend_from_slice(b",\"reason\":");
    match t.reason {
        Some(r) => push_str(o, r),
        None => o.extend_from_slice(b"null"),
    }
    o.extend_from_slice(b",\"record_id\":");
    push_str(o, t.record_id);
    o.extend_from_slice(b",\"record_kind\":");
    push_str(o, t.record_kind);
    o.extend_from_slice(b",\"seq\":");
    o.extend_from_slice(seq.to_string().as_bytes());
    if let Some(via) = t.via {
        o.extend_from_slice(b",\"via\":");
        push_str(o, via);
    }
    o.push(b'}');
}

/// The canonical bytes of an event: a JSON object with keys in byte order
/// (`action, actor, after, at, before, reason, record_id, record_kind, seq`, then `via` when present), no
/// white space, strings escaped as serde_json does, `before`/`after` as their stored JSON text (or `null`).
/// Identical to serde_json's serialisation of the same object, which is what the chain always hashed.
pub fn canonical(
    seq: i64,
    e: &NewAuditEvent,
    before: Option<&str>,
    after: Option<&str>,
) -> Vec<u8> {
    let mut o = Vec::with_capacity(
        160 + before.map_or(4, str::len) + after.map_or(4, str::len) + e.at.len(),
    );
    write_canonical(
        &mut o,
        seq,
        &EventText {
            action: &e.action,
            actor: &e.actor,
            after,
            at: &e.at,
            before,
            reason: e.reason.as_deref(),
            record_id: &e.record_id,
            record_kind: &e.record_kind,
            via: e.via.as_deref(),
        },
    );
    o
}

/// The canonical bytes of a stored event (its before/after re-encoded as serde_json writes them).
pub fn event_bytes(e: &AuditEvent) -> Vec<u8> {
    let before = e.event.before.as_ref().map(|v| v.to_string());
    let after = e.event.after.as_ref().map(|v| v.to_string());
    canonical(e.seq, &e.event, before.as_deref(), after.as_deref())
}

/// The chain hash (hex): SHA-256(previous hash as hex text || canonical bytes).
pub fn chain_hash(prev: &str, bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(bytes);
    hex::encode(h.finalize())
}

const ZERO: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn parse_hex(s: &str) -> Result<Hash> {
    tlog::decode_hex("tree hash", s).map_err(corrupt)
}

/// `SELECT id, hash FROM audit_tree WHERE id IN ($1, ..., $n)`: the text depends only on `n`, so each size is
/// prepared once per connection and then served from sqlx's statement cache (a proof at a million events
/// reads at most about 60 nodes, so there are few sizes).
fn nodes_sql(n: usize, tail: &str) -> String {
    let mut sql = String::from("SELECT id, hash FROM audit_tree WHERE id IN (");
    for i in 1..=n {
        if i > 1 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("${i}"));
    }
    sql.push(')');
    sql.push_str(tail);
    sql
}

/// Collects `(id, hash)` rows for the wanted node ids.
fn nodes_from_rows(ids: &[NodeId], rows: &[sqlx::any::AnyRow]) -> Result<HashMap<NodeId, Hash>> {
    let by_key: HashMap<i64, NodeId> = ids.iter().map(|id| (id.key(), *id)).collect();
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let key: i64 = r.try_get("id")?;
        if let Some(id) = by_key.get(&key) {
            let hash: String = r.try_get("hash")?;
            out.insert(*id, parse_hex(&hash)?);
        }
    }
    Ok(out)
}

/// Reads stored tree nodes by id.
async fn fetch_nodes<'e, E>(exec: E, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = nodes_sql(ids.len(), "");
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id.key());
    }
    let rows = q.fetch_all(exec).await?;
    nodes_from_rows(ids, &rows)
}

/// The tree size and the stored nodes a plan names, in one query (one round trip): the size comes back as
/// the row with id -1 (no node has a negative id).
async fn fetch_plan(pool: &AnyPool, plan: &ProofPlan) -> Result<(u64, HashMap<NodeId, Hash>)> {
    let sql = nodes_sql(
        plan.nodes.len(),
        " UNION ALL SELECT CAST(-1 AS BIGINT) AS id, CAST(tree_size AS TEXT) AS hash FROM audit_head WHERE id = 1",
    );
    let sql = if plan.nodes.is_empty() {
        "SELECT CAST(-1 AS BIGINT) AS id, CAST(tree_size AS TEXT) AS hash FROM audit_head WHERE id = 1"
            .to_string()
    } else {
        sql
    };
    let mut q = sqlx::query(&sql);
    for id in &plan.nodes {
        q = q.bind(id.key());
    }
    let rows = q.fetch_all(pool).await?;
    let mut size = None;
    for r in &rows {
        if r.try_get::<i64, _>("id")? == -1 {
            let s: String = r.try_get("hash")?;
            size = Some(
                s.parse::<u64>()
                    .map_err(|_| corrupt(format!("the audit head's tree size {s:?}")))?,
            );
        }
    }
    let size = size.ok_or_else(|| corrupt("the audit head row is missing"))?;
    Ok((size, nodes_from_rows(&plan.nodes, &rows)?))
}

/// `rows` parenthesised groups of `cols` numbered parameters, `($1, $2), ($3, $4)`: a multi-row VALUES list
/// (or, with one row, an IN list).
fn values(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds leaves `start, start+1, ...` to the stored tree (inside the writing transaction).
async fn tree_append(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    start: u64,
    leaves: &[Hash],
) -> Result<()> {
    if leaves.is_empty() {
        return Ok(());
    }
    // Only the right-edge subtrees the new leaves will be joined with (none when the tree size is even and
    // one leaf is added): a dry run of the appends names them, as which nodes are joined does not depend on
    // the hashes.
    let mut needed = Vec::new();
    {
        let mut made: std::collections::HashSet<NodeId> = std::collections::HashSet::new();
        for i in 0..leaves.len() as u64 {
            let nodes = tlog::append_nodes(start + i, [0; 32], |id| {
                if !made.contains(&id) {
                    needed.push(id);
                }
                Some([0; 32])
            })
            .map_err(corrupt)?;
            made.extend(nodes.into_iter().map(|(id, _)| id));
        }
    }
    let mut known = fetch_nodes(&mut **tx, &needed).await?;
    let mut new_nodes = Vec::with_capacity(leaves.len() * 2);
    for (i, leaf) in leaves.iter().enumerate() {
        let nodes = tlog::append_nodes(start + i as u64, *leaf, |id| known.get(&id).copied())
            .map_err(corrupt)?;
        for (id, h) in nodes {
            known.insert(id, h);
            new_nodes.push((id, h));
        }
    }
    for chunk in new_nodes.chunks(400) {
        let sql = format!(
            "INSERT INTO audit_tree (id, hash) VALUES {}",
            values(chunk.len(), 2)
        );
        let mut q = sqlx::query(&sql);
        for (id, h) in chunk {
            q = q.bind(id.key()).bind(hex::encode(h));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Stores a writing transaction's audit events, unsequenced, in that transaction (`audit_pending`): no lock
/// is taken, so writers do not wait for each other here. [`sequence`] chains them shortly after.
pub(crate) async fn insert_pending(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    events: Vec<NewAuditEvent>,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    // The key orders events: this transaction's time (microseconds, fixed-width hex, so text order is time
    // order), a random part (two transactions in the same microsecond), the event's index.
    let micros = chrono::Utc::now().timestamp_micros().max(0);
    let key = format!("{micros:014x}-{}", uuid::Uuid::new_v4().simple());
    for (chunk_no, chunk) in events.chunks(PENDING_CHUNK).enumerate() {
        let sql = format!(
            "INSERT INTO audit_pending (id, at, actor, action, record_kind, record_id, before_json, after_json, reason, via) VALUES {}",
            values(chunk.len(), 10)
        );
        let mut q = sqlx::query(&sql);
        for (i, e) in chunk.iter().enumerate() {
            q = q
                .bind(format!("{key}-{:06}", chunk_no * PENDING_CHUNK + i))
                .bind(e.at.clone())
                .bind(e.actor.clone())
                .bind(e.action.clone())
                .bind(e.record_kind.clone())
                .bind(e.record_id.clone())
                .bind(e.before.as_ref().map(|v| v.to_string()))
                .bind(e.after.as_ref().map(|v| v.to_string()))
                .bind(e.reason.clone())
                .bind(e.via.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Rows per multi-row INSERT (10 parameters each: well under either database's parameter limit).
const PENDING_CHUNK: usize = 50;

/// Pending events sequenced per transaction.
pub(crate) const SEQUENCE_BATCH: i64 = 2_000;

/// Whether any audit event waits to be sequenced.
pub(crate) async fn has_pending(pool: &AnyPool) -> Result<bool> {
    Ok(sqlx::query("SELECT id FROM audit_pending LIMIT 1")
        .fetch_optional(pool)
        .await?
        .is_some())
}

/// Moves up to [`SEQUENCE_BATCH`] pending events, in key order, into the chain: under the head's lock (the
/// only writer that takes it), each gets the next sequence number, its chain hash and its Merkle leaf, and
/// leaves `audit_pending` in the same transaction. Several sequencers (one per instance) take turns on the
/// head row and never sequence an event twice. Returns how many it sequenced.
pub(crate) async fn sequence(tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<usize> {
    // Lock the head row first (UPDATE takes the row lock on PostgreSQL, the write lock on SQLite) and read
    // it in the same statement; pending events are read after it, so a second sequencer that waited here
    // sees only what the first left.
    let row =
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash, tree_size")
            .fetch_one(&mut **tx)
            .await?;
    let mut seq: i64 = row.try_get("seq")?;
    let mut prev: String = row.try_get("hash")?;
    let tree_size: i64 = row.try_get("tree_size")?;
    if tree_size != seq {
        return Err(corrupt(format!(
            "the audit tree holds {tree_size} events, the chain {seq}"
        )));
    }
    let rows = sqlx::query(
        "SELECT id, at, actor, action, record_kind, record_id, before_json, after_json, reason, via \
         FROM audit_pending ORDER BY id LIMIT $1",
    )
    .bind(SEQUENCE_BATCH)
    .fetch_all(&mut **tx)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let start = seq as u64;
    let mut leaves = Vec::with_capacity(rows.len());
    let mut ids = Vec::with_capacity(rows.len());
    let mut chained = Vec::with_capacity(rows.len());
    for r in &rows {
        seq += 1;
        ids.push(r.try_get::<String, _>("id")?);
        let raw = raw_at(r, seq)?;
        let bytes = raw.bytes();
        let hash = chain_hash(&prev, &bytes);
        leaves.push(tlog::leaf_hash(&bytes));
        let prev_hash = std::mem::replace(&mut prev, hash.clone());
        chained.push((raw, prev_hash, hash));
    }
    for chunk in chained.chunks(PENDING_CHUNK) {
        let sql = format!(
            "INSERT INTO audit_events (seq, at, actor, action, record_kind, record_id, before_json, after_json, reason, prev_hash, hash, via) VALUES {}",
            values(chunk.len(), 12)
        );
        let mut q = sqlx::query(&sql);
        for (raw, prev_hash, hash) in chunk {
            q = q
                .bind(raw.seq)
                .bind(raw.event.at.clone())
                .bind(raw.event.actor.clone())
                .bind(raw.event.action.clone())
                .bind(raw.event.record_kind.clone())
                .bind(raw.event.record_id.clone())
                .bind(raw.before.clone())
                .bind(raw.after.clone())
                .bind(raw.event.reason.clone())
                .bind(prev_hash.clone())
                .bind(hash.clone())
                .bind(raw.event.via.clone());
        }
        q.execute(&mut **tx).await?;
    }
    tree_append(tx, start, &leaves).await?;
    for chunk in ids.chunks(500) {
        let sql = format!(
            "DELETE FROM audit_pending WHERE id IN {}",
            values(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        q.execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2, tree_size = $1 WHERE id = 1")
        .bind(seq)
        .bind(&prev)
        .execute(&mut **tx)
        .await?;
    Ok(rows.len())
}

/// Brings the tree up to the chain: events written before migration 0005 become leaves. Idempotent.
pub(crate) async fn sync_tree(tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("SELECT seq, tree_size FROM audit_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    let seq: i64 = row.try_get("seq")?;
    let mut size: i64 = row.try_get("tree_size")?;
    if size == seq {
        return Ok(());
    }
    while size < seq {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT 10000"
        ))
        .bind(size)
        .bind(seq)
        .fetch_all(&mut **tx)
        .await?;
        if rows.is_empty() {
            return Err(corrupt(format!(
                "the audit head says {seq} events but event {} is missing",
                size + 1
            )));
        }
        let mut leaves = Vec::with_capacity(rows.len());
        for r in &rows {
            let raw = raw_from_row(r)?;
            if raw.seq != size + 1 + leaves.len() as i64 {
                return Err(corrupt(format!(
                    "audit event {} is missing",
                    size + 1 + leaves.len() as i64
                )));
            }
            leaves.push(tlog::leaf_hash(&raw.bytes()));
        }
        tree_append(tx, size as u64, &leaves).await?;
        size += leaves.len() as i64;
    }
    sqlx::query("UPDATE audit_head SET tree_size = $1 WHERE id = 1")
        .bind(size)
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

/// A stored event as its columns hold it (before/after unparsed): what verification hashes.
struct RawEvent {
    seq: i64,
    event: NewAuditEvent,
    before: Option<String>,
    after: Option<String>,
}

impl RawEvent {
    fn bytes(&self) -> Vec<u8> {
        canonical(
            self.seq,
            &self.event,
            self.before.as_deref(),
            self.after.as_deref(),
        )
    }
}

fn raw_from_row(r: &sqlx::any::AnyRow) -> Result<RawEvent> {
    raw_at(r, r.try_get("seq")?)
}

/// An event's columns (of `audit_events` or `audit_pending`) as event `seq`.
fn raw_at(r: &sqlx::any::AnyRow, seq: i64) -> Result<RawEvent> {
    Ok(RawEvent {
        seq,
        event: NewAuditEvent {
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            via: r.try_get("via")?,
            action: r.try_get("action")?,
            record_kind: r.try_get("record_kind")?,
            record_id: r.try_get("record_id")?,
            before: None,
            after: None,
            reason: r.try_get("reason")?,
        },
        before: r.try_get("before_json")?,
        after: r.try_get("after_json")?,
    })
}

const SELECT: &str = "SELECT seq, at, actor, action, record_kind, record_id, before_json, after_json, reason, prev_hash, hash, via FROM audit_events";

pub(crate) async fn list(
    pool: &AnyPool,
    record_id: Option<&str>,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    search(
        pool,
        &AuditFilter {
            record_id: record_id.map(str::to_string),
            ..AuditFilter::default()
        },
        after_seq,
        limit,
    )
    .await
}

/// Selection of audit events (every condition given must hold).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    pub record_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Events at or after this time (RFC 3339, compared as text: give UTC with the stored precision).
    pub from: Option<String>,
    /// Events before this time.
    pub until: Option<String>,
}

/// Events matching `f` with seq > after_seq, in order, at most `limit`.
pub(crate) async fn search(
    pool: &AnyPool,
    f: &AuditFilter,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let mut sql = format!("{SELECT} WHERE seq > $1");
    let mut binds: Vec<&str> = Vec::new();
    for (col, op, v) in [
        ("record_id", "=", &f.record_id),
        ("actor", "=", &f.actor),
        ("action", "=", &f.action),
        ("at", ">=", &f.from),
        ("at", "<", &f.until),
    ] {
        if let Some(v) = v {
            binds.push(v);
            sql.push_str(&format!(" AND {col} {op} ${}", binds.len() + 1));
        }
    }
    sql.push_str(&format!(" ORDER BY seq LIMIT ${}", binds.len() + 2));
    let mut q = sqlx::query(&sql).bind(after_seq);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.bind(limit).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// One event by sequence number.
pub(crate) async fn get(pool: &AnyPool, seq: i64) -> Result<AuditEvent> {
    let row = sqlx::query(&format!("{SELECT} WHERE seq = $1"))
        .bind(seq)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The number of events in the tree.
pub(crate) async fn tree_size(pool: &AnyPool) -> Result<u64> {
    let row = sqlx::query("SELECT tree_size FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get::<i64, _>("tree_size")? as u64)
}

fn check_size(size: u64, tree: u64) -> Result<()> {
    if size > tree {
        return Err(StoreError::Invalid(format!(
            "tree_size: {size} is larger than the log ({tree} events)"
        )));
    }
    Ok(())
}

async fn resolve<'e, E>(exec: E, plan: &ProofPlan) -> Result<Vec<Hash>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let stored = fetch_nodes(exec, &plan.nodes).await?;
    plan.resolve(&stored).map_err(corrupt)
}

/// The hashes of a plan over the first `size` events, reading the tree size and the nodes in one query.
async fn resolve_checked(pool: &AnyPool, plan: &ProofPlan, size: u64) -> Result<Vec<Hash>> {
    let (tree, stored) = fetch_plan(pool, plan).await?;
    check_size(size, tree)?;
    plan.resolve(&stored).map_err(corrupt)
}

/// The root of the first `size` events.
pub(crate) async fn root(pool: &AnyPool, size: u64) -> Result<Hash> {
    if size == 0 {
        return Ok(tlog::empty_root());
    }
    Ok(resolve_checked(pool, &ProofPlan::root(size), size).await?[0])
}

/// The inclusion proof of event `seq` in the tree of `size` events.
pub(crate) async fn inclusion_proof(pool: &AnyPool, seq: i64, size: u64) -> Result<Vec<Hash>> {
    if seq < 1 || seq as u64 > size {
        // The size is checked first, so that a size beyond the log is named as such.
        check_size(size, tree_size(pool).await?)?;
        return Err(StoreError::Invalid(format!(
            "seq: event {seq} is not among the first {size} events"
        )));
    }
    let plan = ProofPlan::inclusion(seq as u64 - 1, size)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    resolve_checked(pool, &plan, size).await
}

/// The consistency proof between the trees of `old` and `new` events.
pub(crate) async fn consistency_proof(pool: &AnyPool, old: u64, new: u64) -> Result<Vec<Hash>> {
    if old > new {
        check_size(new, tree_size(pool).await?)?;
    }
    let plan = ProofPlan::consistency(old, new).map_err(|e| StoreError::Invalid(e.to_string()))?;
    resolve_checked(pool, &plan, new).await
}

/// Makes a checkpoint of the whole tree: `sign(size, root)` gives the signed note and its key id; the row is
/// stored under the write lock, so no event can slip in between reading the root and storing it.
pub(crate) async fn checkpoint(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    at: &str,
    sign: impl FnOnce(u64, &Hash) -> std::result::Result<(String, String), String>,
) -> Result<CheckpointRow> {
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("SELECT tree_size FROM audit_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    let size = row.try_get::<i64, _>("tree_size")? as u64;
    let root = if size == 0 {
        tlog::empty_root()
    } else {
        resolve(&mut **tx, &ProofPlan::root(size)).await?[0]
    };
    let (note, key_id) = sign(size, &root).map_err(StoreError::Invalid)?;
    let id: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM audit_checkpoints")
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let cp = CheckpointRow {
        id,
        size: size as i64,
        root: tlog::b64(&root),
        at: at.to_string(),
        key_id,
        note,
    };
    sqlx::query(
        "INSERT INTO audit_checkpoints (id, size, root, at, key_id, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(cp.id)
    .bind(cp.size)
    .bind(&cp.root)
    .bind(&cp.at)
    .bind(&cp.key_id)
    .bind(&cp.note)
    .execute(&mut **tx)
    .await?;
    Ok(cp)
}

fn checkpoint_from_row(r: &sqlx::any::AnyRow) -> Result<CheckpointRow> {
    Ok(CheckpointRow {
        id: r.try_get("id")?,
        size: r.try_get("size")?,
        root: r.try_get("root")?,
        at: r.try_get("at")?,
        key_id: r.try_get("key_id")?,
        note: r.try_get("note")?,
    })
}

/// Every stored checkpoint, oldest first.
pub(crate) async fn checkpoints(pool: &AnyPool) -> Result<Vec<CheckpointRow>> {
    let rows =
        sqlx::query("SELECT id, size, root, at, key_id, note FROM audit_checkpoints ORDER BY id")
            .fetch_all(pool)
            .await?;
    rows.iter().map(checkpoint_from_row).collect()
}

/// The latest checkpoint, if any.
pub(crate) async fn latest_checkpoint(pool: &AnyPool) -> Result<Option<CheckpointRow>> {
    let row = sqlx::query(
        "SELECT id, size, root, at, key_id, note FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(checkpoint_from_row).transpose()
}

/// Events read per query by verification (the default of [`crate::Store::verify_audit`]).
pub const VERIFY_BATCH: i64 = 20_000;

/// Where verification reads the log from: the store's pool, or (SQLite files) a connection of the native
/// SQLite driver, which hands out each row's columns without converting them to `AnyRow` values (owned
/// strings and column descriptions per row: most of the CPU time of verification through `sqlx::Any`).
#[derive(Clone)]
pub(crate) enum LogReader {
    Any(AnyPool),
    Sqlite(sqlx::SqlitePool),
}

/// One batch of rows, as read by a [`LogReader`].
enum Rows {
    Any(Vec<sqlx::any::AnyRow>),
    Sqlite(Vec<sqlx::sqlite::SqliteRow>),
}

/// Column positions in [`SELECT`].
const C_SEQ: usize = 0;
const C_AT: usize = 1;
const C_ACTOR: usize = 2;
const C_ACTION: usize = 3;
const C_KIND: usize = 4;
const C_ID: usize = 5;
const C_BEFORE: usize = 6;
const C_AFTER: usize = 7;
const C_REASON: usize = 8;
const C_PREV: usize = 9;
const C_HASH: usize = 10;
const C_VIA: usize = 11;

/// A stored event row, read by column position and borrowed (nothing copied or parsed).
trait EventRow {
    fn seq(&self) -> Result<i64>;
    /// The event's text, its `prev_hash` and its `hash`.
    fn text(&self) -> Result<(EventText<'_>, &str, &str)>;
}

macro_rules! event_row {
    ($t:ty) => {
        impl EventRow for $t {
            fn seq(&self) -> Result<i64> {
                Ok(self.try_get(C_SEQ)?)
            }
            fn text(&self) -> Result<(EventText<'_>, &str, &str)> {
                Ok((
                    EventText {
                        action: self.try_get(C_ACTION)?,
                        actor: self.try_get(C_ACTOR)?,
                        after: self.try_get(C_AFTER)?,
                        at: self.try_get(C_AT)?,
                        before: self.try_get(C_BEFORE)?,
                        reason: self.try_get(C_REASON)?,
                        record_id: self.try_get(C_ID)?,
                        record_kind: self.try_get(C_KIND)?,
                        via: self.try_get(C_VIA)?,
                    },
                    self.try_get(C_PREV)?,
                    self.try_get(C_HASH)?,
                ))
            }
        }
    };
}
event_row!(sqlx::any::AnyRow);
event_row!(sqlx::sqlite::SqliteRow);

/// Slots for the stored leaves of events `after + 1 ..= last`, filled from `(id, hex hash)` pairs.
fn leaves_from<'a>(
    after: i64,
    last: i64,
    stored: impl Iterator<Item = Result<(i64, &'a str)>>,
) -> Result<Vec<Option<Hash>>> {
    let mut leaves = vec![None; usize::try_from(last - after).unwrap_or(0)];
    for r in stored {
        let (id, hash) = r?;
        let mut h = [0u8; 32];
        if let (Some(slot), Ok(())) = (
            leaves.get_mut((id - after) as usize),
            hex::decode_to_slice(hash, &mut h),
        ) {
            *slot = Some(h);
        }
    }
    Ok(leaves)
}

const BATCH_SQL: &str = "WHERE seq > $1 ORDER BY seq LIMIT $2";
const LEAVES_SQL: &str = "SELECT id, hash FROM audit_tree WHERE id >= $1 AND id <= $2";

/// The events after `after` (at most `batch`) and their stored leaves, `leaves[i]` being the leaf of event
/// `after + 1 + i` (`None` when it is missing or unreadable).
async fn verify_batch(
    reader: LogReader,
    after: i64,
    batch: i64,
) -> Result<(Rows, Vec<Option<Hash>>)> {
    let sql = format!("{SELECT} {BATCH_SQL}");
    // The same queries through either driver (their row types differ, so the body is written once as a
    // macro rather than as a function over both).
    macro_rules! batch {
        ($pool:expr, $rows:path) => {{
            let rows = sqlx::query(&sql)
                .bind(after)
                .bind(batch)
                .fetch_all(&$pool)
                .await?;
            let Some(last) = rows.last() else {
                return Ok(($rows(rows), Vec::new()));
            };
            let last = last.seq()?;
            let stored = sqlx::query(LEAVES_SQL)
                .bind(after)
                .bind(last - 1)
                .fetch_all(&$pool)
                .await?;
            let leaves = leaves_from(
                after,
                last,
                stored
                    .iter()
                    .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<&str, _>(1)?))),
            )?;
            Ok(($rows(rows), leaves))
        }};
    }
    match reader {
        LogReader::Any(pool) => batch!(pool, Rows::Any),
        LogReader::Sqlite(pool) => batch!(pool, Rows::Sqlite),
    }
}

/// Whether `hash` (hex) is SHA-256(prev hex || bytes), without allocating.
fn chain_matches(prev: &str, bytes: &[u8], hash: &str) -> bool {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(bytes);
    let mut hex_buf = [0u8; 64];
    hex::encode_to_slice(h.finalize(), &mut hex_buf).is_ok() && hex_buf[..] == *hash.as_bytes()
}

/// The state of a verification between batches.
struct Verifier {
    /// Trusted heads of size > 0, by size; `next_trusted` indexes the next one to reach.
    trusted: Vec<TrustedHead>,
    next_trusted: usize,
    checked: usize,
    last_good_checkpoint: u64,
    prev: String,
    frontier: tlog::Frontier,
    n: i64,
    problem: Option<(i64, String)>,
    bytes: Vec<u8>,
}

impl Verifier {
    /// Checks a batch of rows (`stored[i]` the stored leaf of event `n + 1 + i`); false once a problem is
    /// found.
    fn check<R: EventRow>(&mut self, rows: &[R], stored: &[Option<Hash>]) -> Result<bool> {
        let first = self.n + 1;
        for r in rows {
            let seq = r.seq()?;
            let expect = self.n + 1;
            if seq != expect {
                self.problem = Some((
                    expect,
                    format!("event {expect} is missing (the next stored event is {seq})"),
                ));
                return Ok(false);
            }
            let (text, prev_hash, hash) = r.text()?;
            if prev_hash != self.prev {
                self.problem = Some((
                    seq,
                    format!("event {seq} does not link to the event before it"),
                ));
                return Ok(false);
            }
            self.bytes.clear();
            write_canonical(&mut self.bytes, seq, &text);
            if !chain_matches(&self.prev, &self.bytes, hash) {
                self.problem = Some((
                    seq,
                    format!("event {seq} does not match its hash (changed after it was written)"),
                ));
                return Ok(false);
            }
            let leaf = tlog::leaf_hash(&self.bytes);
            if stored.get((seq - first) as usize).copied().flatten() != Some(leaf) {
                self.problem = Some((
                    seq,
                    format!("event {seq} does not match its leaf in the stored tree (rewritten and re-chained?)"),
                ));
                return Ok(false);
            }
            self.frontier.push(leaf);
            self.n = seq;
            self.prev.clear();
            self.prev.push_str(hash);
            while let Some(t) = self.trusted.get(self.next_trusted) {
                if t.size != self.frontier.size() {
                    break;
                }
                self.checked += 1;
                if self.frontier.root() != t.root {
                    self.problem = Some((
                        self.last_good_checkpoint as i64 + 1,
                        format!(
                            "events 1..={} do not match the signed checkpoint of that size: an event in {}..={} was changed",
                            t.size,
                            self.last_good_checkpoint + 1,
                            t.size
                        ),
                    ));
                    return Ok(false);
                }
                self.last_good_checkpoint = t.size;
                self.next_trusted += 1;
            }
        }
        Ok(true)
    }
}

/// Checks the log read through the native SQLite driver: per batch, the stored leaves first, then the events
/// as a stream, each hashed and dropped as it arrives while the driver's thread reads the next ones. Holding
/// a whole batch of rows (allocated on the driver's thread, freed on this one) cost more CPU time in the
/// allocator than the hashing did.
async fn verify_streaming(pool: &sqlx::SqlitePool, v: &mut Verifier, batch: i64) -> Result<()> {
    use futures_util::TryStreamExt;
    let sql = format!("{SELECT} {BATCH_SQL}");
    loop {
        let after = v.n;
        // Leaves of the events after+1 ..= after+batch (leaf index = seq - 1); a gap stops the check anyway.
        let stored = sqlx::query(LEAVES_SQL)
            .bind(after)
            .bind(after + batch - 1)
            .fetch_all(pool)
            .await?;
        let leaves = leaves_from(
            after,
            after + batch,
            stored
                .iter()
                .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<&str, _>(1)?))),
        )?;
        drop(stored);
        let mut rows = sqlx::query(&sql).bind(after).bind(batch).fetch(pool);
        let mut read = 0i64;
        while let Some(row) = rows.try_next().await? {
            read += 1;
            let offset = usize::try_from(v.n - after).unwrap_or(usize::MAX);
            if !v.check(
                std::slice::from_ref(&row),
                leaves.get(offset..).unwrap_or(&[]),
            )? {
                return Ok(());
            }
        }
        if read < batch {
            return Ok(());
        }
    }
}

/// Recomputes the chain and the tree over the whole log, in order, and checks: sequence numbers contiguous
/// from 1; each event's chain link and hash; its leaf against the stored tree; the last event against the
/// head; the tree's root against every trusted head (checkpoint) — a trusted head larger than the log means
/// events were cut off. Names the first event that fails. Reads the events from `reader`, `batch_size` per
/// query (at least 1), the next batch while the current one is hashed.
pub(crate) async fn verify(
    pool: &AnyPool,
    reader: LogReader,
    trusted: &[TrustedHead],
    batch_size: i64,
) -> Result<VerifyReport> {
    let batch_size = batch_size.max(1);
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    // A head of size 0 commits to nothing (its root is the empty hash).
    let checked = trusted.iter().filter(|t| t.size == 0).count();
    let mut sorted: Vec<TrustedHead> = trusted.iter().filter(|t| t.size > 0).copied().collect();
    sorted.sort_by_key(|t| t.size);
    let mut v = Verifier {
        trusted: sorted,
        next_trusted: 0,
        checked,
        last_good_checkpoint: 0,
        prev: ZERO.to_string(),
        frontier: tlog::Frontier::new(),
        n: 0,
        problem: None,
        bytes: Vec::with_capacity(4096),
    };
    if let LogReader::Sqlite(pool) = &reader {
        verify_streaming(pool, &mut v, batch_size).await?;
    }
    let mut next = match reader {
        LogReader::Any(_) => Some(tokio::spawn(verify_batch(reader.clone(), 0, batch_size))),
        LogReader::Sqlite(_) => None,
    };
    while let Some(batch) = next.take() {
        let (rows, stored) = batch
            .await
            .map_err(|e| StoreError::Corrupt(format!("reading the audit log: {e}")))??;
        let (len, last_seq) = match &rows {
            Rows::Any(r) => (r.len(), r.last().map(EventRow::seq).transpose()?),
            Rows::Sqlite(r) => (r.len(), r.last().map(EventRow::seq).transpose()?),
        };
        let Some(last_seq) = last_seq else { break };
        if len as i64 == batch_size {
            next = Some(tokio::spawn(verify_batch(
                reader.clone(),
                last_seq,
                batch_size,
            )));
        }
        let ok = match &rows {
            Rows::Any(r) => v.check(r, &stored)?,
            Rows::Sqlite(r) => v.check(r, &stored)?,
        };
        if !ok {
            break;
        }
    }
    let Verifier {
        trusted,
        next_trusted,
        mut checked,
        prev,
        frontier,
        n,
        mut problem,
        ..
    } = v;
    let mut next_trusted = trusted[next_trusted..].iter().peekable();
    if let Some(h) = next {
        h.abort();
    }
    if problem.is_none() {
        if let Some(t) = next_trusted.peek() {
            problem = Some((
                n + 1,
                format!(
                    "the log has {n} events but a signed checkpoint covers {}: events from {} on were removed",
                    t.size,
                    n + 1
                ),
            ));
            checked += 1;
        } else if n < head_seq {
            problem = Some((
                n + 1,
                format!(
                    "the head says {head_seq} events but the log ends at {n}: event {} is missing",
                    n + 1
                ),
            ));
        } else if n > head_seq {
            problem = Some((
                head_seq + 1,
                format!(
                    "event {} is beyond the head ({head_seq} events)",
                    head_seq + 1
                ),
            ));
        } else if prev != head_hash {
            problem = Some((n.max(1), format!("event {n} does not match the head hash")));
        } else {
            let tree = tree_size(pool).await?;
            if tree != n as u64 {
                problem = Some((
                    n + 1,
                    format!("the stored tree holds {tree} events, the log {n}"),
                ));
            } else if n > 0 && root(pool, tree).await? != frontier.root() {
                problem = Some((
                    n,
                    "the stored tree's root does not match the events".to_string(),
                ));
            }
        }
    }
    Ok(VerifyReport {
        events: n,
        head: prev,
        first_bad_seq: problem.as_ref().map(|p| p.0),
        problem: problem.map(|p| p.1),
        root: tlog::b64(&frontier.root()),
        checkpoints_checked: checked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chain's original definition: serde_json's serialisation of the event object.
    fn reference(seq: i64, e: &NewAuditEvent) -> Vec<u8> {
        let mut v = serde_json::json!({
            "seq": seq, "at": e.at, "actor": e.actor, "action": e.action,
            "record_kind": e.record_kind, "record_id": e.record_id,
            "before": e.before, "after": e.after, "reason": e.reason,
        });
        if let Some(via) = &e.via {
            v["via"] = serde_json::Value::String(via.clone());
        }
        v.to_string().into_bytes()
    }

    #[test]
    fn canonical_bytes_are_serde_jsons_encoding() {
        let mut e = NewAuditEvent {
            at: "2026-01-01T00:00:00.000Z".into(),
            actor: "u\"1\\\n\u{1}é".into(),
            via: None,
            action: "case.approve".into(),
            record_kind: "case".into(),
            record_id: "c-1".into(),
            before: Some(serde_json::json!({"z": 1, "a": [1.5, "x\ty", null], "m": {"k": -3e300}})),
            after: None,
            reason: Some("because — ünïcödé \u{7f}".into()),
        };
        for seq in [1, 42, i64::MAX] {
            let stored = AuditEvent {
                seq,
                event: e.clone(),
                prev_hash: String::new(),
                hash: String::new(),
            };
            assert_eq!(event_bytes(&stored), reference(seq, &e));
            e.via = Some("tok-1".into());
            e.after = Some(serde_json::json!("s"));
            e.reason = None;
        }
    }
}
