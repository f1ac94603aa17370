//! exportctl use cases: the only code that changes stored state.
//!
//! Each use case takes the calling [`Principal`], checks what its role may do, validates its input into domain
//! types, and makes its change and the change's audit event in one store transaction. Reads apply the
//! isolation rules: an exporter sees only its organisation's records, an adviser only the cases on which its
//! advice was requested; anything else answers [`AppError::NotFound`] exactly like a record that does not exist.

#![forbid(unsafe_code)]

pub(crate) mod access;
pub mod admin;
pub mod advice;
pub mod appeals;
pub mod audit_log;
pub mod auth;
pub(crate) mod case_store;
pub mod cases;
pub mod catch_all;
pub mod delivery;
pub mod demo;
pub mod demo_history;
pub mod denials;
pub mod documents;
pub mod error;
pub mod exemptions;
pub mod exporter;
pub mod final_advice;
pub mod jobs;
pub mod licences;
pub mod listing;
pub mod metrics;
pub mod model;
pub mod monitoring;
pub mod notes;
pub mod notifications;
pub mod notify;
pub mod partial;

pub mod moratorium;
pub mod policy_svc;
pub mod screening_svc;
pub mod shipments;
pub mod statistics;
pub mod timeline;
pub mod verify;
pub mod views;

pub use error::{AppError, AppResult};

use chrono::{NaiveDate, SecondsFormat, Utc};
use domain::workdays::{Calendar, Tz, WorkingWeek};
use domain::{ReviewKind, Role};
use serde::Serialize;
use std::sync::{Arc, RwLock};
use store::{NewAuditEvent, Store, Tx};

/// Service configuration that use cases depend on.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Public holidays excluded from working-day counts, besides those of the reference policy's calendar.
    pub holidays: Vec<NaiveDate>,
    /// The authority's working week (None: the reference policy's calendar, Sunday to Thursday).
    pub working_week: Option<WorkingWeek>,
    /// The authority's time zone, in which "today" and the days of a case's clock are taken (None: the
    /// reference policy's calendar, Asia/Jerusalem).
    pub time_zone: Option<Tz>,
    /// Target working days for marketing licences when policy gives none.
    pub target_marketing_days: u32,
    /// Target working days for export licences when policy gives none.
    pub target_export_days: u32,
    /// Default screening threshold for "possible match".
    pub screening_threshold: f64,
    /// Longest lifetime of an API token, in days.
    pub max_token_days: u32,
    /// List sources (e.g. `ofac-sdn`, `un-sc`, `us-csl-el`) every case must have been screened against before
    /// it can be approved.
    pub required_lists: Vec<String>,
    /// What a confirmed hit means, by list source (`ofac-sdn`) or source and programme (`ofac-sdn/CYBER2`),
    /// over the reference choices of [`lists::reference_consequence`].
    pub hit_consequences: std::collections::BTreeMap<String, lists::HitConsequence>,
    /// Largest share (0 to 1) by which a new list version's record count may fall below the active version of
    /// the same source; a larger drop is refused unless the administrator forces the import.
    pub max_list_drop: f64,
    /// How often to look for list and policy versions and denials-register changes committed by another process
    /// (None: never).
    pub reload_interval: Option<std::time::Duration>,
    /// Browser sessions: idle and absolute lifetime, cookie flags.
    pub sessions: auth::SessionConfig,
    /// The signing key ring (audit checkpoints; licences are signed with its current key); None: no checkpoint
    /// can be signed, the public checkpoint and keys answer 503, and licences are signed with a key kept in
    /// memory only (they cannot be verified after a restart).
    pub signing_keys: Option<std::sync::Arc<keys::KeyRing>>,
    /// Public statistics: counts from 1 to this minus one are suppressed.
    pub stats_threshold: u32,
    /// Notification delivery (SMTP, webhooks) and job retries.
    pub notify: notify::NotifyConfig,
    /// Case documents: where they are stored, their size limit, the virus scanner.
    pub documents: documents::DocumentConfig,

    /// A denial lapses this many years after its date (or its renewal) unless renewed.
    pub denial_lapse_years: u32,
    /// ISO 3166-1 alpha-2 code of this authority's state: the denying state of its own denials.
    pub authority_state: String,
    /// The regime under which this authority notifies its denials (e.g. `wassenaar`).
    pub denial_regime: String,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            holidays: Vec::new(),
            working_week: None,
            time_zone: None,
            target_marketing_days: 20,
            target_export_days: 60,
            screening_threshold: screening::DEFAULT_THRESHOLD,
            max_token_days: 90,
            required_lists: Vec::new(),
            hit_consequences: std::collections::BTreeMap::new(),
            max_list_drop: 0.2,
            reload_interval: Some(std::time::Duration::from_secs(2)),
            sessions: auth::SessionConfig::default(),
            signing_keys: None,
            stats_threshold: 5,
            notify: notify::NotifyConfig::default(),
            documents: documents::DocumentConfig::default(),

            denial_lapse_years: 3,
            authority_state: "IL".into(),
            denial_regime: "wassenaar".into(),
        }
    }
}

