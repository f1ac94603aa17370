//! Reporting obligations: a licence's `reporting-obligation` condition, made a record when the licence is
//! issued, with one due date per period (every `every_months` from the issue date, up to the validity end or
//! five years), and the structured reports the holder files against them.
//!
//! A report states the deployments since the last one (end user, site, date and, when the end-user declaration
//! limits it, the number of targets the system can handle), whether the declaration's terms were respected, and
//! confirms every attestation the condition names. A report that says the terms were not respected or that a
//! deployment exceeds the target limit carries its concerns and tells the officers (`report.concern`).
//!
//! The record's `due_on` (the first day a period is overdue) puts it in the officers' overdue queue
//! (`?overdue=true`) with the same column the case queues use; a `report-overdue` job per period, scheduled at
//! issue for the day after the due date, tells the exporter organisation (`report.overdue`) if the period is
//! still unfiled and the licence still issued or suspended.

use crate::access::Kind;
use crate::model::{CaseBody, Condition};
use crate::notify::{org_audience, Audience, Event, Subject};
use crate::{audit, new_id, now, text, App, AppError, AppResult, Principal};
use chrono::{Months, NaiveDate};
use domain::{CaseState, Role};
use serde::{Deserialize, Serialize};
use store::{Filter, Record, Tx};
use utoipa::ToSchema;

/// The record kind of reporting obligations.
pub const OBLIGATION: &str = "reporting-obligation";
/// Job kind: tell the exporter a report is overdue.
pub const REPORT_OVERDUE: &str = "report-overdue";
/// Periods of an obligation on a licence without a validity end run this many months from issue.
const HORIZON_MONTHS: u32 = 60;
/// The most targets a declaration may limit a system to (a sanity bound on the number).
const MAX_TARGETS: u64 = 1_000_000;

/// One deployment of the system under the licence, as the exporter reports it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// The end user operating the system (at most 200 characters).
    pub end_user: String,
    /// Where it is deployed (at most 200 characters).
    pub site: String,
    /// The day it was deployed (not in the future).
    pub deployed_on: NaiveDate,
    /// The number of targets the system can handle; required when the condition names a target limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<u64>,
}

/// A report filed against one due date of an obligation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// The due date of the period reported on (one of the obligation's `periods`).
    pub due_on: NaiveDate,
    /// Deployments in the period (at most 200; may be empty).
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    /// Whether the end user respected the end-user declaration's terms in the period.
    pub declaration_respected: bool,
    /// The attestations the condition names, each confirmed by repeating it exactly.
    #[serde(default)]
    pub attestations: Vec<String>,
    /// Remarks (at most 4,000 characters); required when the declaration was not respected.
    #[serde(default)]
    pub remarks: Option<String>,
}

/// A filed report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Report {
    pub deployments: Vec<Deployment>,
    pub declaration_respected: bool,
    pub attestations: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    /// What the authority should look at (the declaration not respected, a target limit exceeded).
    pub concerns: Vec<String>,
    /// Filed after its due date.
    pub late: bool,
    pub filed_by: String,
    pub filed_at: String,
}

/// One due date and its report, once filed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportPeriod {
    pub due_on: NaiveDate,
    pub report: Option<Report>,
}

/// Whether an obligation still waits for reports.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ObligationState {
    /// Some period has no report yet.
    Open,
    /// Every period is reported.
    Complete,
}

impl ObligationState {
    pub const ALL: &'static [ObligationState] = &[ObligationState::Open, ObligationState::Complete];

    pub fn as_str(self) -> &'static str {
        match self {
            ObligationState::Open => "open",
            ObligationState::Complete => "complete",
        }
    }
}

/// The stored body of an obligation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct ObligationBody {
    pub case_id: String,
    pub licence_number: String,
    /// The condition's index in the case's decision.
    pub condition: usize,
    pub every_months: u32,
    pub text: String,
    pub attestations: Vec<String>,
    pub max_targets: Option<u64>,
    pub periods: Vec<ReportPeriod>,
}

