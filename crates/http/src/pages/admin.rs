//! The administrator's pages: organisations (list, create), registrations to decide (officers decide them, as
//! the use case allows; administrators read them), users (create with a role, disable, enable, a new one-time
//! enrolment secret, set the password), API tokens (list, revoke) and the sanctions lists (versions, upload of a
//! file, fetch from a URL). Every form carries the session's CSRF token and calls the same [`app::App`] use
//! case as the API, so authorisation and validation are the API's. Secrets (enrolment) are shown once, on the
//! answer to the form that created them, never stored in a page.

use super::{app_error, render, CheckedForm, FormData, Layout, Session};
use crate::AppState;
use app::listing::Page;
use app::model::{
    NewOrganisation, NewUser, Organisation, Registration, RegistrationDecision, User,
    UserStatusChange,
};
use app::AppError;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{RegistrationState, ReviewKind, Role};

/// Rows per listing page.
const PAGE_SIZE: u32 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview))
        .route(
            "/admin/organisations",
            get(organisations).post(create_organisation),
        )
        .route("/registrations", get(registrations))
        .route("/registrations/{id}/decision", post(decide_registration))
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/{id}", get(user))
        .route("/admin/users/{id}/enrolment", post(create_enrolment))
        .route("/admin/users/{id}/password", post(set_password))
        .route("/admin/users/{id}/{change}", post(set_disabled))
        .route("/admin/tokens", get(tokens))
        .route("/admin/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/lists", get(lists))
        .route("/admin/lists/fetch", post(fetch_list))
        .route(
            "/admin/lists/upload",
            post(upload_list).layer(DefaultBodyLimit::max(crate::LIST_BODY_LIMIT)),
        )
}

fn admin_only(s: &Session) -> Result<(), Response> {
    if s.who.role() == Role::Admin {
        Ok(())
    } else {
        Err(app_error(
            Some(s),
            AppError::Forbidden("administrator pages".into()),
        ))
    }
}

/// The page of a listing: `?after=` from the query.
fn page_of(v: &FormData) -> Page {
    Page {
        after: Some(v.get("after").trim().to_string()).filter(|a| !a.is_empty()),
        limit: Some(PAGE_SIZE),
    }
}

/// A use-case refusal to show beside a control: (control, message), or the error page for anything else.
fn refusal(
    s: &Session,
    e: AppError,
    control_of: impl Fn(&str) -> &'static str,
) -> Result<(String, String), Response> {
    match e {
        AppError::Invalid { field, reason } => {
            Ok((control_of(&field).to_string(), format!("{field}: {reason}")))
        }
        AppError::Conflict(m) => Ok((control_of("").to_string(), m)),
        e => Err(app_error(Some(s), e)),
    }
}

// ---------- overview ----------

#[derive(Template)]
#[template(path = "admin.html")]
struct Overview {
    l: Layout,
    pending_registrations: usize,
}

async fn overview(State(st): State<AppState>, s: Session) -> Response {
    if let Err(r) = admin_only(&s) {
        return r;
    }
    let pending = match st
        .app
        .registrations(
            &s.who,
            Some(RegistrationState::Pending.as_str()),
            &Page::all(),
        )
        .await
    {
        Ok(p) => p.items.len(),
        Err(e) => return app_error(Some(&s), e),
    };
    render(
        StatusCode::OK,
        &Overview {
            l: Layout::new(key!("admin-title"), Some(&s)),
            pending_registrations: pending,
        },
    )
}

// ---------- organisations ----------

#[derive(Template)]
#[template(path = "admin_organisations.html")]
struct OrganisationsPage {
    l: Layout,
    csrf: String,
    orgs: Vec<Organisation>,
    next: Option<String>,
    v: FormData,
}

