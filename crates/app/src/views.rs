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
#[derive(Debug, Clone, Serialize, ToSchema)]
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

fn empty<T>(v: &&Vec<T>) -> bool {
    v.is_empty()
}

fn none<T>(v: &&Option<T>) -> bool {
    v.is_none()
}

// The wire type of `Case`, every response field named here. The stored body is `CaseBody`, written by its own
// serde names into the records table and read back by every later release (`store::kinds` upgrades older
// ones): a response field is renamed here without touching what is stored, and a stored field is renamed there
// (with an upgrade step) without changing the response.
/// A whole case, as officers, auditors and administrators read it: the application, its determinations,
/// advice, screening, decision and licence, and the processing clock.
#[derive(Serialize, ToSchema)]
#[schema(as = Case)]
pub struct InternalCase<'a> {
    pub id: &'a str,
    pub reference: &'a str,
    /// The applicant organisation.
    pub org_id: &'a str,
    pub state: CaseState,
    /// The officer the case is assigned to.
    pub assigned_to: &'a Option<String>,
    /// Optimistic concurrency: pass it back as `expected_version` with a change.
    pub version: i64,
    pub created_at: &'a str,
    pub updated_at: &'a str,
    /// Working days elapsed with the clock running (weekends, holidays and awaiting-exporter time excluded).
    pub elapsed_working_days: u32,
    pub overdue: bool,
    /// Required list sources (configuration) this case has not been screened against; approval waits until
    /// each is imported and the case re-screened.
    pub screening_gaps: &'a Vec<String>,
    /// Conflicting advice on the same entity or on the whole case (derived; officers see it flagged).
    #[serde(skip_serializing_if = "empty")]
    pub advice_conflicts: &'a Vec<AdviceConflict>,
    /// The screening hits on the case's parties, in the order they were found.
    pub screening: &'a Vec<ScreeningHit>,
    pub licence: LicenceKind,
    pub marketing: &'a Option<MarketingDetails>,
    pub export: &'a Option<ExportDetails>,
    /// The policy's determination for each product, destination and end-user type.
    pub determinations: &'a Vec<CaseDetermination>,
    /// The policy version the determinations were made under.
    pub policy_version: &'a Option<String>,
    /// The advice the case needs before a decision.
    pub required_reviews: &'a Vec<domain::ReviewKind>,
    /// The documents an officer must verify before approval.
    pub required_documents: &'a Vec<String>,
    /// The target in force, in working days (the policy's, or the configured default for the licence kind).
    pub target_working_days: Option<u32>,
    pub advice: &'a Vec<AdviceEntry>,
    pub info_requests: &'a Vec<InfoRequest>,
    pub decision: &'a Option<Decision>,
    pub licence_issued: &'a Option<IssuedLicence>,
    /// The list versions (`source@version`) the parties were last screened against.
    pub screened_with: &'a Vec<String>,
    pub history: &'a Vec<StateChange>,
    pub submitted_at: &'a Option<String>,
    /// Documents attached to answers on cases without export details (marketing applications).
    pub documents: &'a Vec<AttachedDocument>,
    /// Open matters for the officer that no state change shows.
    pub flags: &'a Vec<CaseFlag>,
    /// Denials in force the application matches (docs/denials.md), with the consultations they opened.
    pub denial_matches: &'a Vec<crate::denials::DenialMatch>,
    /// Catch-all notifications and declarations on this application (EU 2021/821 Art. 5).
    #[serde(skip_serializing_if = "empty")]
    pub catch_all: &'a Vec<crate::catch_all::CaseCatchAll>,
    /// The last day on which the refusal may be appealed.
    #[serde(skip_serializing_if = "none")]
    pub appeal_until: &'a Option<NaiveDate>,
    /// The appeal against the refusal, once filed (one per case).
    #[serde(skip_serializing_if = "none")]
    pub appeal: &'a Option<Appeal>,
    /// Shipments recorded against the issued licence, accepted or rejected.
    #[serde(skip_serializing_if = "empty")]
    pub shipments: &'a Vec<crate::shipments::Shipment>,
    /// Documents an officer has verified: a required document counts toward approval only when it is here.
    pub verified_documents: &'a Vec<VerifiedDocument>,
    /// The officer's final advice (current revision), once drafted.
    #[serde(skip_serializing_if = "none")]
    pub final_advice: &'a Option<crate::final_advice::FinalAdvice>,
    /// Every countersigner's answer, in order; those invalidated by an edit stay, marked.
    #[serde(skip_serializing_if = "empty")]
    pub countersignatures: &'a Vec<crate::final_advice::Countersignature>,
    /// What the policy required when the final advice was last submitted for countersigning.
    #[serde(skip_serializing_if = "none")]
    #[schema(value_type = Option<policy::Countersigning>)]
    pub countersigning: &'a Option<policy::Countersigning>,
    /// A variation: the id of the case whose issued licence it varies (superseded when this one is issued).
    #[serde(skip_serializing_if = "none")]
    pub variation_of: &'a Option<String>,
    /// The variation whose licence superseded this case's licence.
    #[serde(skip_serializing_if = "none")]
    pub superseded_by: &'a Option<String>,
}

