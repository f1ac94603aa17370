//! Stored bodies and the request/response shapes of the use cases. Request types reject unknown fields; the
//! HTTP layer uses these same types so the OpenAPI document describes what the code accepts.

use chrono::NaiveDate;
use domain::{
    AdviceRecommendation, CaseState, CountryCode, DueDiligenceItem, EndUserType, LicenceKind,
    RedFlag, RefusalCriterion, ReviewKind, Role, SecurityGrade,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---------- organisations, users, tokens ----------

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub name: String,
    /// ISO 3166-1 alpha-2 country of establishment.
    #[schema(value_type = String, example = "IL")]
    pub country: CountryCode,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    #[schema(value_type = String)]
    pub country: CountryCode,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    /// Required for advisers: their specialism.
    pub review_kind: Option<ReviewKind>,
    /// Required for exporters: their organisation.
    pub org_id: Option<String>,
    /// Lifetime of the first token in days, when the shell operator creates the user (default 30, at most the
    /// configured maximum). Through the API the user receives a one-time enrolment secret instead.
    pub token_days: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub review_kind: Option<ReviewKind>,
    pub org_id: Option<String>,
    pub created_at: String,
    /// A disabled user cannot authenticate; disabling revoked all its tokens.
    pub disabled: bool,
    /// An officer's grade (`standard` or `senior`); absent for other roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<domain::OfficerGrade>,
}

/// A one-time enrolment secret: the user exchanges it for an API token (`POST /api/v1/enrol`). An
/// administrator hands it over; it never becomes a token in the administrator's hands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Enrolment {
    pub user_id: String,
    pub secret: String,
    pub expires_at: String,
}

/// Exchange of an enrolment secret for an API token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub username: String,
    pub secret: String,
    pub label: Option<String>,
    /// Lifetime in days (default 30, at most the configured maximum).
    pub days: Option<u32>,
}

/// Enable or disable a user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserStatusChange {
    pub reason: String,
}

/// An officer's new grade, with the reason (audited).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeChange {
    pub grade: domain::OfficerGrade,
    pub reason: String,
}

/// A newly created token: the secret is shown only here, once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IssuedToken {
    pub token_id: String,
    pub user_id: String,
    pub token: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub label: Option<String>,
    /// Lifetime in days (default 30, at most the configured maximum).
    pub days: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserCreated {
    pub user: User,
    /// Through the API: the one-time secret the new user exchanges for its first token.
    pub enrolment: Option<Enrolment>,
    /// From the shell only: the first token itself.
    pub token: Option<IssuedToken>,
}

// ---------- registrations ----------

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    pub company_name: String,
    pub registration_number: String,
    pub address: String,
    #[schema(value_type = String)]
    pub country: CountryCode,
    pub contact_email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Registration {
    pub id: String,
    pub org_id: String,
    pub state: domain::RegistrationState,
    pub company_name: String,
    pub registration_number: String,
    pub address: String,
    #[schema(value_type = String)]
    pub country: CountryCode,
    pub contact_email: String,
    pub decision_reason: Option<String>,
    /// The deciding officer (not shown to exporters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub version: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationDecision {
    pub approve: bool,
    pub reason: String,
    pub expected_version: Option<i64>,
}

