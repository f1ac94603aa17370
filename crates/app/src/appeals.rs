//! Appeals against a refusal (issue 12): the refusal opens an appeal window (the policy's `[deadlines]`
//! `appeal_calendar_days`, reference 28); within it the exporter files grounds and documents (`refused ->
//! under-appeal`); an officer other than the one who decided the refusal reviews it and upholds the refusal
//! (`under-appeal -> refused`, final: one appeal per case) or overturns it (`under-appeal -> approved`, after
//! the same approval checks as `approve`); the licence then issued is marked "issued on appeal". An overturned
//! refusal ends the denials the refusal recorded (`app::denials`).

use crate::model::{Appeal, AppealOutcome, AttachedDocument, CaseBody, Decision};
use crate::views::CaseView;
use crate::{now, text, App, AppError, AppResult, Principal};
use domain::{CaseAction, CaseState, Role};
use serde::{Deserialize, Serialize};
use store::Record;
use utoipa::ToSchema;

/// The audit action of an appeal decision (the assigned-officer rule does not apply to it: the reviewer is
/// never the officer who decided, to whom the case is assigned).
pub(crate) const DECIDE_APPEAL: &str = "decide-appeal";

/// The exporter's appeal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    /// Why the refusal should be set aside (1 to 10000 characters).
    #[schema(
        example = "The end user has since adopted an independent oversight mechanism; see the attached letter."
    )]
    pub grounds: String,
    #[serde(default)]
    pub documents: Vec<AttachedDocument>,
    /// Optimistic concurrency: the case version the caller last read.
    pub expected_version: Option<i64>,
}

/// The reviewing officer's decision on an appeal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionBody {
    pub outcome: AppealOutcome,
    /// The reasons (1 to 5000 characters), shown to the exporter.
    pub reason: String,
    pub expected_version: Option<i64>,
}

impl App {
    /// The exporter appeals the refusal of its case, within the appeal window.
    pub async fn file_appeal(
        &self,
        who: &Principal,
        id: &str,
        b: AppealBody,
    ) -> AppResult<CaseView> {
        who.exporter_org("appeal refusals")?;
        let grounds = text("grounds", &b.grounds, 10_000)?;
        crate::bounded_unique("documents", &b.documents, 50)?;
        for (i, d) in b.documents.iter().enumerate() {
            text(&format!("documents[{i}].kind"), &d.kind, 100)?;
            text(&format!("documents[{i}].name"), &d.name, 300)?;
            crate::sha256_hex(&format!("documents[{i}].sha256"), d.sha256.as_deref())?;
        }
        let today = self.today();
        let by = who.user_id.clone();
        self.change_case(
            who,
            id,
            b.expected_version,
            Some(CaseAction::Appeal),
            "file-appeal",
            None,
            move |r| {
                if r.body.appeal.is_some() {
                    return Err(AppError::Conflict(
                        "the refusal was already appealed; a case is appealed once".into(),
                    ));
                }
                match r.body.appeal_until {
                    None => {
                        return Err(AppError::Conflict(
                            "the refusal opened no appeal window (the policy in force set none)"
                                .into(),
                        ))
                    }
                    Some(until) if today > until => {
                        return Err(AppError::Conflict(format!(
                            "the appeal window closed on {until}"
                        )))
                    }
                    Some(_) => {}
                }
                r.body.appeal = Some(Appeal {
                    grounds,
                    documents: b.documents,
                    filed_by: by,
                    filed_at: now(),
                    outcome: None,
                    outcome_reason: None,
                    reviewed_by: None,
                    reviewed_at: None,
                    refusal: None,
                });
                Ok(())
            },
        )
        .await
    }

    /// An officer other than the one who decided the refusal upholds or overturns it.
    pub async fn decide_appeal(
        &self,
        who: &Principal,
        id: &str,
        b: AppealDecisionBody,
    ) -> AppResult<CaseView> {
        who.require(&[Role::Officer], "decide appeals")?;
        let reason = text("reason", &b.reason, 5000)?;
        let case = self.case_record(who, id).await?;
        separation_of_duties(who, &case)?;
        let by = who.user_id.clone();
        let required = self.config.required_lists.clone();
        let outcome = b.outcome;
        let r2 = reason.clone();
        let view = self
            .change_case(
                who,
                id,
                b.expected_version.or(Some(case.version)),
                Some(match outcome {
                    AppealOutcome::Upheld => CaseAction::UpholdRefusal,
                    AppealOutcome::Overturned => CaseAction::OverturnRefusal,
                }),
                DECIDE_APPEAL,
                Some(&reason),
                move |r| {
                    separation_of_duties_body(&by, r)?;
                    let at = now();
                    if outcome == AppealOutcome::Overturned {
                        // The same checks as an approval: nothing may block a licence now.
                        crate::cases::approval_blockers(&r.body)?;
                        crate::cases::screening_complete(&required, &r.body)?;
                    }
                    let refusal = r.body.decision.clone();
                    let Some(appeal) = r.body.appeal.as_mut() else {
                        return Err(AppError::Internal(
                            "a case under appeal without its appeal".into(),
                        ));
                    };
                    appeal.outcome = Some(outcome);
                    appeal.outcome_reason = Some(r2.clone());
                    appeal.reviewed_by = Some(by.clone());
                    appeal.reviewed_at = Some(at.clone());
                    if outcome == AppealOutcome::Overturned {
                        appeal.refusal = refusal;
                        r.body.decision = Some(Decision {
                            approved: true,
                            reason: format!("refusal overturned on appeal: {r2}"),
                            criteria: vec![],
                            conditions: vec![],
                            decided_by: by.clone(),
                            decided_at: at,
                            parts: None,
                        });
                        // The reviewer carries the case on to its licence.
                        r.assigned_to = Some(by);
                    }
                    Ok(())
                },
            )
            .await?;
        if outcome == AppealOutcome::Overturned {
            // The refusal's denials ended.
            self.register_changed().await?;
        }
        Ok(view)
    }
}

/// The reviewing officer is not the one who decided the refusal (403 naming the rule).
fn separation_of_duties(who: &Principal, case: &Record<CaseBody>) -> AppResult<()> {
    if case.state != CaseState::UnderAppeal.as_str() {
        // The transition table answers (409) with where an appeal decision is possible.
        return Ok(());
    }
    separation_of_duties_body(&who.user_id, case)
}

fn separation_of_duties_body(reviewer: &str, case: &Record<CaseBody>) -> AppResult<()> {
    let decided_by = case.body.decision.as_ref().map(|d| d.decided_by.as_str());
    if decided_by == Some(reviewer) {
        return Err(AppError::Forbidden(
            "separation of duties: the officer who decided the refusal may not review its appeal; another \
             officer decides it"
                .into(),
        ));
    }
    Ok(())
}
