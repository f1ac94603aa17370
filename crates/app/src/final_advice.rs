//! Final advice and countersigning (issue 12), with the separation of duties.
//!
//! The assigned officer drafts final advice on the whole case once the advice is in (`under-review ->
//! final-review`): approve (with typed conditions), refuse (with criteria) or no licence required; edits it in
//! final review; and submits it for countersigning (`final-review -> countersigning`). How many
//! countersignatures it needs, and whether the last is a senior officer's, is policy data
//! (`policy::countersigning`: the rules with effect `countersignatures`, evaluated for every request of the
//! case with what the advice says) and is stored on the case when it is submitted.
//!
//! A countersigner is an officer or an adviser who can read the case. It accepts, or returns the advice with
//! reasons (`countersigning -> final-review`). Separation of duties, each refusal a 403 naming its rule:
//! - `countersigner-not-drafter`: nobody who drafted any revision of the final advice countersigns it, also
//!   after a return and a redraft by another officer;
//! - `adviser-not-countersigner`: an adviser who advised on the case does not countersign it;
//! - `countersigners-differ`: the countersignatures in force on a revision are by different people;
//! - `senior-countersignature`: when the policy reserves the last countersignature to a senior officer, only
//!   a senior officer gives it.
//!
//! Editing the final advice makes a new revision and invalidates the countersignatures given before (they stay
//! on the case, marked invalidated). Once the countersignatures in force reach the count, the assigned officer
//! decides as advised: `approve`, `refuse` (`App::approve`, `App::refuse`, which require it for every case the
//! policy says needs countersigning) or `conclude-no-licence-required`.

use crate::cases::{in_vocabulary, missing_advice, validate_condition};
use crate::model::{CaseBody, Condition};
use crate::views::CaseView;
use crate::{now, text, App, AppError, AppResult, Principal};
use domain::{AdviceRecommendation, CaseAction, CaseState, OfficerGrade, RefusalCriterion, Role};
use policy::{AdviceFacts, Countersigning, VocabularyKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Audit action of a countersignature (the assigned-officer rule does not apply: a countersigner is never
/// the assigned officer who drafted).
pub(crate) const COUNTERSIGN: &str = "countersign-final-advice";
/// Audit action of a return by a countersigner.
pub(crate) const RETURN: &str = "return-final-advice";

/// What the final advice recommends for the whole case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FinalOutcome {
    /// Approve, with the typed conditions given.
    Approve,
    /// Refuse, citing refusal criteria.
    Refuse,
    /// No licence is required.
    NoLicenceRequired,
}

impl FinalOutcome {
    pub const ALL: &'static [FinalOutcome] = &[
        FinalOutcome::Approve,
        FinalOutcome::Refuse,
        FinalOutcome::NoLicenceRequired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FinalOutcome::Approve => "approve",
            FinalOutcome::Refuse => "refuse",
            FinalOutcome::NoLicenceRequired => "no-licence-required",
        }
    }
}

/// The officer's final advice, drafted or edited.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalAdviceBody {
    pub outcome: FinalOutcome,
    pub reason: String,
    /// For `approve` only.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// For `refuse` only: at least one.
    #[serde(default)]
    pub criteria: Vec<RefusalCriterion>,
    /// The product lines and destinations where the advice differs from `outcome` (a partial decision:
    /// `app::partial`, docs/decisions.md).
    #[serde(default)]
    pub entities: Vec<crate::partial::FinalEntityAdvice>,
    /// Optimistic concurrency: the case version the caller last read.
    pub expected_version: Option<i64>,
}

/// The final advice on a case (its current revision).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FinalAdvice {
    pub outcome: FinalOutcome,
    pub reason: String,
    pub conditions: Vec<Condition>,
    pub criteria: Vec<RefusalCriterion>,
    /// The product lines and destinations where the advice differs from `outcome`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<crate::partial::FinalEntityAdvice>,
    /// 1 for the first draft, one more for each edit.
    pub revision: u32,
    pub drafted_by: String,
    pub drafted_by_username: String,
    pub drafted_at: String,
    /// Everyone who drafted a revision (none of them countersigns).
    pub drafters: Vec<String>,
}

impl FinalAdvice {
    /// The outcomes of a draft not yet stored (to resolve what it would decide).
    fn draft(outcome: FinalOutcome, entities: &[crate::partial::FinalEntityAdvice]) -> FinalAdvice {
        FinalAdvice {
            outcome,
            reason: String::new(),
            conditions: vec![],
            criteria: vec![],
            entities: entities.to_vec(),
            revision: 0,
            drafted_by: String::new(),
            drafted_by_username: String::new(),
            drafted_at: String::new(),
            drafters: vec![],
        }
    }
}