// ---------- products ----------

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    pub name: String,
    pub version: String,
    pub description: String,
    /// Claimed control entries (EU codes such as 4A005 or Wassenaar aliases such as 4.A.5); empty when none.
    #[serde(default)]
    pub control_entries: Vec<String>,
    #[serde(default)]
    pub capability_tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Classification {
    pub control_entries: Vec<String>,
    pub security_grade: SecurityGrade,
    /// Set by classifications made before catch-all notifications concerned a specific export
    /// (`app::catch_all`): the product was notified everywhere, and stays controlled. No new classification
    /// sets it. (Stored as `catch_all_notified`, absent when false, in product body schema 1; the store's
    /// upgrade step `product_1_to_2` in `crates/store/src/kinds.rs` reads those.)
    pub legacy_catch_all: bool,
    pub note: Option<String>,
    pub classified_by: String,
    pub classified_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Product {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub claimed_control_entries: Vec<String>,
    pub capability_tags: Vec<String>,
    /// `awaiting-classification` until a defence adviser classifies it (again after a change of substance),
    /// then `classified`.
    pub state: String,
    pub classification: Option<crate::views::ClassificationView>,
    pub record_version: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyProduct {
    /// Confirmed or corrected control entries; empty when the product is not listed.
    pub control_entries: Vec<String>,
    pub security_grade: SecurityGrade,
    pub note: Option<String>,
}

// ---------- applications ----------

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EndUser {
    pub name: String,
    #[serde(rename = "type")]
    pub end_user_type: EndUserType,
    #[schema(value_type = Option<String>)]
    pub country: Option<CountryCode>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub name: String,
    #[schema(value_type = String)]
    pub country: CountryCode,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Decimal amount as a string, e.g. "125000.00".
    pub amount: String,
    /// ISO 4217 currency code, e.g. "EUR".
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AttachedDocument {
    /// e.g. "end-user-declaration", "contract", "other".
    pub kind: String,
    pub name: String,
    /// SHA-256 of the document as uploaded by the exporter.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MarketingDetails {
    pub products: Vec<String>,
    #[schema(value_type = Vec<String>)]
    pub destinations: Vec<CountryCode>,
    pub end_users: Vec<EndUser>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExportDetails {
    pub product: String,
    pub end_user: EndUser,
    pub consignee: Party,
    #[schema(value_type = String)]
    pub destination: CountryCode,
    pub quantity: u64,
    pub value: Money,
    pub end_use: String,
    #[serde(default)]
    pub documents: Vec<AttachedDocument>,
    /// Reference of the marketing licence (e.g. ML-2026-000001) or id of the marketing-licence exemption that
    /// covers the same product and destination. Required at submission when the product's regime has a
    /// marketing step (the policy determination's `marketing_step`, reference: the defence regime); an item
    /// controlled only as dual-use needs none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketing_authorisation: Option<String>,
    #[serde(default)]
    pub intermediaries: Vec<Party>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    pub licence: LicenceKind,
    pub marketing: Option<MarketingDetails>,
    pub export: Option<ExportDetails>,
}

/// One stored policy determination for (product, destination, end-user type).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CaseDetermination {
    pub product: String,
    pub destination: String,
    pub end_user_type: EndUserType,
    /// The determination as returned by the policy engine.
    #[schema(value_type = policy::Determination)]
    pub determination: serde_json::Value,
    pub outcome: domain::Outcome,
    /// The policy request evaluated (replayed by impact previews).
    #[schema(value_type = policy::Request)]
    pub request: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChecklistAnswer {
    pub item: DueDiligenceItem,
    pub answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NewAdvice {
    pub recommendation: AdviceRecommendation,
    #[serde(default)]
    pub criteria: Vec<RefusalCriterion>,
    pub text: String,
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Human-rights advice: one answer per due-diligence checklist item.
    #[serde(default)]
    pub checklist: Vec<ChecklistAnswer>,
    #[serde(default)]
    pub red_flags: Vec<RedFlag>,
    /// Advice on single entities of the case (a product line, a destination, a party) where it differs from
    /// the recommendation above, which targets the whole case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<EntityAdvice>,
}

/// One entity of a case that advice (or final advice) may target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(tag = "entity", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AdviceTarget {
    /// A product line: the id of a product of the case.
    Product { id: String },
    /// A destination country of the case.
    Destination { country: String },
    /// A party of the case by its name (an end user, the consignee, an intermediary).
    Party { name: String },
}

impl std::fmt::Display for AdviceTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdviceTarget::Product { id } => write!(f, "product {id}"),
            AdviceTarget::Destination { country } => write!(f, "destination {country}"),
            AdviceTarget::Party { name } => write!(f, "party {name}"),
        }
    }
}

/// Advice on one entity of the case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EntityAdvice {
    pub target: AdviceTarget,
    pub recommendation: AdviceRecommendation,
    /// For `refuse`: at least one.
    #[serde(default)]
    pub criteria: Vec<RefusalCriterion>,
    /// For `approve-with-conditions`: at least one.
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Advisers disagree on the same entity (or on the whole case): approve, refuse and "no licence required"
/// are different views ("inform" is none). Derived from the advice given, shown to officers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AdviceConflict {
    /// The entity; absent for the whole case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<AdviceTarget>,
    /// Each adviser's view on it: (review kind, recommendation).
    pub views: Vec<ConflictingView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ConflictingView {
    pub review: ReviewKind,
    pub recommendation: AdviceRecommendation,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AdviceEntry {
    pub review: ReviewKind,
    pub requested_by: String,
    pub requested_at: String,
    pub advice: Option<NewAdvice>,
    pub advised_by: Option<String>,
    pub advised_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct InfoRequest {
    pub question: String,
    pub asked_by: String,
    pub asked_at: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    /// The last day to answer (the policy's `[deadlines]` in working days from the request); after it the
    /// officer may close the case as lapsed. Absent for requests made without a deadline in the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Condition {
    Text {
        text: String,
    },
    /// Periodic end-use reports after issue (`app::monitoring::reports`): due every `every_months` from the
    /// issue date, each confirming the end-user declaration's terms and the `attestations` named here; when the
    /// declaration limits the number of targets, `max_targets` is that limit and every deployment reports its own.
    ReportingObligation {
        every_months: u32,
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attestations: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_targets: Option<u64>,
    },
    ValidUntil {
        date: NaiveDate,
    },
    QuantityLimit {
        max: u64,
    },
    ValueLimit {
        max: Money,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Decision {
    pub approved: bool,
    pub reason: String,
    pub criteria: Vec<RefusalCriterion>,
    pub conditions: Vec<Condition>,
    pub decided_by: String,
    pub decided_at: String,
    /// A partial decision: what is licensed, refused and needs no licence, part by part (`app::partial`).
    /// Absent when the decision covers the whole case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<crate::partial::DecisionParts>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct IssuedLicence {
    pub number: String,
    pub issued_at: String,
    pub valid_until: Option<NaiveDate>,
    /// Issued after its refusal was overturned on appeal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_appeal: bool,
}

/// The outcome of an appeal against a refusal.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AppealOutcome {
    /// The refusal stands.
    Upheld,
    /// The refusal is set aside; the case continues to a licence ("issued on appeal").
    Overturned,
}

impl AppealOutcome {
    pub const ALL: &'static [AppealOutcome] = &[AppealOutcome::Upheld, AppealOutcome::Overturned];
}

/// An exporter's appeal against the refusal of its case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Appeal {
    pub grounds: String,
    #[serde(default)]
    pub documents: Vec<AttachedDocument>,
    pub filed_by: String,
    pub filed_at: String,
    pub outcome: Option<AppealOutcome>,
    /// The reviewing officer's reasons.
    pub outcome_reason: Option<String>,
    /// The reviewing officer (never one who decided the refusal).
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    /// The refusal as it was decided, kept when the appeal overturned it (the case's decision is then the
    /// approval on appeal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Decision>,
}

impl ScreeningHit {
    /// Whether this hit, once confirmed, blocks approval: by its recorded consequence, or for a hit found
    /// before consequences were recorded, when its list is a sanctions list.
    pub fn blocks(&self) -> bool {
        match self.consequence {
            Some(c) => c == lists::HitConsequence::Block,
            None => self.sanctions_list,
        }
    }
}

/// A screening hit on one party of a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ScreeningHit {
    pub id: String,
    pub party_role: String,
    pub party_name: String,
    pub list: String,
    pub list_version: String,
    /// The source is a sanctions list (descriptive; what a confirmed hit does is `consequence`).
    pub sanctions_list: bool,
    /// What a confirmed hit means: `block` approval, or require an `end-use-check` of the party. Configured per
    /// list source and programme (absent on hits found before it was recorded: then a sanctions hit blocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consequence: Option<lists::HitConsequence>,
    pub source_id: String,
    /// The list name that matched (the primary name, an alias or an original-script variant).
    pub listed_name: String,
    /// The listed entry's primary name, naming whom a matched alias belongs to (absent on hits found before it
    /// was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_name: Option<String>,
    pub score: f64,
    #[schema(value_type = screening::Explanation)]
    pub explanation: serde_json::Value,
    /// open, cleared or confirmed.
    pub status: String,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub found_at: String,
}

/// Which hits [`crate::App::screening_hits`] lists across cases; absent filters select every hit.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HitQuery {
    /// open, cleared or confirmed.
    pub status: Option<String>,
    /// A list source, e.g. `un-sc`, `ofac-sdn`.
    pub list: Option<String>,
    /// A listed entry's id in its source.
    pub source_id: Option<String>,
}

/// A screening hit with the case it is on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CaseScreeningHit {
    pub case_id: String,
    pub case_reference: String,
    #[serde(flatten)]
    pub hit: ScreeningHit,
}

