//! Persistence for exportctl: one implementation over `sqlx::AnyPool` that runs on the embedded SQLite default
//! and on PostgreSQL, with portable migrations (TEXT and BIGINT columns only).
//!
//! Business records are versioned JSON documents in one `records` table (see ARCHITECTURE.md for why);
//! users, tokens, list versions and the audit log have tables of their own. Every write goes through a
//! [`Tx`], and every writing transaction stores its audit events with the change (unsequenced; the sequencer
//! chains them shortly after), so a change and its audit event are stored together or not at all.

#![forbid(unsafe_code)]

mod audit;
mod error;
mod hits;
mod jobs;
pub mod kinds;

pub use audit::{
    canonical, chain_hash, event_bytes, AuditEvent, AuditFilter, CheckpointRow, NewAuditEvent,
    TrustedHead, VerifyReport, VERIFY_BATCH,
};
pub use error::StoreError;
pub use hits::{CaseHit, HitFilter, HitKey, HitPosition};
pub use jobs::{DeliveryRow, JobCount, JobRow, NewJob, NotificationRow, PreferenceRow, WebhookRow};

use serde::{de::DeserializeOwned, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The URL of a SQLite file (not an in-memory database), for readers that open their own connection.
    sqlite_file: Option<String>,
    /// The reference-number sequences (PostgreSQL) this process has seen exist: a sequence is never dropped,
    /// so a writer that finds its prefix here takes `nextval` at once, without first asking whether it exists.
    sequences: Arc<std::sync::Mutex<HashSet<String>>>,
}

/// A stored user.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub role: String,
    pub review_kind: Option<String>,
    pub org_id: Option<String>,
    pub created_at: String,
    pub disabled: bool,
    /// An officer's grade (`senior`); None for the standard grade and for other roles (migration 0050).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
}

/// A stored API token (only its hash is kept).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct TokenRow {
    pub id: String,
    pub user_id: String,
    pub label: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
}

/// A stored browser session (only its secret's hash is kept).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub created_at: String,
    /// The session ends when unused until then; each use moves it on.
    pub idle_expires_at: String,
    /// The session ends then whatever its use.
    pub expires_at: String,
}

/// A versioned business record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<T> {
    pub id: String,
    pub kind: String,
    pub org_id: Option<String>,
    pub state: String,
    pub reference: Option<String>,
    pub assigned_to: Option<String>,
    /// Comma-delimited search tags (",a,b,"), matched with [`Filter::tags`].
    pub tags: String,
    /// Lower-cased names the record carries (e.g. a case's parties), matched by substring with [`Filter::text`].
    pub search: String,
    pub version: i64,
    pub body: T,
    pub created_at: String,
    pub updated_at: String,
}

impl<T> Record<T> {
    /// A new record at version 1, created and updated `at`, unassigned, untagged and without a reference.
    pub fn new(
        id: String,
        kind: &str,
        org_id: Option<String>,
        state: &str,
        body: T,
        at: String,
    ) -> Record<T> {
        Record {
            id,
            kind: kind.into(),
            org_id,
            state: state.into(),
            reference: None,
            assigned_to: None,
            tags: String::new(),
            search: String::new(),
            version: 1,
            body,
            created_at: at.clone(),
            updated_at: at,
        }
    }
}

/// Selection of records of one kind.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub org_id: Option<String>,
    pub states: Vec<String>,
    pub assigned_to: Option<Option<String>>,
    /// Every one of these tags must be present.
    pub tags: Vec<String>,
    /// Exact reference.
    pub reference: Option<String>,
    /// A case-insensitive substring of the record's search text.
    pub text: Option<String>,
    /// Only records whose `due_on` is set and not after this day (YYYY-MM-DD): overdue cases.
    pub due_by: Option<String>,
    /// Keyset pagination: only records after this position in (created_at, id) order.
    pub after: Option<Position>,
    /// At most this many records.
    pub limit: Option<u32>,
}

/// A record's place in the (created_at, id) listing order; the cursor of a paginated listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub created_at: String,
    pub id: String,
}

impl<T> Record<T> {
    /// This record's place in listing order.
    pub fn position(&self) -> Position {
        Position {
            created_at: self.created_at.clone(),
            id: self.id.clone(),
        }
    }
}

