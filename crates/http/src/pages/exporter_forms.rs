//! The exporter's forms: company registration, product records, the "do I need a licence?" check (the
//! determination with every fired rule's reason), the marketing and export application forms (each creates a
//! draft; the case page submits it), the same form to edit a draft or a case returned for editing and to
//! start a variation of an issued licence (a linked draft, with the reason), and the licence page with its
//! signed PDF. Each form posts to the same
//! [`app::App`] use case as the API; an invalid value is shown beside its control with the entered values kept.

use super::{app_error, render, CheckedForm, FormData, Layout, Session};
use crate::AppState;
use app::listing::Page;
use app::model::{
    EndUser, ExportDetails, MarketingDetails, Money, NewApplication, NewProduct, NewRegistration,
    Party, PreApplicationCheck,
};
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{CountryCode, EndUserType, LicenceKind, RegistrationState, Role, SecurityGrade};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/exporter/registration",
            get(registration_form).post(register),
        )
        .route(
            "/exporter/products/new",
            get(product_form).post(add_product),
        )
        .route("/exporter/check", get(check_form).post(check))
        .route(
            "/exporter/applications/new/{kind}",
            get(application_form).post(apply),
        )
        .route("/exporter/cases/{id}/submit", post(super::exporter::submit))
        .route("/exporter/cases/{id}/edit", get(edit_form).post(edit))
        .route(
            "/exporter/cases/{id}/variation",
            get(variation_form).post(vary),
        )
        .route("/exporter/licences/{number}", get(licence_page))
        .route(
            "/exporter/licences/{number}/document",
            get(licence_document),
        )
}

fn exporter_only(s: &Session) -> Result<(), Response> {
    if s.who.role() == Role::Exporter {
        Ok(())
    } else {
        Err(app_error(
            Some(s),
            AppError::Forbidden("exporter pages".into()),
        ))
    }
}

/// The form control showing an error on the use case's `field`: `export.end_user.name` → `end_user_name`,
/// `marketing.destinations[2]` → `destinations`; a field the form has no control for goes to `fallback`.
pub(super) fn control_of(field: &str, controls: &[&str], fallback: &str) -> String {
    let f = field
        .strip_prefix("marketing.")
        .or_else(|| field.strip_prefix("export."))
        .unwrap_or(field);
    let mut out = String::new();
    let mut index = false;
    for ch in f.chars() {
        match ch {
            '[' => index = true,
            ']' => index = false,
            _ if index => {}
            '.' => out.push('_'),
            c => out.push(c),
        }
    }
    if controls.contains(&out.as_str()) {
        out
    } else {
        fallback.to_string()
    }
}

/// The layout with `err` beside its control (labelled with the control's catalogue text).
pub(super) fn with_error(
    l: Layout,
    controls: &[(&str, &str)],
    field: &str,
    reason: &str,
) -> Layout {
    let ids: Vec<&str> = controls.iter().map(|c| c.0).collect();
    let control = control_of(field, &ids, controls[0].0);
    let label = controls
        .iter()
        .find(|c| c.0 == control)
        .map(|c| l.m.t(c.1))
        .unwrap_or(field);
    l.error(&control, format!("{label}: {reason}"))
}

/// Values as `(value, text)` options of a select, the first one empty when `blank`.
fn options<T: std::fmt::Display>(all: &[T], blank: bool) -> Vec<(String, String)> {
    let mut o: Vec<(String, String)> = Vec::new();
    if blank {
        o.push((String::new(), String::new()));
    }
    o.extend(all.iter().map(|x| (x.to_string(), x.to_string())));
    o
}

fn country(field: &str, v: &str) -> Result<CountryCode, (String, String)> {
    CountryCode::parse(v.trim()).map_err(|e| (field.to_string(), e))
}

// ---------- registration ----------