/// A stored state change with its time (for the processing clock and the timeline).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct StateChange {
    pub at: String,
    pub from: CaseState,
    pub to: CaseState,
    pub by: String,
    /// The username of `by` at the time (absent on changes recorded before usernames were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_username: Option<String>,
    /// The reason given with the change, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Something the officer must look at on a case that no state change shows (e.g. the marketing licence an
/// issued export licence relies on was suspended or revoked).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CaseFlag {
    pub at: String,
    /// e.g. "marketing-authorisation-suspended", "marketing-authorisation-revoked".
    pub kind: String,
    pub message: String,
}

/// The stored body of a case (an application and, once issued, its licence).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CaseBody {
    pub licence: LicenceKind,
    pub marketing: Option<MarketingDetails>,
    pub export: Option<ExportDetails>,
    #[serde(default)]
    pub determinations: Vec<CaseDetermination>,
    pub policy_version: Option<String>,
    #[serde(default)]
    pub required_reviews: Vec<ReviewKind>,
    #[serde(default)]
    pub required_documents: Vec<String>,
    pub target_working_days: Option<u32>,
    #[serde(default)]
    pub advice: Vec<AdviceEntry>,
    #[serde(default)]
    pub info_requests: Vec<InfoRequest>,
    pub decision: Option<Decision>,
    pub licence_issued: Option<IssuedLicence>,
    /// The case's screening hits. Not part of the stored body: they are rows of their own table
    /// (`store::hits`), attached on every read by `app::case_store` and written by a change in its
    /// transaction; the internal view shows them as [`Case::screening`].
    #[serde(skip)]
    pub screening: Vec<ScreeningHit>,
    #[serde(default)]
    pub screened_with: Vec<String>,
    #[serde(default)]
    pub history: Vec<StateChange>,
    pub submitted_at: Option<String>,
    /// Documents attached to answers on cases without export details (marketing applications).
    #[serde(default)]
    pub documents: Vec<AttachedDocument>,
    /// Open matters for the officer that no state change shows.
    #[serde(default)]
    pub flags: Vec<CaseFlag>,
    /// Denials in force the application matches (docs/denials.md), with the consultations they opened.
    #[serde(default)]
    pub denial_matches: Vec<crate::denials::DenialMatch>,
    /// Catch-all notifications and declarations on this application (EU 2021/821 Art. 5, `app::catch_all`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catch_all: Vec<crate::catch_all::CaseCatchAll>,
    /// The last day on which the refusal may be appealed (the policy's `[deadlines]` appeal window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_until: Option<NaiveDate>,
    /// The appeal against the refusal, once filed (one per case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<Appeal>,
    /// Shipments recorded against the issued licence (`app::shipments`), accepted or rejected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<crate::shipments::Shipment>,
    /// Documents an officer has verified: a required document counts toward approval only when it is here.
    #[serde(default)]
    pub verified_documents: Vec<VerifiedDocument>,
    /// The officer's final advice (current revision), once drafted (`app::final_advice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_advice: Option<crate::final_advice::FinalAdvice>,
    /// Every countersigner's answer, in order; those invalidated by an edit stay, marked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countersignatures: Vec<crate::final_advice::Countersignature>,
    /// What the policy required when the final advice was last submitted for countersigning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<policy::Countersigning>)]
    pub countersigning: Option<policy::Countersigning>,
    /// A variation: the id of the case whose issued licence it varies (superseded when this one is issued).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variation_of: Option<String>,
    /// The variation whose licence superseded this case's licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
}

