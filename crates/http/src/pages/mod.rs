//! The web pages: server-rendered HTML (askama templates in `crates/http/templates`, checked at compile time),
//! one embedded stylesheet, no JavaScript. Every page text comes from the message catalogue
//! ([`Catalogue`], `messages.en.txt`). Pages call the same [`app::App`] use cases as the JSON API, with the
//! [`app::Principal`] of the browser session, so authorisation and validation are not written again.
//!
//! Sessions: a cookie holding a 256-bit secret ([`SESSION_COOKIE`]); state-changing forms carry the session's
//! CSRF token and are refused with 403 (nothing changed) without it. Every page answer carries its own
//! Content-Security-Policy (`default-src 'self'`: the stylesheet, no inline script or style) and is not cached.
//!
//! One file per area: [`public`] (home, licence verification, stylesheet), [`sign_in`], [`exporter`]
//! (dashboard, case) and [`exporter_forms`] (registration, products, the licence check, applications, licence),
//! [`exemptions`] (the exporter's requests, the officer's grants, refusals and revocations),
//! [`officer`], [`adviser`], [`admin`] (organisations, registrations, users, tokens, sanctions lists),
//! [`documents`] (case documents and declarations shown on the case pages, their download, upload forms).

// Page helpers return the error page itself as the error (`Result<_, Response>`); boxing it buys nothing.
#![allow(clippy::result_large_err)]

/// A message-catalogue key named in Rust code (identity; lets the catalogue test find it).
macro_rules! key {
    ($k:literal) => {
        $k
    };
}

mod admin;
mod adviser;
mod auditor;
mod documents;
mod exemptions;
mod exporter;
mod exporter_forms;
mod notifications;
mod officer;
mod policy_admin;
mod public;
mod sign_in;
pub mod statistics;

use crate::AppState;
use app::{AppError, Principal};
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Router;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "exportctl_session";

/// The cookie that remembers the language chosen with `?lang=` (so that the signed-in pages keep it).
pub const LANGUAGE_COOKIE: &str = "exportctl_lang";

/// The Content-Security-Policy of every page: only this service's own stylesheet and forms.
pub const PAGE_CSP: &str =
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The pages' routes (a plain axum router, merged into the service router).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(public::routes())
        .merge(statistics::routes())
        .merge(sign_in::routes())
        .merge(exporter::routes())
        .merge(documents::routes())
        .merge(exporter_forms::routes())
        .merge(exemptions::routes())
        .merge(officer::routes())
        .merge(adviser::routes())
        .merge(notifications::routes())
        .merge(policy_admin::routes())
        .merge(auditor::routes())
        .merge(admin::routes())
        .merge(dashboard_routes())
        .layer(axum::middleware::map_response(page_headers))
        .layer(axum::middleware::from_fn(remember_language))
}

/// A page asked for with `?lang=he|en` remembers that language in a cookie, so that the following pages
/// (links and form answers carry no query) are in the same language.
async fn remember_language(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let chosen = form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| catalogue_of(&v))
        .map(|c| c.lang);
    let mut r = next.run(req).await;
    if let Some(lang) = chosen {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{LANGUAGE_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
        )) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

async fn page_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

// ---------- message catalogue ----------

/// A message catalogue: key → text, from a `key = text` file embedded in the binary.
pub struct Catalogue {
    pub lang: &'static str,
    pub dir: &'static str,
    messages: HashMap<&'static str, &'static str>,
}

impl Catalogue {
    fn parse(lang: &'static str, dir: &'static str, src: &'static str) -> Catalogue {
        let messages = src
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        Catalogue {
            lang,
            dir,
            messages,
        }
    }

    /// The text of `key`; the English text when this catalogue lacks it, the key itself when English lacks it
    /// too (tests check that neither happens on the pages each catalogue covers).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        match self.messages.get(key) {
            Some(m) => m,
            None if self.lang != "en" => EN.t(key),
            None => key,
        }
    }

    #[cfg(test)]
    fn has(&self, key: &str) -> bool {
        self.messages.contains_key(key)
    }
}

/// The English catalogue (complete).
pub static EN: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::parse("en", "ltr", include_str!("messages.en.txt")));