async fn organisations_page(
    st: &AppState,
    s: &Session,
    l: Layout,
    query: &FormData,
    v: FormData,
    status: StatusCode,
) -> Response {
    if let Err(r) = admin_only(s) {
        return r;
    }
    match st.app.organisations(&s.who, &page_of(query)).await {
        Ok(p) => render(
            status,
            &OrganisationsPage {
                l,
                csrf: s.csrf(),
                orgs: p.items,
                next: p.next,
                v,
            },
        ),
        Err(e) => app_error(Some(s), e),
    }
}

async fn organisations(State(st): State<AppState>, s: Session, RawQuery(q): RawQuery) -> Response {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let l = Layout::new(key!("organisations-title"), Some(&s));
    organisations_page(&st, &s, l, &query, FormData::default(), StatusCode::OK).await
}

async fn create_organisation(State(st): State<AppState>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = admin_only(s) {
        return r;
    }
    let result = match domain::CountryCode::parse(f.form.get("country").trim()) {
        Ok(country) => {
            st.app
                .create_organisation(
                    &s.who,
                    NewOrganisation {
                        name: f.form.get("name").to_string(),
                        country,
                    },
                )
                .await
        }
        Err(e) => Err(AppError::invalid("country", e)),
    };
    match result {
        Ok(_) => Redirect::to("/admin/organisations").into_response(),
        Err(e) => match refusal(s, e, |field| {
            if field == "country" {
                "country"
            } else {
                "name"
            }
        }) {
            Ok((control, message)) => {
                let l = Layout::new(key!("organisations-title"), Some(s)).error(&control, message);
                organisations_page(
                    &st,
                    s,
                    l,
                    &FormData::default(),
                    f.form.clone(),
                    StatusCode::BAD_REQUEST,
                )
                .await
            }
            Err(r) => r,
        },
    }
}

// ---------- registrations ----------

#[derive(Template)]
#[template(path = "registrations.html")]
struct RegistrationsPage {
    l: Layout,
    csrf: String,
    /// Officers decide registrations; administrators read them.
    decides: bool,
    state: String,
    states: Vec<(String, String)>,
    regs: Vec<Registration>,
    next: Option<String>,
}

async fn registrations_page(
    st: &AppState,
    s: &Session,
    l: Layout,
    query: &FormData,
    status: StatusCode,
) -> Response {
    if !matches!(s.who.role(), Role::Admin | Role::Officer) {
        return app_error(Some(s), AppError::Forbidden("registration pages".into()));
    }
    // Pending first: that is the work; "all" lists every state.
    let state = match query.get("state").trim() {
        "" => RegistrationState::Pending.as_str().to_string(),
        x => x.to_string(),
    };
    let filter = (state != "all").then_some(state.as_str());
    match st.app.registrations(&s.who, filter, &page_of(query)).await {
        Ok(p) => render(
            status,
            &RegistrationsPage {
                l,
                csrf: s.csrf(),
                decides: s.who.role() == Role::Officer,
                states: RegistrationState::ALL
                    .iter()
                    .map(|x| (x.to_string(), x.to_string()))
                    .chain([("all".to_string(), "all".to_string())])
                    .collect(),
                state,
                regs: p.items,
                next: p.next,
            },
        ),
        Err(AppError::Invalid { field, reason }) => {
            let l = Layout::new(key!("registrations-title"), Some(s))
                .error("state", format!("{field}: {reason}"));
            Box::pin(registrations_page(
                st,
                s,
                l,
                &FormData::default(),
                StatusCode::BAD_REQUEST,
            ))
            .await
        }
        Err(e) => app_error(Some(s), e),
    }
}

async fn registrations(State(st): State<AppState>, s: Session, RawQuery(q): RawQuery) -> Response {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let l = Layout::new(key!("registrations-title"), Some(&s));
    registrations_page(&st, &s, l, &query, StatusCode::OK).await
}

