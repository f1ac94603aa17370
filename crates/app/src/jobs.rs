//! The durable job runner: background work stored in the `jobs` table (the outbox) in the transaction of the
//! change that needs it, run by [`App::run_pending`].
//!
//! Each job has a stable kind naming its handler; handlers are idempotent where the outside world allows (a
//! webhook message keeps its `webhook-id` on every retry so receivers can de-duplicate; a scheduled reminder
//! checks the case is still waiting before it notifies). A failed attempt is retried after `retry_base`,
//! doubling each time, until `max_attempts`, then the job is `failed` with its last error. Claims are leases:
//! a job claimed by a worker that stopped is claimed again once its lease ends, so a crash between commit and
//! delivery loses nothing.
//!
//! Tests call [`App::run_pending`] directly (deterministic, no sleeping; [`crate::as_of`] moves the clock to
//! make retries due); `serve` runs it in a loop ([`spawn_job_runner`]).

use crate::cases::CASE;
use crate::model::CaseBody;
use crate::notify::{org_audience, Audience, Event, Subject, DELIVER_EMAIL, DELIVER_WEBHOOK};
use crate::{clock, now, App, AppError, AppResult, Principal};
use chrono::{DateTime, SecondsFormat, Utc};
use domain::CaseState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Job kind: remind the exporter of an unanswered information request.
pub const INFORMATION_REMINDER: &str = "information-reminder";
/// Job kind: tell the exporter its licence expires soon.
pub const LICENCE_EXPIRING: &str = "licence-expiring";

/// How long a claimed job stays with its worker before another may take it over, unless the worker renews it:
/// a worker renews the leases of the batch it is running every third of this ([`keep_leases`]), so a job
/// whose worker died is taken over within a minute, and a long job (a re-screen of every open case) is not
/// taken over from a worker that is still running it.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// Jobs claimed at a time.
const BATCH: i64 = 16;

/// What one [`App::run_pending`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobReport {
    /// Jobs that succeeded.
    pub done: usize,
    /// Attempts that failed and will be retried.
    pub retried: usize,
    /// Jobs that failed their last attempt.
    pub failed: usize,
}

/// Payload of an information reminder: the case and how many requests it had when this one was asked.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ReminderJob {
    pub case_id: String,
    pub requests: usize,
}

/// Payload of an expiry notice: the case and the validity end it was scheduled for.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ExpiringJob {
    pub case_id: String,
    pub valid_until: chrono::NaiveDate,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Renews `worker`'s leases on the jobs `ids` to `lease` from now, every third of `lease`, for as long as it
/// is polled (the runner polls it beside the batch and drops it when the batch ends). A failed renewal is
/// logged and tried again at the next beat: the jobs stay claimed until their lease runs out.
pub async fn keep_leases(
    store: &store::Store,
    worker: &str,
    ids: &[String],
    lease: chrono::Duration,
) {
    let every = (lease / 3)
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(20));
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = store
            .renew_job_leases(worker, ids, &stamp(clock() + lease))
            .await
        {
            tracing::warn!(error = %e, "renewing job leases failed");
        }
    }
}

impl App {
    /// Runs every job due now (by the business clock), claiming them in batches until none is due. Attempts
    /// that fail are rescheduled with backoff (not run again in this call) or marked failed.
    pub async fn run_pending(&self) -> AppResult<JobReport> {
        self.run_pending_of(None).await
    }

    /// [`App::run_pending`] for the jobs of one kind only (`Some(kind)`): what a change that has just
    /// enqueued urgent work (the re-screen after a list import) runs at once instead of waiting for the
    /// runner's next tick. The job is durable either way; this only shortens the wait.
    pub async fn run_pending_of(&self, kind: Option<&str>) -> AppResult<JobReport> {
        let mut report = JobReport::default();
        loop {
            let t = clock();
            let jobs = self
                .store
                .claim_jobs_of(&self.worker, &stamp(t), &stamp(t + LEASE), BATCH, kind)
                .await?;
            if jobs.is_empty() {
                return Ok(report);
            }
            let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
            let heartbeat = keep_leases(&self.store, &self.worker, &ids, LEASE);
            tokio::pin!(heartbeat);
            let batch = self.run_batch(jobs, &mut report);
            tokio::select! {
                done = batch => done?,
                () = &mut heartbeat => unreachable!("the heartbeat runs until the batch ends"),
            }
        }
    }

