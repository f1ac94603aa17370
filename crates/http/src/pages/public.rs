//! Public pages, no sign-in: home, licence verification, and the stylesheet.

use super::{app_error, render, Lang, Layout, MaybeSession};
use crate::AppState;
use app::verify::{LicenceCheck, LicenceStatus};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/style.css", get(stylesheet))
        .route("/favicon.ico", get(no_icon))
        .route("/verify", get(verify_form))
        .route("/verify/{number}", get(verify))
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    l: Layout,
}

async fn home(lang: Lang, MaybeSession(s): MaybeSession) -> Response {
    render(
        StatusCode::OK,
        &Home {
            l: Layout::in_lang(&lang, key!("home-title"), s.as_ref()),
        },
    )
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("style.css"),
    )
        .into_response()
}

/// Browsers ask for an icon on every site; there is none (and no 404 in their console).
async fn no_icon() -> StatusCode {
    StatusCode::NO_CONTENT
}

#[derive(Template)]
#[template(path = "verify.html")]
struct Verify {
    l: Layout,
    number: String,
    check: Option<LicenceCheck>,
    status_key: &'static str,
}

#[derive(serde::Deserialize)]
struct VerifyQuery {
    number: Option<String>,
    /// The page language (read by [`Lang`]); kept on the answer's address.
    #[expect(dead_code, reason = "read through the Lang extractor")]
    lang: Option<String>,
}

/// `GET /verify[?number=...]`: the form; with a number, the answer's page.
async fn verify_form(
    lang: Lang,
    MaybeSession(s): MaybeSession,
    Query(q): Query<VerifyQuery>,
) -> Response {
    match q
        .number
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
    {
        Some(n) => {
            let path: String = form_urlencoded::byte_serialize(n.as_bytes()).collect();
            let keep = if lang.1 {
                format!("?lang={}", lang.0.lang)
            } else {
                String::new()
            };
            Redirect::to(&format!("/verify/{path}{keep}")).into_response()
        }
        None => render(
            StatusCode::OK,
            &Verify {
                l: Layout::in_lang(&lang, key!("verify-title"), s.as_ref()),
                number: String::new(),
                check: None,
                status_key: "",
            },
        ),
    }
}

/// `GET /verify/{number}`: the public status of a licence (404 with the "unknown" answer for an unknown number).
async fn verify(
    State(st): State<AppState>,
    lang: Lang,
    MaybeSession(s): MaybeSession,
    Path(number): Path<String>,
) -> Response {
    let check = match st.app.verify_licence(&number).await {
        Ok(c) => c,
        Err(e) => return app_error(s.as_ref(), e),
    };
    let status_key = match check.status {
        LicenceStatus::Valid => key!("verify-status-valid"),
        LicenceStatus::Suspended => key!("verify-status-suspended"),
        LicenceStatus::Revoked => key!("verify-status-revoked"),
        LicenceStatus::Expired => key!("verify-status-expired"),
        LicenceStatus::Annulled => key!("verify-status-annulled"),
        LicenceStatus::Surrendered => key!("verify-status-surrendered"),
        LicenceStatus::Exhausted => key!("verify-status-exhausted"),
        LicenceStatus::Superseded => key!("verify-status-superseded"),
        LicenceStatus::Unknown => key!("verify-status-unknown"),
    };
    let status = if check.status == LicenceStatus::Unknown {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    render(
        status,
        &Verify {
            l: Layout::in_lang(&lang, key!("verify-title"), s.as_ref()),
            number: check.number.clone(),
            check: Some(check),
            status_key,
        },
    )
}