/// A variation of an issued licence: the new details, whole (quantity, value, consignee, end user, an added
/// product...), and why. The licence kind stays; a validity extension is the approval's `valid-until`
/// condition.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVariation {
    /// For a marketing licence.
    pub marketing: Option<MarketingDetails>,
    /// For an export licence.
    pub export: Option<ExportDetails>,
    /// What changes and why (recorded with the new case's audit event).
    pub reason: String,
}

/// A document an officer verified (for an end-user declaration: the declaration and its signed file).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct VerifiedDocument {
    /// The required-document name it satisfies, e.g. `end-user-declaration`.
    pub kind: String,
    /// The uploaded file.
    pub document_id: String,
    /// The structured declaration, for end-user declarations.
    pub declaration_id: Option<String>,
    /// The last day it is valid; after it, it no longer counts.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<chrono::NaiveDate>,
    pub verified_by: String,
    pub verified_at: String,
}

/// A case as the authority's staff read it: the stored body with what is derived from it. The API writes it
/// through its own wire type, [`crate::views::InternalCase`], which names every response field: the stored
/// format (`CaseBody`'s serde names, read back by every later release) and the response can change apart.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub reference: String,
    pub org_id: String,
    pub state: CaseState,
    pub assigned_to: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Working days elapsed with the clock running (weekends, holidays and awaiting-exporter time excluded).
    pub elapsed_working_days: u32,
    /// The target in force (the policy's, or the configured default for the licence kind); the body's field
    /// carries the same value in this view.
    pub target_working_days: Option<u32>,
    pub overdue: bool,
    /// Required list sources (configuration) this case has not been screened against; approval waits until
    /// each is imported and the case re-screened.
    pub screening_gaps: Vec<String>,
    /// Conflicting advice on the same entity or on the whole case (derived; officers see it flagged).
    pub advice_conflicts: Vec<AdviceConflict>,
    /// The screening hits on the case's parties, in the order they were found.
    pub screening: Vec<ScreeningHit>,
    pub body: CaseBody,
}

