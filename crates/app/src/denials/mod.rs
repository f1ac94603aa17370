//! The denials register (issue 13): denials of partner states and of this authority, officer changes, strict
//! import, matching of applications against denials in force, the consultation a partner's denial opens, and
//! the notifications owed to partners. Formats and the matching rule: docs/denials.md.

pub mod import;
mod matching;
mod outgoing;

/// The matcher itself is pure and lives with the screening engine it builds on.
pub use screening::denials as matcher;

pub(crate) use matching::open_consultation_blockers;
pub use matching::{CloseConsultation, Consultation, DenialMatch};
pub use outgoing::{DenialNotification, NOTIFICATION};

use crate::{audit, new_id, not_found, now, text, App, AppError, AppResult, Principal};
use chrono::{Datelike, NaiveDate};
use domain::{CountryCode, Role};
use matcher::{DenialKey, DeniedName, Matcher};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::{Filter, Record};
use utoipa::ToSchema;

/// Record kind of a denial.
pub const DENIAL: &str = "denial";

/// Status of a denial as stored: `in-force` or `revoked` (expiry is derived from the date, see
/// [`Denial::status`]).
const IN_FORCE: &str = "in-force";
const REVOKED: &str = "revoked";

/// An end user or consignee named in a denial.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeniedParty {
    pub name: String,
    pub address: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(value_type = Option<String>)]
    pub country: Option<CountryCode>,
}

/// A denial's details, as an officer enters them or a partner's file gives them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DenialInput {
    /// The regime under which the denial was notified, e.g. `wassenaar`, `eu-2021-821`.
    pub regime: String,
    /// ISO 3166-1 alpha-2 code of the denying state.
    #[schema(value_type = String, example = "DE")]
    pub denying_state: CountryCode,
    /// The denying state's own reference for the denial.
    pub reference: String,
    /// Date of the denial.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Control entries (EU codes or Wassenaar aliases), at least one.
    pub control_entries: Vec<String>,
    pub item_description: String,
    pub end_user: DeniedParty,
    pub consignee: Option<DeniedParty>,
    /// ISO 3166-1 alpha-2 destination.
    #[schema(value_type = String, example = "AE")]
    pub destination: CountryCode,
    pub end_use: String,
    /// The criteria the denial cites (e.g. `2`, `7`, or the partner's wording), at least one.
    pub criteria: Vec<String>,
    /// Date the denying state renewed the denial: it lapses counted from this date instead.
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed_on: Option<NaiveDate>,
}

/// Why and by whom a denial was revoked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Revocation {
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// A stored denial.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DenialBody {
    pub details: DenialInput,
    /// A denial of this authority (created by a refusal, or a suspension, revocation or annulment of one of its
    /// licences).
    pub own: bool,
    /// For a denial of this authority: the case and the event that created it.
    pub case_id: Option<String>,
    pub case_reference: Option<String>,
    /// `refusal`, `suspension`, `revocation` or `annulment` (own denials); absent for partner denials.
    pub event: Option<String>,
    pub recorded_by: String,
    pub revocation: Option<Revocation>,
}

/// A denial as officers and auditors read it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Denial {
    pub id: String,
    /// `in-force`, `revoked`, or `expired` (lapsed: more than the configured number of years, 3 by default,
    /// since its date or its renewal).
    pub status: String,
    /// The last day the denial is in force unless renewed.
    #[schema(value_type = String, format = Date)]
    pub in_force_until: NaiveDate,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    #[serde(flatten)]
    pub body: DenialBody,
}

/// A change of a denial: its new details (replacing the old ones whole).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DenialChange {
    /// Optimistic concurrency: the version last read.
    pub expected_version: Option<i64>,
    pub denial: DenialInput,
}

/// Revocation of a denial by an officer (e.g. the partner withdrew it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeDenial {
    pub reason: String,
    pub expected_version: Option<i64>,
}

/// The last day a denial dated `from` is in force when it lapses after `years`.
pub fn in_force_until(from: NaiveDate, years: u32) -> NaiveDate {
    let target = from.year() + years as i32;
    from.with_year(target)
        .or_else(|| NaiveDate::from_ymd_opt(target, 2, 28))
        .unwrap_or(NaiveDate::MAX)
        .pred_opt()
        .unwrap_or(NaiveDate::MIN)
}

/// The register key of a denial: unique per denying state and reference.
pub(crate) fn register_reference(d: &DenialInput) -> String {
    format!("{}/{}", d.denying_state, d.reference)
}

impl App {
    fn denial_until(&self, d: &DenialInput) -> NaiveDate {
        in_force_until(
            d.renewed_on.unwrap_or(d.date),
            self.config.denial_lapse_years,
        )
    }

    pub(crate) fn denial_view(&self, r: Record<DenialBody>) -> Denial {
        let until = self.denial_until(&r.body.details);
        let status = if r.state == REVOKED {
            REVOKED
        } else if until < self.today() {
            "expired"
        } else {
            IN_FORCE
        };
        Denial {
            id: r.id,
            status: status.into(),
            in_force_until: until,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            body: r.body,
        }
    }