/// `POST /registrations/{id}/decision`: `decision` is approve or reject, with a reason.
async fn decide_registration(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: CheckedForm,
) -> Response {
    let s = &f.session;
    let control = format!("reason-{id}");
    let approve = match f.form.get("decision") {
        "approve" => Ok(true),
        "reject" => Ok(false),
        _ => Err(AppError::invalid("decision", "is approve or reject")),
    };
    let result = match approve {
        Ok(approve) => {
            st.app
                .decide_registration(
                    &s.who,
                    &id,
                    RegistrationDecision {
                        approve,
                        reason: f.form.get("reason").to_string(),
                        expected_version: f.form.get("version").parse().ok(),
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/registrations").into_response(),
        Err(e) => match refusal(s, e, |_| "") {
            Ok((_, message)) => {
                let l = Layout::new(key!("registrations-title"), Some(s)).error(&control, message);
                registrations_page(&st, s, l, &FormData::default(), StatusCode::BAD_REQUEST).await
            }
            Err(r) => r,
        },
    }
}

// ---------- users ----------

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    l: Layout,
    csrf: String,
    users: Vec<User>,
    next: Option<String>,
    v: FormData,
    roles: Vec<(String, String)>,
    review_kinds: Vec<(String, String)>,
    orgs: Vec<(String, String)>,
}

async fn users_page(
    st: &AppState,
    s: &Session,
    l: Layout,
    query: &FormData,
    v: FormData,
    status: StatusCode,
) -> Response {
    if let Err(r) = admin_only(s) {
        return r;
    }
    let users = match st.app.users(&s.who, &page_of(query)).await {
        Ok(p) => p,
        Err(e) => return app_error(Some(s), e),
    };
    let orgs = match st.app.organisations(&s.who, &Page::all()).await {
        Ok(p) => p.items,
        Err(e) => return app_error(Some(s), e),
    };
    let blank = || (String::new(), String::new());
    render(
        status,
        &UsersPage {
            l,
            csrf: s.csrf(),
            users: users.items,
            next: users.next,
            v,
            roles: Role::ALL
                .iter()
                .map(|r| (r.to_string(), r.to_string()))
                .collect(),
            review_kinds: std::iter::once(blank())
                .chain(
                    ReviewKind::ALL
                        .iter()
                        .map(|k| (k.to_string(), k.to_string())),
                )
                .collect(),
            orgs: std::iter::once(blank())
                .chain(orgs.into_iter().map(|o| (o.id, o.name)))
                .collect(),
        },
    )
}

async fn users(State(st): State<AppState>, s: Session, RawQuery(q): RawQuery) -> Response {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let l = Layout::new(key!("users-title"), Some(&s));
    users_page(&st, &s, l, &query, FormData::default(), StatusCode::OK).await
}

/// The page showing a one-time secret (an enrolment secret), once.
#[derive(Template)]
#[template(path = "admin_secret.html")]
struct SecretPage {
    l: Layout,
    username: String,
    user_id: String,
    secret: String,
    expires_at: String,
}

fn user_control(field: &str) -> &'static str {
    match field {
        "role" => "role",
        "review_kind" => "review_kind",
        "org_id" => "org_id",
        _ => "username",
    }
}

async fn create_user(State(st): State<AppState>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = admin_only(s) {
        return r;
    }
    let opt = |k: &str| Some(f.form.get(k).trim().to_string()).filter(|x| !x.is_empty());
    let parsed = (|| {
        let role = f
            .form
            .get("role")
            .parse::<Role>()
            .map_err(|e| AppError::invalid("role", e))?;
        let review_kind = opt("review_kind")
            .map(|k| k.parse::<ReviewKind>())
            .transpose()
            .map_err(|e| AppError::invalid("review_kind", e))?;
        Ok(NewUser {
            username: f.form.get("username").to_string(),
            role,
            review_kind,
            org_id: opt("org_id"),
            token_days: None,
        })
    })();
    let result = match parsed {
        Ok(new) => st.app.create_user(&s.who, new).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(created) => match created.enrolment {
            Some(e) => render(
                StatusCode::CREATED,
                &SecretPage {
                    l: Layout::new(key!("user-created-title"), Some(s)),
                    username: created.user.username,
                    user_id: created.user.id,
                    secret: e.secret,
                    expires_at: e.expires_at,
                },
            ),
            None => Redirect::to(&format!("/admin/users/{}", created.user.id)).into_response(),
        },
        Err(e) => match refusal(s, e, user_control) {
            Ok((control, message)) => {
                let l = Layout::new(key!("users-title"), Some(s)).error(&control, message);
                users_page(
                    &st,
                    s,
                    l,
                    &FormData::default(),
                    f.form.clone(),
                    StatusCode::BAD_REQUEST,
                )
                .await
            }
            Err(r) => r,
        },
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    l: Layout,
    csrf: String,
    u: User,
    tokens: Vec<store::TokenRow>,
    /// The answer to a password change (`?password=set`).
    password_set: bool,
}

async fn user_page(
    st: &AppState,
    s: &Session,
    id: &str,
    l: Layout,
    password_set: bool,
    status: StatusCode,
) -> Response {
    if let Err(r) = admin_only(s) {
        return r;
    }
    let u = match st.app.user(&s.who, id).await {
        Ok(u) => u,
        Err(e) => return app_error(Some(s), e),
    };
    let tokens = match st.app.tokens(&s.who, &Page::all()).await {
        Ok(p) => p.items.into_iter().filter(|t| t.user_id == u.id).collect(),
        Err(e) => return app_error(Some(s), e),
    };
    render(
        status,
        &UserPage {
            l,
            csrf: s.csrf(),
            u,
            tokens,
            password_set,
        },
    )
}

async fn user(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let l = Layout::new(key!("user-title"), Some(&s));
    let set = query.get("password") == "set";
    user_page(&st, &s, &id, l, set, StatusCode::OK).await
}

/// Answers a refused form of the user page with the message beside `control`.
async fn user_refused(
    st: &AppState,
    s: &Session,
    id: &str,
    control: &str,
    e: AppError,
) -> Response {
    match refusal(s, e, |_| "") {
        Ok((_, message)) => {
            let l = Layout::new(key!("user-title"), Some(s)).error(control, message);
            user_page(st, s, id, l, false, StatusCode::BAD_REQUEST).await
        }
        Err(r) => r,
    }
}

async fn create_enrolment(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: CheckedForm,
) -> Response {
    let s = &f.session;
    if let Err(r) = admin_only(s) {
        return r;
    }
    let u = match st.app.user(&s.who, &id).await {
        Ok(u) => u,
        Err(e) => return app_error(Some(s), e),
    };
    match st.app.create_enrolment(&s.who, &id).await {
        Ok(e) => render(
            StatusCode::CREATED,
            &SecretPage {
                l: Layout::new(key!("enrolment-title"), Some(s)),
                username: u.username,
                user_id: u.id,
                secret: e.secret,
                expires_at: e.expires_at,
            },
        ),
        Err(e) => user_refused(&st, s, &id, "new-enrolment", e).await,
    }
}

async fn set_password(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: CheckedForm,
) -> Response {
    let s = &f.session;
    if let Err(r) = admin_only(s) {
        return r;
    }
    let u = match st.app.user(&s.who, &id).await {
        Ok(u) => u,
        Err(e) => return app_error(Some(s), e),
    };
    let password = f.form.get("password");
    if password != f.form.get("password_again") {
        return user_refused(
            &st,
            s,
            &id,
            "password",
            AppError::invalid("password", s.lang.t(key!("passwords-differ"))),
        )
        .await;
    }
    match st.app.set_password(&s.who, &u.username, password).await {
        Ok(()) => Redirect::to(&format!("/admin/users/{id}?password=set")).into_response(),
        Err(e) => user_refused(&st, s, &id, "password", e).await,
    }
}

/// `POST /admin/users/{id}/disable|enable`, with a reason.
async fn set_disabled(
    State(st): State<AppState>,
    Path((id, change)): Path<(String, String)>,
    f: CheckedForm,
) -> Response {
    let s = &f.session;
    if let Err(r) = admin_only(s) {
        return r;
    }
    let disabled = match change.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return app_error(Some(s), AppError::NotFound("page")),
    };
    let b = UserStatusChange {
        reason: f.form.get("reason").to_string(),
    };
    match st.app.set_user_disabled(&s.who, &id, disabled, b).await {
        Ok(_) => Redirect::to(&format!("/admin/users/{id}")).into_response(),
        Err(e) => user_refused(&st, s, &id, "status-reason", e).await,
    }
}

// ---------- tokens ----------

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    l: Layout,
    csrf: String,
    tokens: Vec<store::TokenRow>,
    next: Option<String>,
}