/// The Hebrew catalogue of every page, right to left.
pub static HE: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::parse("he", "rtl", include_str!("messages.he.txt")));

/// The catalogue of a page: `?lang=he|en` first, then the language remembered from an earlier `?lang=`
/// ([`LANGUAGE_COOKIE`]), else the first language of `Accept-Language` that has a catalogue (quality values
/// respected), else English.
pub struct Lang(
    pub &'static Catalogue,
    /* chosen by the query */ pub bool,
);

fn catalogue_of(tag: &str) -> Option<&'static Catalogue> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.as_str() {
        "he" | "iw" => Some(&HE),
        "en" => Some(&EN),
        _ => None,
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        if let Some(c) = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| catalogue_of(&v))
        {
            return Ok(Lang(c, true));
        }
        if let Some(c) = cookie(parts, LANGUAGE_COOKIE).and_then(|v| catalogue_of(&v)) {
            return Ok(Lang(c, false));
        }
        let mut ranked: Vec<(f32, &'static Catalogue)> = parts
            .headers
            .get_all(header::ACCEPT_LANGUAGE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|item| {
                let mut it = item.split(';');
                let tag = it.next()?;
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, catalogue_of(tag)?))
            })
            .filter(|(q, _)| *q > 0.0)
            .collect();
        // A stable sort keeps the header's order among equal qualities.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(Lang(ranked.first().map(|r| r.1).unwrap_or(&EN), false))
    }
}

// ---------- layout ----------

/// The signed-in user shown in the header.
pub struct UserBar {
    pub username: String,
    pub role: String,
    pub csrf: String,
}

/// An error beside a field, listed in the error summary (linking to the field's id).
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// What the base layout needs.
pub struct Layout {
    pub m: &'static Catalogue,
    pub title: String,
    pub user: Option<UserBar>,
    pub errors: Vec<FieldError>,
    /// `?lang=..` to keep on links when the language was chosen by the query, else "".
    pub lang_query: String,
    /// Whether the page offers the language choice (every page but an error answered without a session).
    pub languages: bool,
}

impl Layout {
    /// The layout of a page: a signed-in user's pages are in the session's language (see [`Lang`]) and offer
    /// the choice; without a session (an error before sign-in), English.
    pub fn new(title_key: &str, user: Option<&Session>) -> Layout {
        match user {
            Some(s) => Layout::in_lang(&Lang(s.lang, false), title_key, user),
            None => Layout {
                languages: false,
                ..Layout::in_lang(&Lang(&EN, false), title_key, None)
            },
        }
    }

    /// The layout of a page in the caller's language (the public pages).
    pub fn in_lang(lang: &Lang, title_key: &str, user: Option<&Session>) -> Layout {
        let m = lang.0;
        Layout {
            m,
            lang_query: if lang.1 {
                format!("?lang={}", m.lang)
            } else {
                String::new()
            },
            languages: true,
            title: m.t(title_key).to_string(),
            user: user.map(|s| UserBar {
                username: s.who.username().to_string(),
                role: s.who.role().to_string(),
                csrf: s.csrf(),
            }),
            errors: Vec::new(),
        }
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Adds an error for `field` (the id of its control).
    pub fn error(mut self, field: &str, message: impl Into<String>) -> Layout {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
        self
    }
}

/// Renders a template to an HTML answer with `status`.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub l: Layout,
    pub text: String,
}

/// A page with a title and one paragraph, both from the catalogue.
pub fn message(status: StatusCode, session: Option<&Session>, title: &str, text: &str) -> Response {
    render(
        status,
        &MessagePage {
            l: Layout::new(title, session),
            text: session.map_or(&*EN, |s| s.lang).t(text).to_string(),
        },
    )
}

