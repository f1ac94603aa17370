//! The adviser's pages: the cases on which its advice was requested and the advice form (for the
//! human-rights adviser: the due-diligence checklist item by item and the red flags), and the officer's final
//! advice in countersigning with the forms that accept it or return it with reasons. Who may countersign is
//! the app's rule (`app::final_advice`): a refusal (separation of duties) is shown on the page with its rule.

use super::{app_error, render, CheckedForm, FormData, Layout, Session};
use crate::AppState;
use app::listing::Page;
use app::views::{AdviserCase, CaseView};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{AdviceRecommendation, DueDiligenceItem, RedFlag, RefusalCriterion, ReviewKind, Role};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/adviser", get(cases))
        .route("/adviser/cases/{id}", get(case))
        .route("/adviser/cases/{id}/advice", post(advise))
        .route("/adviser/cases/{id}/countersign", post(countersign))
        .route("/adviser/cases/{id}/return", post(countersign))
}

fn adviser_only(s: &Session) -> Result<(), Response> {
    if s.who.role() == Role::Adviser {
        Ok(())
    } else {
        Err(app_error(
            Some(s),
            app::AppError::Forbidden("adviser pages".into()),
        ))
    }
}

fn pending(c: &AdviserCase) -> bool {
    c.advice.iter().any(|a| a.advice.is_none())
}

/// The final advice of `c` awaits a countersignature `me` may give as far as the case shows: it is in
/// countersigning, short of its count, `me` did not advise on it and has no countersignature in force on it.
/// (The app checks the rules again, the senior officer's last countersignature among them.)
fn may_countersign(c: &AdviserCase, me: &str) -> bool {
    use app::final_advice::CountersignDecision;
    if c.state != domain::CaseState::Countersigning {
        return false;
    }
    let revision = c.final_advice.as_ref().map_or(0, |f| f.revision);
    let in_force: Vec<_> = c
        .countersignatures
        .iter()
        .filter(|x| {
            x.decision == CountersignDecision::Accept
                && x.invalidated_at.is_none()
                && x.revision == revision
        })
        .collect();
    let count = c
        .countersigning
        .as_ref()
        .map_or(0, |r| usize::from(r.count));
    in_force.len() < count
        && !in_force.iter().any(|x| x.by == me)
        && !c.advice.iter().any(|a| a.advised_by.as_deref() == Some(me))
}

#[derive(Template)]
#[template(path = "adviser.html")]
struct Cases {
    l: Layout,
    /// (id, reference, licence kind, state, advice pending, countersignature awaited from the caller)
    cases: Vec<(String, String, String, String, bool, bool)>,
}

async fn cases(State(st): State<AppState>, s: Session) -> Response {
    if let Err(r) = adviser_only(&s) {
        return r;
    }
    let list = match st
        .app
        .applications(&s.who, &Default::default(), &Page::all())
        .await
        .map(|p| p.items)
    {
        Ok(l) => l,
        Err(e) => return app_error(Some(&s), e),
    };
    let cases = list
        .into_iter()
        .filter_map(|c| match c {
            CaseView::Adviser(c) => Some(c),
            _ => None,
        })
        .map(|c| {
            let p = pending(&c);
            let sign = may_countersign(&c, s.who.user_id());
            (
                c.id,
                c.reference,
                c.licence.to_string(),
                c.state.to_string(),
                p,
                sign,
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &Cases {
            l: Layout::new(key!("adviser-title"), Some(&s)),
            cases,
        },
    )
}

/// The due-diligence items with the catalogue key of their question in plain words.
const ITEM_TEXT: &[(DueDiligenceItem, &str)] = &[
    (
        DueDiligenceItem::ProductCapabilities,
        key!("dd-product-capabilities"),
    ),
    (DueDiligenceItem::EndUserRecord, key!("dd-end-user-record")),
    (DueDiligenceItem::OtherParties, key!("dd-other-parties")),
    (
        DueDiligenceItem::ContractualSafeguards,
        key!("dd-contractual-safeguards"),
    ),
    (
        DueDiligenceItem::TechnicalSafeguards,
        key!("dd-technical-safeguards"),
    ),
    (
        DueDiligenceItem::PostSaleMonitoring,
        key!("dd-post-sale-monitoring"),
    ),
    (DueDiligenceItem::Remedy, key!("dd-remedy")),
    (DueDiligenceItem::Reporting, key!("dd-reporting")),
];

/// The red flags with the catalogue key of their description.
const FLAG_TEXT: &[(RedFlag, &str)] = &[
    (RedFlag::DocumentedMisuse, key!("flag-documented-misuse")),
    (
        RedFlag::TargetingProtectedGroups,
        key!("flag-targeting-protected-groups"),
    ),
    (RedFlag::DisableLogging, key!("flag-disable-logging")),
    (RedFlag::OpaqueEndUse, key!("flag-opaque-end-use")),
    (
        RedFlag::NoIndependentOversight,
        key!("flag-no-independent-oversight"),
    ),
    (
        RedFlag::PopulationSurveillanceIntegration,
        key!("flag-population-surveillance-integration"),
    ),
    (
        RedFlag::AbusiveSecurityBody,
        key!("flag-abusive-security-body"),
    ),
];

fn item_text(i: DueDiligenceItem) -> &'static str {
    ITEM_TEXT
        .iter()
        .find(|x| x.0 == i)
        .map(|x| x.1)
        .unwrap_or(key!("checklist"))
}

fn flag_text(f: RedFlag) -> &'static str {
    FLAG_TEXT
        .iter()
        .find(|x| x.0 == f)
        .map(|x| x.1)
        .unwrap_or(key!("red-flags"))
}