impl ObligationBody {
    fn next_due(&self) -> Option<NaiveDate> {
        self.periods
            .iter()
            .find(|p| p.report.is_none())
            .map(|p| p.due_on)
    }

    /// The first day on which the obligation is overdue (the day after its next due date).
    fn overdue_from(&self) -> Option<String> {
        self.next_due()
            .and_then(|d| d.succ_opt())
            .map(|d| d.to_string())
    }
}

/// A reporting obligation as its readers see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportingObligation {
    pub id: String,
    pub state: ObligationState,
    pub case_id: String,
    pub licence_number: String,
    /// The holder organisation.
    pub org_id: String,
    pub every_months: u32,
    pub text: String,
    pub attestations: Vec<String>,
    pub max_targets: Option<u64>,
    pub periods: Vec<ReportPeriod>,
    /// The due date of the first period without a report.
    pub next_due_on: Option<NaiveDate>,
    /// That due date has passed.
    pub overdue: bool,
    pub version: i64,
    pub created_at: String,
}

/// Filters on the obligation listing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObligationFilter {
    /// `open` or `complete`.
    pub state: Option<String>,
    /// Only obligations whose next report is overdue (true) or not (false).
    pub overdue: Option<bool>,
    /// Only the obligations of this licence number.
    pub licence: Option<String>,
}

/// Payload of a `report-overdue` job.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct OverdueJob {
    pub obligation_id: String,
    pub due_on: NaiveDate,
}

/// The due dates of an obligation every `every` months from `from`, up to `until` (or the horizon); a licence
/// valid for less than one period owes one report at its validity end.
pub(crate) fn due_dates(from: NaiveDate, every: u32, until: Option<NaiveDate>) -> Vec<NaiveDate> {
    let end = until
        .or_else(|| from.checked_add_months(Months::new(HORIZON_MONTHS)))
        .unwrap_or(from);
    let mut out = Vec::new();
    for k in 1.. {
        match from.checked_add_months(Months::new(every.saturating_mul(k))) {
            Some(d) if d <= end => out.push(d),
            _ => break,
        }
    }
    if out.is_empty() {
        out.push(end.max(from));
    }
    out
}

/// Checks the monitoring terms of a reporting-obligation condition at `field` (in an approval or final advice).
pub(crate) fn validate_obligation_terms(
    field: &str,
    attestations: &[String],
    max_targets: Option<u64>,
) -> AppResult<()> {
    let f = format!("{field}.attestations");
    let trimmed: Vec<&str> = attestations.iter().map(|a| a.trim()).collect();
    crate::bounded_unique(&f, &trimmed, 20)?;
    for (i, a) in attestations.iter().enumerate() {
        text(&format!("{f}[{i}]"), a, 500)?;
    }
    if let Some(m) = max_targets {
        if m == 0 || m > MAX_TARGETS {
            return Err(AppError::invalid(
                format!("{field}.max_targets"),
                format!("must be between 1 and {MAX_TARGETS}"),
            ));
        }
    }
    Ok(())
}

fn view(r: Record<ObligationBody>, today: NaiveDate) -> ReportingObligation {
    let next = r.body.next_due();
    ReportingObligation {
        id: r.id,
        state: if next.is_some() {
            ObligationState::Open
        } else {
            ObligationState::Complete
        },
        case_id: r.body.case_id,
        licence_number: r.body.licence_number,
        org_id: r.org_id.unwrap_or_default(),
        every_months: r.body.every_months,
        text: r.body.text,
        attestations: r.body.attestations,
        max_targets: r.body.max_targets,
        periods: r.body.periods,
        next_due_on: next,
        overdue: next.is_some_and(|d| d < today),
        version: r.version,
        created_at: r.created_at,
    }
}

