//! The licensing officer's pages: the work queues with counts, one queue, and the case page with the forms
//! the case's state allows (start review, request information, clear/confirm screening hits, approve, refuse,
//! issue).

use super::{app_error, render, CheckedForm, Layout, Session};
use crate::AppState;
use app::listing::Page;
use app::model::{Case, QueueEntry};
use app::views::CaseView;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{CaseState, RefusalCriterion, Role};

/// The queues of [`app::App::queue`] with their catalogue keys.
const QUEUES: &[(&str, &str)] = &[
    ("unassigned", key!("queue-unassigned")),
    ("mine", key!("queue-mine")),
    ("awaiting-advice", key!("queue-awaiting-advice")),
    ("overdue", key!("queue-overdue")),
    ("screening", key!("queue-screening")),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/officer", get(queues))
        .route("/officer/queues/{name}", get(queue))
        .route("/officer/cases/{id}", get(case))
        .route("/officer/cases/{id}/{action}", post(act))
        .route("/officer/cases/{id}/hits/{hit}", post(decide_hit))
}

fn officer_only(s: &Session) -> Result<(), Response> {
    if s.who.role() == Role::Officer {
        Ok(())
    } else {
        Err(app_error(
            Some(s),
            app::AppError::Forbidden("officer pages".into()),
        ))
    }
}

#[derive(Template)]
#[template(path = "officer.html")]
struct Queues {
    l: Layout,
    /// (queue name, catalogue key, count)
    queues: Vec<(&'static str, &'static str, usize)>,
    current: Option<(&'static str, &'static str)>,
    entries: Vec<QueueEntry>,
}

async fn queue_page(st: &AppState, s: &Session, name: Option<&str>) -> Response {
    if let Err(r) = officer_only(s) {
        return r;
    }
    let current = match name {
        Some(n) => match QUEUES.iter().find(|(q, _)| *q == n) {
            Some(q) => Some(*q),
            None => return app_error(Some(s), app::AppError::NotFound("queue")),
        },
        None => None,
    };
    let mut counts = Vec::new();
    let mut entries = Vec::new();
    for (q, k) in QUEUES {
        match st.app.queue(&s.who, q, &Page::all()).await.map(|p| p.items) {
            Ok(list) => {
                counts.push((*q, *k, list.len()));
                if current.is_some_and(|c| c.0 == *q) {
                    entries = list;
                }
            }
            Err(e) => return app_error(Some(s), e),
        }
    }
    render(
        StatusCode::OK,
        &Queues {
            l: Layout::new(key!("officer-title"), Some(s)),
            queues: counts,
            current,
            entries,
        },
    )
}

async fn queues(State(st): State<AppState>, s: Session) -> Response {
    queue_page(&st, &s, None).await
}

async fn queue(State(st): State<AppState>, s: Session, Path(name): Path<String>) -> Response {
    queue_page(&st, &s, Some(&name)).await
}

/// One determination with the reasons of the rules that fired.
struct DeterminationRow {
    product: String,
    destination: String,
    end_user_type: String,
    outcome: String,
    reasons: Vec<String>,
}

/// Entered values kept after an error.
#[derive(Default)]
struct Entered {
    question: String,
    approve_reason: String,
    refuse_reason: String,
}

#[derive(Template)]
#[template(path = "officer_case.html")]
struct CasePage {
    l: Layout,
    c: Case,
    /// (role, name, country)
    parties: Vec<(String, String, String)>,
    determinations: Vec<DeterminationRow>,
    criteria: Vec<&'static str>,
    csrf: String,
    can_assign: bool,
    can_decide: bool,
    can_issue: bool,
    form: Entered,
}