#[derive(Default)]
struct Entered {
    recommendation: String,
    text: String,
    /// The reasons entered on the return form.
    reasons: String,
}

#[derive(Template)]
#[template(path = "adviser_case.html")]
struct CasePage {
    l: Layout,
    c: AdviserCase,
    pending: bool,
    human_rights: bool,
    csrf: String,
    /// (item, entered answer, catalogue key of its question)
    checklist: Vec<(&'static str, String, &'static str)>,
    /// (flag, checked, catalogue key of its description)
    red_flags: Vec<(&'static str, bool, &'static str)>,
    /// (refusal criterion, checked)
    criteria: Vec<(&'static str, bool)>,
    entered: Entered,
    /// The final advice awaits the caller's countersignature (the accept and return forms are shown).
    can_countersign: bool,
    /// The final advice's conditions, as text.
    final_conditions: Vec<String>,
}

fn case_page(s: &Session, c: AdviserCase, l: Layout, form: Option<&FormData>) -> CasePage {
    let get = |k: &str| form.map(|f| f.get(k).to_string()).unwrap_or_default();
    let flags = form.map(|f| f.all("red_flags")).unwrap_or_default();
    let cited = form.map(|f| f.all("criteria")).unwrap_or_default();
    CasePage {
        pending: pending(&c),
        human_rights: s.who.review_kind() == Some(ReviewKind::HumanRights),
        csrf: s.csrf(),
        checklist: DueDiligenceItem::ALL
            .iter()
            .map(|i| {
                (
                    i.as_str(),
                    get(&format!("item-{}", i.as_str())),
                    item_text(*i),
                )
            })
            .collect(),
        red_flags: RedFlag::ALL
            .iter()
            .map(|f| (f.as_str(), flags.contains(&f.as_str()), flag_text(*f)))
            .collect(),
        criteria: RefusalCriterion::ALL
            .iter()
            .map(|k| (k.as_str(), cited.contains(&k.as_str())))
            .collect(),
        entered: Entered {
            recommendation: get("recommendation"),
            text: get("text"),
            reasons: get("reasons"),
        },
        can_countersign: may_countersign(&c, s.who.user_id()),
        final_conditions: c
            .final_advice
            .iter()
            .flat_map(|f| f.conditions.iter())
            .map(|x| serde_json::to_string(x).unwrap_or_default())
            .collect(),
        l,
        c,
    }
}

async fn load(st: &AppState, s: &Session, id: &str) -> Result<AdviserCase, Response> {
    adviser_only(s)?;
    match st.app.application(&s.who, id).await {
        Ok(CaseView::Adviser(c)) => Ok(*c),
        Ok(_) => Err(app_error(Some(s), app::AppError::NotFound("application"))),
        Err(e) => Err(app_error(Some(s), e)),
    }
}

async fn case(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match load(&st, &s, &id).await {
        Ok(c) => {
            let l = Layout::new(key!("case-title"), Some(&s));
            render(StatusCode::OK, &case_page(&s, c, l, None))
        }
        Err(r) => r,
    }
}

async fn advise(State(st): State<AppState>, Path(id): Path<String>, f: CheckedForm) -> Response {
    let s = &f.session;
    let c = match load(&st, s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let fail = |c: AdviserCase, field: &str, msg: String| {
        let l = Layout::new(key!("case-title"), Some(s)).error(field, msg);
        render(StatusCode::BAD_REQUEST, &case_page(s, c, l, Some(&f.form)))
    };
    let recommendation = match f.form.get("recommendation").parse::<AdviceRecommendation>() {
        Ok(r) => r,
        Err(e) => return fail(c, "recommendation", format!("recommendation: {e}")),
    };
    let red_flags = match f
        .form
        .all("red_flags")
        .iter()
        .map(|x| x.parse::<RedFlag>())
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(r) => r,
        Err(e) => return fail(c, "red-flags", format!("red_flags: {e}")),
    };
    let criteria = match f
        .form
        .all("criteria")
        .iter()
        .map(|x| x.parse::<RefusalCriterion>())
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(c) => c,
        Err(e) => return fail(c, "criteria", format!("criteria: {e}")),
    };
    let checklist = if s.who.review_kind() == Some(ReviewKind::HumanRights) {
        DueDiligenceItem::ALL
            .iter()
            .map(|i| app::model::ChecklistAnswer {
                item: *i,
                answer: f.form.get(&format!("item-{}", i.as_str())).to_string(),
            })
            .collect()
    } else {
        vec![]
    };
    let advice = app::model::NewAdvice {
        recommendation,
        criteria,
        text: f.form.get("text").to_string(),
        conditions: vec![],
        checklist,
        red_flags,
        entities: vec![],
    };
    match st.app.give_advice(&s.who, &id, advice).await {
        Ok(_) => Redirect::to(&format!("/adviser/cases/{id}")).into_response(),
        Err(app::AppError::Invalid { field, reason }) => {
            // The form sends the items in `DueDiligenceItem::ALL` order: `checklist[i]` is the i-th one; a
            // missing answer names its item in the reason.
            let item = field
                .strip_prefix("checklist[")
                .and_then(|r| r.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| DueDiligenceItem::ALL.get(i).copied())
                .or_else(|| {
                    DueDiligenceItem::ALL
                        .iter()
                        .copied()
                        .find(|i| reason.ends_with(&format!("item {} exactly once", i.as_str())))
                });
            let item_control = item.map(|i| format!("item-{}", i.as_str()));
            let control = if let Some(c) = &item_control {
                c.as_str()
            } else if field.starts_with("checklist") {
                "checklist"
            } else if field == "text" {
                "text"
            } else if field == "criteria" {
                "criteria"
            } else {
                "recommendation"
            };
            fail(c, control, format!("{field}: {reason}"))
        }
        Err(e) => app_error(Some(s), e),
    }
}