/// A countersigner's answer: accept, or return with reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CountersignDecision {
    Accept,
    Return,
}

impl CountersignDecision {
    pub const ALL: &'static [CountersignDecision] =
        &[CountersignDecision::Accept, CountersignDecision::Return];
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountersignBody {
    pub decision: CountersignDecision,
    /// Required to return the advice.
    pub reasons: Option<String>,
    /// Optimistic concurrency: the case version the caller last read.
    pub expected_version: Option<i64>,
}

/// One countersigner's answer on one revision of the final advice.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Countersignature {
    pub decision: CountersignDecision,
    pub by: String,
    pub by_username: String,
    pub role: Role,
    /// Given as a senior officer.
    pub senior: bool,
    pub at: String,
    pub revision: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<String>,
    /// When an edit of the final advice invalidated this countersignature (it stays on the case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalidated_at: Option<String>,
}

/// The countersignatures in force: accepted on the current revision and not invalidated.
pub fn in_force(body: &CaseBody) -> Vec<&Countersignature> {
    let revision = body.final_advice.as_ref().map_or(0, |f| f.revision);
    body.countersignatures
        .iter()
        .filter(|c| {
            c.decision == CountersignDecision::Accept
                && c.invalidated_at.is_none()
                && c.revision == revision
        })
        .collect()
}

/// Why a decision as advised is not possible yet (None: the final advice has its countersignatures).
pub fn countersigning_missing(body: &CaseBody) -> Option<String> {
    let required = body.countersigning.as_ref()?;
    let given = in_force(body).len();
    (given < usize::from(required.count)).then(|| {
        format!(
            "the final advice has {given} of the {} countersignature(s) it needs (policy rules {})",
            required.count,
            rule_ids(required)
        )
    })
}