/// The page answering an application error (the same mapping of error kinds to status as the API).
pub fn app_error(session: Option<&Session>, e: AppError) -> Response {
    match e {
        AppError::NotFound(_) => message(
            StatusCode::NOT_FOUND,
            session,
            key!("not-found-title"),
            key!("not-found"),
        ),
        AppError::Forbidden(_) => message(
            StatusCode::FORBIDDEN,
            session,
            key!("forbidden-title"),
            key!("forbidden"),
        ),
        AppError::Unauthenticated(_) => Redirect::to("/sign-in").into_response(),
        AppError::Invalid { field, reason } => render(
            StatusCode::BAD_REQUEST,
            &MessagePage {
                l: Layout::new(key!("conflict-title"), session),
                text: format!("{field}: {reason}"),
            },
        ),
        AppError::TooLarge { field, reason } => render(
            StatusCode::PAYLOAD_TOO_LARGE,
            &MessagePage {
                l: Layout::new(key!("conflict-title"), session),
                text: format!("{field}: {reason}"),
            },
        ),
        AppError::InvalidTransition { .. } | AppError::Conflict(_) => render(
            StatusCode::CONFLICT,
            &MessagePage {
                l: Layout::new(key!("conflict-title"), session),
                text: e.to_string(),
            },
        ),
        AppError::Unavailable(_) | AppError::Internal(_) => {
            tracing::error!(error = ?e, "page failed");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                session,
                key!("error-title"),
                key!("error-text"),
            )
        }
    }
}

// ---------- sessions and forms ----------

/// The caller of a page, from the session cookie. Pages that need one redirect to sign-in without it.
pub struct Session {
    pub who: Principal,
    secret: String,
    /// The catalogue of the pages this request answers with.
    pub lang: &'static Catalogue,
}

impl Session {
    /// The CSRF token of this session, for hidden form fields.
    pub fn csrf(&self) -> String {
        app::auth::csrf_token(&self.secret)
    }
}

/// The value of cookie `name` in the request, if any.
fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The session secret in the request's cookies, if any.
pub fn session_cookie(parts: &Parts) -> Option<String> {
    cookie(parts, SESSION_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let Some(secret) = session_cookie(parts) else {
            return Err(Redirect::to("/sign-in").into_response());
        };
        let Ok(Lang(lang, _)) = Lang::from_request_parts(parts, s).await;
        match s.app.authenticate_session(&secret).await {
            Ok(who) => Ok(Session { who, secret, lang }),
            Err(AppError::Unauthenticated(_)) => Err(Redirect::to("/sign-in").into_response()),
            Err(e) => Err(app_error(None, e)),
        }
    }
}

/// The optional caller of a public page.
pub struct MaybeSession(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeSession(
            Session::from_request_parts(parts, s).await.ok(),
        ))
    }
}

/// A posted `application/x-www-form-urlencoded` form (repeated names kept, e.g. checkboxes).
#[derive(Debug, Clone, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Adds a value (a multipart form's text field).
    pub fn push(&mut self, name: String, value: String) {
        self.0.push((name, value));
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A state-changing form of a signed-in user whose CSRF token matched its session. Anything else answers
/// 403 (or a redirect to sign-in without a session) before the handler runs, so nothing changes.
pub struct CheckedForm {
    pub session: Session,
    pub form: FormData,
}

impl axum::extract::FromRequest<AppState> for CheckedForm {
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        s: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, s).await?;
        let bytes = axum::body::to_bytes(body, 64 * 1024)
            .await
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        let form = FormData::parse(&bytes);
        if !app::auth::csrf_matches(&session.secret, form.get("csrf")) {
            return Err(message(
                StatusCode::FORBIDDEN,
                Some(&session),
                key!("csrf-refused-title"),
                key!("csrf-refused"),
            ));
        }
        Ok(CheckedForm { session, form })
    }
}

/// `GET /dashboard`: each role's own first page.
async fn dashboard(session: Session) -> Response {
    use domain::Role;
    match session.who.role() {
        Role::Exporter => Redirect::to("/exporter").into_response(),
        Role::Officer => Redirect::to("/officer").into_response(),
        Role::Adviser => Redirect::to("/adviser").into_response(),
        Role::PolicyAdmin => Redirect::to("/policy").into_response(),
        Role::Auditor => Redirect::to("/auditor").into_response(),
        Role::Admin => Redirect::to("/admin").into_response(),
        // Customs checks licences: the public verification page is its page (the look-up of the quantity
        // and value that remain is the API's `GET /api/v1/customs/licences/{number}`).
        Role::Customs => Redirect::to("/verify").into_response(),
    }
}