    /// Validates a denial's details into their canonical form (trimmed text, canonical control entries).
    /// Field names are prefixed with `prefix` (empty, or e.g. `denial.`).
    pub(crate) fn validate_denial(&self, prefix: &str, d: DenialInput) -> AppResult<DenialInput> {
        let f = |name: &str| format!("{prefix}{name}");
        let today = self.today();
        if d.control_entries.is_empty() {
            return Err(AppError::invalid(
                f("control_entries"),
                "a denial names at least one control entry",
            ));
        }
        if d.criteria.is_empty() {
            return Err(AppError::invalid(
                f("criteria"),
                "a denial cites at least one criterion",
            ));
        }
        crate::bounded_unique(&f("criteria"), &d.criteria, 20)?;
        let criteria = d
            .criteria
            .iter()
            .enumerate()
            .map(|(i, c)| text(&f(&format!("criteria[{i}]")), c, 200))
            .collect::<AppResult<Vec<_>>>()?;
        if d.date > today {
            return Err(AppError::invalid(f("date"), "must not be in the future"));
        }
        if let Some(r) = d.renewed_on {
            if r < d.date || r > today {
                return Err(AppError::invalid(
                    f("renewed_on"),
                    "must be on or after the denial's date and not in the future",
                ));
            }
        }
        crate::known_country(self, &f("denying_state"), &d.denying_state)?;
        crate::known_country(self, &f("destination"), &d.destination)?;
        let party = |role: &str, p: DeniedParty| -> AppResult<DeniedParty> {
            if let Some(c) = &p.country {
                crate::known_country(self, &f(&format!("{role}.country")), c)?;
            }
            Ok(DeniedParty {
                name: text(&f(&format!("{role}.name")), &p.name, 300)?,
                address: p
                    .address
                    .as_deref()
                    .filter(|a| !a.trim().is_empty())
                    .map(|a| text(&f(&format!("{role}.address")), a, 1000))
                    .transpose()?,
                country: p.country,
            })
        };
        let reference = text(&f("reference"), &d.reference, 100)?;
        if reference.contains('/') {
            return Err(AppError::invalid(
                f("reference"),
                "must not contain '/' (the register key is STATE/reference)",
            ));
        }
        Ok(DenialInput {
            regime: text(&f("regime"), &d.regime, 50)?,
            denying_state: d.denying_state,
            reference,
            date: d.date,
            control_entries: self.canonical_entries(&f("control_entries"), &d.control_entries)?,
            item_description: text(&f("item_description"), &d.item_description, 2000)?,
            end_user: party("end_user", d.end_user)?,
            consignee: d.consignee.map(|c| party("consignee", c)).transpose()?,
            destination: d.destination,
            end_use: text(&f("end_use"), &d.end_use, 2000)?,
            criteria,
            renewed_on: d.renewed_on,
        })
    }