impl App {
    /// Opens one obligation per reporting-obligation condition of a case just issued, with its due dates and
    /// the overdue notices, in the transaction.
    pub(crate) async fn open_reporting_obligations(
        &self,
        tx: &mut Tx,
        who: &Principal,
        case: &Record<CaseBody>,
    ) -> AppResult<()> {
        let Some(issued) = &case.body.licence_issued else {
            return Ok(());
        };
        let from = crate::cases::date_of(&issued.issued_at, self.calendar());
        self.open_obligations_from(tx, who, case, 0, from).await
    }

    /// Opens the obligations of the case's reporting conditions from the `first`-th condition on, with due
    /// dates counted from `from` (the day, or the day conditions were added to an issued licence).
    pub(crate) async fn open_obligations_from(
        &self,
        tx: &mut Tx,
        who: &Principal,
        case: &Record<CaseBody>,
        first: usize,
        from: NaiveDate,
    ) -> AppResult<()> {
        let (Some(decision), Some(issued)) = (&case.body.decision, &case.body.licence_issued)
        else {
            return Ok(());
        };
        for (i, c) in decision.conditions.iter().enumerate().skip(first) {
            let Condition::ReportingObligation {
                every_months,
                text,
                attestations,
                max_targets,
            } = c
            else {
                continue;
            };
            let body = ObligationBody {
                case_id: case.id.clone(),
                licence_number: issued.number.clone(),
                condition: i,
                every_months: *every_months,
                text: text.trim().to_string(),
                attestations: attestations.iter().map(|a| a.trim().to_string()).collect(),
                max_targets: *max_targets,
                periods: due_dates(from, *every_months, issued.valid_until)
                    .into_iter()
                    .map(|due_on| ReportPeriod {
                        due_on,
                        report: None,
                    })
                    .collect(),
            };
            let mut rec = Record::new(
                new_id(),
                OBLIGATION,
                case.org_id.clone(),
                ObligationState::Open.as_str(),
                body,
                now(),
            );
            rec.tags = format!(",case:{},licence:{},", case.id, issued.number);
            tx.insert(&rec).await?;
            tx.set_due_on(OBLIGATION, &rec.id, rec.body.overdue_from().as_deref())
                .await?;
            for p in &rec.body.periods {
                let after = p.due_on.succ_opt().unwrap_or(p.due_on);
                let payload = OverdueJob {
                    obligation_id: rec.id.clone(),
                    due_on: p.due_on,
                };
                let id = format!("{REPORT_OVERDUE}-{}-{}", rec.id, p.due_on);
                self.enqueue(
                    tx,
                    REPORT_OVERDUE,
                    &payload,
                    Some((id, super::start_of(self, after))),
                )
                .await?;
            }
            audit(
                tx,
                who,
                "open-reporting-obligation",
                OBLIGATION,
                &rec.id,
                None::<&()>,
                Some(&rec.body),
                None,
            );
        }
        Ok(())
    }