/// The authenticated caller. Only this crate constructs one: from a token ([`App::authenticate`]), for the
/// service's own background work ([`App::system`]), or for the local shell operator ([`App::shell_operator`],
/// behind the `shell` feature that only the command-line binary enables). Delivery code therefore cannot make
/// up a caller with more rights than the one it authenticated.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Principal {
    pub(crate) user_id: String,
    pub(crate) username: String,
    pub(crate) role: Role,
    pub(crate) review_kind: Option<ReviewKind>,
    pub(crate) org_id: Option<String>,
    /// The API token (or session) the caller authenticated with, recorded in audit events.
    #[serde(skip)]
    pub(crate) token_id: Option<String>,
    /// Where the caller comes from.
    #[serde(skip)]
    pub(crate) origin: Origin,
}

/// Where a [`Principal`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Authenticated through the API (token or session).
    Api,
    /// The service itself: the lifecycle's "system" actor (expiry, re-screening).
    System,
    /// The local shell operator (`exportctl admin ...`), who has the database in hand anyway.
    Shell,
}

impl Principal {
    /// The built-in actor for work the service does by itself (expiry, re-screening).
    pub(crate) fn system() -> Principal {
        Principal {
            user_id: "system".into(),
            username: "system".into(),
            role: Role::Admin,
            review_kind: None,
            org_id: None,
            token_id: None,
            origin: Origin::System,
        }
    }

    /// The local shell operator: an administrator acting through `exportctl admin` with direct database access.
    /// Only the command-line binary enables the `shell` feature; the HTTP crate cannot construct it.
    #[cfg(feature = "shell")]
    pub fn shell_operator() -> Principal {
        Principal {
            user_id: "shell".into(),
            username: "shell".into(),
            origin: Origin::Shell,
            ..Principal::system()
        }
    }

    pub fn user_id(&self) -> &str {
        &self.user_id
    }
    pub fn username(&self) -> &str {
        &self.username
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn review_kind(&self) -> Option<ReviewKind> {
        self.review_kind
    }
    pub fn org_id(&self) -> Option<&str> {
        self.org_id.as_deref()
    }
    pub fn token_id(&self) -> Option<&str> {
        self.token_id.as_deref()
    }

    /// The lifecycle actor this caller acts as (the transition table's "who"), if any.
    pub(crate) fn actor(&self) -> Option<domain::Actor> {
        if self.origin == Origin::System {
            return Some(domain::Actor::System);
        }
        match self.role {
            Role::Exporter => Some(domain::Actor::Exporter),
            Role::Officer => Some(domain::Actor::Officer),
            _ => None,
        }
    }

    /// Fails with Forbidden unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> AppResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "a user with role {} may not {what}",
                self.role
            )))
        }
    }

    /// The exporter's organisation, or Forbidden for any other role.
    pub fn exporter_org(&self, what: &str) -> AppResult<&str> {
        self.require(&[Role::Exporter], what)?;
        self.org_id
            .as_deref()
            .ok_or_else(|| AppError::Forbidden("exporter without an organisation".into()))
    }

    /// Roles that read every record.
    pub fn reads_everything(&self) -> bool {
        matches!(self.role, Role::Officer | Role::Auditor | Role::Admin)
    }
}

