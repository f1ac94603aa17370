//! Compliance audits of exporter organisations, and the refusals exporters report themselves.
//!
//! An officer schedules an audit of an organisation (a visit or a desk audit) with the organisation's risk
//! rating; the rating sets when the next audit is due, by the policy's `[deadlines] audit_interval_months`
//! (reference: high 12 months, medium 24, low 36).
//! The officer records findings with a severity; the organisation's exporters answer each finding; the officer
//! closes the audit once every major or critical finding has an answer. The exporter is told when an audit is
//! scheduled and when findings are recorded; the officers when it answers.
//!
//! An exporter reports the business it turned down itself (its ethics committee refused a deal): an
//! `own-refusal` record of its organisation. The organisation's compliance record
//! (`App::compliance_record`) holds its audits and its own refusals.

use crate::access::Kind;
use crate::admin::ORG;
use crate::model::NewOrganisation;
use crate::notify::{org_audience, Audience, Event, Subject};
use crate::{audit, new_id, now, text, App, AppError, AppResult, Principal};
use chrono::{Months, NaiveDate};
use domain::{CountryCode, Role};
use serde::{Deserialize, Serialize};
use store::{Filter, Record};
use utoipa::ToSchema;

/// The record kind of compliance audits.
pub const COMPLIANCE_AUDIT: &str = "compliance-audit";
/// The record kind of refusals an exporter reports itself.
pub const OWN_REFUSAL: &str = "own-refusal";

/// How the audit is carried out.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AuditKind {
    /// At the exporter's premises.
    Visit,
    /// From documents the exporter sends.
    Desk,
}

impl AuditKind {
    pub const ALL: &'static [AuditKind] = &[AuditKind::Visit, AuditKind::Desk];
}

/// The organisation's risk rating.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RiskRating {
    Low,
    Medium,
    High,
}

impl RiskRating {
    pub const ALL: &'static [RiskRating] = &[RiskRating::Low, RiskRating::Medium, RiskRating::High];

    /// Months from one audit to the next under `intervals` (the policy's `[deadlines.audit_interval_months]`).
    pub fn interval_months(self, intervals: &policy::AuditIntervals) -> u32 {
        match self {
            RiskRating::High => intervals.high,
            RiskRating::Medium => intervals.medium,
            RiskRating::Low => intervals.low,
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Observation,
    Minor,
    Major,
    Critical,
}

impl Severity {
    pub const ALL: &'static [Severity] = &[
        Severity::Observation,
        Severity::Minor,
        Severity::Major,
        Severity::Critical,
    ];
}

/// An officer schedules an audit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComplianceAudit {
    /// The audited organisation.
    pub org_id: String,
    pub kind: AuditKind,
    pub risk_rating: RiskRating,
    /// The day of the visit, or by which the desk audit's documents are due (not in the past).
    pub scheduled_on: NaiveDate,
    /// What the audit covers (at most 2,000 characters).
    pub scope: String,
}

/// A finding as recorded.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFinding {
    pub severity: Severity,
    /// What was found (at most 5,000 characters).
    pub text: String,
}

/// Findings recorded at once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFindings {
    /// One to 50 findings.
    pub findings: Vec<NewFinding>,
}

/// The exporter's answer to one finding.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFindingResponse {
    /// The finding's index in the audit's `findings`.
    pub finding: usize,
    /// The answer (at most 5,000 characters).
    pub text: String,
}

/// Closing an audit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditClosure {
    /// The conclusion (at most 5,000 characters).
    pub conclusion: String,
}

/// A finding with its answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    pub text: String,
    pub recorded_at: String,
    pub response: Option<String>,
    pub responded_at: Option<String>,
}

/// A compliance audit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ComplianceAudit {
    pub id: String,
    /// `scheduled`, `findings` (findings recorded, answers awaited) or `closed`.
    pub state: String,
    pub org_id: String,
    pub kind: AuditKind,
    pub risk_rating: RiskRating,
    pub scheduled_on: NaiveDate,
    /// When the next audit is due, from the risk rating.
    pub next_audit_due: NaiveDate,
    pub scope: String,
    pub findings: Vec<Finding>,
    pub conclusion: Option<String>,
    /// The officer who scheduled it (not shown to exporters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<String>,
    pub closed_at: Option<String>,
    pub version: i64,
    pub created_at: String,
}