impl<'a> From<&'a Case> for InternalCase<'a> {
    fn from(c: &'a Case) -> InternalCase<'a> {
        let b = &c.body;
        InternalCase {
            id: &c.id,
            reference: &c.reference,
            org_id: &c.org_id,
            state: c.state,
            assigned_to: &c.assigned_to,
            version: c.version,
            created_at: &c.created_at,
            updated_at: &c.updated_at,
            elapsed_working_days: c.elapsed_working_days,
            overdue: c.overdue,
            screening_gaps: &c.screening_gaps,
            advice_conflicts: &c.advice_conflicts,
            screening: &c.screening,
            licence: b.licence,
            marketing: &b.marketing,
            export: &b.export,
            determinations: &b.determinations,
            policy_version: &b.policy_version,
            required_reviews: &b.required_reviews,
            required_documents: &b.required_documents,
            target_working_days: c.target_working_days,
            advice: &b.advice,
            info_requests: &b.info_requests,
            decision: &b.decision,
            licence_issued: &b.licence_issued,
            screened_with: &b.screened_with,
            history: &b.history,
            submitted_at: &b.submitted_at,
            documents: &b.documents,
            flags: &b.flags,
            denial_matches: &b.denial_matches,
            catch_all: &b.catch_all,
            appeal_until: &b.appeal_until,
            appeal: &b.appeal,
            shipments: &b.shipments,
            verified_documents: &b.verified_documents,
            final_advice: &b.final_advice,
            countersignatures: &b.countersignatures,
            countersigning: &b.countersigning,
            variation_of: &b.variation_of,
            superseded_by: &b.superseded_by,
        }
    }
}

#[cfg(test)]
mod wire_tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(v: &serde_json::Value) -> BTreeSet<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    fn case() -> Case {
        let body: CaseBody =
            serde_json::from_value(serde_json::json!({"licence": "marketing"})).unwrap();
        Case {
            id: "c1".into(),
            reference: "ML-2026-000001".into(),
            org_id: "o1".into(),
            state: CaseState::Submitted,
            assigned_to: None,
            version: 2,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
            elapsed_working_days: 3,
            target_working_days: Some(30),
            overdue: false,
            screening_gaps: vec![],
            advice_conflicts: vec![],
            screening: vec![],
            body,
        }
    }

    /// The stored body's top-level names, which every later release reads back: renaming one needs an upgrade
    /// step (`store::kinds`), and this list changes with it. The hits are not among them (their own table).
    #[test]
    fn the_stored_case_body_keeps_its_names() {
        let stored = serde_json::to_value(&case().body).unwrap();
        let want: BTreeSet<String> = [
            "licence",
            "marketing",
            "export",
            "determinations",
            "policy_version",
            "required_reviews",
            "required_documents",
            "target_working_days",
            "advice",
            "info_requests",
            "decision",
            "licence_issued",
            "screened_with",
            "history",
            "submitted_at",
            "documents",
            "flags",
            "denial_matches",
            "verified_documents",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(keys(&stored), want);
    }

    /// The internal response names its fields itself ([`InternalCase`]): what it writes is the stored
    /// body's names plus what is derived, and the hits, which the stored body does not hold.
    #[test]
    fn the_internal_response_is_written_by_its_own_type() {
        let c = case();
        let wire = serde_json::to_value(&c).unwrap();
        let stored = keys(&serde_json::to_value(&c.body).unwrap());
        let derived: BTreeSet<String> = [
            "id",
            "reference",
            "org_id",
            "state",
            "assigned_to",
            "version",
            "created_at",
            "updated_at",
            "elapsed_working_days",
            "overdue",
            "screening_gaps",
            "screening",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let want: BTreeSet<String> = stored.union(&derived).cloned().collect();
        assert_eq!(keys(&wire), want);
        assert_eq!(wire["target_working_days"], 30, "the target in force");
        let view = serde_json::to_value(CaseView::Internal(Box::new(c))).unwrap();
        assert_eq!(view["view"], "internal");
        assert_eq!(view["reference"], "ML-2026-000001");
    }
}