/// The application: the store, the policy in force and the screening index.
pub struct App {
    pub store: Store,
    pub config: AppConfig,
    policies: RwLock<policy_svc::Policies>,
    screening: RwLock<Option<Arc<screening_svc::LoadedIndex>>>,
    /// The index over the denials register (rebuilt by every register change).
    denial_matcher: RwLock<Option<Arc<denials::matcher::Matcher>>>,
    /// What the loaded state was built from: the active list version ids, the published policy records.
    loaded_from: std::sync::Mutex<LoadedFrom>,
    /// Serialises reloads, so that a slower, older reload never replaces a newer one.
    reload_lock: tokio::sync::Mutex<()>,
    calendar: Calendar,
    /// Signs licences at issue.
    signer: licence::Signer,
    /// This process's name in job claims (`jobs.locked_by`).
    worker: String,
}

#[derive(Default)]
struct LoadedFrom {
    lists: Vec<String>,
    policies: Vec<(String, i64)>,
    /// [`store::Store::record_fingerprint`] of the denials register the matcher was built from.
    denials: Option<(i64, i64)>,
}

impl App {
    /// Builds the application over an opened store, loading published policy versions and active lists.
    pub async fn new(store: Store, config: AppConfig) -> AppResult<Arc<App>> {
        let calendar = calendar_for(&config);
        let signer = match &config.signing_keys {
            Some(ring) => {
                let current = ring.current();
                licence::Signer::new(current.id.to_string(), current.signing_key().clone())
            }
            None => {
                tracing::warn!("no licence signing key configured: licences are signed with a key kept in memory only");
                ephemeral_signer()
            }
        };
        let app = Arc::new(App {
            store,
            config,
            policies: RwLock::new(policy_svc::Policies::reference_only()),
            screening: RwLock::new(None),
            denial_matcher: RwLock::new(None),
            loaded_from: std::sync::Mutex::new(LoadedFrom::default()),
            reload_lock: tokio::sync::Mutex::new(()),
            calendar,
            signer,
            worker: format!("worker-{}", new_id()),
        });
        app.reload_policies().await?;
        app.reload_screening_index().await?;
        app.reload_denials().await?;
        app.index_unindexed_cases().await?;
        app.backfill_licence_records().await?;
        if let Some(every) = app.config.reload_interval {
            spawn_reloader(&app, every);
        }
        Ok(app)
    }

    /// Reloads the screening index, the policies and the denials matcher when another process (the CLI,
    /// another server on the same database) has committed list or policy versions or changed the denials
    /// register since they were loaded. Returns whether it did.
    pub async fn reload_if_changed(&self) -> AppResult<bool> {
        let lists = self.store.active_list_ids().await?;
        let policies = self
            .store
            .record_versions(policy_svc::POLICY_VERSION, "published")
            .await?;
        let denials = self.store.record_fingerprint(denials::DENIAL).await?;
        let (lists_changed, policies_changed, denials_changed) = {
            let l = self.loaded_from.lock().unwrap_or_else(|e| e.into_inner());
            (
                l.lists != lists,
                l.policies != policies,
                l.denials != Some(denials),
            )
        };
        if denials_changed {
            // The process that changed the register re-matched the open cases itself; this one only needs
            // the matcher for the cases it matches from now on.
            self.reload_denials().await?;
            tracing::info!("denials register changed: denials matcher rebuilt");
        }
        if policies_changed {
            self.reload_policies().await?;
            tracing::info!("published policy versions changed: policies reloaded");
        }
        if lists_changed {
            self.reload_screening_index().await?;
            tracing::info!("active list versions changed: screening index rebuilt");
        }
        Ok(lists_changed || policies_changed || denials_changed)
    }

