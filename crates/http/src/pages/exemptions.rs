//! Marketing-licence exemption pages: the exporter's list of its organisation's exemptions with the request
//! form (`/exporter/exemptions`), and the officer's list of every exemption with the forms that grant or refuse
//! a requested one and revoke a granted one, each with its reason (`/officer/exemptions`). Each form posts to
//! the same [`app::App`] use case as the API; an error is shown beside the form's control, values kept.

use super::{app_error, render, CheckedForm, FormData, Layout, Session};
use crate::AppState;
use app::exemptions::{ExemptionDecision, ExemptionRequest, ExemptionRevocation};
use app::listing::Page;
use app::model::{Exemption, ExemptionState};
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{CountryCode, EndUserType, Role};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/exporter/exemptions", get(exporter_list).post(request))
        .route("/officer/exemptions", get(officer_list))
        .route("/officer/exemptions/{id}/decision", post(decide))
        .route("/officer/exemptions/{id}/revocation", post(revoke))
}

fn only(s: &Session, role: Role, what: &str) -> Result<(), Response> {
    if s.who.role() == role {
        Ok(())
    } else {
        Err(app_error(Some(s), AppError::Forbidden(what.into())))
    }
}

/// One exemption as a row of either list, with the ids of its forms' reason controls.
struct Row {
    id: String,
    product: String,
    destination: String,
    end_user_type: String,
    state: String,
    requested_at: String,
    justification: String,
    decision_reason: String,
    /// "from – until" of a grant.
    validity: String,
    revocation_reason: String,
    can_decide: bool,
    can_revoke: bool,
    decide_control: String,
    revoke_control: String,
}

fn row(x: Exemption, names: &HashMap<String, String>) -> Row {
    let validity = match (x.valid_from, x.valid_until) {
        (Some(f), Some(u)) => format!("{f} – {u}"),
        (Some(f), None) => format!("{f} –"),
        _ => String::new(),
    };
    Row {
        decide_control: format!("decide-reason-{}", x.id),
        revoke_control: format!("revoke-reason-{}", x.id),
        can_decide: x.state == ExemptionState::Requested,
        can_revoke: x.state == ExemptionState::Granted,
        product: names.get(&x.product).cloned().unwrap_or(x.product),
        destination: x.destination,
        end_user_type: x.end_user_type.as_str().to_string(),
        state: x.state.as_str().to_string(),
        requested_at: x.recorded_at,
        justification: x.justification.unwrap_or_default(),
        decision_reason: x.decision_reason.unwrap_or_default(),
        revocation_reason: x.revocation_reason.unwrap_or_default(),
        validity,
        id: x.id,
    }
}

/// The exemptions the caller reads, newest first, with product names.
async fn rows(st: &AppState, s: &Session) -> Result<Vec<Row>, Response> {
    let loaded = async {
        let xs = st.app.exemptions(&s.who, &Page::all()).await?.items;
        let products = st.app.products(&s.who, None, &Page::all()).await?.items;
        app::AppResult::Ok((xs, products))
    }
    .await;
    let (xs, products) = loaded.map_err(|e| app_error(Some(s), e))?;
    let names: HashMap<String, String> = products
        .into_iter()
        .map(|p| (p.id, format!("{} {}", p.name, p.version)))
        .collect();
    Ok(xs.into_iter().rev().map(|x| row(x, &names)).collect())
}

// ---------- exporter ----------

const REQUEST_CONTROLS: &[(&str, &str)] = &[
    ("product", key!("product")),
    ("destination", key!("destination")),
    ("end_user_type", key!("end-user-type")),
    ("justification", key!("exemption-justification")),
];

#[derive(Template)]
#[template(path = "exporter_exemptions.html")]
struct ExporterPage {
    l: Layout,
    csrf: String,
    rows: Vec<Row>,
    v: FormData,
    /// The organisation's classified products.
    products: Vec<(String, String)>,
    end_user_types: Vec<(String, String)>,
}

async fn exporter_page(
    st: &AppState,
    s: &Session,
    l: Layout,
    v: FormData,
) -> Result<ExporterPage, Response> {
    let products = st
        .app
        .products(&s.who, None, &Page::all())
        .await
        .map_err(|e| app_error(Some(s), e))?
        .items;
    Ok(ExporterPage {
        rows: rows(st, s).await?,
        csrf: s.csrf(),
        products: std::iter::once((String::new(), String::new()))
            .chain(
                products
                    .into_iter()
                    .filter(|p| p.classification.is_some())
                    .map(|p| (p.id, format!("{} {}", p.name, p.version))),
            )
            .collect(),
        end_user_types: EndUserType::ALL
            .iter()
            .map(|t| (t.as_str().to_string(), t.as_str().to_string()))
            .collect(),
        l,
        v,
    })
}

async fn exporter_list(State(st): State<AppState>, s: Session) -> Response {
    if let Err(r) = only(&s, Role::Exporter, "exporter pages") {
        return r;
    }
    let l = Layout::new(key!("exemptions-title"), Some(&s));
    match exporter_page(&st, &s, l, FormData::default()).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(r) => r,
    }
}

