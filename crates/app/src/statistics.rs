//! Decision facts and public statistics (issue 11).
//!
//! Every outcome of a case (licence issued, issued on appeal, application refused, submitted application
//! withdrawn, lapsed) and every event after issue (licence revoked, surrendered, annulled) writes a
//! [`stats::DecisionFact`] in the transaction that decides it ([`App::change_case`] calls [`decision_fact`]).
//! Statistics read only these facts. A licence issued after its refusal was overturned on appeal is a
//! correction superseding the refusal's fact (both stay). A case is excluded from statistics only by an
//! officer or administrator with a reason: an exclusion is a new fact superseding the case's latest one,
//! audited in the same transaction; facts written after it are exclusions too, so the case stays out. The
//! tables themselves are computed by the pure `stats` crate.

use crate::cases::{clock_intervals, CASE};
use crate::model::CaseBody;
use crate::{audit, not_found, now, text, App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use domain::workdays::Calendar;
use domain::{CaseAction, CaseState, LicenceKind, ReviewKind, Role};
use serde::{Deserialize, Serialize};
use stats::{DecisionFact, FactKind, FactLine, FactOutcome, StoredFact};
use std::collections::{BTreeMap, BTreeSet};
use store::{FactRow, Record, Tx};

/// Suffixes of the case ids under which the parts of a partial decision are recorded.
pub const REFUSED_PART: &str = "#refused";
pub const NO_LICENCE_PART: &str = "#no-licence-required";

/// The fact ids of a case: its own and its parts'.
fn fact_ids(case_id: &str) -> [String; 3] {
    [
        case_id.to_string(),
        format!("{case_id}{REFUSED_PART}"),
        format!("{case_id}{NO_LICENCE_PART}"),
    ]
}

/// An officer's or administrator's request to exclude a case from statistics.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExclusion {
    /// The decided case.
    pub case_id: String,
    /// Why (recorded with the exclusion and in the audit log).
    pub reason: String,
}

/// The authority's date (in its calendar's time zone) of a stored RFC 3339 time.
fn date_of(ts: &str, calendar: &Calendar) -> AppResult<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(ts)
        .map(|d| calendar.date_at(d.with_timezone(&chrono::Utc)))
        .map_err(|e| AppError::Internal(format!("stored time {ts:?}: {e}")))
}

/// The outcome a lifecycle action records, if it records one (`after` is the case as changed). A withdrawal
/// of a draft is no application (nothing was submitted) and records none. An appeal upheld leaves the
/// refusal's fact in force; an appeal overturned records nothing until the licence is issued ("issued on
/// appeal"). Suspension, reinstatement, expiry and exhaustion are not recorded (docs/statistics.md).
fn outcome_of(action: CaseAction, from: CaseState, after: &CaseBody) -> Option<FactOutcome> {
    match action {
        CaseAction::Issue if after.licence_issued.as_ref().is_some_and(|l| l.on_appeal) => {
            Some(FactOutcome::IssuedOnAppeal)
        }
        CaseAction::Issue => Some(FactOutcome::Issued),
        CaseAction::Refuse => Some(FactOutcome::Refused),
        CaseAction::Withdraw if from != CaseState::Draft => Some(FactOutcome::Withdrawn),
        CaseAction::Lapse => Some(FactOutcome::Lapsed),
        CaseAction::ConcludeNoLicenceRequired => Some(FactOutcome::NoLicenceRequired),
        CaseAction::Revoke => Some(FactOutcome::Revoked),
        CaseAction::Surrender => Some(FactOutcome::Surrendered),
        CaseAction::Annul => Some(FactOutcome::Annulled),
        _ => None,
    }
}

fn to_row(
    f: &DecisionFact,
    kind: FactKind,
    supersedes: Option<i64>,
    reason: Option<String>,
) -> AppResult<FactRow> {
    Ok(FactRow {
        seq: 0,
        case_id: f.case_id.clone(),
        kind: kind.as_str().into(),
        recorded_at: now(),
        decided_on: f.decided_on.to_string(),
        supersedes,
        reason,
        body: serde_json::to_string(f).map_err(|e| AppError::Internal(e.to_string()))?,
    })
}