    /// Writes the search data of cases stored before it existed (or before its current version), so that list
    /// filters and queue counts find them; then the overdue day of every open case, which depends on the
    /// calendar and time targets of this configuration.
    async fn index_unindexed_cases(&self) -> AppResult<()> {
        self.write_due_days().await?;
        let cases = crate::case_store::unindexed(&self.store, listing::INDEX_MARK).await?;
        for c in &cases {
            let (tags, search) = listing::case_index(&c.body);
            self.store
                .set_index(cases::CASE, &c.id, &tags, &search)
                .await?;
        }
        if !cases.is_empty() {
            tracing::info!(
                cases = cases.len(),
                "search data written for cases stored before it existed"
            );
        }
        Ok(())
    }

    /// The key licences are signed with now (its public half verifies them).
    pub fn licence_signer(&self) -> licence::Signer {
        self.signer.clone()
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The authority's date today (in its time zone).
    pub fn today(&self) -> NaiveDate {
        self.calendar.date_at(clock())
    }

    pub async fn healthy(&self) -> bool {
        self.store.ping().await
    }

    /// Inserts a new record with its creation audit event (the record's body as "after") in one transaction.
    pub(crate) async fn insert_audited<T: Serialize>(
        &self,
        who: &Principal,
        action: &str,
        rec: &store::Record<T>,
    ) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        tx.insert(rec).await?;
        audit(
            &mut tx,
            who,
            action,
            &rec.kind,
            &rec.id,
            None::<&()>,
            Some(&rec.body),
            None,
        );
        tx.commit().await?;
        Ok(())
    }
}

/// A fresh random signing key, its id the first 8 bytes of the public key's SHA-256 in hex.
fn ephemeral_signer() -> licence::Signer {
    use sha2::Digest;
    let key = ed25519_dalek::SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    let id = hex::encode(&sha2::Sha256::digest(key.verifying_key().as_bytes())[..8]);
    licence::Signer::new(id, key)
}

/// Polls for list and policy versions committed elsewhere every `every`, while the app lives.
fn spawn_reloader(app: &Arc<App>, every: std::time::Duration) {
    let weak = Arc::downgrade(app);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(app) = weak.upgrade() else { break };
            if let Err(e) = app.reload_if_changed().await {
                tracing::warn!(error = %e, "cannot check for new list or policy versions");
            }
        }
    });
}

tokio::task_local! {
    /// The business clock of the current task, when a use case runs "as of" another time (see [`as_of`]).
    static CLOCK: chrono::DateTime<Utc>;
}

/// Runs `f` with the business clock ([`now`], [`today`]) set to `at`: the use cases inside decide, date and
/// evaluate policy as on that day. Used to generate the demo history through the ordinary use cases. The
/// audit log keeps the real time at which each event was written ([`wall_now`]).
pub async fn as_of<F: std::future::Future>(at: chrono::DateTime<Utc>, f: F) -> F::Output {
    CLOCK.scope(at, f).await
}

fn clock() -> chrono::DateTime<Utc> {
    CLOCK.try_with(|c| *c).unwrap_or_else(|_| Utc::now())
}

/// Current business time as RFC 3339 UTC with milliseconds (sorts as text).
pub fn now() -> String {
    clock().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The real time, whatever the business clock says (audit events).
pub fn wall_now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The reference authority's date today (in the reference policy's time zone). Use [`App::today`] where
/// the configured time zone is known.
pub fn today() -> NaiveDate {
    policy::reference().calendar().date_at(clock())
}

/// The working-day calendar: the reference policy's (working week, time zone, public holidays 2017-2027),
/// with the configured working week and time zone instead where given, and the configured extra holidays.
pub fn calendar_for(config: &AppConfig) -> Calendar {
    let base = policy::reference().calendar();
    Calendar::with_week(
        config.working_week.unwrap_or(base.working_week()),
        config.time_zone.unwrap_or(base.time_zone()),
        base.holidays(),
    )
    .and_holidays(config.holidays.iter().copied())
}

