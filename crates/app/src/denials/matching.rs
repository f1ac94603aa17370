//! Denial matches on cases: found at submission, at every change of a draft's parties and whenever the
//! register changes; a match against a partner's denial opens a consultation that blocks approval until the
//! partner's answer is recorded or an officer overrides it with a reason.

use super::matcher::{Application, Found};
use crate::model::CaseBody;
use crate::{new_id, now, text, App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use domain::{CaseState, Role};
use serde::{Deserialize, Serialize};
use store::Filter;
use utoipa::ToSchema;

/// A denial in force that an application matches, stored on the case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DenialMatch {
    pub id: String,
    pub denial_id: String,
    /// The denial's register key, `STATE/reference`.
    pub denial_reference: String,
    pub denying_state: String,
    /// A denial of this authority (no consultation: the authority consults itself).
    pub own: bool,
    /// The case's party that matched: `end-user`, `end-user[i]` or `consignee`.
    pub party_role: String,
    pub party_name: String,
    /// `end-user` or `consignee` of the denial.
    pub denied_role: String,
    pub denied_name: String,
    pub score: f64,
    /// The screening engine's explanation of the name score.
    #[schema(value_type = screening::Explanation)]
    pub explanation: serde_json::Value,
    /// Control entries the application shares with the denial.
    pub shared_entries: Vec<String>,
    pub destination: String,
    pub found_at: String,
    /// Opened for a partner's denial.
    pub consultation: Option<Consultation>,
}

/// A consultation with the denying state about an essentially identical transaction.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Consultation {
    /// The state consulted.
    pub partner: String,
    pub opened_at: String,
    /// `open`, `answered` (the partner's answer is recorded) or `overridden` (an officer decided without it).
    pub status: String,
    pub answer: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub answered_on: Option<NaiveDate>,
    pub override_reason: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
}

/// Closes a consultation: the partner's answer with its date, or an officer's override with a reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseConsultation {
    /// The partner's answer (with `answered_on`).
    pub answer: Option<String>,
    /// The date of the partner's answer.
    #[schema(value_type = Option<String>, format = Date)]
    pub answered_on: Option<NaiveDate>,
    /// Decide without the partner's answer, for this reason.
    pub override_reason: Option<String>,
    pub expected_version: Option<i64>,
}

impl App {
    /// What matching needs of a case: its products' control entries, destinations, end users and consignee.
    async fn case_application(
        &self,
        body: &CaseBody,
        products: &mut crate::exporter::Products,
    ) -> AppResult<Application> {
        let mut app = Application::default();
        let ids: Vec<&String> = match (&body.marketing, &body.export) {
            (Some(m), _) => m.products.iter().collect(),
            (None, Some(e)) => vec![&e.product],
            (None, None) => vec![],
        };
        for p in ids {
            let r = products
                .fetch(&self.store, p)
                .await
                .map_err(crate::not_found("product"))?;
            if let Some(c) = r.body.classification {
                for e in c.control_entries {
                    if !app.entries.contains(&e) {
                        app.entries.push(e);
                    }
                }
            }
        }
        app.destinations = crate::listing::destinations(body)
            .into_iter()
            .map(str::to_string)
            .collect();
        if let Some(m) = &body.marketing {
            for (i, u) in m.end_users.iter().enumerate() {
                app.parties.push((format!("end-user[{i}]"), u.name.clone()));
            }
        }
        if let Some(e) = &body.export {
            app.parties
                .push(("end-user".into(), e.end_user.name.clone()));
            app.parties
                .push(("consignee".into(), e.consignee.name.clone()));
        }
        Ok(app)
    }

    /// The denial matches of a case now, keeping the id, time and consultation of each match already stored.
    pub(crate) async fn denial_matches_for(
        &self,
        body: &CaseBody,
        products: &mut crate::exporter::Products,
    ) -> AppResult<Vec<DenialMatch>> {
        let Some(m) = self.loaded_denials() else {
            return Ok(body.denial_matches.clone());
        };
        let app = self.case_application(body, products).await?;
        let found = m.find(&app, self.today(), self.config.screening_threshold);
        found
            .into_iter()
            .map(|f| to_match(f, &body.denial_matches))
            .collect()
    }

    /// Re-matches every open case against the register; returns how many cases' matches changed.
    pub(crate) async fn rematch_open_cases(&self) -> AppResult<usize> {
        let open: Vec<String> = CaseState::ALL
            .iter()
            .filter(|s| s.is_open() && **s != CaseState::Draft)
            .map(|s| s.as_str().to_string())
            .collect();
        let cases = crate::case_store::list_without_hits(
            &self.store,
            &Filter {
                states: open,
                ..Default::default()
            },
        )
        .await?;
        let sys = Principal::system();
        let mut n = 0;
        for c in cases {
            let matches = self
                .denial_matches_for(&c.body, &mut crate::exporter::Products::default())
                .await?;
            if matches == c.body.denial_matches {
                continue;
            }
            self.change_case(&sys, &c.id, None, None, "match-denials", None, move |r| {
                r.body.denial_matches = matches;
                Ok(())
            })
            .await?;
            n += 1;
        }
        Ok(n)
    }