fn rule_ids(c: &Countersigning) -> String {
    c.rules
        .iter()
        .map(|r| r.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn forbidden(rule: &str, message: String) -> AppError {
    AppError::Forbidden(format!("separation of duties ({rule}): {message}"))
}

impl App {
    /// What the countersigning rules of the policy in force today require for `body` (its requests as of
    /// today, and the advice given).
    pub(crate) fn countersigning_required(&self, body: &CaseBody) -> AppResult<Countersigning> {
        let today = self.today();
        let mut requests = Vec::with_capacity(body.determinations.len());
        for d in &body.determinations {
            let mut r: policy::Request = serde_json::from_value(d.request.clone())
                .map_err(|e| AppError::Internal(format!("stored policy request: {e}")))?;
            r.as_of = today;
            requests.push(r);
        }
        let advice = AdviceFacts {
            red_flag: body
                .advice
                .iter()
                .filter_map(|a| a.advice.as_ref())
                .any(|a| !a.red_flags.is_empty()),
            refusal_advised: body
                .advice
                .iter()
                .filter_map(|a| a.advice.as_ref())
                .any(|a| {
                    a.recommendation == AdviceRecommendation::Refuse
                        || a.entities
                            .iter()
                            .any(|e| e.recommendation == AdviceRecommendation::Refuse)
                }),
        };
        policy::countersigning(&requests, advice, &self.policy_on(today)).map_err(|e| {
            AppError::Conflict(format!(
                "the countersigning rules could not be evaluated: {e}"
            ))
        })
    }

    /// How many countersignatures the final advice on case `id` would need if submitted today (the officer's
    /// case page shows the final-advice forms instead of a direct decision when it is more than none).
    pub async fn countersignatures_needed(&self, who: &Principal, id: &str) -> AppResult<u8> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Admin],
            "read what a case's final advice needs",
        )?;
        let r = self.case_record(who, id).await?;
        Ok(self.countersigning_required(&r.body)?.count)
    }

    /// Drafts the final advice (`under-review -> final-review`) or edits it in final review (a new revision;
    /// the countersignatures given before are invalidated). Assigned officer only.
    pub async fn draft_final_advice(
        &self,
        who: &Principal,
        id: &str,
        b: FinalAdviceBody,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "draft final advice")?;
        let reason = text("reason", &b.reason, 5000)?;
        let today = self.today();
        crate::bounded_unique("conditions", &b.conditions, 50)?;
        crate::bounded_unique("criteria", &b.criteria, 20)?;
        match b.outcome {
            FinalOutcome::Approve | FinalOutcome::NoLicenceRequired if !b.criteria.is_empty() => {
                return Err(AppError::invalid(
                    "criteria",
                    "only advice to refuse the whole case cites refusal criteria here; refused product lines \
                     and destinations cite theirs under `entities`",
                ));
            }
            FinalOutcome::Refuse if b.criteria.is_empty() => {
                return Err(AppError::invalid(
                    "criteria",
                    "advice to refuse cites at least one refusal criterion",
                ));
            }
            _ => {}
        }
        crate::bounded_unique("entities", &b.entities, 200)?;
        let mut cited: Vec<String> = b.criteria.iter().map(|c| c.as_str().to_string()).collect();
        cited.extend(
            b.entities
                .iter()
                .flat_map(|e| &e.criteria)
                .map(|c| c.as_str().to_string()),
        );
        in_vocabulary(
            &self.policy_on(today),
            today,
            "criteria",
            VocabularyKind::RefusalCriterion,
            &cited,
        )?;
        let current = self.case_record(who, id).await?;
        crate::partial::validate(&current.body, b.outcome, &b.entities)?;
        // Conditions go with a licence: they are given when the advice licenses anything.
        let licenses =
            crate::partial::resolve(&current.body, &FinalAdvice::draft(b.outcome, &b.entities))
                .outcome()
                == FinalOutcome::Approve;
        if licenses {
            for (i, c) in b.conditions.iter().enumerate() {
                validate_condition(&format!("conditions[{i}]"), c, today)?;
            }
        } else if !b.conditions.is_empty() {
            return Err(AppError::invalid(
                "conditions",
                "conditions go with a licence; this advice licenses nothing",
            ));
        }
        let state: CaseState = current.state.parse().map_err(AppError::Internal)?;
        let (action, audit_action) = match state {
            CaseState::UnderReview => (Some(CaseAction::DraftFinalAdvice), "draft-final-advice"),
            CaseState::FinalReview => (None, "edit-final-advice"),
            s => {
                return Err(AppError::InvalidTransition {
                    action: if s == CaseState::Countersigning {
                        "edit-final-advice".into()
                    } else {
                        CaseAction::DraftFinalAdvice.as_str().into()
                    },
                    current: s,
                })
            }
        };
        let by = who.user_id.clone();
        let by_username = who.username.clone();
        let audit_reason = reason.clone();
        self.change_case(
            who,
            id,
            b.expected_version.or(Some(current.version)),
            action,
            audit_action,
            Some(&audit_reason),
            move |r| {
                missing_advice(&r.body)?;
                let at = now();
                let (revision, mut drafters) = match &r.body.final_advice {
                    Some(f) => (f.revision + 1, f.drafters.clone()),
                    None => (1, Vec::new()),
                };
                if !drafters.contains(&by) {
                    drafters.push(by.clone());
                }
                for c in r.body.countersignatures.iter_mut() {
                    if c.decision == CountersignDecision::Accept && c.invalidated_at.is_none() {
                        c.invalidated_at = Some(at.clone());
                    }
                }
                r.body.countersigning = None;
                r.body.final_advice = Some(FinalAdvice {
                    outcome: b.outcome,
                    reason,
                    conditions: b.conditions,
                    criteria: b.criteria,
                    entities: b.entities,
                    revision,
                    drafted_by: by,
                    drafted_by_username: by_username,
                    drafted_at: at,
                    drafters,
                });
                Ok(())
            },
        )
        .await
    }

    /// Submits the final advice for countersigning (`final-review -> countersigning`) and records what the
    /// policy in force today requires. Assigned officer only.
    pub async fn submit_final_advice(
        &self,
        who: &Principal,
        id: &str,
        b: crate::model::ActionBody,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "submit final advice")?;
        let current = self.case_record(who, id).await?;
        let required = self.countersigning_required(&current.body)?;
        self.change_case(
            who,
            id,
            b.expected_version.or(Some(current.version)),
            Some(CaseAction::SubmitFinalAdvice),
            "submit-final-advice",
            None,
            move |r| {
                r.body.countersigning = Some(required);
                Ok(())
            },
        )
        .await
    }

    /// A countersigner accepts the final advice, or returns it with reasons (`countersigning ->
    /// final-review`). Officers and advisers who can read the case; the separation of duties is checked here.
    pub async fn countersign(
        &self,
        who: &Principal,
        id: &str,
        b: CountersignBody,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Officer, Role::Adviser], "countersign final advice")?;
        let reasons = match (b.decision, b.reasons.as_deref()) {
            (CountersignDecision::Return, None) => {
                return Err(AppError::invalid(
                    "reasons",
                    "a return gives the reasons for it",
                ))
            }
            (_, Some(r)) => Some(text("reasons", r, 5000)?),
            (CountersignDecision::Accept, None) => None,
        };
        let senior = who.role == Role::Officer
            && self.store.user_by_id(&who.user_id).await?.grade.as_deref()
                == Some(OfficerGrade::Senior.as_str());
        let (action, audit_action) = match b.decision {
            CountersignDecision::Accept => (None, COUNTERSIGN),
            CountersignDecision::Return => (Some(CaseAction::ReturnFinalAdvice), RETURN),
        };
        let (user_id, username, role) = (who.user_id.clone(), who.username.clone(), who.role);
        let reason = reasons.clone();
        self.change_case(
            who,
            id,
            b.expected_version,
            action,
            audit_action,
            reason.as_deref(),
            move |r| {
                // With an edge, the table has moved the case already: judge the state it was in.
                let was: CaseState = match action {
                    Some(_) => r.body.history.last().map(|h| h.from),
                    None => r.state.parse().ok(),
                }
                .ok_or_else(|| AppError::Internal("case without a state".into()))?;
                if was != CaseState::Countersigning {
                    return Err(AppError::InvalidTransition {
                        action: "countersign".into(),
                        current: was,
                    });
                }
                separation_of_duties(&r.body, &user_id, &username, role, senior, b.decision)?;
                let revision = r.body.final_advice.as_ref().map_or(0, |f| f.revision);
                r.body.countersignatures.push(Countersignature {
                    decision: b.decision,
                    by: user_id,
                    by_username: username,
                    role,
                    senior,
                    at: now(),
                    revision,
                    reasons,
                    invalidated_at: None,
                });
                Ok(())
            },
        )
        .await
    }

    /// The officer concludes, as the countersigned final advice says, that no licence is required
    /// (`countersigning -> no-licence-required`), or straight from review when the policy found every request
    /// of the case not controlled (`under-review -> no-licence-required`: no advice, final advice or
    /// countersigning is needed for an item nobody controls).
    pub async fn conclude_no_licence_required(
        &self,
        who: &Principal,
        id: &str,
        b: crate::model::ActionBody,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "conclude that no licence is required")?;
        let reason = b
            .reason
            .as_deref()
            .map(|r| text("reason", r, 5000))
            .transpose()?;
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::ConcludeNoLicenceRequired),
            "conclude-no-licence-required",
            reason.as_deref(),
            |r| match r.body.history.last().map(|h| h.from) {
                Some(CaseState::UnderReview) => not_controlled_throughout(&r.body),
                _ => decided_as_advised(&r.body, FinalOutcome::NoLicenceRequired).map(|_| ()),
            },
        )
        .await
    }
}