fn from_row(r: FactRow) -> AppResult<StoredFact> {
    Ok(StoredFact {
        seq: r.seq,
        kind: r.kind.parse().map_err(AppError::Internal)?,
        recorded_at: r.recorded_at,
        supersedes: r.supersedes,
        reason: r.reason,
        fact: serde_json::from_str(&r.body)
            .map_err(|e| AppError::Internal(format!("decision fact {}: {e}", r.seq)))?,
    })
}

impl App {
    /// Writes the decision fact of `after` into `tx` when `action` is an outcome. Called by `change_case`
    /// after the state change was applied and before the transaction commits.
    pub(crate) async fn decision_fact(
        &self,
        tx: &mut Tx,
        action: CaseAction,
        from: CaseState,
        after: &Record<CaseBody>,
    ) -> AppResult<()> {
        let parts = after.body.decision.as_ref().and_then(|d| d.parts.as_ref());
        // A partial approval decides its refused and "no licence required" parts now (the licensed part when
        // the licence is issued).
        if let (CaseAction::Approve, Some(parts)) = (action, parts) {
            return self.part_facts(tx, after, parts, true).await;
        }
        let Some(outcome) = outcome_of(action, from, &after.body) else {
            return Ok(());
        };
        let previous = tx.latest_decision_fact(&after.id).await?;
        let decided_on = self.today();
        // An event after issue is recorded against the licence as it was issued: the issuing fact with the
        // event and its date.
        if let (true, Some(p)) = (outcome.is_after_issue(), &previous) {
            let mut fact: DecisionFact =
                serde_json::from_str(&p.body).map_err(|e| AppError::Internal(e.to_string()))?;
            fact.outcome = outcome;
            fact.criteria = vec![];
            fact.decided_on = decided_on;
            return self.insert_fact(tx, &fact, previous).await;
        }
        let mut fact = self.fact_of(after, outcome)?;
        match (outcome, parts) {
            (FactOutcome::Issued | FactOutcome::IssuedOnAppeal, Some(p)) => {
                fact.lines
                    .retain(|l| p.licensed_products.contains(&l.product));
                fact.destinations
                    .retain(|d| p.licensed_destinations.contains(d));
            }
            (FactOutcome::Refused, Some(p)) => {
                fact.lines
                    .retain(|l| !p.no_licence_required.contains(&l.product));
                self.part_facts(tx, after, p, false).await?;
            }
            _ => {}
        }
        self.insert_fact(tx, &fact, previous).await
    }

    /// The facts of the parts of a partial decision other than the case's own outcome: `{case}#refused`
    /// (when `refused`: the refused product lines, or every line to the refused destinations) and
    /// `{case}#no-licence-required` (the product lines that need none, to every destination of the case). Statistics count each as a decision
    /// (docs/statistics.md).
    async fn part_facts(
        &self,
        tx: &mut Tx,
        after: &Record<CaseBody>,
        parts: &crate::partial::DecisionParts,
        refused: bool,
    ) -> AppResult<()> {
        if refused && !parts.refused.is_empty() {
            let mut fact = self.fact_of(after, FactOutcome::Refused)?;
            fact.case_id = format!("{}{}", after.id, REFUSED_PART);
            let products = parts.refused_products();
            let destinations = parts.refused_destinations();
            if products.is_empty() {
                fact.lines
                    .retain(|l| !parts.no_licence_required.contains(&l.product));
            } else {
                fact.lines
                    .retain(|l| products.contains(&l.product.as_str()));
            }
            if !destinations.is_empty() {
                fact.destinations
                    .retain(|d| destinations.contains(&d.as_str()));
            }
            fact.criteria = parts.criteria();
            fact.criteria.sort();
            let previous = tx.latest_decision_fact(&fact.case_id).await?;
            self.insert_fact(tx, &fact, previous).await?;
        }
        if !parts.no_licence_required.is_empty() {
            let mut fact = self.fact_of(after, FactOutcome::NoLicenceRequired)?;
            fact.case_id = format!("{}{}", after.id, NO_LICENCE_PART);
            fact.lines
                .retain(|l| parts.no_licence_required.contains(&l.product));
            let previous = tx.latest_decision_fact(&fact.case_id).await?;
            self.insert_fact(tx, &fact, previous).await?;
        }
        Ok(())
    }

