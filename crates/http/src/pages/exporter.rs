//! The exporter's pages: the dashboard and a case (the exporter view), with the information-request answer
//! form.

use super::{app_error, render, CheckedForm, Layout, Session};
use crate::AppState;
use app::listing::Page;
use app::views::{CaseView, ExporterCase};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{CaseState, Role};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exporter", get(dashboard))
        .route("/exporter/cases/{id}", get(case))
        .route("/exporter/cases/{id}/respond", post(respond))
}

struct ProductRow {
    name: String,
    version: String,
    /// (control entries, security grade) once classified.
    classification: Option<(String, String)>,
}

struct AppRow {
    id: String,
    reference: String,
    kind: String,
    state: String,
    elapsed: u32,
    target: String,
    overdue: bool,
    awaited: String,
}

struct LicenceRow {
    number: String,
    kind: String,
    state: String,
    valid_until: String,
}

#[derive(Template)]
#[template(path = "exporter.html")]
struct Dashboard {
    l: Layout,
    /// (company name, registration state)
    registration: Option<(String, String)>,
    products: Vec<ProductRow>,
    apps: Vec<AppRow>,
    licences: Vec<LicenceRow>,
}

fn exporter_only(s: &Session) -> Result<(), Response> {
    if s.who.role() == Role::Exporter {
        Ok(())
    } else {
        Err(app_error(
            Some(s),
            app::AppError::Forbidden("exporter pages".into()),
        ))
    }
}

async fn dashboard(State(st): State<AppState>, s: Session) -> Response {
    if let Err(r) = exporter_only(&s) {
        return r;
    }
    let app = &st.app;
    let loaded = async {
        let regs = app.registrations(&s.who, None, &Page::all()).await?.items;
        let products = app.products(&s.who, None, &Page::all()).await?.items;
        let cases = app
            .applications(&s.who, &Default::default(), &Page::all())
            .await?
            .items;
        app::AppResult::Ok((regs, products, cases))
    }
    .await;
    let (regs, products, cases) = match loaded {
        Ok(x) => x,
        Err(e) => return app_error(Some(&s), e),
    };
    let exporter_cases: Vec<ExporterCase> = cases
        .into_iter()
        .filter_map(|c| match c {
            CaseView::Exporter(c) => Some(*c),
            _ => None,
        })
        .collect();
    let page = Dashboard {
        l: Layout::new(key!("exporter-title"), Some(&s)),
        registration: regs
            .last()
            .map(|r| (r.company_name.clone(), r.state.to_string())),
        products: products
            .into_iter()
            .map(|p| ProductRow {
                name: p.name,
                version: p.version,
                classification: p
                    .classification
                    .map(|c| (c.control_entries.join(", "), c.security_grade.to_string())),
            })
            .collect(),
        licences: exporter_cases
            .iter()
            .filter_map(|c| {
                c.licence_issued.as_ref().map(|lic| LicenceRow {
                    number: lic.number.clone(),
                    kind: c.licence.to_string(),
                    state: c.state.to_string(),
                    valid_until: lic.valid_until.map(|d| d.to_string()).unwrap_or_default(),
                })
            })
            .collect(),
        apps: exporter_cases
            .into_iter()
            .map(|c| AppRow {
                id: c.id,
                reference: c.reference,
                kind: c.licence.to_string(),
                state: c.state.to_string(),
                elapsed: c.elapsed_working_days,
                target: c
                    .target_working_days
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                overdue: c.overdue,
                awaited: c.awaiting_exporter.join("; "),
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "exporter_case.html")]
struct CasePage {
    l: Layout,
    c: ExporterCase,
    can_answer: bool,
    can_submit: bool,
    csrf: String,
    answer: String,
}

async fn load(st: &AppState, s: &Session, id: &str) -> Result<ExporterCase, Response> {
    exporter_only(s)?;
    match st.app.application(&s.who, id).await {
        Ok(CaseView::Exporter(c)) => Ok(*c),
        Ok(_) => Err(app_error(Some(s), app::AppError::NotFound("application"))),
        Err(e) => Err(app_error(Some(s), e)),
    }
}

fn case_page(s: &Session, c: ExporterCase, l: Layout, answer: String) -> CasePage {
    CasePage {
        can_answer: c.state == CaseState::AwaitingExporter,
        can_submit: c.state == CaseState::Draft,
        csrf: s.csrf(),
        l,
        c,
        answer,
    }
}

async fn case(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match load(&st, &s, &id).await {
        Ok(c) => {
            let l = Layout::new(key!("case-title"), Some(&s));
            render(StatusCode::OK, &case_page(&s, c, l, String::new()))
        }
        Err(r) => r,
    }
}

async fn respond(State(st): State<AppState>, Path(id): Path<String>, f: CheckedForm) -> Response {
    let s = &f.session;
    let answer = f.form.get("answer").to_string();
    let c = match load(&st, s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = app::model::RespondBody {
        answer: answer.clone(),
        documents: vec![],
        expected_version: Some(c.version),
    };
    match st.app.respond(&s.who, &id, body).await {
        Ok(_) => Redirect::to(&format!("/exporter/cases/{id}")).into_response(),
        Err(app::AppError::Invalid { field, reason }) if field == "answer" => {
            let l = Layout::new(key!("case-title"), Some(s)).error(
                "answer",
                format!("{}: {reason}", super::EN.t(key!("answer"))),
            );
            render(StatusCode::BAD_REQUEST, &case_page(s, c, l, answer))
        }
        Err(e) => app_error(Some(s), e),
    }
}

/// `POST /exporter/cases/{id}/submit`: submits a draft; what the submission needs is listed on the case page.
pub(super) async fn submit(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: CheckedForm,
) -> Response {
    let s = &f.session;
    let c = match load(&st, s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = app::model::ActionBody {
        expected_version: Some(c.version),
        reason: None,
    };
    match st.app.submit_application(&s.who, &id, body).await {
        Ok(_) => Redirect::to(&format!("/exporter/cases/{id}")).into_response(),
        Err(app::AppError::Invalid { field, reason }) => {
            let l = Layout::new(key!("case-title"), Some(s))
                .error("submit", format!("{field}: {reason}"));
            render(StatusCode::BAD_REQUEST, &case_page(s, c, l, String::new()))
        }
        Err(app::AppError::Conflict(reason)) => {
            let l = Layout::new(key!("case-title"), Some(s)).error("submit", reason);
            render(StatusCode::CONFLICT, &case_page(s, c, l, String::new()))
        }
        Err(e) => app_error(Some(s), e),
    }
}