impl App {
    /// The whole decision as the demo makes it: `drafter` (the assigned officer) drafts `advice` and submits it,
    /// `countersigners` accept in order as many as the policy asks, then `drafter` decides as advised.
    pub async fn decide_countersigned(
        &self,
        drafter: &Principal,
        countersigners: &[Principal],
        id: &str,
        advice: FinalAdviceBody,
    ) -> AppResult<CaseView> {
        let reason = advice.reason.clone();
        self.draft_final_advice(drafter, id, advice).await?;
        let submitted = self
            .submit_final_advice(drafter, id, crate::model::ActionBody::default())
            .await?;
        let (count, outcome) = match &submitted {
            CaseView::Internal(c) => (
                c.body.countersigning.as_ref().map_or(0, |c| c.count),
                c.body
                    .final_advice
                    .as_ref()
                    .map(|f| crate::partial::resolve(&c.body, f).outcome()),
            ),
            _ => (0, None),
        };
        let outcome = outcome
            .ok_or_else(|| AppError::Internal("submitted final advice not in the view".into()))?;
        for who in countersigners.iter().take(usize::from(count)) {
            self.countersign(
                who,
                id,
                CountersignBody {
                    decision: CountersignDecision::Accept,
                    reasons: None,
                    expected_version: None,
                },
            )
            .await?;
        }
        match outcome {
            FinalOutcome::Approve => {
                self.approve(
                    drafter,
                    id,
                    crate::model::ApproveBody {
                        reason,
                        conditions: vec![],
                        expected_version: None,
                    },
                )
                .await
            }
            FinalOutcome::Refuse => {
                self.refuse(
                    drafter,
                    id,
                    crate::model::RefuseBody {
                        reason,
                        criteria: vec![],
                        expected_version: None,
                    },
                )
                .await
            }
            FinalOutcome::NoLicenceRequired => {
                self.conclude_no_licence_required(
                    drafter,
                    id,
                    crate::model::ActionBody {
                        expected_version: None,
                        reason: Some(reason),
                    },
                )
                .await
            }
        }
    }
}