    /// The decision fact of the case `after` with `outcome`, decided today.
    fn fact_of(&self, after: &Record<CaseBody>, outcome: FactOutcome) -> AppResult<DecisionFact> {
        let decided_on = self.today();
        let b = &after.body;
        // Dates in the authority's calendar (its time zone), as the working days are counted.
        let submitted_on = match &b.submitted_at {
            Some(s) => date_of(s, self.calendar())?,
            None => decided_on,
        };
        let policy = self.policy_on(decided_on);
        // Product lines with the control entries their determinations were evaluated with.
        let mut lines: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for d in &b.determinations {
            let entries = d
                .request
                .get("control_entries")
                .and_then(|v| v.as_array())
                .cloned()
                .unwrap_or_default();
            let set = lines.entry(d.product.clone()).or_default();
            for e in entries.iter().filter_map(|e| e.as_str()) {
                set.insert(
                    policy
                        .control_entry(e)
                        .map_or_else(|| e.to_string(), |c| c.code.clone()),
                );
            }
        }
        let lines = lines
            .into_iter()
            .map(|(product, entries)| FactLine {
                cyber_surveillance: entries.iter().any(|e| {
                    policy.control_entry(e).is_some_and(|c| {
                        c.version_on(decided_on)
                            .map_or_else(|| c.is_cyber_surveillance(), |v| v.cyber_surveillance)
                    })
                }),
                control_entries: entries.into_iter().collect(),
                product,
            })
            .collect();
        let (destinations, end_user_types) = match (&b.marketing, &b.export) {
            (Some(m), _) => (
                m.destinations
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<BTreeSet<_>>(),
                m.end_users
                    .iter()
                    .map(|u| u.end_user_type)
                    .collect::<BTreeSet<_>>(),
            ),
            (None, Some(e)) => (
                BTreeSet::from([e.destination.to_string()]),
                BTreeSet::from([e.end_user.end_user_type]),
            ),
            (None, None) => (BTreeSet::new(), BTreeSet::new()),
        };
        let target = b.target_working_days.or(Some(match b.licence {
            LicenceKind::Marketing => self.config.target_marketing_days,
            LicenceKind::Export => self.config.target_export_days,
        }));
        let fact = DecisionFact {
            case_id: after.id.clone(),
            licence: b.licence,
            lines,
            destinations: destinations.into_iter().collect(),
            end_user_types: end_user_types.into_iter().collect(),
            outcome,
            criteria: match (outcome, &b.decision) {
                (FactOutcome::Refused, Some(d)) => d
                    .criteria
                    .iter()
                    .copied()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                _ => vec![],
            },
            submitted_on,
            decided_on,
            working_days: self
                .calendar()
                .elapsed(&clock_intervals(&b.history, self.calendar()), decided_on),
            target_working_days: target,
            human_rights_review: b.required_reviews.contains(&ReviewKind::HumanRights),
            policy_version: b.policy_version.clone(),
        };
        Ok(fact)
    }

    /// Stores `fact` as the case's newest, superseding `previous`: an exclusion stays an exclusion (with its
    /// reason), an event after issue is of kind `after-issue`, another outcome after an earlier one (a
    /// licence issued on appeal after the refusal) is a correction.
    async fn insert_fact(
        &self,
        tx: &mut Tx,
        fact: &DecisionFact,
        previous: Option<FactRow>,
    ) -> AppResult<()> {
        let (kind, reason) = match &previous {
            Some(p) if p.kind == FactKind::Exclusion.as_str() => {
                (FactKind::Exclusion, p.reason.clone())
            }
            _ if fact.outcome.is_after_issue() => (FactKind::AfterIssue, None),
            Some(_) => (FactKind::Correction, None),
            None => (FactKind::Outcome, None),
        };
        tx.insert_decision_fact(&to_row(fact, kind, previous.map(|p| p.seq), reason)?)
            .await?;
        Ok(())
    }