    /// The `report-overdue` job: tells the exporter organisation when the period is still unfiled and the
    /// licence still issued or suspended; otherwise does nothing.
    pub(crate) async fn notice_overdue_report(&self, j: OverdueJob) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        let ob = match tx.get::<ObligationBody>(OBLIGATION, &j.obligation_id).await {
            Ok(o) => o,
            Err(store::StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let unfiled = ob
            .body
            .periods
            .iter()
            .any(|p| p.due_on == j.due_on && p.report.is_none());
        let case = crate::case_store::tx_get(&mut tx, &ob.body.case_id).await?;
        let in_force =
            case.state == CaseState::Issued.as_str() || case.state == CaseState::Suspended.as_str();
        if !unfiled || !in_force {
            return Ok(());
        }
        let Some(audience) = org_audience(ob.org_id.as_deref()) else {
            return Ok(());
        };
        let subject = Subject {
            record_kind: OBLIGATION,
            record_id: &ob.id,
            reference: Some(&ob.body.licence_number),
            state: "overdue",
            org_id: ob.org_id.as_deref(),
        };
        self.notify(
            &mut tx,
            &Principal::system(),
            Event::ReportOverdue,
            &subject,
            audience,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reporting obligations the caller may read (the holder's exporters, officers, auditors, administrators).
    pub async fn reporting_obligations(
        &self,
        who: &Principal,
        f: ObligationFilter,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<ReportingObligation>> {
        let mut base = Filter::default();
        if let Some(s) = f.state.as_deref() {
            let st = ObligationState::ALL
                .iter()
                .find(|x| x.as_str() == s)
                .ok_or_else(|| AppError::invalid("state", "must be open or complete"))?;
            base.states = vec![st.as_str().into()];
        }
        if let Some(l) = f.licence.as_deref() {
            crate::record_id("licence", l)?;
            base.tags = vec![format!("licence:{l}")];
        }
        let today = self.today();
        if f.overdue == Some(true) {
            base.due_by = Some(today.to_string());
        }
        let filter = who.list_filter(Kind::Monitoring, base)?;
        let rows =
            crate::listing::page_of::<ObligationBody>(&self.store, OBLIGATION, filter, page, |r| {
                match f.overdue {
                    Some(want) => r.body.next_due().is_some_and(|d| d < today) == want,
                    None => true,
                }
            })
            .await?;
        rows.try_map(|r| Ok(view(r, today)))
    }

    /// One reporting obligation the caller may read.
    pub async fn reporting_obligation(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<ReportingObligation> {
        let r = self
            .store
            .get::<ObligationBody>(OBLIGATION, id)
            .await
            .map_err(crate::not_found("monitoring record"))?;
        let r = self.monitoring_visible(who, r)?;
        Ok(view(r, self.today()))
    }

    /// `r` if the caller may read it (a role that reads no monitoring record is refused as such).
    pub(crate) fn monitoring_visible<T>(
        &self,
        who: &Principal,
        r: Record<T>,
    ) -> AppResult<Record<T>> {
        who.list_filter(Kind::Monitoring, Filter::default())?;
        who.visible(Kind::Monitoring, r)
    }

    /// Files the report of one period, by an exporter of the holder organisation.
    pub async fn file_report(
        &self,
        who: &Principal,
        id: &str,
        n: NewReport,
    ) -> AppResult<ReportingObligation> {
        who.require(&[Role::Exporter], "file end-use reports")?;
        let today = self.today();
        let mut tx = self.store.begin().await?;
        let before = tx
            .get::<ObligationBody>(OBLIGATION, id)
            .await
            .map_err(crate::not_found("monitoring record"))?;
        let before = who.visible(Kind::Monitoring, before)?;
        let ob = &before.body;
        crate::bounded_unique("deployments", &n.deployments, 200)?;
        let mut deployments = Vec::with_capacity(n.deployments.len());
        let mut concerns = Vec::new();
        for (i, d) in n.deployments.iter().enumerate() {
            let f = |x: &str| format!("deployments[{i}].{x}");
            let end_user = text(&f("end_user"), &d.end_user, 200)?;
            let site = text(&f("site"), &d.site, 200)?;
            if d.deployed_on > today {
                return Err(AppError::invalid(
                    f("deployed_on"),
                    format!("is after today ({today})"),
                ));
            }
            if let Some(t) = d.targets {
                if t > MAX_TARGETS {
                    return Err(AppError::invalid(
                        f("targets"),
                        format!("must be at most {MAX_TARGETS}"),
                    ));
                }
            }
            if let Some(max) = ob.max_targets {
                match d.targets {
                    None => {
                        return Err(AppError::invalid(
                            f("targets"),
                            format!("is required: the end-user declaration limits the system to {max} targets"),
                        ))
                    }
                    Some(t) if t > max => concerns.push(format!(
                        "deployment {i} ({end_user}) handles {t} targets, above the declaration's limit of {max}"
                    )),
                    Some(_) => {}
                }
            }
            deployments.push(Deployment {
                end_user,
                site,
                deployed_on: d.deployed_on,
                targets: d.targets,
            });
        }
        let given: Vec<String> = n
            .attestations
            .iter()
            .map(|a| a.trim().to_string())
            .collect();
        crate::bounded_unique("attestations", &given, 20)?;
        for (i, a) in given.iter().enumerate() {
            if !ob.attestations.contains(a) {
                return Err(AppError::invalid(
                    format!("attestations[{i}]"),
                    "is not an attestation this obligation names",
                ));
            }
        }
        if let Some(missing) = ob.attestations.iter().find(|a| !given.contains(a)) {
            return Err(AppError::invalid(
                "attestations",
                format!(
                    "must confirm every attestation the obligation names; missing: {missing:?}"
                ),
            ));
        }
        let remarks = n
            .remarks
            .as_deref()
            .map(|r| text("remarks", r, 4000))
            .transpose()?;
        if !n.declaration_respected {
            if remarks.is_none() {
                return Err(AppError::invalid(
                    "remarks",
                    "is required when the end-user declaration was not respected: say how",
                ));
            }
            concerns.insert(
                0,
                "the exporter reports that the end-user declaration's terms were not respected"
                    .into(),
            );
        }
        let Some(at) = ob.periods.iter().position(|p| p.due_on == n.due_on) else {
            let dates: Vec<String> = ob.periods.iter().map(|p| p.due_on.to_string()).collect();
            return Err(AppError::invalid(
                "due_on",
                format!(
                    "is not a due date of this obligation ({})",
                    dates.join(", ")
                ),
            ));
        };
        if ob.periods[at].report.is_some() {
            return Err(AppError::Conflict(format!(
                "the report due on {} was filed already",
                n.due_on
            )));
        }
        let report = Report {
            deployments,
            declaration_respected: n.declaration_respected,
            attestations: given,
            remarks,
            concerns: concerns.clone(),
            late: today > n.due_on,
            filed_by: who.user_id.clone(),
            filed_at: now(),
        };
        let mut after = before.clone();
        after.body.periods[at].report = Some(report);
        after.state = if after.body.next_due().is_some() {
            ObligationState::Open
        } else {
            ObligationState::Complete
        }
        .as_str()
        .into();
        after.version += 1;
        after.updated_at = now();
        tx.update_due(&after, after.body.overdue_from().as_deref())
            .await?;
        audit(
            &mut tx,
            who,
            "file-report",
            OBLIGATION,
            &after.id,
            Some(&before.body),
            Some(&after.body),
            None,
        );
        if !concerns.is_empty() {
            let subject = Subject {
                record_kind: OBLIGATION,
                record_id: &after.id,
                reference: Some(&after.body.licence_number),
                state: &after.state,
                org_id: after.org_id.as_deref(),
            };
            self.notify(
                &mut tx,
                who,
                Event::ReportConcern,
                &subject,
                Audience::Roles(vec![Role::Officer]),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(view(after, today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn due_dates_run_every_period_up_to_the_validity_end() {
        assert_eq!(
            due_dates(d("2026-01-31"), 6, Some(d("2027-06-30"))),
            vec![d("2026-07-31"), d("2027-01-31")]
        );
        // Month ends clamp (31 January + 1 month is 28 February).
        assert_eq!(
            due_dates(d("2026-01-31"), 1, Some(d("2026-03-31")))[0],
            d("2026-02-28")
        );
        // A licence valid less than one period owes one report at its end.
        assert_eq!(
            due_dates(d("2026-01-01"), 12, Some(d("2026-05-01"))),
            vec![d("2026-05-01")]
        );
        // Without a validity end: five years.
        assert_eq!(due_dates(d("2026-01-01"), 12, None).len(), 5);
        assert_eq!(due_dates(d("2026-01-01"), 1, None).len(), 60);
    }
}