    /// Runs one claimed batch, recording each job's outcome.
    async fn run_batch(&self, jobs: Vec<store::JobRow>, report: &mut JobReport) -> AppResult<()> {
        for job in jobs {
            let outcome = self.run_job(&job).await;
            let at = now();
            match outcome {
                Ok(()) => {
                    self.store.finish_job(&job.id, &self.worker, &at).await?;
                    report.done += 1;
                }
                Err(e) => {
                    let last = job.attempts >= job.max_attempts;
                    let retry_at = (!last).then(|| stamp(clock() + self.backoff(job.attempts)));
                    tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job attempt failed");
                    self.store
                        .fail_job(&job.id, &self.worker, &e, retry_at.as_deref(), &at)
                        .await?;
                    if last {
                        report.failed += 1;
                    } else {
                        report.retried += 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// The wait before the retry that follows attempt `attempts` (1-based): `retry_base` doubled each time.
    fn backoff(&self, attempts: i64) -> chrono::Duration {
        let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
        let base = chrono::Duration::from_std(self.config.notify.retry_base)
            .unwrap_or(chrono::Duration::seconds(30));
        base * 2_i32.pow(exp)
    }

    /// Runs one attempt of a job; the error is what the job's `last_error` records (no confidential text).
    async fn run_job(&self, job: &store::JobRow) -> Result<(), String> {
        fn parse<T: serde::de::DeserializeOwned>(p: &str) -> Result<T, String> {
            serde_json::from_str(p).map_err(|e| format!("bad payload: {e}"))
        }
        let last = job.attempts >= job.max_attempts;
        match job.kind.as_str() {
            DELIVER_EMAIL => self.deliver_email(parse(&job.payload)?).await,
            DELIVER_WEBHOOK => {
                self.deliver_webhook(parse(&job.payload)?, job.attempts, last)
                    .await
            }
            INFORMATION_REMINDER => self
                .remind_information(parse(&job.payload)?)
                .await
                .map_err(|e| e.to_string()),
            LICENCE_EXPIRING => self
                .notice_expiring(parse(&job.payload)?)
                .await
                .map_err(|e| e.to_string()),
            crate::documents::SCAN_DOCUMENT => self.scan_document(parse(&job.payload)?).await,
            crate::screening_svc::RESCREEN => self
                .rescreen_all()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            crate::monitoring::reports::REPORT_OVERDUE => self
                .notice_overdue_report(parse(&job.payload)?)
                .await
                .map_err(|e| e.to_string()),
            other => Err(format!("no handler for job kind {other:?}")),
        }
    }

    async fn remind_information(&self, j: ReminderJob) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        let case = match crate::case_store::tx_get(&mut tx, &j.case_id).await {
            Ok(c) => c,
            Err(store::StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let waiting = case.state == CaseState::AwaitingExporter.as_str()
            && case.body.info_requests.len() == j.requests
            && case
                .body
                .info_requests
                .last()
                .is_some_and(|q| q.answer.is_none());
        if !waiting {
            return Ok(());
        }
        self.notify_case(
            &mut tx,
            Event::InformationReminder,
            &case,
            org_audience(case.org_id.as_deref()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn notice_expiring(&self, j: ExpiringJob) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        let case = match crate::case_store::tx_get(&mut tx, &j.case_id).await {
            Ok(c) => c,
            Err(store::StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let same = case.state == CaseState::Issued.as_str()
            && case
                .body
                .licence_issued
                .as_ref()
                .and_then(|l| l.valid_until)
                == Some(j.valid_until);
        if !same {
            return Ok(());
        }
        self.notify_case(
            &mut tx,
            Event::LicenceExpiring,
            &case,
            org_audience(case.org_id.as_deref()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Notifies `audience` (if any) of `event` on a case, as the service itself.
    pub(crate) async fn notify_case(
        &self,
        tx: &mut store::Tx,
        event: Event,
        case: &store::Record<CaseBody>,
        audience: Option<Audience>,
    ) -> AppResult<()> {
        let Some(audience) = audience else {
            return Ok(());
        };
        let subject = Subject {
            record_kind: CASE,
            record_id: &case.id,
            reference: case.reference.as_deref(),
            state: &case.state,
            org_id: case.org_id.as_deref(),
        };
        self.notify(tx, &Principal::system(), event, &subject, audience)
            .await
    }

    /// Schedules the reminder of the information request just made on `case` (its last request).
    pub(crate) async fn schedule_reminder(
        &self,
        tx: &mut store::Tx,
        case: &store::Record<CaseBody>,
    ) -> AppResult<()> {
        let requests = case.body.info_requests.len();
        let mut at = clock() + chrono::Duration::days(i64::from(self.config.notify.reminder_days));
        // Always before the answer's deadline: at the latest 5 working days before it (as LITE chases at
        // max_days - 5), at the start of that day in the authority's time zone.
        if let Some(due) = case.body.info_requests.last().and_then(|q| q.due_on) {
            let day = self.calendar().working_days_before(due, 5);
            let start = day
                .and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(self.calendar().time_zone()).earliest())
                .map(|t| t.with_timezone(&chrono::Utc));
            if let Some(start) = start {
                at = at.min(start.max(clock()));
            }
        }
        let id = format!("{INFORMATION_REMINDER}-{}-{requests}", case.id);
        let payload = ReminderJob {
            case_id: case.id.clone(),
            requests,
        };
        self.enqueue(tx, INFORMATION_REMINDER, &payload, Some((id, stamp(at))))
            .await
    }

    /// Schedules the expiry notice of a licence just issued (at once if its notice period has begun).
    pub(crate) async fn schedule_expiry_notice(
        &self,
        tx: &mut store::Tx,
        case: &store::Record<CaseBody>,
    ) -> AppResult<()> {
        let Some(until) = case
            .body
            .licence_issued
            .as_ref()
            .and_then(|l| l.valid_until)
        else {
            return Ok(());
        };
        let notice =
            until - chrono::Duration::days(i64::from(self.config.notify.expiry_notice_days));
        let at = notice
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .ok_or_else(|| AppError::Internal("expiry notice date out of range".into()))?
            .max(clock());
        let id = format!("{LICENCE_EXPIRING}-{}-{until}", case.id);
        let payload = ExpiringJob {
            case_id: case.id.clone(),
            valid_until: until,
        };
        self.enqueue(tx, LICENCE_EXPIRING, &payload, Some((id, stamp(at))))
            .await
    }

    /// A job of `kind` by id (tests and operators).
    pub async fn job(&self, id: &str) -> AppResult<store::JobRow> {
        self.store.job(id).await.map_err(crate::not_found("job"))
    }

    /// Every job of a kind, oldest first (tests and operators).
    pub async fn jobs_of_kind(&self, kind: &str) -> AppResult<Vec<store::JobRow>> {
        Ok(self.store.jobs_of_kind(kind).await?)
    }

    /// Jobs counted by kind and state, with the earliest `run_at` of each (the metrics endpoint).
    pub async fn job_counts(&self) -> AppResult<Vec<store::JobCount>> {
        Ok(self.store.job_counts().await?)
    }

    /// The database pool's use: (open connections, idle connections, most connections).
    pub fn pool_use(&self) -> (u32, u32, u32) {
        self.store.pool_use()
    }
}

/// Runs due jobs every `every` while the app lives (started by `serve`).
pub fn spawn_job_runner(app: &Arc<App>, every: std::time::Duration) {
    spawn_every(app, every, |app| async move {
        match app.run_pending().await {
            Ok(r) if r != JobReport::default() => {
                tracing::info!(
                    done = r.done,
                    retried = r.retried,
                    failed = r.failed,
                    "jobs run"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot run pending jobs"),
        }
    });
}

/// Chains the audit events writers left unsequenced every `every` while the app lives (started by `serve`;
/// safe on every instance: sequencers take turns on the chain head). Reads of the log sequence first too, so
/// this bounds how long an event stays outside the chain when nobody reads the log.
pub fn spawn_audit_sequencer(app: &Arc<App>, every: std::time::Duration) {
    spawn_every(app, every, |app| async move {
        if let Err(e) = app.store.sequence_audit().await {
            tracing::warn!(error = %e, "cannot sequence audit events");
        }
    });
}

/// Runs `step` every `every` (a late tick waits, never bursts) until the app is dropped.
fn spawn_every<F, Fut>(app: &Arc<App>, every: std::time::Duration, step: F)
where
    F: Fn(Arc<App>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let weak = Arc::downgrade(app);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(app) = weak.upgrade() else { break };
            step(app).await;
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn event_names_are_unique() {
        let mut names: Vec<&str> = crate::notify::Event::ALL
            .iter()
            .map(|e| e.as_str())
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), crate::notify::Event::ALL.len());
    }
}