    /// An officer adds a partner's denial to the register. Open cases are matched against it at once.
    pub async fn add_denial(&self, who: &Principal, d: DenialInput) -> AppResult<Denial> {
        who.require(&[Role::Officer], "add denials")?;
        let d = self.validate_denial("", d)?;
        let mut rec = Record::new(
            new_id(),
            DENIAL,
            None,
            IN_FORCE,
            DenialBody {
                details: d.clone(),
                own: false,
                case_id: None,
                case_reference: None,
                event: None,
                recorded_by: who.user_id.clone(),
                revocation: None,
            },
            now(),
        );
        rec.reference = Some(register_reference(&d));
        rec.search = d.end_user.name.to_lowercase();
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        match tx
            .get_by_reference::<DenialBody>(DENIAL, &register_reference(&d))
            .await
        {
            Ok(_) => {
                return Err(AppError::Conflict(format!(
                    "the register already holds denial {} of {}; change that one instead",
                    d.reference, d.denying_state
                )))
            }
            Err(store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        tx.insert(&rec).await?;
        audit(
            &mut tx,
            who,
            "add-denial",
            DENIAL,
            &rec.id,
            None::<&()>,
            Some(&rec.body),
            None,
        );
        tx.commit().await?;
        self.register_changed().await?;
        Ok(self.denial_view(rec))
    }

    /// An officer changes a denial's details (a partner amended or renewed it).
    pub async fn update_denial(
        &self,
        who: &Principal,
        id: &str,
        c: DenialChange,
    ) -> AppResult<Denial> {
        who.require(&[Role::Officer], "change denials")?;
        let d = self.validate_denial("denial.", c.denial)?;
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        let before = tx
            .get::<DenialBody>(DENIAL, id)
            .await
            .map_err(not_found("denial"))?;
        if let Some(v) = c.expected_version.filter(|v| *v != before.version) {
            return Err(AppError::Conflict(format!(
                "the denial is at version {}, not {v}; read it again",
                before.version
            )));
        }
        if before.body.own {
            return Err(AppError::Conflict(
                "a denial of this authority follows its case; it is not changed by hand".into(),
            ));
        }
        if register_reference(&d) != register_reference(&before.body.details) {
            return Err(AppError::invalid(
                "denial.reference",
                "the denying state and reference identify the denial and cannot change",
            ));
        }
        if before.body.details == d {
            tx.rollback().await?;
            return Ok(self.denial_view(before));
        }
        let mut after = before.clone();
        after.body.details = d;
        after.search = after.body.details.end_user.name.to_lowercase();
        after.version += 1;
        after.updated_at = now();
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            "update-denial",
            DENIAL,
            id,
            Some(&before.body),
            Some(&after.body),
            None,
        );
        tx.commit().await?;
        self.register_changed().await?;
        Ok(self.denial_view(after))
    }

    /// An officer revokes a denial (the partner withdrew it), with a reason.
    pub async fn revoke_denial(
        &self,
        who: &Principal,
        id: &str,
        b: RevokeDenial,
    ) -> AppResult<Denial> {
        who.require(&[Role::Officer], "revoke denials")?;
        let reason = text("reason", &b.reason, 2000)?;
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        let before = tx
            .get::<DenialBody>(DENIAL, id)
            .await
            .map_err(not_found("denial"))?;
        if let Some(v) = b.expected_version.filter(|v| *v != before.version) {
            return Err(AppError::Conflict(format!(
                "the denial is at version {}, not {v}; read it again",
                before.version
            )));
        }
        if before.state == REVOKED {
            return Err(AppError::Conflict("the denial is already revoked".into()));
        }
        let mut after = before.clone();
        after.state = REVOKED.into();
        after.body.revocation = Some(Revocation {
            reason: reason.clone(),
            by: who.user_id.clone(),
            at: now(),
        });
        after.version += 1;
        after.updated_at = now();
        tx.update(&after).await?;
        audit(
            &mut tx,
            who,
            "revoke-denial",
            DENIAL,
            id,
            Some(&before.body),
            Some(&after.body),
            Some(&reason),
        );
        tx.commit().await?;
        self.register_changed().await?;
        Ok(self.denial_view(after))
    }

    /// One denial (officers, auditors, administrators).
    pub async fn denial(&self, who: &Principal, id: &str) -> AppResult<Denial> {
        who.require(&[Role::Officer, Role::Auditor, Role::Admin], "read denials")?;
        let r = self
            .store
            .get::<DenialBody>(DENIAL, id)
            .await
            .map_err(not_found("denial"))?;
        Ok(self.denial_view(r))
    }

    /// The register, page by page (officers, auditors, administrators).
    pub async fn denials(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<Denial>> {
        who.require(&[Role::Officer, Role::Auditor, Role::Admin], "read denials")?;
        let rows = crate::listing::page_of::<DenialBody>(
            &self.store,
            DENIAL,
            Filter::default(),
            page,
            |_| true,
        )
        .await?;
        rows.try_map(|r| Ok(self.denial_view(r)))
    }

    /// Rebuilds the matcher from the register's denials in force (expiry is checked when matching), and
    /// remembers the register's fingerprint so that [`App::reload_if_changed`] sees changes made by another
    /// process (`exportctl denials import` on the same database).
    pub async fn reload_denials(&self) -> AppResult<()> {
        let _one_at_a_time = self.reload_lock.lock().await;
        // Taken before reading: a change committed in between makes the next check reload again.
        let fingerprint = self.store.record_fingerprint(DENIAL).await?;
        let rows = self
            .store
            .list::<DenialBody>(
                DENIAL,
                &Filter {
                    states: vec![IN_FORCE.into()],
                    ..Default::default()
                },
            )
            .await?;
        let years = self.config.denial_lapse_years;
        let denials: Vec<(DenialKey, Vec<DeniedName>)> = rows
            .into_iter()
            .map(|r| {
                let d = &r.body.details;
                let mut names = vec![DeniedName {
                    role: "end-user",
                    name: d.end_user.name.clone(),
                }];
                if let Some(c) = &d.consignee {
                    names.push(DeniedName {
                        role: "consignee",
                        name: c.name.clone(),
                    });
                }
                (
                    DenialKey {
                        reference: register_reference(d),
                        denying_state: d.denying_state.to_string(),
                        own: r.body.own,
                        entries: d.control_entries.clone(),
                        destination: d.destination.to_string(),
                        in_force_until: in_force_until(d.renewed_on.unwrap_or(d.date), years),
                        id: r.id,
                    },
                    names,
                )
            })
            .collect();
        let built = tokio::task::spawn_blocking(move || Matcher::build(denials))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        *self
            .denial_matcher
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(built));
        self.loaded_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .denials = Some(fingerprint);
        Ok(())
    }

    pub(crate) fn loaded_denials(&self) -> Option<Arc<Matcher>> {
        self.denial_matcher
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// After a change of the register: rebuild the matcher and re-match every open case, synchronously in the
    /// changing use case (there is no jobs table); returns the number of cases whose matches changed.
    pub(crate) async fn register_changed(&self) -> AppResult<usize> {
        self.reload_denials().await?;
        self.rematch_open_cases().await
    }
}
