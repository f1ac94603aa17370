//! Durable jobs (the transactional outbox) and what notifications store: in-app notifications, delivery
//! preferences, organisations' webhooks and their delivery log.
//!
//! A job is written with [`Tx::enqueue_job`] in the transaction of the change that needs it, so it exists if
//! and only if the change committed. [`Store::claim_jobs`] hands due jobs to one worker for a lease: on
//! PostgreSQL the candidate rows are locked with `FOR UPDATE SKIP LOCKED` so concurrent workers never claim the
//! same job; on SQLite the claim runs in an `IMMEDIATE` transaction of the one writer. A job whose worker died
//! (its lease ran out while `running`) is claimed again. Claims, completions and retries are operational
//! state, not business changes: they are not audited.

use crate::{Backend, Result, Store, StoreError, Tx};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A job to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub id: String,
    /// The job's stable name (e.g. `deliver-email`), which selects its handler.
    pub kind: String,
    /// JSON handed to the handler.
    pub payload: String,
    /// Not before this time (RFC 3339 UTC).
    pub run_at: String,
    /// Attempts before the job is marked `failed`.
    pub max_attempts: i64,
    pub created_at: String,
}

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub payload: String,
    /// pending, running, done or failed.
    pub state: String,
    /// Attempts started so far (a claim starts one).
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: String,
    pub last_error: Option<String>,
    pub locked_by: Option<String>,
    pub locked_until: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// The number of jobs of one kind in one state.
#[derive(Debug, Clone, PartialEq)]
pub struct JobCount {
    pub kind: String,
    /// pending, running, done or failed.
    pub state: String,
    pub count: i64,
    /// The earliest `run_at` among them.
    pub oldest_run_at: Option<String>,
}

/// An in-app notification for one user.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: String,
    /// The event's stable name (`case.submitted`, `case.assigned`...), listed in docs/notifications.md.
    pub event: String,
    pub record_kind: String,
    pub record_id: String,
    pub reference: Option<String>,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// A user's delivery preferences (in-app notifications are always kept).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PreferenceRow {
    pub user_id: String,
    pub email: Option<String>,
    pub email_enabled: bool,
    pub updated_at: String,
}

/// An organisation's webhook endpoint; `secret` is the `whsec_...` signing secret.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub secret: String,
    pub created_by: String,
    pub created_at: String,
    pub active: bool,
}

/// One attempt to deliver a webhook message.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub org_id: String,
    /// The `webhook-id` header: the same for every attempt of one message.
    pub message_id: String,
    pub event: String,
    pub attempt: i64,
    pub at: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    /// delivered, retrying or failed.
    pub outcome: String,
}

const SELECT_JOB: &str = "SELECT id, kind, payload, state, attempts, max_attempts, run_at, last_error, locked_by, locked_until, created_at, finished_at FROM jobs";
const SELECT_NOTIFICATION: &str = "SELECT id, user_id, event, record_kind, record_id, reference, subject, body, created_at, read_at FROM notifications";
const SELECT_WEBHOOK: &str =
    "SELECT id, org_id, url, secret, created_by, created_at, active FROM webhooks";
const SELECT_DELIVERY: &str = "SELECT id, webhook_id, org_id, message_id, event, attempt, at, status_code, error, outcome FROM webhook_deliveries";

