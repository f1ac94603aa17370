//! The adviser's pages: the cases on which its advice was requested and the advice form (for the
//! human-rights adviser: the due-diligence checklist item by item and the red flags).

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
use domain::{AdviceRecommendation, DueDiligenceItem, RedFlag, ReviewKind, Role};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/adviser", get(cases))
        .route("/adviser/cases/{id}", get(case))
        .route("/adviser/cases/{id}/advice", post(advise))
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

#[derive(Template)]
#[template(path = "adviser.html")]
struct Cases {
    l: Layout,
    /// (id, reference, licence kind, state, advice pending)
    cases: Vec<(String, String, String, String, bool)>,
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
            (
                c.id,
                c.reference,
                c.licence.to_string(),
                c.state.to_string(),
                p,
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

#[derive(Default)]
struct Entered {
    recommendation: String,
    text: String,
}

#[derive(Template)]
#[template(path = "adviser_case.html")]
struct CasePage {
    l: Layout,
    c: AdviserCase,
    pending: bool,
    human_rights: bool,
    csrf: String,
    /// (item, entered answer)
    checklist: Vec<(&'static str, String)>,
    /// (flag, checked)
    red_flags: Vec<(&'static str, bool)>,
    entered: Entered,
}

fn case_page(s: &Session, c: AdviserCase, l: Layout, form: Option<&FormData>) -> CasePage {
    let get = |k: &str| form.map(|f| f.get(k).to_string()).unwrap_or_default();
    let flags = form.map(|f| f.all("red_flags")).unwrap_or_default();
    CasePage {
        pending: pending(&c),
        human_rights: s.who.review_kind() == Some(ReviewKind::HumanRights),
        csrf: s.csrf(),
        checklist: DueDiligenceItem::ALL
            .iter()
            .map(|i| (i.as_str(), get(&format!("item-{}", i.as_str()))))
            .collect(),
        red_flags: RedFlag::ALL
            .iter()
            .map(|f| (f.as_str(), flags.contains(&f.as_str())))
            .collect(),
        entered: Entered {
            recommendation: get("recommendation"),
            text: get("text"),
        },
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
        criteria: vec![],
        text: f.form.get("text").to_string(),
        conditions: vec![],
        checklist,
        red_flags,
    };
    match st.app.give_advice(&s.who, &id, advice).await {
        Ok(_) => Redirect::to(&format!("/adviser/cases/{id}")).into_response(),
        Err(app::AppError::Invalid { field, reason }) => {
            let control = if field.starts_with("checklist") {
                "checklist"
            } else if field == "text" {
                "text"
            } else {
                "recommendation"
            };
            fail(c, control, format!("{field}: {reason}"))
        }
        Err(e) => app_error(Some(s), e),
    }
}