/// The separation-of-duties rules for `user` countersigning (or returning) the final advice on `body`, and
/// whether the countersignature is still wanted.
fn separation_of_duties(
    body: &CaseBody,
    user: &str,
    username: &str,
    role: Role,
    senior: bool,
    decision: CountersignDecision,
) -> AppResult<()> {
    let advice = body
        .final_advice
        .as_ref()
        .ok_or_else(|| AppError::Internal("countersigning without final advice".into()))?;
    if advice.drafters.iter().any(|d| d == user) {
        return Err(forbidden(
            "countersigner-not-drafter",
            format!("{username} drafted the final advice on this case and may not countersign it"),
        ));
    }
    if body
        .advice
        .iter()
        .any(|a| a.advised_by.as_deref() == Some(user))
    {
        return Err(forbidden(
            "adviser-not-countersigner",
            format!("{username} advised on this case and may not countersign it"),
        ));
    }
    let given = in_force(body);
    let required = body.countersigning.as_ref();
    let count = required.map_or(0, |r| usize::from(r.count));
    if given.len() >= count {
        return Err(AppError::Conflict(format!(
            "the final advice already has the {count} countersignature(s) it needs; the assigned officer \
             decides"
        )));
    }
    if given.iter().any(|c| c.by == user) {
        return Err(forbidden(
            "countersigners-differ",
            format!(
                "{username} already countersigned this final advice; the next countersignature is another \
                 person's"
            ),
        ));
    }
    // Anyone eligible may return the advice; only the last acceptance is reserved.
    if let Some(r) = required.filter(|r| r.senior && decision == CountersignDecision::Accept) {
        if given.len() + 1 == count && !(senior && role == Role::Officer) {
            return Err(AppError::Forbidden(format!(
                "separation of duties (senior-countersignature): the last of the {count} countersignatures on \
                 this case is a senior officer's (policy rules {})",
                rule_ids(r)
            )));
        }
    }
    Ok(())
}

/// A case concluded straight from review: every determination of the policy found the request not
/// controlled. Anything controlled (or exempt, or prohibited) goes through final advice and countersigning.
fn not_controlled_throughout(body: &CaseBody) -> AppResult<()> {
    if body.determinations.is_empty() {
        return Err(AppError::Conflict(
            "the case has no determination to conclude from".into(),
        ));
    }
    match body
        .determinations
        .iter()
        .find(|d| d.outcome != domain::Outcome::NotControlled)
    {
        None => Ok(()),
        Some(d) => Err(AppError::Conflict(format!(
            "the policy found product {} to {} for a {} end user {}: only a case whose every request is \
             not controlled is concluded straight from review; draft final advice instead",
            d.product,
            d.destination,
            d.end_user_type.as_str(),
            d.outcome.as_str()
        ))),
    }
}

/// Checks that the case is decided as its countersigned final advice says and returns the advice.
pub(crate) fn decided_as_advised(
    body: &CaseBody,
    outcome: FinalOutcome,
) -> AppResult<&FinalAdvice> {
    let advice = body
        .final_advice
        .as_ref()
        .ok_or_else(|| AppError::Conflict("the case has no final advice; draft it first".into()))?;
    let advised = crate::partial::resolve(body, advice).outcome();
    if advised != outcome {
        return Err(AppError::Conflict(format!(
            "the final advice is to {}; a decision follows it (a countersigner returns it to change it)",
            advised.as_str()
        )));
    }
    if let Some(m) = countersigning_missing(body) {
        return Err(AppError::Conflict(m));
    }
    Ok(advice)
}

/// Before a decision taken directly from under review: the case must need no countersignature.
pub(crate) fn needs_no_countersigning(required: &Countersigning) -> AppResult<()> {
    if required.count == 0 {
        return Ok(());
    }
    Err(AppError::Conflict(format!(
        "this case needs {} countersignature(s) of its final advice{} (policy rules {}): draft final advice \
         (POST /api/v1/applications/{{id}}/final-advice) and submit it for countersigning first",
        required.count,
        if required.senior {
            ", the last by a senior officer"
        } else {
            ""
        },
        rule_ids(required)
    )))
}