fn job_from_row(row: &AnyRow) -> Result<JobRow> {
    Ok(JobRow {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_at: row.try_get("run_at")?,
        last_error: row.try_get("last_error")?,
        locked_by: row.try_get("locked_by")?,
        locked_until: row.try_get("locked_until")?,
        created_at: row.try_get("created_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

fn notification_from_row(row: &AnyRow) -> Result<NotificationRow> {
    Ok(NotificationRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        event: row.try_get("event")?,
        record_kind: row.try_get("record_kind")?,
        record_id: row.try_get("record_id")?,
        reference: row.try_get("reference")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        created_at: row.try_get("created_at")?,
        read_at: row.try_get("read_at")?,
    })
}

fn webhook_from_row(row: &AnyRow) -> Result<WebhookRow> {
    Ok(WebhookRow {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        url: row.try_get("url")?,
        secret: row.try_get("secret")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

fn delivery_from_row(row: &AnyRow) -> Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: row.try_get("id")?,
        webhook_id: row.try_get("webhook_id")?,
        org_id: row.try_get("org_id")?,
        message_id: row.try_get("message_id")?,
        event: row.try_get("event")?,
        attempt: row.try_get("attempt")?,
        at: row.try_get("at")?,
        status_code: row.try_get("status_code")?,
        error: row.try_get("error")?,
        outcome: row.try_get("outcome")?,
    })
}

fn preference_from_row(row: &AnyRow) -> Result<PreferenceRow> {
    Ok(PreferenceRow {
        user_id: row.try_get("user_id")?,
        email: row.try_get("email")?,
        email_enabled: row.try_get::<i64, _>("email_enabled")? != 0,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Tx {
    /// Stores a pending job; it runs only if this transaction commits. A job whose id is already stored is
    /// left as it is (ids of scheduled jobs are derived from what they are for, so scheduling twice is one job).
    pub async fn enqueue_job(&mut self, j: &NewJob) -> Result<()> {
        sqlx::query(
            "INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, run_at, created_at) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&j.id)
        .bind(&j.kind)
        .bind(&j.payload)
        .bind(j.max_attempts)
        .bind(&j.run_at)
        .bind(&j.created_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn insert_notification(&mut self, n: &NotificationRow) -> Result<()> {
        self.insert_notifications(std::slice::from_ref(n)).await
    }

    /// Stores notifications in as few statements as the database allows (one per 50): one event's
    /// notifications to every recipient are one round trip, not one per recipient.
    pub async fn insert_notifications(&mut self, rows: &[NotificationRow]) -> Result<()> {
        const COLUMNS: usize = 10;
        for chunk in rows.chunks(50) {
            let values = (0..chunk.len())
                .map(|r| {
                    let p: Vec<String> = (1..=COLUMNS)
                        .map(|c| format!("${}", r * COLUMNS + c))
                        .collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO notifications (id, user_id, event, record_kind, record_id, reference, subject, body, created_at, read_at) \
                 VALUES {values}"
            );
            let mut q = sqlx::query(&sql);
            for n in chunk {
                q = q
                    .bind(&n.id)
                    .bind(&n.user_id)
                    .bind(&n.event)
                    .bind(&n.record_kind)
                    .bind(&n.record_id)
                    .bind(n.reference.as_deref())
                    .bind(&n.subject)
                    .bind(&n.body)
                    .bind(&n.created_at)
                    .bind(n.read_at.as_deref());
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Enabled users with one of `roles` (and, when given, of `org_id` / with `review_kind`): the recipients of
    /// a notification addressed by role.
    pub async fn recipients(
        &mut self,
        roles: &[&str],
        org_id: Option<&str>,
        review_kind: Option<&str>,
    ) -> Result<Vec<crate::UserRow>> {
        let mut sql = format!("{} WHERE disabled = 0", crate::SELECT_USER);
        let mut binds: Vec<String> = Vec::new();
        let mut parts = Vec::new();
        for r in roles {
            binds.push(r.to_string());
            parts.push(format!("${}", binds.len()));
        }
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(" AND role IN ({})", parts.join(", ")));
        if let Some(o) = org_id {
            binds.push(o.to_string());
            sql.push_str(&format!(" AND org_id = ${}", binds.len()));
        }
        if let Some(k) = review_kind {
            binds.push(k.to_string());
            sql.push_str(&format!(" AND review_kind = ${}", binds.len()));
        }
        sql.push_str(" ORDER BY created_at, id");
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let rows = q.fetch_all(&mut *self.tx).await?;
        rows.iter().map(crate::user_from_row).collect()
    }

    /// A user's delivery preferences, read in the transaction (defaults when never set).
    pub async fn preferences(&mut self, user_id: &str) -> Result<PreferenceRow> {
        let row = sqlx::query(
            "SELECT user_id, email, email_enabled, updated_at FROM notification_preferences WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        match row {
            Some(r) => preference_from_row(&r),
            None => Ok(PreferenceRow {
                user_id: user_id.into(),
                ..PreferenceRow::default()
            }),
        }
    }

    /// Writes a user's delivery preferences.
    pub async fn set_preferences(&mut self, p: &PreferenceRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO notification_preferences (user_id, email, email_enabled, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, email_enabled = excluded.email_enabled, updated_at = excluded.updated_at",
        )
        .bind(&p.user_id)
        .bind(p.email.as_deref())
        .bind(i64::from(p.email_enabled))
        .bind(&p.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn insert_webhook(&mut self, w: &WebhookRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO webhooks (id, org_id, url, secret, created_by, created_at, active) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&w.id)
        .bind(&w.org_id)
        .bind(&w.url)
        .bind(&w.secret)
        .bind(&w.created_by)
        .bind(&w.created_at)
        .bind(i64::from(w.active))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// The active webhooks of an organisation, read in the transaction.
    pub async fn org_webhooks(&mut self, org_id: &str) -> Result<Vec<WebhookRow>> {
        let rows = sqlx::query(&format!(
            "{SELECT_WEBHOOK} WHERE org_id = $1 AND active = 1 ORDER BY created_at, id"
        ))
        .bind(org_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(webhook_from_row).collect()
    }
}

impl Store {
    /// Claims up to `limit` jobs due at `now` for `worker` until `lease_until`: pending jobs whose `run_at` has
    /// come, and running jobs whose lease ran out (their worker stopped). Each claim counts as an attempt.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        now: &str,
        lease_until: &str,
        limit: i64,
    ) -> Result<Vec<JobRow>> {
        self.claim_jobs_of(worker, now, lease_until, limit, None)
            .await
    }

    /// [`Store::claim_jobs`], of one kind only when `kind` is given.
    pub async fn claim_jobs_of(
        &self,
        worker: &str,
        now: &str,
        lease_until: &str,
        limit: i64,
        kind: Option<&str>,
    ) -> Result<Vec<JobRow>> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let of_kind = if kind.is_some() { " AND kind = $2" } else { "" };
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT id FROM jobs WHERE ((state = 'pending' AND run_at <= $1) OR (state = 'running' AND locked_until <= $1)){of_kind} \
             ORDER BY run_at, id LIMIT {limit}{lock}"
        );
        let mut q = sqlx::query_as::<_, (String,)>(&sql).bind(now);
        if let Some(k) = kind {
            q = q.bind(k);
        }
        let rows: Vec<String> = q
            .fetch_all(&mut *tx.tx)
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect();
        let mut claimed = Vec::with_capacity(rows.len());
        for id in rows {
            sqlx::query(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2 WHERE id = $3",
            )
            .bind(worker)
            .bind(lease_until)
            .bind(&id)
            .execute(&mut *tx.tx)
            .await?;
            let row = sqlx::query(&format!("{SELECT_JOB} WHERE id = $1"))
                .bind(&id)
                .fetch_one(&mut *tx.tx)
                .await?;
            claimed.push(job_from_row(&row)?);
        }
        tx.tx.commit().await?;
        Ok(claimed)
    }

    /// Extends to `lease_until` the leases `worker` holds on the jobs `ids` that are still running: the
    /// heartbeat of a worker busy with a batch, so that a short lease lets another instance take over the jobs
    /// of a worker that died without taking over those of one that is only slow. Returns how many it extended
    /// (a job already finished, or taken over after its lease ran out, is not).
    pub async fn renew_job_leases(
        &self,
        worker: &str,
        ids: &[String],
        lease_until: &str,
    ) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let list = (3..3 + ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE jobs SET locked_until = $1 WHERE locked_by = $2 AND state = 'running' AND id IN ({list})"
        );
        let mut q = sqlx::query(&sql).bind(lease_until).bind(worker);
        for id in ids {
            q = q.bind(id);
        }
        Ok(q.execute(&self.pool).await?.rows_affected())
    }

    /// Marks a job claimed by `worker` done. A worker whose lease was taken over changes nothing.
    pub async fn finish_job(&self, id: &str, worker: &str, at: &str) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'done', finished_at = $1, locked_by = NULL, locked_until = NULL, last_error = NULL \
             WHERE id = $2 AND locked_by = $3 AND state = 'running'",
        )
        .bind(at)
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: the job runs again at `retry_at`, or with None is marked `failed` for good.
    pub async fn fail_job(
        &self,
        id: &str,
        worker: &str,
        error: &str,
        retry_at: Option<&str>,
        at: &str,
    ) -> Result<()> {
        let q = match retry_at {
            Some(when) => sqlx::query(
                "UPDATE jobs SET state = 'pending', run_at = $1, last_error = $2, locked_by = NULL, locked_until = NULL \
                 WHERE id = $3 AND locked_by = $4 AND state = 'running'",
            )
            .bind(when.to_string()),
            None => sqlx::query(
                "UPDATE jobs SET state = 'failed', finished_at = $1, last_error = $2, locked_by = NULL, locked_until = NULL \
                 WHERE id = $3 AND locked_by = $4 AND state = 'running'",
            )
            .bind(at.to_string()),
        };
        q.bind(error.to_string())
            .bind(id.to_string())
            .bind(worker.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn job(&self, id: &str) -> Result<JobRow> {
        let row = sqlx::query(&format!("{SELECT_JOB} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        job_from_row(&row)
    }

    /// How many jobs there are of each kind and state, with the earliest `run_at` among them (metrics: queue
    /// depth, oldest waiting job, failures).
    pub async fn job_counts(&self) -> Result<Vec<JobCount>> {
        let rows = sqlx::query(
            "SELECT kind, state, CAST(COUNT(*) AS BIGINT) AS n, MIN(run_at) AS oldest FROM jobs GROUP BY kind, state \
             ORDER BY kind, state",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobCount {
                    kind: r.try_get("kind")?,
                    state: r.try_get("state")?,
                    count: r.try_get("n")?,
                    oldest_run_at: r.try_get("oldest")?,
                })
            })
            .collect()
    }

    /// Jobs of a kind (every state), oldest first.
    pub async fn jobs_of_kind(&self, kind: &str) -> Result<Vec<JobRow>> {
        let rows = sqlx::query(&format!(
            "{SELECT_JOB} WHERE kind = $1 ORDER BY created_at, id"
        ))
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// A user's notifications in (created_at, id) order after the cursor, at most `limit`; only unread ones
    /// when `unread_only`.
    pub async fn notifications(
        &self,
        user_id: &str,
        unread_only: bool,
        after: Option<&crate::Position>,
        limit: u32,
    ) -> Result<Vec<NotificationRow>> {
        let mut sql = format!("{SELECT_NOTIFICATION} WHERE user_id = $1");
        if unread_only {
            sql.push_str(" AND read_at IS NULL");
        }
        let mut binds = vec![user_id.to_string()];
        if let Some(p) = after {
            binds.push(p.created_at.clone());
            binds.push(p.id.clone());
            sql.push_str(" AND (created_at > $2 OR (created_at = $2 AND id > $3))");
        }
        sql.push_str(&format!(" ORDER BY created_at, id LIMIT {limit}"));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(notification_from_row).collect()
    }

    /// One notification of a user (NotFound for another user's).
    pub async fn notification(&self, user_id: &str, id: &str) -> Result<NotificationRow> {
        let row = sqlx::query(&format!(
            "{SELECT_NOTIFICATION} WHERE id = $1 AND user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        notification_from_row(&row)
    }

    /// Marks a user's notification read at `at` (the first time only); NotFound for another user's.
    pub async fn mark_notification_read(
        &self,
        user_id: &str,
        id: &str,
        at: &str,
    ) -> Result<NotificationRow> {
        sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        self.notification(user_id, id).await
    }

    pub async fn preferences(&self, user_id: &str) -> Result<PreferenceRow> {
        let mut tx = self.begin().await?;
        let p = tx.preferences(user_id).await?;
        tx.rollback().await?;
        Ok(p)
    }

    pub async fn webhook(&self, id: &str) -> Result<WebhookRow> {
        let row = sqlx::query(&format!("{SELECT_WEBHOOK} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        webhook_from_row(&row)
    }

    /// Every webhook of an organisation (active or not), oldest first.
    pub async fn webhooks(&self, org_id: &str) -> Result<Vec<WebhookRow>> {
        let rows = sqlx::query(&format!(
            "{SELECT_WEBHOOK} WHERE org_id = $1 ORDER BY created_at, id"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(webhook_from_row).collect()
    }

    /// Appends one delivery attempt to the log.
    pub async fn insert_delivery(&self, d: &DeliveryRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, webhook_id, org_id, message_id, event, attempt, at, status_code, error, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&d.id)
        .bind(&d.webhook_id)
        .bind(&d.org_id)
        .bind(&d.message_id)
        .bind(&d.event)
        .bind(d.attempt)
        .bind(&d.at)
        .bind(d.status_code)
        .bind(d.error.as_deref())
        .bind(&d.outcome)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An organisation's delivery log, newest last, at most `limit` after the cursor.
    pub async fn deliveries(
        &self,
        org_id: &str,
        after: Option<&crate::Position>,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>> {
        let mut sql = format!("{SELECT_DELIVERY} WHERE org_id = $1");
        let mut binds = vec![org_id.to_string()];
        if let Some(p) = after {
            binds.push(p.created_at.clone());
            binds.push(p.id.clone());
            sql.push_str(" AND (at > $2 OR (at = $2 AND id > $3))");
        }
        sql.push_str(&format!(" ORDER BY at, id LIMIT {limit}"));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(delivery_from_row).collect()
    }
}