fn dashboard_routes() -> Router<AppState> {
    Router::new().route("/dashboard", axum::routing::get(dashboard))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every catalogue key a template or a page module names exists in the English catalogue.
    #[test]
    fn every_used_message_key_is_in_the_catalogue() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for sub in ["templates", "src/pages"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "html" || x == "rs") {
                    sources.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
                }
            }
        }
        let mut missing = Vec::new();
        let mut checked = 0;
        for (path, src) in &sources {
            for pat in ["m.t(\"", "key!(\""] {
                for (i, _) in src.match_indices(pat) {
                    let rest = &src[i + pat.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    checked += 1;
                    if !EN.has(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(
            checked > 100,
            "found only {checked} keys: the scan is broken"
        );
        assert!(
            missing.is_empty(),
            "keys missing from messages.en.txt: {missing:?}"
        );
    }

    /// Every catalogue key a template or a page module names, as (source, key).
    fn used_keys() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut keys = Vec::new();
        for sub in ["templates", "src/pages"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let p = e.unwrap().path();
                if !p.extension().is_some_and(|x| x == "html" || x == "rs") {
                    continue;
                }
                let src = std::fs::read_to_string(&p).unwrap();
                for pat in ["m.t(\"", "key!(\""] {
                    for (i, _) in src.match_indices(pat) {
                        let rest = &src[i + pat.len()..];
                        let key = &rest[..rest.find('"').unwrap()];
                        keys.push((p.display().to_string(), key.to_string()));
                    }
                }
            }
        }
        keys
    }

    /// The Hebrew catalogue covers every key any page uses (every page follows the language choice), and
    /// nothing English lacks.
    #[test]
    fn hebrew_covers_every_page() {
        let keys = used_keys();
        assert!(keys.len() > 100, "the scan is broken");
        let missing: Vec<_> = keys.iter().filter(|(_, k)| !HE.has(k)).collect();
        assert!(
            missing.is_empty(),
            "keys missing from messages.he.txt: {missing:?}"
        );
        for k in [
            "verify-status-valid",
            "verify-status-suspended",
            "verify-status-revoked",
            "verify-status-expired",
            "verify-status-annulled",
            "verify-status-surrendered",
            "verify-status-exhausted",
            "verify-status-unknown",
            "sign-in-refused",
            "sign-in-throttled",
        ] {
            assert!(HE.has(k), "{k} missing from messages.he.txt");
        }
        for (k, _) in HE.messages.iter() {
            assert!(EN.has(k), "{k} is in Hebrew but not in English");
        }
        assert_eq!((HE.lang, HE.dir), ("he", "rtl"));
    }

    /// The templates' visible text comes from the catalogue: outside template expressions and tags there is
    /// no word, apart from names that are the same in every language (a language's own name in the language
    /// menu, format names, UTC, SHA-256).
    #[test]
    fn templates_have_no_text_outside_the_catalogue() {
        const SAME_IN_EVERY_LANGUAGE: &[&str] =
            &["English", "OpenAPI", "UTC", "SHA", "CSV", "JSON"];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut found = Vec::new();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let src = std::fs::read_to_string(&p).unwrap();
            // Blank out {# #}, {% %}, {{ }} and <...> in turn, leaving the text between them.
            let mut text = String::new();
            let mut rest = src.as_str();
            while !rest.is_empty() {
                let next = ["{#", "{%", "{{", "<"]
                    .iter()
                    .filter_map(|o| rest.find(o).map(|i| (i, *o)))
                    .min();
                match next {
                    Some((i, open)) => {
                        text.push_str(&rest[..i]);
                        text.push(' ');
                        let close = match open {
                            "{#" => "#}",
                            "{%" => "%}",
                            "{{" => "}}",
                            _ => ">",
                        };
                        let after = &rest[i + open.len()..];
                        rest = after.find(close).map_or("", |j| &after[j + close.len()..]);
                    }
                    None => {
                        text.push_str(rest);
                        rest = "";
                    }
                }
            }
            for w in text
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| !w.is_empty())
            {
                if !SAME_IN_EVERY_LANGUAGE.contains(&w)
                    && !w.chars().all(|c| ('\u{590}'..='\u{5ff}').contains(&c))
                {
                    found.push(format!("{}: {w}", p.display()));
                }
            }
        }
        assert!(found.is_empty(), "text outside the catalogue: {found:?}");
    }
}