const REGISTRATION_CONTROLS: &[(&str, &str)] = &[
    ("company_name", key!("company-name")),
    ("registration_number", key!("registration-number")),
    ("address", key!("address")),
    ("country", key!("country")),
    ("contact_email", key!("contact-email")),
];

#[derive(Template)]
#[template(path = "exporter_registration.html")]
struct RegistrationPage {
    l: Layout,
    csrf: String,
    /// The registration in force or pending: (company name, state); no form then.
    current: Option<(String, String)>,
    v: FormData,
}

async fn current_registration(
    st: &AppState,
    s: &Session,
) -> Result<Option<(String, String)>, Response> {
    let regs = st
        .app
        .registrations(&s.who, None, &Page::all())
        .await
        .map_err(|e| app_error(Some(s), e))?
        .items;
    Ok(regs
        .into_iter()
        .rev()
        .find(|r| r.state != RegistrationState::Rejected)
        .map(|r| (r.company_name, r.state.to_string())))
}

async fn registration_form(State(st): State<AppState>, s: Session) -> Response {
    if let Err(r) = exporter_only(&s) {
        return r;
    }
    let current = match current_registration(&st, &s).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let page = RegistrationPage {
        l: Layout::new(key!("registration-title"), Some(&s)),
        csrf: s.csrf(),
        current,
        v: FormData::default(),
    };
    render(StatusCode::OK, &page)
}

async fn register(State(st): State<AppState>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = exporter_only(s) {
        return r;
    }
    let v = &f.form;
    let fail = |field: &str, reason: &str| {
        let l = with_error(
            Layout::new(key!("registration-title"), Some(s)),
            REGISTRATION_CONTROLS,
            field,
            reason,
        );
        render(
            StatusCode::BAD_REQUEST,
            &RegistrationPage {
                l,
                csrf: s.csrf(),
                current: None,
                v: v.clone(),
            },
        )
    };
    let country = match country("country", v.get("country")) {
        Ok(c) => c,
        Err((f, e)) => return fail(&f, &e),
    };
    let new = NewRegistration {
        company_name: v.get("company_name").to_string(),
        registration_number: v.get("registration_number").to_string(),
        address: v.get("address").to_string(),
        country,
        contact_email: v.get("contact_email").to_string(),
    };
    match st.app.file_registration(&s.who, new).await {
        Ok(_) => Redirect::to("/exporter#registration").into_response(),
        Err(AppError::Invalid { field, reason }) => fail(&field, &reason),
        Err(e) => app_error(Some(s), e),
    }
}

// ---------- products ----------

const PRODUCT_CONTROLS: &[(&str, &str)] = &[
    ("name", key!("product-name")),
    ("version", key!("product-version")),
    ("description", key!("description")),
    ("control_entries", key!("claimed-control-entries")),
    ("capability_tags", key!("capability-tags")),
];

#[derive(Template)]
#[template(path = "exporter_product.html")]
struct ProductPage {
    l: Layout,
    csrf: String,
    v: FormData,
}

async fn product_form(s: Session) -> Response {
    if let Err(r) = exporter_only(&s) {
        return r;
    }
    render(
        StatusCode::OK,
        &ProductPage {
            l: Layout::new(key!("product-title"), Some(&s)),
            csrf: s.csrf(),
            v: FormData::default(),
        },
    )
}