/// `POST /exporter/exemptions`: requests an exemption; the policy in force must find the marketing step
/// exempt (else the refusal, with the policy's reasons, is shown beside the product).
async fn request(State(st): State<AppState>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = only(s, Role::Exporter, "exporter pages") {
        return r;
    }
    let v = &f.form;
    let parsed = (|| {
        let justification =
            Some(v.get("justification").trim().to_string()).filter(|j| !j.is_empty());
        Ok::<_, (String, String)>(ExemptionRequest {
            product: v.get("product").trim().to_string(),
            destination: CountryCode::parse(v.get("destination").trim())
                .map_err(|e| ("destination".to_string(), e))?,
            end_user_type: v
                .get("end_user_type")
                .parse()
                .map_err(|e| ("end_user_type".to_string(), e))?,
            justification,
        })
    })();
    let result = match parsed {
        Ok(b) => st.app.request_exemption(&s.who, b).await,
        Err((field, reason)) => Err(AppError::Invalid { field, reason }),
    };
    let l = Layout::new(key!("exemptions-title"), Some(s));
    let (status, l) = match result {
        Ok(_) => return Redirect::to("/exporter/exemptions").into_response(),
        Err(AppError::Invalid { field, reason }) => (
            StatusCode::BAD_REQUEST,
            super::exporter_forms::with_error(l, REQUEST_CONTROLS, &field, &reason),
        ),
        // Nothing to grant: the policy does not find the marketing of the product there exempt.
        Err(AppError::Conflict(reason)) => (
            StatusCode::CONFLICT,
            l.error(
                "product",
                format!("{}: {reason}", s.lang.t(key!("product"))),
            ),
        ),
        Err(e) => return app_error(Some(s), e),
    };
    match exporter_page(&st, s, l, v.clone()).await {
        Ok(p) => render(status, &p),
        Err(r) => r,
    }
}

// ---------- officer ----------

#[derive(Template)]
#[template(path = "officer_exemptions.html")]
struct OfficerPage {
    l: Layout,
    csrf: String,
    rows: Vec<Row>,
    /// The reason entered on a form shown again: (control id, text), and the grant/refuse choice.
    entered: (String, String),
    choice: String,
}

async fn officer_page(
    st: &AppState,
    s: &Session,
    status: StatusCode,
    l: Layout,
    entered: (String, String),
    choice: String,
) -> Response {
    match rows(st, s).await {
        Ok(rows) => render(
            status,
            &OfficerPage {
                l,
                csrf: s.csrf(),
                rows,
                entered,
                choice,
            },
        ),
        Err(r) => r,
    }
}

async fn officer_list(State(st): State<AppState>, s: Session) -> Response {
    if let Err(r) = only(&s, Role::Officer, "officer pages") {
        return r;
    }
    let l = Layout::new(key!("exemptions-title"), Some(&s));
    officer_page(
        &st,
        &s,
        StatusCode::OK,
        l,
        Default::default(),
        String::new(),
    )
    .await
}

/// The answer to an officer's form on exemption `id`: back to the list, or the list with the error beside
/// `control` (a missing or invalid reason) or under the list's heading (the exemption moved on, or the policy
/// no longer finds it exempt).
async fn answer(
    st: &AppState,
    s: &Session,
    result: app::AppResult<Exemption>,
    control: String,
    reason: String,
    choice: String,
) -> Response {
    let l = Layout::new(key!("exemptions-title"), Some(s));
    let (status, l) = match result {
        Ok(x) => {
            return Redirect::to(&format!("/officer/exemptions#exemption-{}", x.id)).into_response()
        }
        Err(AppError::Invalid { field, reason }) => (
            StatusCode::BAD_REQUEST,
            l.error(
                &control,
                format!(
                    "{}: {reason}",
                    if field == "reason" {
                        s.lang.t(key!("reason"))
                    } else {
                        field.as_str()
                    }
                ),
            ),
        ),
        Err(e @ (AppError::Conflict(_) | AppError::InvalidTransition { .. })) => {
            (StatusCode::CONFLICT, l.error("exemptions", e.to_string()))
        }
        Err(e) => return app_error(Some(s), e),
    };
    officer_page(st, s, status, l, (control, reason), choice).await
}

/// `POST /officer/exemptions/{id}/decision` (decision = grant | refuse, reason): grants (valid from today for
/// the policy's validity) or refuses a requested exemption.
async fn decide(State(st): State<AppState>, Path(id): Path<String>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = only(s, Role::Officer, "officer pages") {
        return r;
    }
    let control = format!("decide-reason-{id}");
    let reason = f.form.get("reason").to_string();
    let choice = f.form.get("decision").to_string();
    let grant = match choice.as_str() {
        "grant" => true,
        "refuse" => false,
        _ => {
            let l = Layout::new(key!("exemptions-title"), Some(s))
                .error(&control, s.lang.t(key!("exemption-decision-missing")));
            return officer_page(
                &st,
                s,
                StatusCode::BAD_REQUEST,
                l,
                (control, reason),
                choice,
            )
            .await;
        }
    };
    let result = st
        .app
        .decide_exemption(
            &s.who,
            &id,
            ExemptionDecision {
                grant,
                reason: reason.clone(),
                expected_version: None,
            },
        )
        .await;
    answer(&st, s, result, control, reason, choice).await
}

/// `POST /officer/exemptions/{id}/revocation` (reason): revokes a granted exemption.
async fn revoke(State(st): State<AppState>, Path(id): Path<String>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = only(s, Role::Officer, "officer pages") {
        return r;
    }
    let control = format!("revoke-reason-{id}");
    let reason = f.form.get("reason").to_string();
    let result = st
        .app
        .revoke_exemption(
            &s.who,
            &id,
            ExemptionRevocation {
                reason: reason.clone(),
                expected_version: None,
            },
        )
        .await;
    answer(&st, s, result, control, reason, String::new()).await
}