/// `POST /adviser/cases/{id}/countersign` (accept) and `POST /adviser/cases/{id}/return` (reasons): the
/// adviser's answer to the final advice in countersigning. A missing reason is shown beside it; a refusal of
/// the separation of duties (403, naming the rule) or a case that moved on (409) is shown under the final
/// advice's heading.
async fn countersign(
    State(st): State<AppState>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    f: CheckedForm,
) -> Response {
    use app::final_advice::{CountersignBody, CountersignDecision};
    let s = &f.session;
    let c = match load(&st, s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let returning = uri.path().ends_with("/return");
    let body = CountersignBody {
        decision: if returning {
            CountersignDecision::Return
        } else {
            CountersignDecision::Accept
        },
        reasons: returning.then(|| f.form.get("reasons").to_string()),
        expected_version: Some(c.version),
    };
    let (status, control, msg) = match st.app.countersign(&s.who, &id, body).await {
        Ok(_) => return Redirect::to(&format!("/adviser/cases/{id}#final-advice")).into_response(),
        Err(app::AppError::Invalid { field, reason }) => (
            StatusCode::BAD_REQUEST,
            "return-reasons",
            format!(
                "{}: {reason}",
                if field == "reasons" {
                    s.lang.t(key!("return-reasons"))
                } else {
                    field.as_str()
                }
            ),
        ),
        Err(app::AppError::Forbidden(reason)) => (StatusCode::FORBIDDEN, "final-advice", reason),
        Err(e @ (app::AppError::Conflict(_) | app::AppError::InvalidTransition { .. })) => {
            (StatusCode::CONFLICT, "final-advice", e.to_string())
        }
        Err(e) => return app_error(Some(s), e),
    };
    let l = Layout::new(key!("case-title"), Some(s)).error(control, msg);
    render(status, &case_page(s, c, l, Some(&f.form)))
}