/// A list typed as text: items separated by commas or new lines, blanks dropped.
fn list(v: &str) -> Vec<String> {
    v.split([',', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

async fn add_product(State(st): State<AppState>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = exporter_only(s) {
        return r;
    }
    let v = &f.form;
    let new = NewProduct {
        name: v.get("name").to_string(),
        version: v.get("version").to_string(),
        description: v.get("description").to_string(),
        control_entries: list(v.get("control_entries")),
        capability_tags: list(v.get("capability_tags")),
    };
    match st.app.create_product(&s.who, new).await {
        Ok(_) => Redirect::to("/exporter#products").into_response(),
        Err(AppError::Invalid { field, reason }) => {
            let l = with_error(
                Layout::new(key!("product-title"), Some(s)),
                PRODUCT_CONTROLS,
                &field,
                &reason,
            );
            render(
                StatusCode::BAD_REQUEST,
                &ProductPage {
                    l,
                    csrf: s.csrf(),
                    v: v.clone(),
                },
            )
        }
        Err(e) => app_error(Some(s), e),
    }
}

// ---------- "do I need a licence?" ----------

const CHECK_CONTROLS: &[(&str, &str)] = &[
    ("product", key!("product")),
    ("control_entries", key!("control-entries")),
    ("security_grade", key!("security-grade")),
    ("destination", key!("destination")),
    ("end_user_type", key!("end-user-type")),
    ("licence", key!("licence-kind")),
    ("record_exemption", key!("record-exemption")),
];

/// One fired rule in words.
struct RuleRow {
    id: String,
    effect: String,
    reason: String,
}

/// The answer of a check.
struct Answer {
    outcome: String,
    outcome_text: &'static str,
    reviews: String,
    documents: String,
    target: String,
    policy_version: String,
    rules: Vec<RuleRow>,
    exemption: Option<String>,
}

#[derive(Template)]
#[template(path = "exporter_check.html")]
struct CheckPage {
    l: Layout,
    csrf: String,
    v: FormData,
    products: Vec<(String, String)>,
    grades: Vec<(String, String)>,
    end_user_types: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    answer: Option<Answer>,
}

/// The caller's products as select options: classified ones only when `classified`.
async fn product_options(
    st: &AppState,
    s: &Session,
    blank: bool,
    classified: bool,
) -> Result<Vec<(String, String)>, Response> {
    let items = st
        .app
        .products(&s.who, None, &Page::all())
        .await
        .map_err(|e| app_error(Some(s), e))?
        .items;
    let mut o = Vec::new();
    if blank {
        o.push((String::new(), String::new()));
    }
    o.extend(
        items
            .into_iter()
            .filter(|p| !classified || p.classification.is_some())
            .map(|p| (p.id, format!("{} {}", p.name, p.version))),
    );
    Ok(o)
}

async fn check_page(
    st: &AppState,
    s: &Session,
    l: Layout,
    v: FormData,
    answer: Option<Answer>,
) -> Result<CheckPage, Response> {
    Ok(CheckPage {
        l,
        csrf: s.csrf(),
        v,
        products: product_options(st, s, true, true).await?,
        grades: options(SecurityGrade::ALL, true),
        end_user_types: options(EndUserType::ALL, false),
        kinds: options(LicenceKind::ALL, false),
        answer,
    })
}

async fn check_form(State(st): State<AppState>, s: Session) -> Response {
    if let Err(r) = exporter_only(&s) {
        return r;
    }
    let l = Layout::new(key!("check-title"), Some(&s));
    match check_page(&st, &s, l, FormData::default(), None).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(r) => r,
    }
}

fn outcome_text(o: &str) -> &'static str {
    match o {
        "exempt" => key!("outcome-exempt"),
        "licence-required" => key!("outcome-licence-required"),
        "not-controlled" => key!("outcome-not-controlled"),
        "prohibited" => key!("outcome-prohibited"),
        _ => key!("outcome-other"),
    }
}

fn answer_of(a: app::model::PreApplicationAnswer) -> Result<Answer, AppError> {
    let d: policy::Determination = serde_json::from_value(a.determination)
        .map_err(|e| AppError::Internal(format!("determination: {e}")))?;
    let outcome = d.outcome.to_string();
    Ok(Answer {
        outcome_text: outcome_text(&outcome),
        outcome,
        reviews: d
            .required_reviews
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        documents: d.required_documents.join(", "),
        target: d
            .target_working_days
            .map(|t| t.to_string())
            .unwrap_or_default(),
        policy_version: d.policy_version,
        rules: d
            .rules
            .into_iter()
            .map(|r| RuleRow {
                id: format!("{} v{}", r.id, r.version),
                effect: r.effect.to_string(),
                reason: r.reason,
            })
            .collect(),
        exemption: a.exemption.map(|x| x.id),
    })
}

async fn check(State(st): State<AppState>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = exporter_only(s) {
        return r;
    }
    let v = f.form.clone();
    let parsed = (|| {
        let opt = |x: &str| (!x.trim().is_empty()).then(|| x.trim().to_string());
        let grade = match opt(v.get("security_grade")) {
            Some(g) => Some(
                g.parse::<SecurityGrade>()
                    .map_err(|e| ("security_grade".to_string(), e))?,
            ),
            None => None,
        };
        Ok::<_, (String, String)>(PreApplicationCheck {
            product: opt(v.get("product")),
            control_entries: opt(v.get("control_entries")).map(|x| list(&x)),
            security_grade: grade,
            destination: country("destination", v.get("destination"))?,
            end_user_type: v
                .get("end_user_type")
                .parse()
                .map_err(|e| ("end_user_type".to_string(), e))?,
            licence: Some(
                v.get("licence")
                    .parse()
                    .map_err(|e| ("licence".to_string(), e))?,
            ),
            record_exemption: v.get("record_exemption") == "yes",
        })
    })();
    let result = match parsed {
        Ok(q) => st.app.pre_application_check(&s.who, q).await,
        Err((field, reason)) => Err(AppError::Invalid { field, reason }),
    };
    let l = Layout::new(key!("check-title"), Some(s));
    let (status, l, answer) = match result.and_then(answer_of) {
        Ok(a) => (StatusCode::OK, l, Some(a)),
        Err(AppError::Invalid { field, reason }) => (
            StatusCode::BAD_REQUEST,
            with_error(l, CHECK_CONTROLS, &field, &reason),
            None,
        ),
        Err(AppError::Conflict(reason)) => (
            StatusCode::CONFLICT,
            l.error("record_exemption", reason),
            None,
        ),
        Err(e) => return app_error(Some(s), e),
    };
    match check_page(&st, s, l, v, answer).await {
        Ok(p) => render(status, &p),
        Err(r) => r,
    }
}

// ---------- applications ----------

const MARKETING_CONTROLS: &[(&str, &str)] = &[
    ("products", key!("products")),
    ("destinations", key!("destinations")),
    ("end_users_name", key!("end-user-name")),
    ("end_users_type", key!("end-user-type")),
    ("end_users_country", key!("end-user-country")),
];

const EXPORT_CONTROLS: &[(&str, &str)] = &[
    ("product", key!("product")),
    ("destination", key!("destination")),
    ("end_user_name", key!("end-user-name")),
    ("end_user_type", key!("end-user-type")),
    ("end_user_country", key!("end-user-country")),
    ("consignee_name", key!("consignee-name")),
    ("consignee_country", key!("consignee-country")),
    ("quantity", key!("quantity")),
    ("value_amount", key!("value-amount")),
    ("value_currency", key!("value-currency")),
    ("end_use", key!("end-use")),
    ("marketing_authorisation", key!("marketing-authorisation")),
];

/// The variation form's own control, with the details' controls.
const VARIATION_CONTROL: (&str, &str) = ("reason", key!("variation-reason"));

#[derive(Template)]
#[template(path = "exporter_application.html")]
struct ApplicationPage {
    l: Layout,
    csrf: String,
    /// Where the form posts: a new draft, an edit of case `id`, or a variation of it.
    action: String,
    /// A variation: the form asks what changes and why.
    variation: bool,
    export: bool,
    v: FormData,
    /// (product id, name and version) of the classified products.
    products: Vec<(String, String)>,
    end_user_types: Vec<(String, String)>,
    /// Marketing licences and exemptions that may authorise an export: (reference or id, description).
    authorisations: Vec<(String, String)>,
}

impl ApplicationPage {
    fn product_checked(&self, id: &str) -> bool {
        self.v.all("products").contains(&id)
    }
}

fn kind_of(s: &Session, kind: &str) -> Result<bool, Response> {
    match kind {
        "marketing" => Ok(false),
        "export" => Ok(true),
        _ => Err(app_error(Some(s), AppError::NotFound("page"))),
    }
}

async fn application_page(
    st: &AppState,
    s: &Session,
    export: bool,
    l: Layout,
    v: FormData,
) -> Result<ApplicationPage, Response> {
    let mut authorisations = Vec::new();
    if export {
        let lic = st
            .app
            .licences(&s.who, None, &app::listing::Page::all())
            .await
            .map_err(|e| app_error(Some(s), e))?;
        authorisations.extend(
            lic.items
                .into_iter()
                .filter(|x| x.kind == LicenceKind::Marketing)
                .map(|x| {
                    let text = format!(
                        "{} ({}, {})",
                        x.content.case,
                        x.content.destinations.join(" "),
                        x.state.as_str()
                    );
                    (x.content.case, text)
                }),
        );
        let ex = st
            .app
            .exemptions(&s.who, &app::listing::Page::all())
            .await
            .map_err(|e| app_error(Some(s), e))?;
        // Only a granted exemption may be cited (a requested, refused or revoked one authorises nothing).
        authorisations.extend(
            ex.items
                .into_iter()
                .filter(|x| x.state == app::model::ExemptionState::Granted)
                .map(|x| {
                    let text = format!("{} ({})", x.id, x.destination);
                    (x.id, text)
                }),
        );
    }
    Ok(ApplicationPage {
        l,
        csrf: s.csrf(),
        action: format!(
            "/exporter/applications/new/{}",
            if export { "export" } else { "marketing" }
        ),
        variation: false,
        export,
        v,
        products: product_options(st, s, export, true).await?,
        end_user_types: options(EndUserType::ALL, false),
        authorisations,
    })
}

async fn application_form(
    State(st): State<AppState>,
    s: Session,
    Path(kind): Path<String>,
) -> Response {
    if let Err(r) = exporter_only(&s) {
        return r;
    }
    let export = match kind_of(&s, &kind) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let title = if export {
        key!("export-application-title")
    } else {
        key!("marketing-application-title")
    };
    let l = Layout::new(title, Some(&s));
    match application_page(&st, &s, export, l, FormData::default()).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(r) => r,
    }
}