/// A new identifier: a UUID version 7 (time first, then random bits), so that identifiers made in one
/// process sort in the order they were made. Listings order by (created time, id), and several records made in
/// one transaction share their created time (a revocation's final assessment and its own denial
/// notification): their order is then the order the use case made them in, not a coin toss.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Queues an audit event for `tx`.
#[expect(
    clippy::too_many_arguments,
    reason = "mirrors the audit event's fields"
)]
pub(crate) fn audit<B: Serialize, A: Serialize>(
    tx: &mut Tx,
    who: &Principal,
    action: &str,
    kind: &str,
    id: &str,
    before: Option<&B>,
    after: Option<&A>,
    reason: Option<&str>,
) {
    tx.audit(NewAuditEvent {
        at: wall_now(),
        actor: who.user_id.clone(),
        via: who.token_id.clone(),
        action: action.to_string(),
        record_kind: kind.to_string(),
        record_id: id.to_string(),
        before: before.and_then(|b| serde_json::to_value(b).ok()),
        after: after.and_then(|a| serde_json::to_value(a).ok()),
        reason: reason.map(str::to_string),
    });
}

/// Validates a required free-text field: trimmed, non-empty, bounded.
pub(crate) fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let t = value.trim();
    if t.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AppError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(t.to_string())
}

/// A party's name (an exporter organisation, an end user, a consignee, an intermediary): [`text`], and
/// something screening can match. A name without letters or digits cannot be screened against the sanctions
/// lists, so it is refused here, naming the field, rather than left out of screening without a word.
pub(crate) fn party_name(field: &str, value: &str, max: usize) -> AppResult<String> {
    let t = text(field, value, max)?;
    if !t.chars().any(char::is_alphanumeric) {
        return Err(AppError::invalid(
            field,
            "has no letters or digits, so it cannot be screened against the sanctions lists",
        ));
    }
    Ok(t)
}

/// Validates a list in a body: at most `max` items and no item twice (a repeated item would be stored twice and
/// mean nothing more). Names the field and, for a duplicate, the index of the repeat.
pub(crate) fn bounded_unique<T: PartialEq>(field: &str, items: &[T], max: usize) -> AppResult<()> {
    if items.len() > max {
        return Err(AppError::invalid(
            field,
            format!("at most {max} items, got {}", items.len()),
        ));
    }
    for (i, item) in items.iter().enumerate() {
        if items[..i].contains(item) {
            return Err(AppError::invalid(
                format!("{field}[{i}]"),
                "repeats an earlier item; give each item once",
            ));
        }
    }
    Ok(())
}

/// Validates a record id given in a body (same shape as path ids: 1 to 64 ASCII letters, digits, '-', '_'
/// or '.'), so that nothing else (e.g. a NUL byte, which PostgreSQL refuses) reaches a query.
pub(crate) fn record_id(field: &str, value: &str) -> AppResult<()> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            "must be a record id: 1 to 64 ASCII letters, digits, '-', '_' or '.'",
        ))
    }
}

/// Validates an optional SHA-256 given as 64 hexadecimal digits.
pub(crate) fn sha256_hex(field: &str, value: Option<&str>) -> AppResult<()> {
    match value {
        Some(h) if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) => Err(
            AppError::invalid(field, "must be a SHA-256 digest: 64 hexadecimal digits"),
        ),
        _ => Ok(()),
    }
}

/// Checks a country code against the reference list of the policy in force.
pub(crate) fn known_country(app: &App, field: &str, code: &domain::CountryCode) -> AppResult<()> {
    if app.policy_now().country(code.as_str()).is_some() {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!(
                "{:?} is not a known ISO 3166-1 alpha-2 country",
                code.as_str()
            ),
        ))
    }
}

/// Maps a store NotFound to a NotFound naming the record kind.
pub(crate) fn not_found(kind: &'static str) -> impl Fn(store::StoreError) -> AppError {
    move |e| match e {
        store::StoreError::NotFound => AppError::NotFound(kind),
        other => other.into(),
    }
}
