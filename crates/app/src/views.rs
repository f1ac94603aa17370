//! Response views per role. Stored types are not response types: each reader gets a type built field by field
//! from the stored record, so a field added to storage stays internal until a view names it.
//!
//! - An exporter sees its own case: what it applied for, the state and clock, what is awaited from it, the
//!   information requests addressed to it, the decision and the licence. Never advice, screening detail,
//!   internal notes or the ids of the authority's staff.
//! - An adviser sees the case facts and the advice requests of its own review kind.
//! - Officers, auditors and administrators see the whole internal case ([`Case`]).

use crate::model::*;
use crate::Principal;
use chrono::NaiveDate;
use domain::{CaseState, EndUserType, LicenceKind, Outcome, RefusalCriterion, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A case as its reader may see it; `view` says which view it is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "view", rename_all = "kebab-case")]
pub enum CaseView {
    /// The applicant organisation's view.
    Exporter(Box<ExporterCase>),
    /// An adviser's view: the facts and its own kind of advice requests.
    Adviser(Box<AdviserCase>),
    /// Officers', auditors' and administrators' view: the whole case.
    Internal(Box<Case>),
}

impl CaseView {
    /// The view of `case` for `who`.
    pub fn of(who: &Principal, case: Case) -> CaseView {
        match who.role {
            // Customs read no case (their scope is nothing); should one ever reach here, the narrowest view.
            Role::Exporter | Role::Customs => {
                CaseView::Exporter(Box::new(ExporterCase::from(case)))
            }
            Role::Adviser => CaseView::Adviser(Box::new(AdviserCase::of(who, case))),
            Role::Officer | Role::Auditor | Role::Admin | Role::PolicyAdmin => {
                CaseView::Internal(Box::new(case))
            }
        }
    }

    pub fn id(&self) -> &str {
        match self {
            CaseView::Exporter(c) => &c.id,
            CaseView::Adviser(c) => &c.id,
            CaseView::Internal(c) => &c.id,
        }
    }

    pub fn state(&self) -> CaseState {
        match self {
            CaseView::Exporter(c) => c.state,
            CaseView::Adviser(c) => c.state,
            CaseView::Internal(c) => c.state,
        }
    }

    pub fn reference(&self) -> &str {
        match self {
            CaseView::Exporter(c) => &c.reference,
            CaseView::Adviser(c) => &c.reference,
            CaseView::Internal(c) => &c.reference,
        }
    }
}

/// An information request as the exporter sees it (without who asked).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ExporterInfoRequest {
    pub question: String,
    pub asked_at: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    /// The last day to answer; after it the case may be closed as lapsed.
    pub due_on: Option<NaiveDate>,
}

impl From<InfoRequest> for ExporterInfoRequest {
    fn from(q: InfoRequest) -> ExporterInfoRequest {
        ExporterInfoRequest {
            question: q.question,
            asked_at: q.asked_at,
            answer: q.answer,
            answered_at: q.answered_at,
            due_on: q.due_on,
        }
    }
}

/// An appeal as the exporter sees it (without who reviewed it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ExporterAppeal {
    pub grounds: String,
    pub documents: Vec<AttachedDocument>,
    pub filed_at: String,
    pub outcome: Option<AppealOutcome>,
    pub outcome_reason: Option<String>,
    pub reviewed_at: Option<String>,
}

impl From<Appeal> for ExporterAppeal {
    fn from(a: Appeal) -> ExporterAppeal {
        ExporterAppeal {
            grounds: a.grounds,
            documents: a.documents,
            filed_at: a.filed_at,
            outcome: a.outcome,
            outcome_reason: a.outcome_reason,
            reviewed_at: a.reviewed_at,
        }
    }
}

/// The policy outcome for one product, destination and end-user type (without the evaluated facts).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DeterminationSummary {
    pub product: String,
    pub destination: String,
    pub end_user_type: EndUserType,
    pub outcome: Outcome,
}

/// The decision as communicated to the exporter (without who decided).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ExporterDecision {
    pub approved: bool,
    pub reason: String,
    pub criteria: Vec<RefusalCriterion>,
    pub conditions: Vec<Condition>,
    pub decided_at: String,
    /// A partial decision: what is licensed, refused and needs no licence, part by part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<crate::partial::DecisionParts>,
}