impl Serialize for Case {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::views::InternalCase::from(self).serialize(s)
    }
}

impl utoipa::PartialSchema for Case {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <crate::views::InternalCase<'static> as utoipa::PartialSchema>::schema()
    }
}

impl ToSchema for Case {
    fn name() -> std::borrow::Cow<'static, str> {
        "Case".into()
    }

    fn schemas(
        out: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <crate::views::InternalCase<'static> as ToSchema>::schemas(out)
    }
}

/// New details for a draft application; they replace the old ones whole (the licence kind stays).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftChange {
    /// Optimistic concurrency: the case version the caller last read.
    pub expected_version: Option<i64>,
    /// For a marketing-licence draft.
    pub marketing: Option<MarketingDetails>,
    /// For an export-licence draft.
    pub export: Option<ExportDetails>,
}

/// Changes to a product; absent fields stay as they are.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ProductChange {
    /// Optimistic concurrency: the product version the caller last read.
    pub expected_version: Option<i64>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    /// Claimed control entries; replaces the list.
    pub control_entries: Option<Vec<String>>,
    /// Replaces the list.
    pub capability_tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// Optimistic concurrency: the case version the caller last read.
    pub expected_version: Option<i64>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The officer to assign; default: the caller.
    pub officer_id: Option<String>,
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InfoRequestBody {
    pub question: String,
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RespondBody {
    pub answer: String,
    #[serde(default)]
    pub documents: Vec<AttachedDocument>,
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdviceRequestBody {
    pub reviews: Vec<ReviewKind>,
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    pub reason: String,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseBody {
    pub reason: String,
    pub criteria: Vec<RefusalCriterion>,
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HitDecisionBody {
    /// "clear" (not the listed party) or "confirm" (the listed party).
    pub decision: String,
    pub reason: String,
}

/// Where a marketing-licence exemption stands: requested by the exporter, then granted or refused by an
/// officer; a granted one may be revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExemptionState {
    /// Requested by the exporter (or recorded before exemptions were granted, self-declared): it authorises
    /// nothing until granted.
    Requested,
    Granted,
    Refused,
    Revoked,
}

impl ExemptionState {
    pub const ALL: &'static [ExemptionState] = &[
        ExemptionState::Requested,
        ExemptionState::Granted,
        ExemptionState::Refused,
        ExemptionState::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExemptionState::Requested => "requested",
            ExemptionState::Granted => "granted",
            ExemptionState::Refused => "refused",
            ExemptionState::Revoked => "revoked",
        }
    }
}

/// A marketing-licence exemption: requested by the exporter (from an `exempt` determination of the policy in
/// force), granted or refused by an officer; a grant is valid for the policy's `exemption_validity_months`
/// and may be revoked with a reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Exemption {
    pub id: String,
    pub org_id: String,
    pub product: String,
    pub destination: String,
    pub end_user_type: EndUserType,
    pub policy_version: String,
    pub rule: String,
    #[schema(value_type = policy::Determination)]
    pub determination: serde_json::Value,
    /// The exporter who requested it.
    pub recorded_by: String,
    /// When it was requested.
    pub recorded_at: String,
    /// (Absent from exemptions recorded before officers decided them, exemption body schema 1: the store's
    /// upgrade step `exemption_1_to_2` reads those as `requested`.)
    pub state: ExemptionState,
    /// The exporter's grounds for the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The officer who granted or refused it (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// Why it was granted or refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    /// First and last day a granted exemption may be cited (no last day when the policy sets no validity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<chrono::NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<chrono::NaiveDate>,
    /// The officer who revoked it (staff only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreApplicationCheck {
    /// A classified product of the caller's organisation. Or, before there is a product record, give
    /// `control_entries` and `security_grade` instead.
    pub product: Option<String>,
    /// The control entries of an item not yet recorded as a product (with `security_grade`).
    pub control_entries: Option<Vec<String>>,
    /// The security grade of an item not yet recorded as a product (with `control_entries`).
    pub security_grade: Option<SecurityGrade>,
    #[schema(value_type = String)]
    pub destination: CountryCode,
    pub end_user_type: EndUserType,
    pub licence: Option<LicenceKind>,
    /// Request a marketing-licence exemption from an `exempt` answer (an officer grants or refuses it).
    #[serde(default)]
    pub record_exemption: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreApplicationAnswer {
    #[schema(value_type = policy::Determination)]
    pub determination: serde_json::Value,
    pub exemption: Option<Exemption>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueueEntry {
    pub id: String,
    pub reference: String,
    /// The applicant organisation's id and name.
    pub org_id: String,
    pub exporter: String,
    /// ISO 3166 codes of the destinations the case concerns.
    pub destinations: Vec<String>,
    pub state: CaseState,
    pub licence: LicenceKind,
    pub assigned_to: Option<String>,
    pub elapsed_working_days: u32,
    pub target_working_days: Option<u32>,
    pub overdue: bool,
    pub pending_advice: Vec<ReviewKind>,
}

/// A list entry that may be a prospective customer, as an exporter sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CustomerMatch {
    /// The entry's primary name on the list.
    pub listed_name: String,
    /// The name variant (alias, original script) that resembles the name given.
    pub matched_name: String,
    /// The list source (e.g. `un-sc`, `ofac-sdn`, `us-csl-el`).
    pub list: String,
    /// The sanctions programmes or list sections the entry is under.
    pub programmes: Vec<String>,
}