fn case_page(s: &Session, c: Case, l: Layout, form: Entered) -> CasePage {
    let b = &c.body;
    let mut parties = Vec::new();
    let country =
        |c: &Option<domain::CountryCode>| c.as_ref().map(|c| c.to_string()).unwrap_or_default();
    if let Some(m) = &b.marketing {
        for e in &m.end_users {
            parties.push(("end-user".to_string(), e.name.clone(), country(&e.country)));
        }
    }
    if let Some(x) = &b.export {
        parties.push((
            "end-user".into(),
            x.end_user.name.clone(),
            country(&x.end_user.country),
        ));
        parties.push((
            "consignee".into(),
            x.consignee.name.clone(),
            x.consignee.country.to_string(),
        ));
        for i in &x.intermediaries {
            parties.push(("intermediary".into(), i.name.clone(), i.country.to_string()));
        }
    }
    let determinations = b
        .determinations
        .iter()
        .map(|d| DeterminationRow {
            product: d.product.clone(),
            destination: d.destination.clone(),
            end_user_type: d.end_user_type.to_string(),
            outcome: d.outcome.to_string(),
            reasons: d.determination["rules"]
                .as_array()
                .map(|rules| {
                    rules
                        .iter()
                        .map(|r| {
                            format!(
                                "{}: {}",
                                r["id"].as_str().unwrap_or(""),
                                r["reason"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    CasePage {
        parties,
        determinations,
        criteria: RefusalCriterion::ALL.iter().map(|k| k.as_str()).collect(),
        csrf: s.csrf(),
        can_assign: c.state == CaseState::Submitted,
        can_decide: c.state == CaseState::UnderReview,
        can_issue: c.state == CaseState::Approved,
        l,
        c,
        form,
    }
}

async fn load(st: &AppState, s: &Session, id: &str) -> Result<Case, Response> {
    officer_only(s)?;
    match st.app.application(&s.who, id).await {
        Ok(CaseView::Internal(c)) => Ok(*c),
        Ok(_) => Err(app_error(Some(s), app::AppError::NotFound("application"))),
        Err(e) => Err(app_error(Some(s), e)),
    }
}

async fn case(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match load(&st, &s, &id).await {
        Ok(c) => {
            let l = Layout::new(key!("case-title"), Some(&s));
            render(StatusCode::OK, &case_page(&s, c, l, Entered::default()))
        }
        Err(r) => r,
    }
}

/// `POST /officer/cases/{id}/{action}`: assign, request-information, approve, refuse, issue.
async fn act(
    State(st): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    f: CheckedForm,
) -> Response {
    use app::model::*;
    let s = &f.session;
    let c = match load(&st, s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let v = Some(c.version);
    let reason = f.form.get("reason").to_string();
    let mut entered = Entered::default();
    // The id of the control an error on the use case's field belongs to.
    let (result, control) = match action.as_str() {
        "assign" => (
            st.app
                .assign(
                    &s.who,
                    &id,
                    AssignBody {
                        officer_id: None,
                        expected_version: v,
                    },
                )
                .await,
            "",
        ),
        "request-information" => {
            entered.question = f.form.get("question").to_string();
            (
                st.app
                    .request_information(
                        &s.who,
                        &id,
                        InfoRequestBody {
                            question: entered.question.clone(),
                            expected_version: v,
                        },
                    )
                    .await,
                "question",
            )
        }
        "approve" => {
            entered.approve_reason = reason.clone();
            (
                st.app
                    .approve(
                        &s.who,
                        &id,
                        ApproveBody {
                            reason,
                            conditions: vec![],
                            expected_version: v,
                        },
                    )
                    .await,
                "approve-reason",
            )
        }
        "refuse" => {
            entered.refuse_reason = reason.clone();
            let criteria = match f
                .form
                .all("criteria")
                .iter()
                .map(|k| k.parse::<RefusalCriterion>())
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(c) => c,
                Err(e) => {
                    let l = Layout::new(key!("case-title"), Some(s)).error("criteria", e);
                    return render(StatusCode::BAD_REQUEST, &case_page(s, c, l, entered));
                }
            };
            (
                st.app
                    .refuse(
                        &s.who,
                        &id,
                        RefuseBody {
                            reason,
                            criteria,
                            expected_version: v,
                        },
                    )
                    .await,
                "refuse-reason",
            )
        }
        "issue" => (
            st.app
                .issue(
                    &s.who,
                    &id,
                    ActionBody {
                        expected_version: v,
                        reason: None,
                    },
                )
                .await,
            "",
        ),
        _ => return app_error(Some(s), app::AppError::NotFound("page")),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/officer/cases/{id}")).into_response(),
        Err(app::AppError::Invalid { field, reason }) if !control.is_empty() => {
            let target = if field == "criteria" {
                "criteria"
            } else {
                control
            };
            let l = Layout::new(key!("case-title"), Some(s))
                .error(target, format!("{field}: {reason}"));
            render(StatusCode::BAD_REQUEST, &case_page(s, c, l, entered))
        }
        Err(e) => app_error(Some(s), e),
    }
}

/// `POST /officer/cases/{id}/hits/{hit}`: clear or confirm a screening hit.
async fn decide_hit(
    State(st): State<AppState>,
    Path((id, hit)): Path<(String, String)>,
    f: CheckedForm,
) -> Response {
    let s = &f.session;
    if let Err(r) = officer_only(s) {
        return r;
    }
    let body = app::model::HitDecisionBody {
        decision: f.form.get("decision").to_string(),
        reason: f.form.get("reason").to_string(),
    };
    match st.app.decide_hit(&s.who, &id, &hit, body).await {
        Ok(_) => Redirect::to(&format!("/officer/cases/{id}#screening")).into_response(),
        Err(e) => app_error(Some(s), e),
    }
}
