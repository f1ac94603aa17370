//! The exporter's pages: the dashboard and a case (the exporter view), with the information-request answer
//! form, the case's shared documents with the upload form (`multipart/form-data`, checked by the same use case
//! as the API's upload), and the end-user declaration form; a case returned for editing shows the officer's
//! reason with the resubmit form, an issued licence links to the variation form, and a variation and its
//! original link to each other.

use super::documents::{read_upload, CaseDocuments};
use super::{app_error, render, CheckedForm, FormData, Layout, Session};
use crate::AppState;
use app::listing::Page;
use app::views::{CaseView, ExporterCase};
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
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
        .route("/exporter/cases/{id}/resubmit", post(resubmit))
        .route(
            "/exporter/cases/{id}/documents",
            // The form is read part by part up to the configured document size (see `read_upload`).
            post(upload_document).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/exporter/cases/{id}/declarations",
            post(record_declaration),
        )
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
    /// A draft or a case returned for editing: its details can be edited.
    can_edit: bool,
    /// Returned for editing: the exporter resubmits it.
    can_resubmit: bool,
    /// An issued licence: the exporter may apply to vary it.
    can_vary: bool,
    /// Linked cases: (catalogue key of the link, case id, reference).
    links: Vec<(&'static str, String, String)>,
    csrf: String,
    answer: String,
    docs: CaseDocuments,
    /// Whether documents and declarations can be added (a draft or an open case).
    can_add_documents: bool,
    /// The values entered on the document and declaration forms.
    v: FormData,
    /// A partial decision, part by part, with product names.
    parts: Option<PartsView>,
    /// The "no licence required" letter, where the decision gave one.
    letter: Option<app::partial::NoLicenceRequiredLetter>,
}

/// A partial decision as the page shows it.
struct PartsView {
    /// Licensed product lines ("name version") and destinations.
    licensed: Vec<String>,
    licensed_destinations: String,
    /// Refused product lines or destinations, each with its criteria.
    refused: Vec<(String, String)>,
}