/// A refusal the exporter decided itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NewOwnRefusal {
    /// The day the exporter turned the business down (not in the future).
    pub decided_on: NaiveDate,
    #[schema(value_type = String, example = "AE")]
    pub destination: CountryCode,
    /// The prospective end user (at most 200 characters).
    pub end_user: String,
    /// The product or capability asked for (at most 500 characters).
    pub product: String,
    /// Why (at most 5,000 characters), e.g. the ethics committee's reasons.
    pub reason: String,
}

/// A recorded own refusal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct OwnRefusal {
    pub id: String,
    pub org_id: String,
    pub refusal: NewOwnRefusal,
    pub reported_by: String,
    pub reported_at: String,
}

/// An organisation's compliance record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComplianceRecord {
    pub org_id: String,
    pub audits: Vec<ComplianceAudit>,
    pub own_refusals: Vec<OwnRefusal>,
}

fn audit_view(who: &Principal, mut a: Record<ComplianceAudit>) -> ComplianceAudit {
    if who.role == Role::Exporter {
        a.body.officer = None;
    }
    a.body.state = a.state;
    a.body.version = a.version;
    a.body
}

impl App {
    /// An officer schedules a compliance audit of an organisation; its exporters are told.
    pub async fn schedule_compliance_audit(
        &self,
        who: &Principal,
        n: NewComplianceAudit,
    ) -> AppResult<ComplianceAudit> {
        who.require(&[Role::Officer], "schedule compliance audits")?;
        crate::record_id("org_id", &n.org_id)?;
        let scope = text("scope", &n.scope, 2000)?;
        let today = self.today();
        if n.scheduled_on < today {
            return Err(AppError::invalid(
                "scheduled_on",
                format!("is before today ({today})"),
            ));
        }
        // The interval is policy data, in force on the day the audit is scheduled.
        let intervals = self
            .policy_on(today)
            .deadlines()
            .and_then(|d| d.audit_interval_months)
            .ok_or_else(|| {
                AppError::Conflict(
                    "the policy in force sets no audit intervals ([deadlines] audit_interval_months); an \
                     administrator publishes them first"
                        .into(),
                )
            })?;
        let next = n
            .scheduled_on
            .checked_add_months(Months::new(n.risk_rating.interval_months(&intervals)))
            .ok_or_else(|| AppError::invalid("scheduled_on", "is too far in the future"))?;
        let mut tx = self.store.begin().await?;
        tx.get::<NewOrganisation>(ORG, &n.org_id)
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => AppError::invalid("org_id", "no such organisation"),
                other => other.into(),
            })?;
        let at = now();
        let id = new_id();
        let body = ComplianceAudit {
            id: id.clone(),
            state: "scheduled".into(),
            org_id: n.org_id.clone(),
            kind: n.kind,
            risk_rating: n.risk_rating,
            scheduled_on: n.scheduled_on,
            next_audit_due: next,
            scope,
            findings: vec![],
            conclusion: None,
            officer: Some(who.user_id.clone()),
            closed_at: None,
            version: 1,
            created_at: at.clone(),
        };
        let rec = Record::new(
            id.clone(),
            COMPLIANCE_AUDIT,
            Some(n.org_id.clone()),
            "scheduled",
            body,
            at,
        );
        tx.insert(&rec).await?;
        audit(
            &mut tx,
            who,
            "schedule-compliance-audit",
            COMPLIANCE_AUDIT,
            &id,
            None::<&()>,
            Some(&rec.body),
            None,
        );
        self.notify_audit(&mut tx, who, &rec, Event::ComplianceAuditScheduled)
            .await?;
        tx.commit().await?;
        Ok(audit_view(who, rec))
    }

    async fn notify_audit(
        &self,
        tx: &mut store::Tx,
        who: &Principal,
        rec: &Record<ComplianceAudit>,
        event: Event,
    ) -> AppResult<()> {
        let audience = if event.for_exporter() {
            org_audience(rec.org_id.as_deref())
        } else {
            Some(match &rec.body.officer {
                Some(o) => Audience::Users(vec![o.clone()]),
                None => Audience::Roles(vec![Role::Officer]),
            })
        };
        let Some(audience) = audience else {
            return Ok(());
        };
        let subject = Subject {
            record_kind: COMPLIANCE_AUDIT,
            record_id: &rec.id,
            reference: Some(&rec.id),
            state: &rec.state,
            org_id: rec.org_id.as_deref(),
        };
        self.notify(tx, who, event, &subject, audience).await
    }

    /// Reads an audit for a change in `tx`, checking the caller may read it.
    async fn audit_for_change(
        &self,
        tx: &mut store::Tx,
        who: &Principal,
        id: &str,
    ) -> AppResult<Record<ComplianceAudit>> {
        let r = tx
            .get::<ComplianceAudit>(COMPLIANCE_AUDIT, id)
            .await
            .map_err(crate::not_found("monitoring record"))?;
        let r = who.visible(Kind::Monitoring, r)?;
        if r.state == "closed" {
            return Err(AppError::Conflict("the audit is closed".into()));
        }
        Ok(r)
    }

    async fn save_audit(
        &self,
        tx: &mut store::Tx,
        who: &Principal,
        action: &str,
        before: &Record<ComplianceAudit>,
        mut after: Record<ComplianceAudit>,
    ) -> AppResult<Record<ComplianceAudit>> {
        after.version = before.version + 1;
        after.updated_at = now();
        after.body.state = after.state.clone();
        after.body.version = after.version;
        tx.update(&after).await?;
        audit(
            tx,
            who,
            action,
            COMPLIANCE_AUDIT,
            &after.id,
            Some(&before.body),
            Some(&after.body),
            None,
        );
        Ok(after)
    }

    /// An officer records findings; the organisation's exporters are told.
    pub async fn record_findings(
        &self,
        who: &Principal,
        id: &str,
        n: NewFindings,
    ) -> AppResult<ComplianceAudit> {
        who.require(&[Role::Officer], "record audit findings")?;
        if n.findings.is_empty() || n.findings.len() > 50 {
            return Err(AppError::invalid("findings", "give 1 to 50 findings"));
        }
        let at = now();
        let mut new = Vec::new();
        for (i, f) in n.findings.iter().enumerate() {
            new.push(Finding {
                severity: f.severity,
                text: text(&format!("findings[{i}].text"), &f.text, 5000)?,
                recorded_at: at.clone(),
                response: None,
                responded_at: None,
            });
        }
        let mut tx = self.store.begin().await?;
        let before = self.audit_for_change(&mut tx, who, id).await?;
        let mut after = before.clone();
        after.body.findings.extend(new);
        after.state = "findings".into();
        let after = self
            .save_audit(&mut tx, who, "record-findings", &before, after)
            .await?;
        self.notify_audit(&mut tx, who, &after, Event::ComplianceAuditFindings)
            .await?;
        tx.commit().await?;
        Ok(audit_view(who, after))
    }

    /// An exporter of the audited organisation answers one finding; the officer is told.
    pub async fn respond_to_finding(
        &self,
        who: &Principal,
        id: &str,
        n: NewFindingResponse,
    ) -> AppResult<ComplianceAudit> {
        who.require(&[Role::Exporter], "answer audit findings")?;
        let answer = text("text", &n.text, 5000)?;
        let mut tx = self.store.begin().await?;
        let before = self.audit_for_change(&mut tx, who, id).await?;
        let Some(f) = before.body.findings.get(n.finding) else {
            return Err(AppError::invalid(
                "finding",
                format!("the audit has {} findings", before.body.findings.len()),
            ));
        };
        if f.response.is_some() {
            return Err(AppError::Conflict(format!(
                "finding {} was answered already",
                n.finding
            )));
        }
        let mut after = before.clone();
        after.body.findings[n.finding].response = Some(answer);
        after.body.findings[n.finding].responded_at = Some(now());
        let after = self
            .save_audit(&mut tx, who, "respond-to-finding", &before, after)
            .await?;
        self.notify_audit(&mut tx, who, &after, Event::ComplianceAuditResponse)
            .await?;
        tx.commit().await?;
        Ok(audit_view(who, after))
    }

    /// An officer closes an audit; every major or critical finding must have been answered.
    pub async fn close_compliance_audit(
        &self,
        who: &Principal,
        id: &str,
        c: AuditClosure,
    ) -> AppResult<ComplianceAudit> {
        who.require(&[Role::Officer], "close compliance audits")?;
        let conclusion = text("conclusion", &c.conclusion, 5000)?;
        let mut tx = self.store.begin().await?;
        let before = self.audit_for_change(&mut tx, who, id).await?;
        if let Some(i) = before
            .body
            .findings
            .iter()
            .position(|f| f.severity >= Severity::Major && f.response.is_none())
        {
            return Err(AppError::Conflict(format!(
                "finding {i} is {} and not answered yet; the exporter answers it first",
                serde_json::to_value(before.body.findings[i].severity)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )));
        }
        let mut after = before.clone();
        after.body.conclusion = Some(conclusion);
        after.body.closed_at = Some(now());
        after.state = "closed".into();
        let after = self
            .save_audit(&mut tx, who, "close-compliance-audit", &before, after)
            .await?;
        tx.commit().await?;
        Ok(audit_view(who, after))
    }

    /// Compliance audits the caller may read (staff all, exporters their organisation's).
    pub async fn compliance_audits(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<ComplianceAudit>> {
        let filter = who.list_filter(Kind::Monitoring, Filter::default())?;
        let rows = crate::listing::page_of::<ComplianceAudit>(
            &self.store,
            COMPLIANCE_AUDIT,
            filter,
            page,
            |_| true,
        )
        .await?;
        rows.try_map(|r| Ok(audit_view(who, r)))
    }

    /// One compliance audit the caller may read.
    pub async fn compliance_audit(&self, who: &Principal, id: &str) -> AppResult<ComplianceAudit> {
        let r = self
            .store
            .get::<ComplianceAudit>(COMPLIANCE_AUDIT, id)
            .await
            .map_err(crate::not_found("monitoring record"))?;
        Ok(audit_view(who, self.monitoring_visible(who, r)?))
    }

    /// An exporter reports business its organisation turned down itself.
    pub async fn report_own_refusal(
        &self,
        who: &Principal,
        n: NewOwnRefusal,
    ) -> AppResult<OwnRefusal> {
        let org = who.exporter_org("report own refusals")?.to_string();
        let today = self.today();
        if n.decided_on > today {
            return Err(AppError::invalid(
                "decided_on",
                format!("is after today ({today})"),
            ));
        }
        crate::known_country(self, "destination", &n.destination)?;
        let refusal = NewOwnRefusal {
            decided_on: n.decided_on,
            destination: n.destination.clone(),
            end_user: text("end_user", &n.end_user, 200)?,
            product: text("product", &n.product, 500)?,
            reason: text("reason", &n.reason, 5000)?,
        };
        let at = now();
        let r = OwnRefusal {
            id: new_id(),
            org_id: org.clone(),
            refusal,
            reported_by: who.user_id.clone(),
            reported_at: at.clone(),
        };
        let mut rec = Record::new(
            r.id.clone(),
            OWN_REFUSAL,
            Some(org),
            "reported",
            r.clone(),
            at,
        );
        rec.tags = format!(",dest:{},", r.refusal.destination.as_str());
        rec.search = r.refusal.end_user.to_lowercase();
        self.insert_audited(who, "report-own-refusal", &rec).await?;
        Ok(r)
    }

    /// Own refusals the caller may read (staff all, exporters their organisation's).
    pub async fn own_refusals(
        &self,
        who: &Principal,
        page: &crate::listing::Page,
    ) -> AppResult<crate::listing::Paged<OwnRefusal>> {
        let filter = who.list_filter(Kind::Monitoring, Filter::default())?;
        let rows =
            crate::listing::page_of::<OwnRefusal>(&self.store, OWN_REFUSAL, filter, page, |_| true)
                .await?;
        rows.try_map(|r| Ok(r.body))
    }

    /// An organisation's compliance record: its audits and its own refusals.
    pub async fn compliance_record(
        &self,
        who: &Principal,
        org_id: &str,
    ) -> AppResult<ComplianceRecord> {
        let filter = who.list_filter(
            Kind::Monitoring,
            Filter {
                org_id: Some(org_id.to_string()),
                ..Default::default()
            },
        )?;
        if filter.org_id.as_deref() != Some(org_id) {
            return Err(AppError::NotFound("organisation"));
        }
        self.store
            .get::<NewOrganisation>(ORG, org_id)
            .await
            .map_err(crate::not_found("organisation"))?;
        let audits = self
            .store
            .list::<ComplianceAudit>(COMPLIANCE_AUDIT, &filter)
            .await?;
        let refusals = self.store.list::<OwnRefusal>(OWN_REFUSAL, &filter).await?;
        Ok(ComplianceRecord {
            org_id: org_id.to_string(),
            audits: audits.into_iter().map(|r| audit_view(who, r)).collect(),
            own_refusals: refusals.into_iter().map(|r| r.body).collect(),
        })
    }
}