async fn tokens_page(
    st: &AppState,
    s: &Session,
    l: Layout,
    query: &FormData,
    status: StatusCode,
) -> Response {
    if let Err(r) = admin_only(s) {
        return r;
    }
    match st.app.tokens(&s.who, &page_of(query)).await {
        Ok(p) => render(
            status,
            &TokensPage {
                l,
                csrf: s.csrf(),
                tokens: p.items,
                next: p.next,
            },
        ),
        Err(e) => app_error(Some(s), e),
    }
}

async fn tokens(State(st): State<AppState>, s: Session, RawQuery(q): RawQuery) -> Response {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let l = Layout::new(key!("tokens-title"), Some(&s));
    tokens_page(&st, &s, l, &query, StatusCode::OK).await
}

async fn revoke_token(
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: CheckedForm,
) -> Response {
    let s = &f.session;
    if let Err(r) = admin_only(s) {
        return r;
    }
    match st.app.revoke_token(&s.who, &id).await {
        Ok(_) => Redirect::to("/admin/tokens").into_response(),
        Err(e) => match refusal(s, e, |_| "") {
            Ok((_, message)) => {
                let l = Layout::new(key!("tokens-title"), Some(s))
                    .error(&format!("revoke-{id}"), message);
                tokens_page(&st, s, l, &FormData::default(), StatusCode::BAD_REQUEST).await
            }
            Err(r) => r,
        },
    }
}