/// A case in the exporter's view, with its shared documents and declarations.
struct Loaded {
    c: ExporterCase,
    docs: CaseDocuments,
    links: Vec<(&'static str, String, String)>,
    parts: Option<PartsView>,
    letter: Option<app::partial::NoLicenceRequiredLetter>,
}

async fn load(st: &AppState, s: &Session, id: &str) -> Result<Loaded, Response> {
    exporter_only(s)?;
    let c = match st.app.application(&s.who, id).await {
        Ok(CaseView::Exporter(c)) => *c,
        Ok(_) => return Err(app_error(Some(s), app::AppError::NotFound("application"))),
        Err(e) => return Err(app_error(Some(s), e)),
    };
    let docs = CaseDocuments::load(st, s, id).await?;
    let links = links(st, s, &c).await?;
    let parts = match c.decision.as_ref().and_then(|d| d.parts.as_ref()) {
        None => None,
        Some(p) => {
            let products = st
                .app
                .products(&s.who, None, &Page::all())
                .await
                .map_err(|e| app_error(Some(s), e))?
                .items;
            let name = |id: &str| {
                products
                    .iter()
                    .find(|x| x.id == id)
                    .map_or_else(|| id.to_string(), |x| format!("{} {}", x.name, x.version))
            };
            Some(PartsView {
                licensed: p.licensed_products.iter().map(|i| name(i)).collect(),
                licensed_destinations: p.licensed_destinations.join(", "),
                refused: p
                    .refused
                    .iter()
                    .map(|r| {
                        let what = match &r.target {
                            app::model::AdviceTarget::Product { id } => name(id),
                            other => other.to_string(),
                        };
                        let criteria = r
                            .criteria
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join(", ");
                        (what, criteria)
                    })
                    .collect(),
            })
        }
    };
    let has_letter = c.state == CaseState::NoLicenceRequired
        || c.decision
            .as_ref()
            .and_then(|d| d.parts.as_ref())
            .is_some_and(|p| !p.no_licence_required.is_empty());
    let letter = if has_letter {
        Some(
            st.app
                .no_licence_required_letter(&s.who, id)
                .await
                .map_err(|e| app_error(Some(s), e))?,
        )
    } else {
        None
    };
    Ok(Loaded {
        c,
        docs,
        links,
        parts,
        letter,
    })
}

/// The cases linked with `c`: the licence it varies, the variation that superseded it, and the variations
/// applied for on it (the organisation's cases whose `variation_of` is `c`).
async fn links(
    st: &AppState,
    s: &Session,
    c: &ExporterCase,
) -> Result<Vec<(&'static str, String, String)>, Response> {
    let mut out = Vec::new();
    for (label, other) in [
        (key!("variation-of"), &c.variation_of),
        (key!("superseded-by"), &c.superseded_by),
    ] {
        if let Some(other) = other {
            let v = st
                .app
                .application(&s.who, other)
                .await
                .map_err(|e| app_error(Some(s), e))?;
            out.push((label, other.clone(), v.reference().to_string()));
        }
    }
    if matches!(
        c.state,
        CaseState::Issued | CaseState::Superseded | CaseState::Suspended
    ) {
        let all = st
            .app
            .applications(&s.who, &Default::default(), &Page::all())
            .await
            .map_err(|e| app_error(Some(s), e))?
            .items;
        for v in all {
            if let CaseView::Exporter(v) = v {
                if v.variation_of.as_deref() == Some(c.id.as_str())
                    && c.superseded_by.as_deref() != Some(v.id.as_str())
                {
                    out.push((key!("variation"), v.id.clone(), v.reference.clone()));
                }
            }
        }
    }
    Ok(out)
}

fn case_page(s: &Session, x: Loaded, l: Layout, answer: String, v: FormData) -> CasePage {
    let Loaded {
        c,
        docs,
        links,
        parts,
        letter,
    } = x;
    CasePage {
        can_answer: c.state == CaseState::AwaitingExporter,
        can_submit: c.state == CaseState::Draft,
        can_edit: matches!(c.state, CaseState::Draft | CaseState::ReturnedForEditing),
        can_resubmit: c.state == CaseState::ReturnedForEditing,
        can_vary: c.state == CaseState::Issued,
        links,
        can_add_documents: c.state == CaseState::Draft || c.state.is_open(),
        csrf: s.csrf(),
        docs,
        v,
        l,
        c,
        answer,
        parts,
        letter,
    }
}

async fn case(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match load(&st, &s, &id).await {
        Ok(c) => {
            let l = Layout::new(key!("case-title"), Some(&s));
            render(
                StatusCode::OK,
                &case_page(&s, c, l, String::new(), FormData::default()),
            )
        }
        Err(r) => r,
    }
}

/// `POST /exporter/cases/{id}/documents` (multipart: csrf, kind, file): the exporter uploads a shared
/// document. The role is checked before the body is read, the CSRF token before anything is stored; the use
/// case checks the kind, the type by content and the size, as for the API.
async fn upload_document(
    State(st): State<AppState>,
    Path(id): Path<String>,
    s: Session,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    use app::documents::{DocumentVisibility, NewDocument};
    if let Err(r) = exporter_only(&s) {
        return r;
    }
    let max = st.app.config.documents.max_bytes;
    let read = read_upload(form, "file", "file", max, s.lang).await;
    if let Ok(up) = &read {
        if !app::auth::csrf_matches(&s.secret, up.fields.get("csrf")) {
            return super::message(
                StatusCode::FORBIDDEN,
                Some(&s),
                key!("csrf-refused-title"),
                key!("csrf-refused"),
            );
        }
    }
    let c = match load(&st, &s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let fail = |c: Loaded, v: FormData, status: StatusCode, control: &str, msg: String| {
        let l = Layout::new(key!("case-title"), Some(&s)).error(control, msg);
        render(status, &case_page(&s, c, l, String::new(), v))
    };
    let up = match read {
        Ok(up) => up,
        Err(e) => {
            let status = if e.too_large {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            return fail(c, FormData::default(), status, e.control, e.message);
        }
    };
    let file_label = s.lang.t(key!("document-file"));
    let Some((name, content)) = up.file else {
        let msg = format!("{file_label}: {}", s.lang.t(key!("document-file-missing")));
        return fail(c, up.fields, StatusCode::BAD_REQUEST, "file", msg);
    };
    let doc = NewDocument {
        kind: up.fields.get("kind").trim().to_string(),
        name,
        visibility: DocumentVisibility::Shared,
        content,
    };
    match st.app.upload_document(&s.who, &id, doc).await {
        Ok(_) => Redirect::to(&format!("/exporter/cases/{id}#documents")).into_response(),
        Err(app::AppError::Invalid { field, reason }) => {
            let (control, label) = if field == "kind" {
                ("kind", s.lang.t(key!("document-kind")))
            } else {
                ("file", file_label)
            };
            let msg = format!("{label}: {reason}");
            fail(c, up.fields, StatusCode::BAD_REQUEST, control, msg)
        }
        Err(app::AppError::TooLarge { reason, .. }) => {
            let msg = format!("{file_label}: {reason}");
            fail(c, up.fields, StatusCode::PAYLOAD_TOO_LARGE, "file", msg)
        }
        Err(app::AppError::Conflict(reason)) => {
            fail(c, up.fields, StatusCode::CONFLICT, "documents", reason)
        }
        Err(e) => app_error(Some(&s), e),
    }
}

/// The declaration form's controls: (form name = control id, catalogue key of the label).
const DECLARATION_FIELDS: &[(&str, &str)] = &[
    ("document_id", key!("declaration-file")),
    ("signatory_name", key!("signatory-name")),
    ("signatory_position", key!("signatory-position")),
    ("end_user_organisation", key!("end-user-organisation")),
    ("signed_on", key!("signed-on")),
    ("terms_version", key!("terms-version")),
    ("valid_until", key!("valid-until")),
];

/// `POST /exporter/cases/{id}/declarations`: the exporter records an end-user declaration pointing at its
/// uploaded signed file.
async fn record_declaration(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: CheckedForm,
) -> Response {
    let s = &f.session;
    let c = match load(&st, s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let label = |field: &str| {
        DECLARATION_FIELDS
            .iter()
            .find(|x| x.0 == field)
            .copied()
            .unwrap_or(DECLARATION_FIELDS[0])
    };
    let fail = |c: Loaded, status: StatusCode, field: &str, reason: String| {
        let (control, key) = label(field);
        let l = Layout::new(key!("case-title"), Some(s))
            .error(control, format!("{}: {reason}", s.lang.t(key)));
        render(status, &case_page(s, c, l, String::new(), f.form.clone()))
    };
    let get = |k: &str| f.form.get(k).trim().to_string();
    let mut dates = Vec::new();
    for k in ["signed_on", "valid_until"] {
        match chrono::NaiveDate::parse_from_str(&get(k), "%Y-%m-%d") {
            Ok(d) => dates.push(d),
            Err(_) => {
                let msg = s.lang.t(key!("date-hint")).to_string();
                return fail(c, StatusCode::BAD_REQUEST, k, msg);
            }
        }
    }
    let n = app::documents::NewDeclaration {
        signatory_name: get("signatory_name"),
        signatory_position: get("signatory_position"),
        end_user_organisation: get("end_user_organisation"),
        signed_on: dates[0],
        terms_version: get("terms_version"),
        valid_until: dates[1],
        document_id: get("document_id"),
    };
    match st.app.record_declaration(&s.who, &id, n).await {
        Ok(_) => Redirect::to(&format!("/exporter/cases/{id}#documents")).into_response(),
        Err(app::AppError::Invalid { field, reason }) => {
            fail(c, StatusCode::BAD_REQUEST, &field, reason)
        }
        Err(app::AppError::Conflict(reason)) => {
            let l = Layout::new(key!("case-title"), Some(s)).error("documents", reason);
            render(
                StatusCode::CONFLICT,
                &case_page(s, c, l, String::new(), f.form.clone()),
            )
        }
        Err(e) => app_error(Some(s), e),
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
        expected_version: Some(c.c.version),
    };
    match st.app.respond(&s.who, &id, body).await {
        Ok(_) => Redirect::to(&format!("/exporter/cases/{id}")).into_response(),
        Err(app::AppError::Invalid { field, reason }) if field == "answer" => {
            let l = Layout::new(key!("case-title"), Some(s))
                .error("answer", format!("{}: {reason}", s.lang.t(key!("answer"))));
            render(
                StatusCode::BAD_REQUEST,
                &case_page(s, c, l, answer, FormData::default()),
            )
        }
        Err(e) => app_error(Some(s), e),
    }
}

/// `POST /exporter/cases/{id}/resubmit`: resubmits a case returned for editing (checked and determined again,
/// as at submission); a refusal is shown on the case page as for a submission.
async fn resubmit(State(st): State<AppState>, Path(id): Path<String>, f: CheckedForm) -> Response {
    send(st, id, f, true).await
}

/// `POST /exporter/cases/{id}/submit`: submits a draft; what the submission needs is listed on the case page.
pub(super) async fn submit(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: CheckedForm,
) -> Response {
    send(st, id, f, false).await
}

async fn send(st: AppState, id: String, f: CheckedForm, again: bool) -> Response {
    let s = &f.session;
    let c = match load(&st, s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = app::model::ActionBody {
        expected_version: Some(c.c.version),
        reason: None,
    };
    let result = if again {
        st.app.resubmit_application(&s.who, &id, body).await
    } else {
        st.app.submit_application(&s.who, &id, body).await
    };
    // The refusal is shown beside the button that was pressed.
    let control = if again { "resubmit" } else { "submit" };
    match result {
        Ok(_) => Redirect::to(&format!("/exporter/cases/{id}")).into_response(),
        Err(app::AppError::Invalid { field, reason }) => {
            let l = Layout::new(key!("case-title"), Some(s))
                .error(control, format!("{field}: {reason}"));
            render(
                StatusCode::BAD_REQUEST,
                &case_page(s, c, l, String::new(), FormData::default()),
            )
        }
        Err(e @ (app::AppError::Conflict(_) | app::AppError::InvalidTransition { .. })) => {
            let reason = match e {
                app::AppError::Conflict(r) => r,
                e => e.to_string(),
            };
            let l = Layout::new(key!("case-title"), Some(s)).error(control, reason);
            render(
                StatusCode::CONFLICT,
                &case_page(s, c, l, String::new(), FormData::default()),
            )
        }
        Err(e) => app_error(Some(s), e),
    }
}