fn parse_application(export: bool, v: &FormData) -> Result<NewApplication, (String, String)> {
    fn err(f: &'static str) -> impl Fn(String) -> (String, String) {
        move |e| (f.to_string(), e)
    }
    if !export {
        let destinations = v
            .get("destinations")
            .split([',', ' ', '\n'])
            .filter(|x| !x.trim().is_empty())
            .map(|d| CountryCode::parse(d.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err("destinations"))?;
        let c = v.get("end_users_country").trim();
        let end_user = EndUser {
            name: v.get("end_users_name").to_string(),
            end_user_type: v
                .get("end_users_type")
                .parse()
                .map_err(err("end_users_type"))?,
            country: if c.is_empty() {
                None
            } else {
                Some(CountryCode::parse(c).map_err(err("end_users_country"))?)
            },
        };
        return Ok(NewApplication {
            licence: LicenceKind::Marketing,
            marketing: Some(MarketingDetails {
                products: v.all("products").into_iter().map(String::from).collect(),
                destinations,
                end_users: vec![end_user],
            }),
            export: None,
        });
    }
    let c = v.get("end_user_country").trim();
    let quantity = v
        .get("quantity")
        .trim()
        .parse::<u64>()
        .map_err(|_| ("quantity".to_string(), "is not a whole number".to_string()))?;
    Ok(NewApplication {
        licence: LicenceKind::Export,
        marketing: None,
        export: Some(ExportDetails {
            product: v.get("product").to_string(),
            end_user: EndUser {
                name: v.get("end_user_name").to_string(),
                end_user_type: v
                    .get("end_user_type")
                    .parse()
                    .map_err(err("end_user_type"))?,
                country: if c.is_empty() {
                    None
                } else {
                    Some(CountryCode::parse(c).map_err(err("end_user_country"))?)
                },
            },
            consignee: Party {
                name: v.get("consignee_name").to_string(),
                country: CountryCode::parse(v.get("consignee_country").trim())
                    .map_err(err("consignee_country"))?,
            },
            destination: CountryCode::parse(v.get("destination").trim())
                .map_err(err("destination"))?,
            quantity,
            value: Money {
                amount: v.get("value_amount").trim().to_string(),
                currency: v.get("value_currency").trim().to_uppercase(),
            },
            end_use: v.get("end_use").to_string(),
            documents: vec![],
            marketing_authorisation: Some(v.get("marketing_authorisation").trim())
                .filter(|m| !m.is_empty())
                .map(str::to_string),
            intermediaries: vec![],
        }),
    })
}

async fn apply(State(st): State<AppState>, Path(kind): Path<String>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = exporter_only(s) {
        return r;
    }
    let export = match kind_of(s, &kind) {
        Ok(e) => e,
        Err(r) => return r,
    };
    let result = match parse_application(export, &f.form) {
        Ok(new) => st.app.create_application(&s.who, new).await,
        Err((field, reason)) => Err(AppError::Invalid { field, reason }),
    };
    let (title, controls) = if export {
        (key!("export-application-title"), EXPORT_CONTROLS)
    } else {
        (key!("marketing-application-title"), MARKETING_CONTROLS)
    };
    match result {
        Ok(c) => Redirect::to(&format!("/exporter/cases/{}", c.id())).into_response(),
        Err(AppError::Invalid { field, reason }) => {
            let l = with_error(Layout::new(title, Some(s)), controls, &field, &reason);
            match application_page(&st, s, export, l, f.form.clone()).await {
                Ok(p) => render(StatusCode::BAD_REQUEST, &p),
                Err(r) => r,
            }
        }
        Err(e) => app_error(Some(s), e),
    }
}

// ---------- editing and variations ----------

/// The form's values of a case's details (the first end user of a marketing application: the form has one).
fn form_of(c: &app::views::ExporterCase) -> FormData {
    let mut v = FormData::default();
    let mut put = |k: &str, x: String| v.push(k.to_string(), x);
    let country = |c: &Option<CountryCode>| c.as_ref().map(|c| c.to_string()).unwrap_or_default();
    if let Some(m) = &c.marketing {
        for p in &m.products {
            put("products", p.clone());
        }
        let dests: Vec<String> = m.destinations.iter().map(|d| d.to_string()).collect();
        put("destinations", dests.join(" "));
        if let Some(e) = m.end_users.first() {
            put("end_users_name", e.name.clone());
            put("end_users_type", e.end_user_type.to_string());
            put("end_users_country", country(&e.country));
        }
    }
    if let Some(x) = &c.export {
        put("product", x.product.clone());
        put("destination", x.destination.to_string());
        put("end_user_name", x.end_user.name.clone());
        put("end_user_type", x.end_user.end_user_type.to_string());
        put("end_user_country", country(&x.end_user.country));
        put("consignee_name", x.consignee.name.clone());
        put("consignee_country", x.consignee.country.to_string());
        put("quantity", x.quantity.to_string());
        put("value_amount", x.value.amount.clone());
        put("value_currency", x.value.currency.clone());
        put("end_use", x.end_use.clone());
        put(
            "marketing_authorisation",
            x.marketing_authorisation.clone().unwrap_or_default(),
        );
    }
    v
}

/// The details entered on the form, keeping what the form does not show from the case (an export's attached
/// documents and intermediaries, a marketing application's further end users).
fn details_of(
    c: &app::views::ExporterCase,
    v: &FormData,
) -> Result<NewApplication, (String, String)> {
    let mut a = parse_application(c.licence == LicenceKind::Export, v)?;
    if let (Some(new), Some(old)) = (a.export.as_mut(), c.export.as_ref()) {
        new.documents = old.documents.clone();
        new.intermediaries = old.intermediaries.clone();
    }
    if let (Some(new), Some(old)) = (a.marketing.as_mut(), c.marketing.as_ref()) {
        new.end_users.extend(old.end_users.iter().skip(1).cloned());
    }
    Ok(a)
}

/// What an application form on an existing case does.
#[derive(Clone, Copy, PartialEq)]
enum OnCase {
    /// Edits the draft or the case returned for editing.
    Edit,
    /// Starts a variation of the issued licence.
    Vary,
}

impl OnCase {
    fn title(self) -> &'static str {
        match self {
            OnCase::Edit => key!("edit-application-title"),
            OnCase::Vary => key!("variation-title"),
        }
    }

    fn path(self, id: &str) -> String {
        match self {
            OnCase::Edit => format!("/exporter/cases/{id}/edit"),
            OnCase::Vary => format!("/exporter/cases/{id}/variation"),
        }
    }

    /// Whether the case's state allows the form.
    fn allowed(self, state: domain::CaseState) -> bool {
        match self {
            OnCase::Edit => matches!(
                state,
                domain::CaseState::Draft | domain::CaseState::ReturnedForEditing
            ),
            OnCase::Vary => state == domain::CaseState::Issued,
        }
    }
}