// ---------- sanctions lists ----------

#[derive(Template)]
#[template(path = "admin_lists.html")]
struct ListsPage {
    l: Layout,
    csrf: String,
    versions: Vec<store::ListVersionRow>,
    next: Option<String>,
    formats: Vec<(String, String)>,
    v: FormData,
    /// The versions in force of the sources of the file just imported: (source, version, records, new).
    imported: Vec<(String, String, i64, bool)>,
}

async fn lists_page(
    st: &AppState,
    s: &Session,
    l: Layout,
    query: &FormData,
    v: FormData,
    imported: Vec<(String, String, i64, bool)>,
    status: StatusCode,
) -> Response {
    if let Err(r) = admin_only(s) {
        return r;
    }
    match st.app.list_status(&s.who, &page_of(query)).await {
        Ok(p) => render(
            status,
            &ListsPage {
                l,
                csrf: s.csrf(),
                versions: p.items,
                next: p.next,
                formats: lists::ListFormat::ALL
                    .iter()
                    .map(|f| (f.as_str().to_string(), f.as_str().to_string()))
                    .collect(),
                v,
                imported,
            },
        ),
        Err(e) => app_error(Some(s), e),
    }
}

async fn lists(State(st): State<AppState>, s: Session, RawQuery(q): RawQuery) -> Response {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    let l = Layout::new(key!("lists-title"), Some(&s));
    lists_page(
        &st,
        &s,
        l,
        &query,
        FormData::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

/// Imports list bytes with the API's use case (and its re-screening afterwards), answering the lists page
/// with what was imported or the refusal beside `control`.
async fn import(
    st: &AppState,
    s: &Session,
    v: FormData,
    control: &str,
    fetched: Result<(lists::ListFormat, String, Vec<u8>), (String, String)>,
) -> Response {
    let result = match fetched {
        Ok((format, name, bytes)) => {
            let force = v.get("force") == "yes";
            match st
                .app
                .import_list_bytes(&s.who, format, &name, bytes, force)
                .await
            {
                Ok(imported) => {
                    crate::routes::spawn_rescreen(st.app.clone());
                    Ok(imported)
                }
                Err(e) => match refusal(s, e, |_| "") {
                    Ok((_, m)) => Err((control.to_string(), m)),
                    Err(r) => return r,
                },
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(imported) => {
            let rows = imported
                .into_iter()
                .map(|i| (i.row.source, i.row.version, i.row.record_count, i.created))
                .collect();
            let l = Layout::new(key!("lists-title"), Some(s));
            lists_page(
                st,
                s,
                l,
                &FormData::default(),
                FormData::default(),
                rows,
                StatusCode::OK,
            )
            .await
        }
        Err((control, message)) => {
            let l = Layout::new(key!("lists-title"), Some(s)).error(&control, message);
            lists_page(
                st,
                s,
                l,
                &FormData::default(),
                v,
                vec![],
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

fn format_of(control: &str, v: &str) -> Result<lists::ListFormat, (String, String)> {
    v.parse()
        .map_err(|e: String| (control.to_string(), format!("format: {e}")))
}

/// `POST /admin/lists/fetch`: the server downloads the file from a URL the fetch policy allows.
async fn fetch_list(State(st): State<AppState>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = admin_only(s) {
        return r;
    }
    let fetched = match format_of("fetch_format", f.form.get("fetch_format")) {
        Ok(format) => crate::lists_io::fetch(f.form.get("url").trim(), &st.fetch)
            .await
            .map(|(name, bytes)| (format, name, bytes))
            .map_err(|e| ("url".to_string(), e.detail().to_string())),
        Err(e) => Err(e),
    };
    import(&st, s, f.form.clone(), "url", fetched).await
}

/// `POST /admin/lists/upload` (multipart: csrf, format, force, file). The role is checked before the body is
/// read, the CSRF token before anything is imported.
async fn upload_list(State(st): State<AppState>, s: Session, mut mp: Multipart) -> Response {
    if let Err(r) = admin_only(&s) {
        return r;
    }
    let mut v = FormData::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                if name == "file" {
                    let filename = field.file_name().unwrap_or("upload").to_string();
                    match field.bytes().await {
                        Ok(b) => file = Some((filename, b.to_vec())),
                        Err(_) => return upload_malformed(&s),
                    }
                } else {
                    match field.text().await {
                        Ok(t) => v.push(name, t),
                        Err(_) => return upload_malformed(&s),
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return upload_malformed(&s),
        }
    }
    if !app::auth::csrf_matches(&s.secret, v.get("csrf")) {
        return super::message(
            StatusCode::FORBIDDEN,
            Some(&s),
            key!("csrf-refused-title"),
            key!("csrf-refused"),
        );
    }
    let fetched = match (format_of("format", v.get("format")), file) {
        (Err(e), _) => Err(e),
        (_, None) => Err((
            "file".to_string(),
            s.lang.t(key!("list-file-missing")).to_string(),
        )),
        (_, Some((_, b))) if b.is_empty() => Err((
            "file".to_string(),
            s.lang.t(key!("list-file-missing")).to_string(),
        )),
        (Ok(format), Some((name, bytes))) => {
            let name = if name.is_empty()
                || name.chars().count() > 200
                || name.chars().any(char::is_control)
            {
                format!("upload.{}", format.as_str())
            } else {
                name
            };
            Ok((format, name, bytes))
        }
    };
    import(&st, &s, v, "file", fetched).await
}

fn upload_malformed(s: &Session) -> Response {
    super::message(
        StatusCode::BAD_REQUEST,
        Some(s),
        key!("lists-title"),
        key!("upload-malformed"),
    )
}