/// A state change as the exporter sees it (without who made it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ExporterStateChange {
    pub at: String,
    pub from: CaseState,
    pub to: CaseState,
}

/// The applicant's view of its case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExporterCase {
    pub id: String,
    pub reference: String,
    pub state: CaseState,
    pub version: i64,
    pub licence: LicenceKind,
    pub marketing: Option<MarketingDetails>,
    pub export: Option<ExportDetails>,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    /// Working days elapsed with the clock running.
    pub elapsed_working_days: u32,
    pub target_working_days: Option<u32>,
    pub overdue: bool,
    /// What the authority awaits from the exporter now, in words (empty when nothing).
    pub awaiting_exporter: Vec<String>,
    /// Documents the policy requires for this case.
    pub required_documents: Vec<String>,
    /// Documents the exporter attached to its answers (export documents are under `export`).
    pub documents: Vec<AttachedDocument>,
    pub information_requests: Vec<ExporterInfoRequest>,
    pub determinations: Vec<DeterminationSummary>,
    pub decision: Option<ExporterDecision>,
    pub licence_issued: Option<IssuedLicence>,
    /// The last day the refusal may be appealed (refused cases only).
    pub appeal_until: Option<NaiveDate>,
    pub appeal: Option<ExporterAppeal>,
    /// Shipments recorded against the licence, accepted or rejected with the reason.
    pub shipments: Vec<crate::shipments::Shipment>,
    /// Catch-all notifications the authority gave on this application and the exporter's declarations.
    pub catch_all: Vec<crate::catch_all::ExporterCatchAll>,
    pub history: Vec<ExporterStateChange>,
    /// A variation: the case whose licence it varies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variation_of: Option<String>,
    /// The variation whose licence superseded this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// While the case is returned for editing: the officer's reason, which says what to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_reason: Option<String>,
}

impl From<Case> for ExporterCase {
    fn from(c: Case) -> ExporterCase {
        let b = c.body;
        let mut awaiting = Vec::new();
        // The officer's reason is addressed to the exporter: it says what to change.
        let return_reason = (c.state == CaseState::ReturnedForEditing)
            .then(|| {
                b.history
                    .iter()
                    .rev()
                    .find(|h| h.to == CaseState::ReturnedForEditing)
                    .and_then(|h| h.reason.clone())
            })
            .flatten();
        match c.state {
            CaseState::Draft => awaiting.push("submit the application".to_string()),
            CaseState::ReturnedForEditing => awaiting.push(match return_reason.clone() {
                Some(r) => format!("edit the application and resubmit it: {r}"),
                None => "edit the application and resubmit it".to_string(),
            }),
            CaseState::AwaitingExporter => {
                let due = b
                    .info_requests
                    .iter()
                    .rev()
                    .find(|q| q.answer.is_none())
                    .and_then(|q| q.due_on);
                awaiting.push(match due {
                    Some(d) => format!("answer the open information request by {d}"),
                    None => "answer the open information request".to_string(),
                })
            }
            _ => {}
        }
        if c.state.is_open() {
            for doc in &b.required_documents {
                if !crate::cases::has_verified_document(&b, doc, crate::today()) {
                    awaiting.push(if doc == crate::documents::END_USER_DECLARATION {
                        format!(
                            "provide the required document {doc} (upload the signed file and record it) for an officer to verify"
                        )
                    } else {
                        format!(
                            "provide the required document {doc} (upload it as a document of kind {doc}) for an officer to verify"
                        )
                    });
                }
            }
        }
        ExporterCase {
            id: c.id,
            reference: c.reference,
            state: c.state,
            version: c.version,
            licence: b.licence,
            marketing: b.marketing,
            export: b.export,
            created_at: c.created_at,
            updated_at: c.updated_at,
            submitted_at: b.submitted_at,
            elapsed_working_days: c.elapsed_working_days,
            target_working_days: c.target_working_days,
            overdue: c.overdue,
            awaiting_exporter: awaiting,
            required_documents: b.required_documents,
            documents: b.documents,
            information_requests: b
                .info_requests
                .into_iter()
                .map(ExporterInfoRequest::from)
                .collect(),
            determinations: b
                .determinations
                .into_iter()
                .map(|d| DeterminationSummary {
                    product: d.product,
                    destination: d.destination,
                    end_user_type: d.end_user_type,
                    outcome: d.outcome,
                })
                .collect(),
            decision: b.decision.map(|d| ExporterDecision {
                approved: d.approved,
                reason: d.reason,
                criteria: d.criteria,
                conditions: d.conditions,
                decided_at: d.decided_at,
                parts: d.parts,
            }),
            licence_issued: b.licence_issued,
            appeal_until: b.appeal_until,
            appeal: b.appeal.map(ExporterAppeal::from),
            shipments: b.shipments,
            catch_all: b.catch_all.into_iter().map(Into::into).collect(),
            variation_of: b.variation_of,
            superseded_by: b.superseded_by,
            return_reason,
            history: b
                .history
                .into_iter()
                .map(|h| ExporterStateChange {
                    at: h.at,
                    from: h.from,
                    to: h.to,
                })
                .collect(),
        }
    }
}