/// The exporter's case `id`, for a form on it.
async fn own_case(
    st: &AppState,
    s: &Session,
    id: &str,
) -> Result<app::views::ExporterCase, Response> {
    exporter_only(s)?;
    match st.app.application(&s.who, id).await {
        Ok(app::views::CaseView::Exporter(c)) => Ok(*c),
        Ok(_) => Err(app_error(Some(s), AppError::NotFound("application"))),
        Err(e) => Err(app_error(Some(s), e)),
    }
}

async fn on_case_page(
    st: &AppState,
    s: &Session,
    c: &app::views::ExporterCase,
    what: OnCase,
    l: Layout,
    v: FormData,
) -> Result<ApplicationPage, Response> {
    let export = c.licence == LicenceKind::Export;
    let mut p = application_page(st, s, export, l, v).await?;
    p.action = what.path(&c.id);
    p.variation = what == OnCase::Vary;
    Ok(p)
}

async fn case_form(st: AppState, s: Session, id: String, what: OnCase) -> Response {
    let c = match own_case(&st, &s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !what.allowed(c.state) {
        return app_error(
            Some(&s),
            AppError::InvalidTransition {
                action: match what {
                    OnCase::Edit => "edit".into(),
                    OnCase::Vary => "vary".into(),
                },
                current: c.state,
            },
        );
    }
    let l = Layout::new(what.title(), Some(&s));
    let v = form_of(&c);
    match on_case_page(&st, &s, &c, what, l, v).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(r) => r,
    }
}