    /// The denial matches of a case (officers, auditors, administrators).
    pub async fn case_denial_matches(
        &self,
        who: &Principal,
        id: &str,
    ) -> AppResult<Vec<DenialMatch>> {
        who.require(
            &[Role::Officer, Role::Auditor, Role::Admin],
            "read denial matches",
        )?;
        Ok(self.case_record(who, id).await?.body.denial_matches)
    }

    /// The assigned officer closes the consultation a partner's denial opened: with the partner's answer and
    /// its date, or by overriding it with a reason. Audited on the case.
    pub async fn close_consultation(
        &self,
        who: &Principal,
        case_id: &str,
        match_id: &str,
        b: CloseConsultation,
    ) -> AppResult<crate::views::CaseView> {
        who.require(&[Role::Officer], "close consultations")?;
        let today = self.today();
        let (status, answer, override_reason) = match (&b.answer, b.answered_on, &b.override_reason)
        {
            (Some(a), Some(on), None) => {
                if on > today {
                    return Err(AppError::invalid(
                        "answered_on",
                        "must not be in the future",
                    ));
                }
                ("answered", Some(text("answer", a, 5000)?), None)
            }
            (Some(_), None, None) => {
                return Err(AppError::invalid(
                    "answered_on",
                    "the partner's answer is recorded with its date",
                ))
            }
            (None, None, Some(r)) => ("overridden", None, Some(text("override_reason", r, 5000)?)),
            (None, Some(_), None) => {
                return Err(AppError::invalid(
                    "answer",
                    "a date is given without the answer",
                ))
            }
            (None, None, None) => {
                return Err(AppError::invalid(
                    "answer",
                    "give the partner's answer with answered_on, or an override_reason",
                ))
            }
            _ => {
                return Err(AppError::invalid(
                    "override_reason",
                    "give either the partner's answer or an override reason, not both",
                ))
            }
        };
        let by = who.user_id.clone();
        let reason = override_reason.clone().or_else(|| answer.clone());
        let mid = match_id.to_string();
        self.change_case(
            who,
            case_id,
            b.expected_version,
            None,
            "close-consultation",
            reason.as_deref(),
            move |r| {
                let m = r
                    .body
                    .denial_matches
                    .iter_mut()
                    .find(|m| m.id == mid)
                    .ok_or(AppError::NotFound("denial match"))?;
                let c = m.consultation.as_mut().ok_or_else(|| {
                    AppError::Conflict(
                        "this match is against a denial of this authority: there is no consultation".into(),
                    )
                })?;
                if c.status != "open" {
                    return Err(AppError::Conflict(format!(
                        "the consultation is already closed ({})",
                        c.status
                    )));
                }
                c.status = status.into();
                c.answer = answer;
                c.answered_on = b.answered_on;
                c.override_reason = override_reason;
                c.closed_by = Some(by);
                c.closed_at = Some(now());
                Ok(())
            },
        )
        .await
    }
}

fn to_match(f: Found, existing: &[DenialMatch]) -> AppResult<DenialMatch> {
    let explanation =
        serde_json::to_value(&f.explanation).map_err(|e| AppError::Internal(e.to_string()))?;
    let prev = existing
        .iter()
        .find(|m| m.denial_id == f.denial.id && m.party_role == f.party_role);
    let consultation = match prev {
        Some(p) => p.consultation.clone(),
        None => (!f.denial.own).then(|| Consultation {
            partner: f.denial.denying_state.clone(),
            opened_at: now(),
            status: "open".into(),
            answer: None,
            answered_on: None,
            override_reason: None,
            closed_by: None,
            closed_at: None,
        }),
    };
    Ok(DenialMatch {
        id: prev.map_or_else(new_id, |p| p.id.clone()),
        found_at: prev.map_or_else(now, |p| p.found_at.clone()),
        denial_id: f.denial.id,
        denial_reference: f.denial.reference,
        denying_state: f.denial.denying_state,
        own: f.denial.own,
        party_role: f.party_role,
        party_name: f.party_name,
        denied_role: f.denied_role,
        denied_name: f.denied_name,
        score: f.score,
        explanation,
        shared_entries: f.shared_entries,
        destination: f.destination,
        consultation,
    })
}

/// Every open consultation on the case, as a reason approval is blocked.
pub(crate) fn open_consultation_blockers(body: &CaseBody) -> Vec<String> {
    body.denial_matches
        .iter()
        .filter(|m| m.consultation.as_ref().is_some_and(|c| c.status == "open"))
        .map(|m| format!(
            "the consultation with {} about denial {} ({} matches {}) is open: record the partner's answer or override it with a reason before approving",
            m.denying_state, m.denial_reference, m.party_name, m.denied_name
        ))
        .collect()
}