    /// Excludes a decided case from statistics, with a reason (officers and administrators; audited).
    pub async fn exclude_from_statistics(
        &self,
        who: &Principal,
        b: NewExclusion,
    ) -> AppResult<StoredFact> {
        who.require(
            &[Role::Officer, Role::Admin],
            "exclude cases from statistics",
        )?;
        crate::record_id("case_id", &b.case_id)?;
        let reason = text("reason", &b.reason, 2000)?;
        let mut tx = self.store.begin().await?;
        tx.lock_writes().await?;
        // The case's row lock too: a decision on it (which holds that lock, not the global one) cannot add a
        // fact between reading the latest facts and superseding them.
        tx.get_for_update::<CaseBody>(CASE, &b.case_id)
            .await
            .map_err(not_found("application"))?;
        // The case's own fact and those of the parts of a partial decision are excluded together.
        let mut latest = Vec::new();
        for fid in fact_ids(&b.case_id) {
            if let Some(p) = tx.latest_decision_fact(&fid).await? {
                latest.push(p);
            }
        }
        if latest.is_empty() {
            return Err(AppError::Conflict(
                "the case has no decision yet; only decided cases count in statistics".into(),
            ));
        }
        if latest
            .iter()
            .all(|p| p.kind == FactKind::Exclusion.as_str())
        {
            return Err(AppError::Conflict(
                "the case is already excluded from statistics".into(),
            ));
        }
        let mut rows = Vec::new();
        for prev in latest
            .into_iter()
            .filter(|p| p.kind != FactKind::Exclusion.as_str())
        {
            let fact: DecisionFact =
                serde_json::from_str(&prev.body).map_err(|e| AppError::Internal(e.to_string()))?;
            let mut row = to_row(
                &fact,
                FactKind::Exclusion,
                Some(prev.seq),
                Some(reason.clone()),
            )?;
            row.seq = tx.insert_decision_fact(&row).await?;
            rows.push(row);
        }
        let row = rows.swap_remove(0);
        let stored = from_row(row)?;
        audit(
            &mut tx,
            who,
            "exclude-from-statistics",
            CASE,
            &b.case_id,
            None::<&()>,
            Some(&stored),
            Some(&reason),
        );
        tx.commit().await?;
        Ok(stored)
    }

    /// The decision facts of a case, superseded ones included (officers, auditors, administrators).
    pub async fn case_decision_facts(
        &self,
        who: &Principal,
        case_id: &str,
    ) -> AppResult<Vec<StoredFact>> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Admin],
            "read decision facts",
        )?;
        crate::case_store::get_without_hits(&self.store, case_id)
            .await
            .map_err(not_found("application"))?;
        let mut out = Vec::new();
        for fid in fact_ids(case_id) {
            for r in self.store.case_decision_facts(&fid).await? {
                out.push(from_row(r)?);
            }
        }
        out.sort_by_key(|f| f.seq);
        Ok(out)
    }

    /// The public statistics of a period (`2026` or `2026-Q3`) as of a time (RFC 3339; default: when the latest
    /// fact was recorded, so that repeated requests give the same bytes until a new fact arrives). No caller:
    /// anyone may read them.
    pub async fn public_statistics(
        &self,
        period: &str,
        as_of: Option<&str>,
    ) -> AppResult<stats::Report> {
        let period = stats::Period::parse(period).map_err(|e| AppError::invalid("period", e.0))?;
        let as_of = match as_of {
            Some(a) => {
                let t = chrono::DateTime::parse_from_rfc3339(a).map_err(|_| {
                    AppError::invalid(
                        "as_of",
                        "must be an RFC 3339 time such as 2026-12-31T23:59:59Z",
                    )
                })?;
                Some(
                    t.with_timezone(&chrono::Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                )
            }
            None => None,
        };
        let rows = self.store.decision_facts(as_of.as_deref()).await?;
        let facts: Vec<StoredFact> = rows.into_iter().map(from_row).collect::<AppResult<_>>()?;
        let as_of = as_of.unwrap_or_else(|| {
            facts
                .iter()
                .map(|f| f.recorded_at.clone())
                .max()
                .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into())
        });
        Ok(stats::report(
            &facts,
            &period,
            &as_of,
            &stats::Options {
                threshold: self.config.stats_threshold,
                ..Default::default()
            },
        ))
    }
}