/// `GET /exporter/cases/{id}/edit`: the application form filled in with the draft's (or the returned case's)
/// details.
async fn edit_form(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    case_form(st, s, id, OnCase::Edit).await
}

/// `GET /exporter/cases/{id}/variation`: the application form filled in with the issued licence's details,
/// and what changes and why.
async fn variation_form(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
) -> Response {
    case_form(st, s, id, OnCase::Vary).await
}

async fn on_case(st: AppState, id: String, f: CheckedForm, what: OnCase) -> Response {
    use app::model::{DraftChange, NewVariation};
    let s = &f.session;
    let c = match own_case(&st, s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = match details_of(&c, &f.form) {
        Ok(a) => match what {
            OnCase::Edit => st
                .app
                .update_draft(
                    &s.who,
                    &id,
                    DraftChange {
                        expected_version: Some(c.version),
                        marketing: a.marketing,
                        export: a.export,
                    },
                )
                .await
                .map(|_| id.clone()),
            OnCase::Vary => st
                .app
                .create_variation(
                    &s.who,
                    &id,
                    NewVariation {
                        marketing: a.marketing,
                        export: a.export,
                        reason: f.form.get("reason").to_string(),
                    },
                )
                .await
                .map(|v| v.id().to_string()),
        },
        Err((field, reason)) => Err(AppError::Invalid { field, reason }),
    };
    let controls: Vec<(&str, &str)> = std::iter::once(VARIATION_CONTROL)
        .filter(|_| what == OnCase::Vary)
        .chain(if c.licence == LicenceKind::Export {
            EXPORT_CONTROLS.iter().copied()
        } else {
            MARKETING_CONTROLS.iter().copied()
        })
        .collect();
    let fail = |l: Layout, status: StatusCode| async move {
        match on_case_page(&st, s, &c, what, l, f.form.clone()).await {
            Ok(p) => render(status, &p),
            Err(r) => r,
        }
    };
    let l = Layout::new(what.title(), Some(s));
    match result {
        Ok(to) => Redirect::to(&format!("/exporter/cases/{to}")).into_response(),
        Err(AppError::Invalid { field, reason }) => {
            fail(
                with_error(l, &controls, &field, &reason),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        // The case moved on (resubmitted, superseded) or the organisation may not apply: said on the form.
        Err(e @ (AppError::Conflict(_) | AppError::InvalidTransition { .. })) => {
            fail(l.error(controls[0].0, e.to_string()), StatusCode::CONFLICT).await
        }
        Err(e) => app_error(Some(s), e),
    }
}

/// `POST /exporter/cases/{id}/edit`: replaces the details of the draft or of the case returned for editing.
async fn edit(State(st): State<AppState>, Path(id): Path<String>, f: CheckedForm) -> Response {
    on_case(st, id, f, OnCase::Edit).await
}

/// `POST /exporter/cases/{id}/variation`: creates the variation's draft, linked to the issued licence's case,
/// and shows it.
async fn vary(State(st): State<AppState>, Path(id): Path<String>, f: CheckedForm) -> Response {
    on_case(st, id, f, OnCase::Vary).await
}

// ---------- licence ----------

#[derive(Template)]
#[template(path = "exporter_licence.html")]
struct LicencePage {
    l: Layout,
    x: app::licences::Licence,
}

async fn licence_page(
    State(st): State<AppState>,
    s: Session,
    Path(number): Path<String>,
) -> Response {
    if let Err(r) = exporter_only(&s) {
        return r;
    }
    match st.app.licence(&s.who, &number).await {
        Ok(x) => render(
            StatusCode::OK,
            &LicencePage {
                l: Layout::new(key!("licence-title"), Some(&s)),
                x,
            },
        ),
        Err(e) => app_error(Some(&s), e),
    }
}

async fn licence_document(
    State(st): State<AppState>,
    s: Session,
    Path(number): Path<String>,
) -> Response {
    if let Err(r) = exporter_only(&s) {
        return r;
    }
    match st.app.licence_document(&s.who, &number).await {
        Ok(pdf) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{number}.pdf\""),
                ),
            ],
            pdf,
        )
            .into_response(),
        Err(e) => app_error(Some(&s), e),
    }
}

#[cfg(test)]
mod tests {
    use super::control_of;

    #[test]
    fn use_case_fields_map_to_their_controls() {
        let c = ["end_user_name", "destinations", "value_amount"];
        assert_eq!(control_of("export.end_user.name", &c, "x"), "end_user_name");
        assert_eq!(
            control_of("marketing.destinations[3]", &c, "x"),
            "destinations"
        );
        assert_eq!(control_of("export.value.amount", &c, "x"), "value_amount");
        assert_eq!(control_of("export.documents[0].kind", &c, "x"), "x");
    }
}