/// An adviser's view: what it needs to advise, and only the advice requests of its own kind.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AdviserCase {
    pub id: String,
    pub reference: String,
    pub state: CaseState,
    pub version: i64,
    pub licence: LicenceKind,
    pub marketing: Option<MarketingDetails>,
    pub export: Option<ExportDetails>,
    pub submitted_at: Option<String>,
    /// The policy determinations with their reasons (the rules that fired and the facts they used).
    pub determinations: Vec<CaseDetermination>,
    /// The exporter's answers to the authority's questions.
    pub information_requests: Vec<ExporterInfoRequest>,
    /// Advice requests of the adviser's own review kind, with the advice given on them.
    pub advice: Vec<AdviceEntry>,
    /// The officer's final advice, which an adviser who did not advise on the case may countersign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_advice: Option<crate::final_advice::FinalAdvice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countersignatures: Vec<crate::final_advice::Countersignature>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub countersigning: Option<policy::Countersigning>,
}

impl AdviserCase {
    fn of(who: &Principal, c: Case) -> AdviserCase {
        let b = c.body;
        AdviserCase {
            id: c.id,
            reference: c.reference,
            state: c.state,
            version: c.version,
            licence: b.licence,
            marketing: b.marketing,
            export: b.export,
            submitted_at: b.submitted_at,
            determinations: b.determinations,
            information_requests: b
                .info_requests
                .into_iter()
                .map(ExporterInfoRequest::from)
                .collect(),
            advice: b
                .advice
                .into_iter()
                .filter(|a| Some(a.review) == who.review_kind)
                .collect(),
            final_advice: b.final_advice,
            countersignatures: b.countersignatures,
            countersigning: b.countersigning,
        }
    }
}

/// A registration as its organisation sees it (without the deciding officer's id).
pub(crate) fn redact_registration(who: &Principal, mut r: Registration) -> Registration {
    if who.role == Role::Exporter {
        r.decided_by = None;
    }
    r
}

/// A product's classification as shown to readers; the classifying adviser is named to the authority only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ClassificationView {
    pub control_entries: Vec<String>,
    pub security_grade: domain::SecurityGrade,
    /// A classification made before catch-alls concerned a specific export marked the product notified
    /// everywhere; it stays so. New notifications are per export (`/applications/{id}/catch-all`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legacy_catch_all: bool,
    pub note: Option<String>,
    /// The defence adviser who classified the product (not shown to exporters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classified_by: Option<String>,
    pub classified_at: String,
}

impl ClassificationView {
    pub(crate) fn of(who: &Principal, c: Classification) -> ClassificationView {
        ClassificationView {
            control_entries: c.control_entries,
            security_grade: c.security_grade,
            legacy_catch_all: c.legacy_catch_all,
            note: c.note,
            classified_by: (who.role != Role::Exporter).then_some(c.classified_by),
            classified_at: c.classified_at,
        }
    }
}