/// The records one declared reference of a write names: (field, id) pairs.
type NamedReferences = (&'static kinds::Reference, Vec<(String, String)>);

/// A condition, for the WHERE of the INSERT or UPDATE that writes a record, that holds only when every record
/// `refs` names exists (and, where the reference requires it, belongs to `org`), with its bound values
/// numbered from `$first`. Empty when nothing is named.
fn reference_guard(
    refs: &[NamedReferences],
    first: usize,
    org: Option<&str>,
) -> (String, Vec<String>) {
    let mut binds: Vec<String> = Vec::new();
    let mut terms = Vec::new();
    for (reference, named) in refs {
        let mut ids: Vec<&str> = named.iter().map(|(_, id)| id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut mark = |v: &str| {
            binds.push(v.to_string());
            format!("${}", first + binds.len() - 1)
        };
        let kind = mark(reference.to);
        let list: Vec<String> = ids.iter().map(|id| mark(id)).collect();
        let owner = match (reference.same_org, org) {
            (false, _) => String::new(),
            (true, Some(o)) => format!(" AND x.org_id = {}", mark(o)),
            (true, None) => " AND x.org_id IS NULL".to_string(),
        };
        terms.push(format!(
            "(SELECT COUNT(*) FROM records x WHERE x.kind = {kind} AND x.id IN ({}){owner}) = {}",
            list.join(", "),
            ids.len()
        ));
    }
    (terms.join(" AND "), binds)
}

/// Writes the tag rows of record `id` to match `tags` (its comma-delimited `records.tags`). `stored` is what
/// its rows hold now when the caller knows it (`Some("")` for a record just inserted, the tags read under its
/// row lock for an update): then only the rows that differ are deleted and inserted, and an update that leaves
/// the tags as they were writes none. `None` replaces every row.
async fn write_tags(
    conn: &mut sqlx::AnyConnection,
    kind: &str,
    id: &str,
    stored: Option<&str>,
    tags: &str,
) -> Result<()> {
    let split = |t: &'_ str| -> std::collections::BTreeSet<String> {
        t.split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    };
    let new = split(tags);
    let (gone, added): (Vec<String>, Vec<String>) = match stored {
        None => {
            sqlx::query("DELETE FROM record_tags WHERE record_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            (Vec::new(), new.into_iter().collect())
        }
        Some(old) => {
            let old = split(old);
            (
                old.difference(&new).cloned().collect(),
                new.difference(&old).cloned().collect(),
            )
        }
    };
    if !gone.is_empty() {
        let marks: Vec<String> = (0..gone.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "DELETE FROM record_tags WHERE record_id = $1 AND tag IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(id);
        for t in &gone {
            q = q.bind(t.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    if added.is_empty() {
        return Ok(());
    }
    // Each tag row carries its record's creation time (listing order, migration 0076), read from the record's
    // row, which exists by now (written before its tags in the same transaction).
    let rows: Vec<String> = (0..added.len()).map(|i| format!("(${})", i + 3)).collect();
    let sql = format!(
        "INSERT INTO record_tags (kind, tag, record_id, created_at) \
         SELECT $1, v.column1, $2, r.created_at FROM (VALUES {}) AS v, records r WHERE r.id = $2",
        rows.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(kind).bind(id);
    for t in &added {
        q = q.bind(t.as_str());
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// `s` with LIKE's wildcards and the escape character escaped (used with `ESCAPE '\'`).
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The query selecting the records of `kind` that `filter` matches, and its bound values.
fn list_query(kind: &str, filter: &Filter) -> (String, Vec<String>) {
    let (mut sql, binds) = filter_query(SELECT_RECORD_R, kind, filter);
    // With a tag, the listing is read from `record_tags` in its order (`record_tags_order`); both orders are
    // the record's (created_at, id).
    if filter.tags.is_empty() {
        sql.push_str(" ORDER BY r.created_at, r.id");
    } else {
        sql.push_str(" ORDER BY t.created_at, t.record_id");
    }
    if let Some(n) = filter.limit {
        sql.push_str(&format!(" LIMIT {n}"));
    }
    (sql, binds)
}

/// `select` (columns of `records r`) with the FROM and WHERE clauses of `filter` over records of `kind`, and
/// its bind values. The first tag, if any, drives the query: the records of `kind` carrying it are read from
/// `record_tags` (`t`) in listing order, so that a rare tag costs its few rows and a common one only a page;
/// further tags are each a lookup in `record_tags`' primary key per record read.
fn filter_query(select: &str, kind: &str, filter: &Filter) -> (String, Vec<String>) {
    let mut binds: Vec<String> = vec![kind.to_string()];
    let (mut sql, at, id) = match filter.tags.first() {
        Some(tag) => {
            binds.push(tag.clone());
            (
                format!(
                    "{select} FROM record_tags t JOIN records r ON r.id = t.record_id \
                     WHERE t.kind = $1 AND t.tag = $2 AND r.kind = $1"
                ),
                "t.created_at",
                "t.record_id",
            )
        }
        None => (
            format!("{select} FROM records r WHERE r.kind = $1"),
            "r.created_at",
            "r.id",
        ),
    };
    if let Some(org) = &filter.org_id {
        binds.push(org.clone());
        sql.push_str(&format!(" AND r.org_id = ${}", binds.len()));
    }
    if !filter.states.is_empty() {
        let mut parts = Vec::new();
        for s in &filter.states {
            binds.push(s.clone());
            parts.push(format!("${}", binds.len()));
        }
        sql.push_str(&format!(" AND r.state IN ({})", parts.join(", ")));
    }
    match &filter.assigned_to {
        Some(Some(u)) => {
            binds.push(u.clone());
            sql.push_str(&format!(" AND r.assigned_to = ${}", binds.len()));
        }
        Some(None) => sql.push_str(" AND r.assigned_to IS NULL"),
        None => {}
    }
    // Each further tag is a lookup in `record_tags`' primary key (kind, tag, record), not a scan of
    // `records.tags`.
    for tag in filter.tags.iter().skip(1) {
        binds.push(tag.clone());
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM record_tags x WHERE x.kind = $1 AND x.tag = ${} AND x.record_id = r.id)",
            binds.len()
        ));
    }
    if let Some(rf) = &filter.reference {
        binds.push(rf.clone());
        sql.push_str(&format!(" AND r.reference = ${}", binds.len()));
    }
    if let Some(t) = &filter.text {
        binds.push(format!("%{}%", like_escape(&t.to_lowercase())));
        sql.push_str(&format!(" AND r.search LIKE ${} ESCAPE '\\'", binds.len()));
    }
    if let Some(p) = &filter.after {
        binds.push(p.created_at.clone());
        let c = binds.len();
        binds.push(p.id.clone());
        let i = binds.len();
        // A row-value comparison, which both databases answer as a range of the listing index (an `OR` of the
        // two conditions made PostgreSQL read every earlier row to reach a later page).
        sql.push_str(&format!(" AND ({at}, {id}) > (${c}, ${i})"));
    }
    if let Some(d) = &filter.due_by {
        binds.push(d.clone());
        sql.push_str(&format!(
            " AND r.due_on IS NOT NULL AND r.due_on <= ${}",
            binds.len()
        ));
    }
    (sql, binds)
}

/// A stored decision fact (issue 11); `body` is the fact as JSON, read by the `stats` crate.
#[derive(Debug, Clone, PartialEq)]
pub struct FactRow {
    pub seq: i64,
    pub case_id: String,
    /// outcome, correction or exclusion.
    pub kind: String,
    pub recorded_at: String,
    /// YYYY-MM-DD.
    pub decided_on: String,
    pub supersedes: Option<i64>,
    pub reason: Option<String>,
    pub body: String,
}

/// A stored list version (metadata only).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct ListVersionRow {
    pub id: String,
    /// The publisher's list (`ofac-sdn`, `us-csl-el`, `un-sc`, ...): each source has one active version.
    pub source: String,
    pub format: String,
    pub version: String,
    pub record_count: i64,
    pub published: Option<String>,
    pub imported_at: String,
    pub active: bool,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://...`) and runs pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Invalid(format!(
                "database URL must start with sqlite: or postgres:, got {:?}",
                url.split(':').next().unwrap_or("")
            )));
        };
        let opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let pool = match backend {
            // One connection: SQLite allows one writer; serialising here avoids SQLITE_BUSY on upgrades.
            Backend::Sqlite => {
                opts.max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            use sqlx::Executor;
                            conn.execute("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => opts.max_connections(16).connect(url).await?,
        };
        let sqlite_file = (backend == Backend::Sqlite
            && !url.contains(":memory:")
            && !url.contains("mode=memory"))
        .then(|| url.to_string());
        let store = Store {
            pool,
            backend,
            sqlite_file,
            sequences: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs the portable migrations (`migrations/`) together with the few that differ per backend
    /// (`migrations_sqlite/`, `migrations_postgres/`: the triggers that make the audit tables append-only),
    /// in version order; then brings the audit tree up to the chain.
    async fn migrate(&self) -> Result<()> {
        use sqlx::migrate::{Migration, MigrationType, Migrator};
        let specific: &[(i64, &str, &str)] = match self.backend {
            Backend::Sqlite => &[
                (
                    5,
                    "audit tree",
                    include_str!("../migrations_sqlite/0005_audit_tree.sql"),
                ),
                (
                    75,
                    "record tags",
                    include_str!("../migrations_sqlite/0075_record_tags.sql"),
                ),
                (
                    78,
                    "screening hits backfill",
                    include_str!("../migrations_sqlite/0078_screening_hits_backfill.sql"),
                ),
            ],
            Backend::Postgres => &[
                (
                    5,
                    "audit tree",
                    include_str!("../migrations_postgres/0005_audit_tree.sql"),
                ),
                (
                    75,
                    "record tags",
                    include_str!("../migrations_postgres/0075_record_tags.sql"),
                ),
                (
                    78,
                    "screening hits backfill",
                    include_str!("../migrations_postgres/0078_screening_hits_backfill.sql"),
                ),
            ],
        };
        let mut migrations = sqlx::migrate!("./migrations").migrations.to_vec();
        for (version, description, sql) in specific {
            migrations.push(Migration::new(
                *version,
                (*description).into(),
                MigrationType::Simple,
                (*sql).into(),
                false,
            ));
        }
        migrations.sort_by_key(|m| m.version);
        let known = migrations.last().map_or(0, |m| m.version);
        if let Some(applied) = self.schema_version().await? {
            if applied > known {
                return Err(StoreError::Invalid(format!(
                    "the database's schema version {applied} is newer than this exportctl knows \
                     (up to {known}): it was written by a later release; run that release, or restore \
                     a backup made with this one"
                )));
            }
        }
        let migrator = Migrator {
            migrations: migrations.into(),
            ..Migrator::DEFAULT
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))?;
        let mut tx = self.begin().await?;
        audit::sync_tree(&mut tx.tx).await?;
        tx.tx.commit().await?;
        // Events a process committed before it stopped are chained now.
        self.sequence_audit().await?;
        Ok(())
    }

    /// Chains the audit events writers left unsequenced (see [`Tx::commit`]), in batches, until none waits;
    /// returns how many it chained. `serve` runs this every few hundred milliseconds on every instance (they
    /// take turns on the chain head), and every read of the log runs it first, so a reader sees every
    /// committed change's event. A no-op costs one indexed read.
    pub async fn sequence_audit(&self) -> Result<usize> {
        let mut total = 0;
        while audit::has_pending(&self.pool).await? {
            let mut tx = self.begin().await?;
            let n = audit::sequence(&mut tx.tx).await?;
            tx.tx.commit().await?;
            total += n;
            if n < audit::SEQUENCE_BATCH as usize {
                break;
            }
        }
        Ok(total)
    }

    /// The highest migration applied to the database, or `None` on a database never migrated.
    pub async fn schema_version(&self) -> Result<Option<i64>> {
        // The bookkeeping table only exists once a migration ran; a database without it is new.
        let exists = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let n: i64 = sqlx::query_scalar(exists).fetch_one(&self.pool).await?;
        if n == 0 {
            return Ok(None);
        }
        Ok(
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Writes a consistent copy of the whole database to a new file while it stays in use (SQLite's
    /// `VACUUM INTO`). PostgreSQL is backed up with its own tools (`pg_dump`; docs/operations.md).
    pub async fn backup_to(&self, file: &std::path::Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Invalid(
                "a PostgreSQL database is backed up with pg_dump and restored with pg_restore \
                 (docs/operations.md)"
                    .into(),
            ));
        }
        if file.exists() {
            return Err(StoreError::Invalid(format!(
                "{} exists already: a backup never overwrites a file",
                file.display()
            )));
        }
        let path = file
            .to_str()
            .ok_or_else(|| StoreError::Invalid("the backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await
    }

    /// The connection pool's use: (open connections, idle connections, most connections).
    pub fn pool_use(&self) -> (u32, u32, u32) {
        (
            self.pool.size(),
            u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            self.pool.options().get_max_connections(),
        )
    }

    /// Starts a writing transaction.
    ///
    /// On SQLite it begins `IMMEDIATE`: the write lock is taken at BEGIN (waiting up to the busy timeout for
    /// another process, such as an admin CLI command beside the server, to finish). A deferred transaction
    /// that reads first and then writes cannot wait: SQLite refuses its upgrade at once with "database is
    /// locked" when another connection wrote in between.
    pub async fn begin(&self) -> Result<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx {
            tx,
            events: Vec::new(),
            backend: self.backend,
            sequences: self.sequences.clone(),
            tags_stored: HashMap::new(),
        })
    }

    // ---- reads outside transactions ----

    pub async fn get<T: DeserializeOwned>(&self, kind: &str, id: &str) -> Result<Record<T>> {
        let row = sqlx::query(&format!("{SELECT_RECORD} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        record_of_kind(row, kind)
    }

    pub async fn get_by_reference<T: DeserializeOwned>(
        &self,
        kind: &str,
        reference: &str,
    ) -> Result<Record<T>> {
        let row = sqlx::query(&format!(
            "{SELECT_RECORD} WHERE kind = $1 AND reference = $2"
        ))
        .bind(kind)
        .bind(reference)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        record_from_row(&row)
    }

    pub async fn list<T: DeserializeOwned>(
        &self,
        kind: &str,
        filter: &Filter,
    ) -> Result<Vec<Record<T>>> {
        let (sql, binds) = list_query(kind, filter);
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Records of `kind` whose derived search data has never been written (stored before it existed), or was
    /// written without the tag `marker` (by an older version of the index).
    pub async fn unindexed<T: DeserializeOwned>(
        &self,
        kind: &str,
        marker: &str,
    ) -> Result<Vec<Record<T>>> {
        let rows = sqlx::query(&format!(
            "{SELECT_RECORD} WHERE kind = $1 AND (search = '' OR tags NOT LIKE $2 ESCAPE '\\') ORDER BY created_at, id"
        ))
        .bind(kind)
        .bind(format!("%,{},%", like_escape(marker)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Number of records of `kind` that `filter` selects (its paging fields ignored).
    pub async fn count(&self, kind: &str, filter: &Filter) -> Result<i64> {
        let filter = Filter {
            after: None,
            limit: None,
            ..filter.clone()
        };
        let (sql, binds) = filter_query("SELECT COUNT(*) AS n", kind, &filter);
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let row = q.fetch_one(&self.pool).await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    /// Writes a record's derived search data (tags and search text) at its current version. They are computed
    /// from the body and say nothing of their own, so this is neither a new version nor an audited change.
    pub async fn set_index(&self, kind: &str, id: &str, tags: &str, search: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let row =
            sqlx::query("UPDATE records SET tags = $1, search = $2 WHERE id = $3 RETURNING kind")
                .bind(tags)
                .bind(search)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match written_kind(row, kind) {
            // A record deleted since the caller read it has nothing to index.
            Err(StoreError::NotFound) => return Ok(()),
            other => other?,
        }
        write_tags(&mut tx, kind, id, None, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user_by_id(&self, id: &str) -> Result<UserRow> {
        let row = sqlx::query(&format!("{SELECT_USER} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<UserRow> {
        let row = sqlx::query(&format!("{SELECT_USER} WHERE username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    pub async fn users(&self) -> Result<Vec<UserRow>> {
        let rows = sqlx::query(&format!("{SELECT_USER} ORDER BY created_at, id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// At most `limit` users after `after`, in listing order (creation time, id).
    pub async fn users_after(&self, after: Option<&Position>, limit: i64) -> Result<Vec<UserRow>> {
        let rows = self
            .keyset_page(SELECT_USER, "created_at", after, limit)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// At most `limit` rows of `select` (a query without WHERE) after `after`, ordered by (`order`, id): the
    /// keyset page of a table with its own columns rather than records.
    async fn keyset_page(
        &self,
        select: &str,
        order: &str,
        after: Option<&Position>,
        limit: i64,
    ) -> Result<Vec<AnyRow>> {
        Ok(match after {
            Some(p) => {
                sqlx::query(&format!(
                    "{select} WHERE {order} > $1 OR ({order} = $2 AND id > $3) ORDER BY {order}, id LIMIT $4"
                ))
                .bind(&p.created_at)
                .bind(&p.created_at)
                .bind(&p.id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{select} ORDER BY {order}, id LIMIT $1"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        })
    }

    /// The enabled user holding a live (unrevoked, unexpired at `now`) token with this hash, and the token's id.
    pub async fn user_by_token_hash(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<(UserRow, String)> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.role, u.review_kind, u.org_id, u.created_at, u.disabled, u.grade, t.id AS token_id \
             FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((user_from_row(&row)?, row.try_get("token_id")?))
    }

    /// A user and its password hash (None when no password is set), by username.
    pub async fn user_password(&self, username: &str) -> Result<(UserRow, Option<String>)> {
        let row = sqlx::query(
            "SELECT id, username, role, review_kind, org_id, created_at, disabled, grade, password_hash FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((user_from_row(&row)?, row.try_get("password_hash")?))
    }

    /// The enabled user holding a live session (neither idle- nor absolutely expired at `now`) with this hash.
    pub async fn user_by_session_hash(
        &self,
        secret_hash: &str,
        now: &str,
    ) -> Result<(UserRow, SessionRow)> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.role, u.review_kind, u.org_id, u.created_at, u.disabled, u.grade, \
             s.id AS session_id, s.created_at AS session_created_at, s.idle_expires_at, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.secret_hash = $1 AND s.idle_expires_at > $2 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(secret_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let session = SessionRow {
            id: row.try_get("session_id")?,
            user_id: row.try_get("id")?,
            created_at: row.try_get("session_created_at")?,
            idle_expires_at: row.try_get("idle_expires_at")?,
            expires_at: row.try_get("expires_at")?,
        };
        Ok((user_from_row(&row)?, session))
    }

    /// Number of sessions of a user (expired ones included until they are deleted).
    pub async fn count_sessions(&self, user_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    /// At most `limit` tokens (of `user_id`, or of everyone) after `after`, in listing order.
    pub async fn tokens_after(
        &self,
        user_id: Option<&str>,
        after: Option<&Position>,
        limit: i64,
    ) -> Result<Vec<TokenRow>> {
        let mut conds = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if user_id.is_some() {
            conds.push(format!("user_id = {}", next()));
        }
        if after.is_some() {
            let (a, b, c) = (next(), next(), next());
            conds.push(format!(
                "(created_at > {a} OR (created_at = {b} AND id > {c}))"
            ));
        }
        let lim = next();
        let sql = format!(
            "{SELECT_TOKEN}{}{} ORDER BY created_at, id LIMIT {lim}",
            if conds.is_empty() { "" } else { " WHERE " },
            conds.join(" AND ")
        );
        let mut q = sqlx::query(&sql);
        if let Some(u) = user_id {
            q = q.bind(u);
        }
        if let Some(p) = after {
            q = q.bind(&p.created_at).bind(&p.created_at).bind(&p.id);
        }
        let rows = q.bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(token_from_row).collect()
    }

    pub async fn tokens(&self, user_id: Option<&str>) -> Result<Vec<TokenRow>> {
        let rows = match user_id {
            Some(u) => {
                sqlx::query(&format!(
                    "{SELECT_TOKEN} WHERE user_id = $1 ORDER BY created_at, id"
                ))
                .bind(u)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{SELECT_TOKEN} ORDER BY created_at, id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(token_from_row).collect()
    }

    pub async fn token(&self, id: &str) -> Result<TokenRow> {
        let row = sqlx::query(&format!("{SELECT_TOKEN} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        token_from_row(&row)
    }

    pub async fn audit_events(
        &self,
        record_id: Option<&str>,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        self.sequence_audit().await?;
        audit::list(&self.pool, record_id, after_seq, limit).await
    }

    /// Audit events matching a filter, after `after_seq`, in order, at most `limit`.
    pub async fn search_audit(
        &self,
        filter: &AuditFilter,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        self.sequence_audit().await?;
        audit::search(&self.pool, filter, after_seq, limit).await
    }

    /// One audit event by sequence number.
    pub async fn audit_event(&self, seq: i64) -> Result<AuditEvent> {
        self.sequence_audit().await?;
        audit::get(&self.pool, seq).await
    }

    /// Recomputes the hash chain and the Merkle tree over the whole log and checks them against the stored
    /// head, the stored tree and the given trusted heads (checkpoints whose signatures the caller checked).
    pub async fn verify_audit(&self, trusted: &[TrustedHead]) -> Result<VerifyReport> {
        self.verify_audit_in_batches(trusted, VERIFY_BATCH).await
    }

    /// [`Store::verify_audit`] reading `batch` events per query instead of [`VERIFY_BATCH`]: the result
    /// is the same for every batch size (tests check the batch boundaries with small batches).
    pub async fn verify_audit_in_batches(
        &self,
        trusted: &[TrustedHead],
        batch: i64,
    ) -> Result<VerifyReport> {
        self.sequence_audit().await?;
        // A SQLite file is read through a read-only connection of the native driver (WAL: it reads a
        // consistent snapshot per query while the service keeps writing); anything else through the pool.
        let reader = match &self.sqlite_file {
            Some(url) => {
                use std::str::FromStr;
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                    .read_only(true)
                    .create_if_missing(false)
                    // Let the driver's thread read ahead without waking this task for every row.
                    .row_buffer_size(1024);
                let pool = sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(opts)
                    .await?;
                audit::LogReader::Sqlite(pool)
            }
            None => audit::LogReader::Any(self.pool.clone()),
        };
        let report = audit::verify(&self.pool, reader.clone(), trusted, batch).await;
        if let audit::LogReader::Sqlite(pool) = reader {
            pool.close().await;
        }
        report
    }

    /// The number of events in the audit tree.
    pub async fn audit_tree_size(&self) -> Result<u64> {
        self.sequence_audit().await?;
        audit::tree_size(&self.pool).await
    }

    /// The Merkle root of the first `size` audit events.
    pub async fn audit_root(&self, size: u64) -> Result<tlog::Hash> {
        audit::root(&self.pool, size).await
    }

    /// The inclusion proof of event `seq` in the tree of the first `size` events.
    pub async fn audit_inclusion_proof(&self, seq: i64, size: u64) -> Result<Vec<tlog::Hash>> {
        audit::inclusion_proof(&self.pool, seq, size).await
    }

    /// The consistency proof between the trees of the first `old` and `new` events.
    pub async fn audit_consistency_proof(&self, old: u64, new: u64) -> Result<Vec<tlog::Hash>> {
        audit::consistency_proof(&self.pool, old, new).await
    }

    /// Makes and stores a checkpoint of the whole audit tree; `sign(size, root)` returns the signed note and
    /// the key id (an error message refuses the checkpoint).
    pub async fn audit_checkpoint(
        &self,
        at: &str,
        sign: impl FnOnce(u64, &tlog::Hash) -> std::result::Result<(String, String), String>,
    ) -> Result<CheckpointRow> {
        self.sequence_audit().await?;
        let mut tx = self.begin().await?;
        let cp = audit::checkpoint(&mut tx.tx, at, sign).await?;
        tx.tx.commit().await?;
        Ok(cp)
    }

    /// Every stored checkpoint, oldest first.
    pub async fn audit_checkpoints(&self) -> Result<Vec<CheckpointRow>> {
        audit::checkpoints(&self.pool).await
    }

    /// The latest stored checkpoint.
    pub async fn latest_audit_checkpoint(&self) -> Result<Option<CheckpointRow>> {
        audit::latest_checkpoint(&self.pool).await
    }

    pub async fn list_versions(&self) -> Result<Vec<ListVersionRow>> {
        let rows = sqlx::query(&format!("{SELECT_LIST} ORDER BY imported_at, id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(list_from_row).collect()
    }

    /// At most `limit` list versions after `after` (import time, id), in import order.
    pub async fn list_versions_after(
        &self,
        after: Option<&Position>,
        limit: i64,
    ) -> Result<Vec<ListVersionRow>> {
        let rows = self
            .keyset_page(SELECT_LIST, "imported_at", after, limit)
            .await?;
        rows.iter().map(list_from_row).collect()
    }

    /// The active snapshot JSON of every list source.
    pub async fn active_list_snapshots(&self) -> Result<Vec<(ListVersionRow, String)>> {
        let rows = sqlx::query(
            "SELECT id, source, format, version, record_count, published, imported_at, active, snapshot \
             FROM list_versions WHERE active = 1 ORDER BY source",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((list_from_row(r)?, r.try_get::<String, _>("snapshot")?)))
            .collect()
    }

    /// The ids of the active list versions, sorted: a cheap fingerprint of what the screening index must hold.
    pub async fn active_list_ids(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM list_versions WHERE active = 1 ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("id")?))
            .collect()
    }

    /// (id, version) of the records of a kind in a state, sorted by id: a cheap fingerprint of their contents.
    pub async fn record_versions(&self, kind: &str, state: &str) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT id, version FROM records WHERE kind = $1 AND state = $2 ORDER BY id",
        )
        .bind(kind)
        .bind(state)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("id")?,
                    r.try_get::<i64, _>("version")?,
                ))
            })
            .collect()
    }

    /// Decision facts recorded until `until` (RFC 3339, compared as text), or all; in sequence order.
    pub async fn decision_facts(&self, until: Option<&str>) -> Result<Vec<FactRow>> {
        let rows = match until {
            Some(u) => {
                sqlx::query(&format!(
                    "{SELECT_FACT} WHERE recorded_at <= $1 ORDER BY seq"
                ))
                .bind(u)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{SELECT_FACT} ORDER BY seq"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(fact_from_row).collect()
    }

    /// The decision facts of one case, in sequence order.
    pub async fn case_decision_facts(&self, case_id: &str) -> Result<Vec<FactRow>> {
        let rows = sqlx::query(&format!("{SELECT_FACT} WHERE case_id = $1 ORDER BY seq"))
            .bind(case_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(fact_from_row).collect()
    }

    /// (count, sum of versions) of the records of a kind: a fingerprint that changes with every insert and
    /// every update (each update raises a record's version), read in one aggregate query without the bodies.
    pub async fn record_fingerprint(&self, kind: &str) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(version), 0) AS BIGINT) AS v \
             FROM records WHERE kind = $1",
        )
        .bind(kind)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get::<i64, _>("n")?, row.try_get::<i64, _>("v")?))
    }

    /// Number of records of a kind.
    pub async fn count_records(&self, kind: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM records WHERE kind = $1")
            .bind(kind)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }
}

/// A writing transaction. Audit events are collected and stored with the change in [`Tx::commit`].
pub struct Tx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    events: Vec<NewAuditEvent>,
    backend: Backend,
    sequences: Arc<std::sync::Mutex<HashSet<String>>>,
    /// The tags stored for each record this transaction locked ([`Tx::get_for_update`]) or wrote: an update
    /// of such a record writes only the tag rows that changed (none, most often) instead of all of them.
    tags_stored: HashMap<String, String>,
}

impl Tx {
    /// Takes the database-wide write lock (the `global` named lock) now, so reads made after it see every
    /// change committed by another holder of it. Use cases that check something across records take it;
    /// a change to one record takes [`Tx::get_for_update`] instead, and number sequences their own lock
    /// ([`Tx::lock_name`]), so unrelated writers do not wait for each other.
    pub async fn lock_writes(&mut self) -> Result<()> {
        self.lock_name("global").await
    }

    /// Takes the named lock `name` until this transaction ends (a row of `write_locks`, upserted: on
    /// PostgreSQL its row lock, on SQLite the one writer holds every lock). Reads made after it see every
    /// change committed by another holder of the same name.
    pub async fn lock_name(&mut self, name: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO write_locks (name, n) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET n = write_locks.n + 1",
        )
        .bind(name)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Reads a record and locks it until this transaction ends: another transaction's change to it waits,
    /// and this read sees the latest committed version (PostgreSQL `FOR UPDATE`; on SQLite the transaction
    /// already holds the one write lock).
    pub async fn get_for_update<T: DeserializeOwned>(
        &mut self,
        kind: &str,
        id: &str,
    ) -> Result<Record<T>> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(&format!("{SELECT_RECORD} WHERE id = $1{lock}"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        let r: Record<T> = record_of_kind(row, kind)?;
        self.tags_stored.insert(r.id.clone(), r.tags.clone());
        Ok(r)
    }

    /// Writes a record's `due_on` (see [`Filter::due_by`]): derived from the record, so neither a new version
    /// nor an audited change.
    pub async fn set_due_on(&mut self, kind: &str, id: &str, due_on: Option<&str>) -> Result<()> {
        let row = sqlx::query("UPDATE records SET due_on = $1 WHERE id = $2 RETURNING kind")
            .bind(due_on)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        // A record deleted since the caller listed it has no due date to write.
        match written_kind(row, kind) {
            Err(StoreError::NotFound) => Ok(()),
            other => other,
        }
    }

    /// The next number of the references of a kind that start with `prefix` (`prefix` + the number, zero-padded
    /// to a fixed width by the caller): a counter row of `write_locks`, locked until this transaction ends, so
    /// two writers never take the same number and other prefixes do not wait. Numbers are never reused, even
    /// when a numbered record is deleted (a count of the stored references handed a deleted draft's successor
    /// a number already taken). The first number taken from a prefix continues after the highest reference
    /// already stored with it (databases from before the counters).
    ///
    /// On PostgreSQL a prefix's counter becomes a sequence at its first use (created under that row lock, then
    /// taken with `nextval`, which holds no lock until commit): writers under one prefix do not wait for each
    /// other, and a number taken by a transaction that then rolls back is not handed out again (a gap), as on
    /// SQLite a deleted draft's number is not. SQLite has one writer at a time, so its counter row costs no
    /// waiting it would not have anyway.
    pub async fn next_number(&mut self, kind: &str, prefix: &str) -> Result<i64> {
        let name = format!("number:{kind}:{prefix}");
        if self.backend == Backend::Postgres {
            return self.next_in_sequence(&name, kind, prefix).await;
        }
        self.next_counted(&name, kind, prefix).await
    }

    /// The PostgreSQL path of [`Tx::next_number`]: `nextval` of the prefix's sequence, created (continuing
    /// after the counter row and the highest stored reference) by the first taker, under the counter row's lock.
    async fn next_in_sequence(&mut self, name: &str, kind: &str, prefix: &str) -> Result<i64> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(name.as_bytes());
        let seq: String = format!(
            "number_{}",
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let known = self
            .sequences
            .lock()
            .map_err(|_| StoreError::Unavailable("sequence cache poisoned".into()))?
            .contains(&seq);
        let exists = known
            || sqlx::query_scalar::<_, Option<String>>("SELECT to_regclass($1)::text")
                .bind(&seq)
                .fetch_one(&mut *self.tx)
                .await?
                .is_some();
        if !exists {
            // Under the counter row's lock, one number past every number the counter handed out (and the
            // highest stored reference). A second first taker waits here for the first to commit, then finds
            // the sequence made: every number comes from `nextval`, so none is handed out twice.
            let start = self.next_counted(name, kind, prefix).await?;
            // The name is hex digits under a fixed prefix: nothing to quote.
            sqlx::query(&format!(
                "CREATE SEQUENCE IF NOT EXISTS {seq} START WITH {start}"
            ))
            .execute(&mut *self.tx)
            .await?;
        }
        let n: i64 = sqlx::query_scalar(&format!("SELECT nextval('{seq}')"))
            .fetch_one(&mut *self.tx)
            .await?;
        // Known from now on only if this transaction commits its creation; a sequence created by a transaction
        // that rolls back is gone again, so it is remembered only when it existed before (`exists`) or, for a
        // new one, by the next writer that finds it.
        if exists && !known {
            if let Ok(mut s) = self.sequences.lock() {
                s.insert(seq);
            }
        }
        Ok(n)
    }

    /// [`Tx::next_number`] by the prefix's counter row in `write_locks`, locked until this transaction ends.
    async fn next_counted(&mut self, name: &str, kind: &str, prefix: &str) -> Result<i64> {
        if let Some(row) =
            sqlx::query("UPDATE write_locks SET n = n + 1 WHERE name = $1 RETURNING n")
                .bind(name)
                .fetch_optional(&mut *self.tx)
                .await?
        {
            return Ok(row.try_get::<i64, _>("n")?);
        }
        let highest: Option<String> = sqlx::query_scalar(
            "SELECT MAX(reference) FROM records WHERE kind = $1 AND reference LIKE $2 ESCAPE '\\'",
        )
        .bind(kind)
        .bind(format!("{}%", like_escape(prefix)))
        .fetch_one(&mut *self.tx)
        .await?;
        let stored = highest
            .as_deref()
            .and_then(|r| r.strip_prefix(prefix))
            .and_then(|n| n.parse::<i64>().ok())
            .unwrap_or(0);
        // Two first takers: one inserts, the other's conflict increments what it inserted.
        let row = sqlx::query(
            "INSERT INTO write_locks (name, n) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET n = write_locks.n + 1 RETURNING n",
        )
        .bind(name)
        .bind(stored + 1)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    /// Number of records of a kind whose reference starts with `prefix`.
    pub async fn count_references(&mut self, kind: &str, prefix: &str) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM records WHERE kind = $1 AND reference LIKE $2")
                .bind(kind)
                .bind(format!("{prefix}%"))
                .fetch_one(&mut *self.tx)
                .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    /// Records an audit event to be written with this transaction.
    pub fn audit(&mut self, event: NewAuditEvent) {
        self.events.push(event);
    }

    /// Stores the audit events with the change (unsequenced: [`Store::sequence_audit`] chains them) and
    /// commits. Nothing is stored if any step fails.
    pub async fn commit(mut self) -> Result<()> {
        let events = std::mem::take(&mut self.events);
        audit::insert_pending(&mut self.tx, events).await?;
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn get<T: DeserializeOwned>(&mut self, kind: &str, id: &str) -> Result<Record<T>> {
        let row = sqlx::query(&format!("{SELECT_RECORD} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        record_of_kind(row, kind)
    }

    /// Like [`Store::get_by_reference`], inside the transaction (sees its own writes).
    pub async fn get_by_reference<T: DeserializeOwned>(
        &mut self,
        kind: &str,
        reference: &str,
    ) -> Result<Record<T>> {
        let row = sqlx::query(&format!(
            "{SELECT_RECORD} WHERE kind = $1 AND reference = $2"
        ))
        .bind(kind)
        .bind(reference)
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        record_from_row(&row)
    }

    /// Like [`Store::list`], inside the transaction (sees its own writes; use after `lock_writes` for checks
    /// that must hold at commit).
    pub async fn list<T: DeserializeOwned>(
        &mut self,
        kind: &str,
        filter: &Filter,
    ) -> Result<Vec<Record<T>>> {
        let (sql, binds) = list_query(kind, filter);
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Stores a new record, its body in the current schema of its kind; refused with
    /// [`StoreError::MissingReference`] (naming the field) when it names a record that does not exist or is not
    /// the writer's to name ([`kinds::KINDS`]). The references are checked by the INSERT itself (it writes
    /// nothing unless every named record is there), so a write costs no statement more for them; only a refused
    /// write asks which one is missing.
    pub async fn insert<T: Serialize>(&mut self, r: &Record<T>) -> Result<()> {
        let (body, refs) = Self::body_and_references(r, true)?;
        let (guard, binds) = reference_guard(&refs, 14, r.org_id.as_deref());
        const COLUMNS: &str = "id, kind, org_id, state, reference, assigned_to, tags, version, body, created_at, updated_at, search, body_schema";
        const VALUES: &str = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13";
        let sql = if guard.is_empty() {
            format!("INSERT INTO records ({COLUMNS}) VALUES ({VALUES})")
        } else {
            format!("INSERT INTO records ({COLUMNS}) SELECT {VALUES} WHERE {guard}")
        };
        let mut q = sqlx::query(&sql)
            .bind(&r.id)
            .bind(&r.kind)
            .bind(r.org_id.as_deref())
            .bind(&r.state)
            .bind(r.reference.as_deref())
            .bind(r.assigned_to.as_deref())
            .bind(&r.tags)
            .bind(r.version)
            .bind(body)
            .bind(&r.created_at)
            .bind(&r.updated_at)
            .bind(&r.search)
            .bind(kinds::current_schema(&r.kind));
        for b in &binds {
            q = q.bind(b.as_str());
        }
        if q.execute(&mut *self.tx).await?.rows_affected() != 1 {
            return Err(self.refused(&refs, r.org_id.as_deref()).await);
        }
        write_tags(&mut self.tx, &r.kind, &r.id, Some(""), &r.tags).await?;
        self.tags_stored.insert(r.id.clone(), r.tags.clone());
        Ok(())
    }

    /// The body of `r` as stored JSON, and the references its kind declares ([`kinds::KINDS`]) that the write
    /// must find: the organisation column on insert (`update` never changes it), the references in the body on
    /// every write. A record of a kind that belongs to an organisation, written without one, is refused here.
    fn body_and_references<T: Serialize>(
        r: &Record<T>,
        inserting: bool,
    ) -> Result<(String, Vec<NamedReferences>)> {
        let bad = |e: serde_json::Error| StoreError::Invalid(e.to_string());
        let Some(spec) = kinds::spec(&r.kind).filter(|s| !s.references.is_empty()) else {
            return Ok((serde_json::to_string(&r.body).map_err(bad)?, Vec::new()));
        };
        let body = serde_json::to_value(&r.body).map_err(bad)?;
        let mut refs = Vec::new();
        for reference in spec.references {
            let named = match reference.from {
                kinds::Source::OrgColumn => {
                    if !inserting {
                        continue;
                    }
                    let Some(org) = r.org_id.as_deref() else {
                        return Err(StoreError::MissingReference {
                            field: "org_id".into(),
                            reason: format!("a {} belongs to an organisation", r.kind),
                        });
                    };
                    vec![("org_id".to_string(), org.to_string())]
                }
                kinds::Source::Body(path) => kinds::body_references(&body, path),
            };
            if !named.is_empty() {
                refs.push((reference, named));
            }
        }
        Ok((serde_json::to_string(&body).map_err(bad)?, refs))
    }

    /// Why a write guarded by [`reference_guard`] wrote nothing: the first missing reference, by field; or,
    /// when every reference is there after all (an update whose version moved on), a version conflict.
    async fn refused(&mut self, refs: &[NamedReferences], org: Option<&str>) -> StoreError {
        for (reference, named) in refs {
            if let Err(e) = self.check_references(named, reference, org).await {
                return e;
            }
        }
        StoreError::VersionConflict
    }

    /// Refuses, naming the first such field, unless every (field, id) of `named` names an existing record of
    /// `reference.to` (and, when the reference requires it, one of `org`). One query, however many ids.
    async fn check_references(
        &mut self,
        named: &[(String, String)],
        reference: &kinds::Reference,
        org: Option<&str>,
    ) -> Result<()> {
        if named.is_empty() {
            return Ok(());
        }
        let marks: Vec<String> = (0..named.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id, org_id FROM records WHERE kind = $1 AND id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(reference.to);
        for (_, id) in named {
            q = q.bind(id.as_str());
        }
        let mut found = std::collections::HashMap::new();
        for row in q.fetch_all(&mut *self.tx).await? {
            found.insert(
                row.try_get::<String, _>("id")?,
                row.try_get::<Option<String>, _>("org_id")?,
            );
        }
        for (field, id) in named {
            let missing = match found.get(id) {
                None => true,
                Some(owner) => reference.same_org && owner.as_deref() != org,
            };
            if missing {
                return Err(StoreError::MissingReference {
                    field: field.clone(),
                    reason: format!("no {} {id:?}", reference.to),
                });
            }
        }
        Ok(())
    }

    /// Deletes a record if it is still at `version`; otherwise [`StoreError::VersionConflict`].
    pub async fn delete(&mut self, kind: &str, id: &str, version: i64) -> Result<()> {
        let res = sqlx::query("DELETE FROM records WHERE kind = $1 AND id = $2 AND version = $3")
            .bind(kind)
            .bind(id)
            .bind(version)
            .execute(&mut *self.tx)
            .await?;
        if res.rows_affected() != 1 {
            return Err(StoreError::VersionConflict);
        }
        if kind == kinds::CASE {
            sqlx::query("DELETE FROM screening_hits WHERE case_id = $1")
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        }
        self.tags_stored.remove(id);
        write_tags(&mut self.tx, kind, id, None, "").await
    }

    /// Writes `r` if the stored version is still `r.version - 1` (optimistic concurrency); otherwise
    /// [`StoreError::VersionConflict`].
    ///
    /// The body is stored in the current schema of its kind (a record read from an earlier schema is upgraded
    /// for good here), and its references are checked as on insert, by the UPDATE itself.
    pub async fn update<T: Serialize>(&mut self, r: &Record<T>) -> Result<()> {
        self.write_update(r, None).await
    }

    /// [`Tx::update`] that also sets the record's `due_on` (see [`Filter::due_by`]) in the same statement.
    pub async fn update_due<T: Serialize>(
        &mut self,
        r: &Record<T>,
        due_on: Option<&str>,
    ) -> Result<()> {
        self.write_update(r, Some(due_on)).await
    }

    async fn write_update<T: Serialize>(
        &mut self,
        r: &Record<T>,
        due_on: Option<Option<&str>>,
    ) -> Result<()> {
        let (body, refs) = Self::body_and_references(r, false)?;
        let first = if due_on.is_some() { 13 } else { 12 };
        let (guard, binds) = reference_guard(&refs, first, r.org_id.as_deref());
        // By primary key and version only (see `record_of_kind` for why not the kind too); the kind comes back
        // and is checked, so a record of another kind is never written (the error rolls the transaction back).
        let sql = format!(
            "UPDATE records SET state = $1, assigned_to = $2, tags = $3, version = $4, body = $5, updated_at = $6, reference = $7, search = $8, body_schema = $9{} \
             WHERE id = $10 AND version = $11{}{guard} RETURNING kind",
            if due_on.is_some() { ", due_on = $12" } else { "" },
            if guard.is_empty() { "" } else { " AND " },
        );
        let mut q = sqlx::query(&sql)
            .bind(&r.state)
            .bind(r.assigned_to.as_deref())
            .bind(&r.tags)
            .bind(r.version)
            .bind(body)
            .bind(&r.updated_at)
            .bind(r.reference.as_deref())
            .bind(&r.search)
            .bind(kinds::current_schema(&r.kind))
            .bind(&r.id)
            .bind(r.version - 1);
        if let Some(due) = due_on {
            q = q.bind(due);
        }
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let Some(row) = q.fetch_optional(&mut *self.tx).await? else {
            return Err(self.refused(&refs, r.org_id.as_deref()).await);
        };
        written_kind(Some(row), &r.kind)?;
        let stored = self.tags_stored.get(&r.id).cloned();
        write_tags(&mut self.tx, &r.kind, &r.id, stored.as_deref(), &r.tags).await?;
        self.tags_stored.insert(r.id.clone(), r.tags.clone());
        Ok(())
    }

    /// Stores a new user; refused with [`StoreError::MissingReference`] (`org_id`) when it names an
    /// organisation that does not exist.
    pub async fn insert_user(&mut self, u: &UserRow) -> Result<()> {
        if let Some(org) = u.org_id.as_deref() {
            let org_ref = kinds::Reference {
                from: kinds::Source::OrgColumn,
                to: kinds::ORGANISATION,
                same_org: false,
            };
            self.check_references(&[("org_id".into(), org.into())], &org_ref, None)
                .await?;
        }
        sqlx::query(
            "INSERT INTO users (id, username, role, review_kind, org_id, created_at, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&u.id)
        .bind(&u.username)
        .bind(&u.role)
        .bind(u.review_kind.as_deref())
        .bind(u.org_id.as_deref())
        .bind(&u.created_at)
        .bind(i64::from(u.disabled))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn insert_token(&mut self, t: &TokenRow, token_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO tokens (id, user_id, token_hash, label, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&t.id)
        .bind(&t.user_id)
        .bind(token_hash)
        .bind(&t.label)
        .bind(&t.created_at)
        .bind(&t.expires_at)
        .bind(t.revoked_at.as_deref())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn revoke_token(&mut self, id: &str, at: &str) -> Result<()> {
        let res =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(at)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        if res.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Sets a user's password hash and ends every session of the user. Returns the number of sessions ended.
    pub async fn set_password_hash(&mut self, user_id: &str, hash: &str) -> Result<u64> {
        let res = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        if res.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        self.delete_user_sessions(user_id).await
    }

    pub async fn insert_session(&mut self, s: &SessionRow, secret_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, secret_hash, created_at, idle_expires_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.id)
        .bind(&s.user_id)
        .bind(secret_hash)
        .bind(&s.created_at)
        .bind(&s.idle_expires_at)
        .bind(&s.expires_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Moves a session's idle expiry on (never past its absolute expiry, which the caller computes).
    pub async fn touch_session(&mut self, id: &str, idle_expires_at: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET idle_expires_at = $1 WHERE id = $2")
            .bind(idle_expires_at)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Deletes the session with this secret hash; returns its id and user if there was one.
    pub async fn delete_session(&mut self, secret_hash: &str) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT id, user_id FROM sessions WHERE secret_hash = $1")
            .bind(secret_hash)
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.try_get("id")?;
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(&id)
            .execute(&mut *self.tx)
            .await?;
        Ok(Some((id, row.try_get("user_id")?)))
    }

    /// Deletes every session of a user; returns how many.
    pub async fn delete_user_sessions(&mut self, user_id: &str) -> Result<u64> {
        let res = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(res.rows_affected())
    }

    /// Deletes sessions past their idle or absolute expiry at `now`.
    pub async fn delete_expired_sessions(&mut self, now: &str) -> Result<u64> {
        let res =
            sqlx::query("DELETE FROM sessions WHERE idle_expires_at <= $1 OR expires_at <= $1")
                .bind(now)
                .execute(&mut *self.tx)
                .await?;
        Ok(res.rows_affected())
    }

    /// A user, read inside the transaction (e.g. to check it is still enabled when issuing it a credential).
    pub async fn user_by_id(&mut self, id: &str) -> Result<UserRow> {
        let row = sqlx::query(&format!("{SELECT_USER} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    /// Sets an officer's grade (None: the standard grade).
    pub async fn set_user_grade(&mut self, id: &str, grade: Option<&str>) -> Result<()> {
        let res = sqlx::query("UPDATE users SET grade = $1 WHERE id = $2")
            .bind(grade)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        if res.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Disables or re-enables a user. Disabling also revokes every live token of the user (at `at`) and
    /// deletes its sessions. Returns the number of tokens revoked.
    pub async fn set_user_disabled(&mut self, id: &str, disabled: bool, at: &str) -> Result<u64> {
        let res = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        if res.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        if !disabled {
            return Ok(0);
        }
        self.delete_user_sessions(id).await?;
        let res = sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(res.rows_affected())
    }

    /// The active version of a list source, if any.
    pub async fn active_list_version(&mut self, source: &str) -> Result<Option<ListVersionRow>> {
        let row = sqlx::query(&format!("{SELECT_LIST} WHERE source = $1 AND active = 1"))
            .bind(source)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(list_from_row).transpose()
    }

    /// Stores a list version and makes it the active one for its source.
    pub async fn insert_list_version(
        &mut self,
        row: &ListVersionRow,
        snapshot_json: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE list_versions SET active = 0 WHERE source = $1")
            .bind(&row.source)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(
            "INSERT INTO list_versions (id, source, format, version, record_count, published, imported_at, active, snapshot) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&row.id)
        .bind(&row.source)
        .bind(&row.format)
        .bind(&row.version)
        .bind(row.record_count)
        .bind(row.published.as_deref())
        .bind(&row.imported_at)
        .bind(1_i64)
        .bind(snapshot_json)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// The latest decision fact of a case, if any.
    pub async fn latest_decision_fact(&mut self, case_id: &str) -> Result<Option<FactRow>> {
        let row = sqlx::query(&format!(
            "{SELECT_FACT} WHERE case_id = $1 ORDER BY seq DESC LIMIT 1"
        ))
        .bind(case_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(fact_from_row).transpose()
    }

    /// Appends a decision fact; its `seq` is assigned here (the next number, under the facts' own lock held
    /// until this transaction ends, so concurrent writers cannot take the same number) and returned.
    pub async fn insert_decision_fact(&mut self, f: &FactRow) -> Result<i64> {
        self.lock_name("decision_facts").await?;
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS n FROM decision_facts")
            .fetch_one(&mut *self.tx)
            .await?;
        let seq = row.try_get::<i64, _>("n")? + 1;
        sqlx::query(
            "INSERT INTO decision_facts (seq, case_id, kind, recorded_at, decided_on, supersedes, reason, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(&f.case_id)
        .bind(&f.kind)
        .bind(&f.recorded_at)
        .bind(&f.decided_on)
        .bind(f.supersedes)
        .bind(f.reason.as_deref())
        .bind(&f.body)
        .execute(&mut *self.tx)
        .await?;
        Ok(seq)
    }

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

const SELECT_RECORD: &str = "SELECT id, kind, org_id, state, reference, assigned_to, tags, search, version, body, body_schema, created_at, updated_at FROM records";
/// The columns of [`SELECT_RECORD`] from `records r`, for queries that join it ([`filter_query`]).
const SELECT_RECORD_R: &str = "SELECT r.id, r.kind, r.org_id, r.state, r.reference, r.assigned_to, r.tags, r.search, r.version, r.body, r.body_schema, r.created_at, r.updated_at";
const SELECT_USER: &str =
    "SELECT id, username, role, review_kind, org_id, created_at, disabled, grade FROM users";
const SELECT_TOKEN: &str =
    "SELECT id, user_id, label, created_at, expires_at, revoked_at FROM tokens";
const SELECT_LIST: &str =
    "SELECT id, source, format, version, record_count, published, imported_at, active FROM list_versions";

const SELECT_FACT: &str = "SELECT seq, case_id, kind, recorded_at, decided_on, supersedes, reason, body FROM decision_facts";

fn fact_from_row(row: &AnyRow) -> Result<FactRow> {
    Ok(FactRow {
        seq: row.try_get("seq")?,
        case_id: row.try_get("case_id")?,
        kind: row.try_get("kind")?,
        recorded_at: row.try_get("recorded_at")?,
        decided_on: row.try_get("decided_on")?,
        supersedes: row.try_get("supersedes")?,
        reason: row.try_get("reason")?,
        body: row.try_get("body")?,
    })
}

/// Checks that an UPDATE by id (`... RETURNING kind`) wrote a record of `kind`: NotFound when it wrote none,
/// an error (which rolls the caller's transaction back) when the id is another kind's.
fn written_kind(row: Option<AnyRow>, kind: &str) -> Result<()> {
    let stored: String = row.ok_or(StoreError::NotFound)?.try_get("kind")?;
    if stored != kind {
        return Err(StoreError::Invalid(format!(
            "record is a {stored}, not a {kind}: not written"
        )));
    }
    Ok(())
}

/// The record `row` holds if it is one of `kind` (NotFound otherwise, like no row).
///
/// Reads by id select on the primary key alone (`WHERE id = $1`) and check the kind here: with `kind = $1` in
/// the WHERE as well, PostgreSQL may plan the prepared statement on one of the indexes that lead with the kind
/// (before any `ANALYZE`, every index looks equally cheap) and then read every record of the kind to find one;
/// measured at 1,300 index entries read per look-up with 15,000 cases stored (BENCHMARKS.md, issue 16).
fn record_of_kind<T: DeserializeOwned>(row: Option<AnyRow>, kind: &str) -> Result<Record<T>> {
    let row = row.ok_or(StoreError::NotFound)?;
    if row.try_get::<String, _>("kind")? != kind {
        return Err(StoreError::NotFound);
    }
    record_from_row(&row)
}

/// A record as read: its body upgraded from the schema it was stored in to its kind's current one
/// ([`kinds::decode`]) and deserialised. Every read of `records` goes through here.
fn record_from_row<T: DeserializeOwned>(row: &AnyRow) -> Result<Record<T>> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let body: String = row.try_get("body")?;
    let schema: i64 = row.try_get("body_schema")?;
    let body = kinds::decode(&kind, &id, schema, &body)?;
    Ok(Record {
        id,
        kind,
        org_id: row.try_get("org_id")?,
        state: row.try_get("state")?,
        reference: row.try_get("reference")?,
        assigned_to: row.try_get("assigned_to")?,
        tags: row.try_get("tags")?,
        search: row.try_get("search")?,
        version: row.try_get("version")?,
        body,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn user_from_row(row: &AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: row.try_get("role")?,
        review_kind: row.try_get("review_kind")?,
        org_id: row.try_get("org_id")?,
        created_at: row.try_get("created_at")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        grade: row.try_get("grade")?,
    })
}

fn token_from_row(row: &AnyRow) -> Result<TokenRow> {
    Ok(TokenRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn list_from_row(row: &AnyRow) -> Result<ListVersionRow> {
    Ok(ListVersionRow {
        id: row.try_get("id")?,
        source: row.try_get("source")?,
        format: row.try_get("format")?,
        version: row.try_get("version")?,
        record_count: row.try_get("record_count")?,
        published: row.try_get("published")?,
        imported_at: row.try_get("imported_at")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}
