//! Sign-in and sign-out, and the in-memory sign-in rate limiter.
//!
//! Failures are counted per username and per client address; after [`FREE_FAILURES`] failures (per address:
//! [`FREE_FAILURES_PER_ADDRESS`]) within the forgetting period, each further attempt must wait a delay that
//! doubles with every failure, from one minute up to [`MAX_DELAY`]. A success clears the username's count. The
//! counts live in memory: they start afresh when the service restarts and are per process (several replicas
//! each count on their own).

use super::{app_error, render, CheckedForm, FormData, Layout, MaybeSession};
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures per username allowed without delay.
pub const FREE_FAILURES: u32 = 5;
/// Failures per client address allowed without delay (several users may share an address).
pub const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The longest delay between attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Sign-in failure counts per key ("user:NAME", "addr:IP").
#[derive(Default)]
pub struct RateLimiter {
    failures: Mutex<HashMap<String, Failures>>,
}

impl RateLimiter {
    /// How long `key` must still wait at `now` (None: it may try now).
    pub fn wait(&self, key: &str, free: u32, now: Instant) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let f = map.get(key)?;
        if now.duration_since(f.last) >= FORGET_AFTER || f.count < free {
            return None;
        }
        let doublings = (f.count - free).min(16);
        let delay = (Duration::from_secs(60) * 2u32.pow(doublings)).min(MAX_DELAY);
        let ready = f.last + delay;
        (now < ready).then(|| ready - now)
    }

    pub fn fail(&self, key: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        }
        let f = map.entry(key.to_string()).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.duration_since(f.last) >= FORGET_AFTER {
            f.count = 0;
        }
        f.count += 1;
        f.last = now;
    }

    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

/// The routes, each router with its own limiter.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_form).post(sign_in))
        .route("/sign-out", post(sign_out))
        .layer(axum::Extension(Arc::new(RateLimiter::default())))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignIn {
    l: Layout,
    username: String,
}

async fn sign_in_form(lang: super::Lang, MaybeSession(s): MaybeSession) -> Response {
    if s.is_some() {
        return Redirect::to("/dashboard").into_response();
    }
    render(
        StatusCode::OK,
        &SignIn {
            l: Layout::in_lang(&lang, key!("sign-in-title"), None),
            username: String::new(),
        },
    )
}

fn client_address(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn cookie(st: &AppState, value: &str, max_age: i64) -> String {
    let secure = if st.app.config.sessions.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        super::SESSION_COOKIE
    )
}

async fn sign_in(
    State(st): State<AppState>,
    axum::Extension(limiter): axum::Extension<Arc<RateLimiter>>,
    req: axum::extract::Request,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let addr = client_address(&parts);
    let Ok(lang) = <super::Lang as axum::extract::FromRequestParts<AppState>>::from_request_parts(
        &mut parts, &st,
    )
    .await;
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let form = FormData::parse(&bytes);
    let username = form.get("username").trim().to_string();
    let refuse = |status: StatusCode, text_key: &str| {
        render(
            status,
            &SignIn {
                l: Layout::in_lang(&lang, key!("sign-in-title"), None)
                    .error("username", lang.0.t(text_key)),
                username: username.clone(),
            },
        )
    };
    let now = Instant::now();
    let (user_key, addr_key) = (
        format!("user:{}", username.to_lowercase()),
        format!("addr:{addr}"),
    );
    if limiter.wait(&user_key, FREE_FAILURES, now).is_some()
        || limiter
            .wait(&addr_key, FREE_FAILURES_PER_ADDRESS, now)
            .is_some()
    {
        return refuse(StatusCode::TOO_MANY_REQUESTS, key!("sign-in-throttled"));
    }
    match st.app.sign_in(&username, form.get("password")).await {
        Ok(s) => {
            limiter.clear(&user_key);
            let max_age = i64::from(st.app.config.sessions.absolute_hours) * 3600;
            (
                [(header::SET_COOKIE, cookie(&st, &s.secret, max_age))],
                Redirect::to("/dashboard"),
            )
                .into_response()
        }
        Err(app::AppError::Unauthenticated(_)) => {
            limiter.fail(&user_key, now);
            limiter.fail(&addr_key, now);
            refuse(StatusCode::UNAUTHORIZED, key!("sign-in-refused"))
        }
        Err(e) => app_error(None, e),
    }
}

async fn sign_out(State(st): State<AppState>, f: CheckedForm) -> Response {
    match st.app.sign_out(&f.session.secret).await {
        Ok(()) => (
            [(header::SET_COOKIE, cookie(&st, "", 0))],
            Redirect::to("/"),
        )
            .into_response(),
        Err(e) => app_error(Some(&f.session), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_and_is_forgotten() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(l.wait("k", FREE_FAILURES, t0), None);
            l.fail("k", t0);
        }
        assert_eq!(
            l.wait("k", FREE_FAILURES, t0),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            l.wait("k", FREE_FAILURES, t0 + Duration::from_secs(60)),
            None
        );
        l.fail("k", t0 + Duration::from_secs(60));
        assert_eq!(
            l.wait("k", FREE_FAILURES, t0 + Duration::from_secs(60)),
            Some(Duration::from_secs(120)),
            "the delay doubles"
        );
        for i in 0..20 {
            l.fail("k", t0 + Duration::from_secs(100 + i));
        }
        assert_eq!(
            l.wait("k", FREE_FAILURES, t0 + Duration::from_secs(119)),
            Some(MAX_DELAY),
            "capped"
        );
        assert_eq!(
            l.wait(
                "k",
                FREE_FAILURES,
                t0 + Duration::from_secs(119) + FORGET_AFTER
            ),
            None,
            "the real user is not locked out forever"
        );
        l.clear("k");
        assert_eq!(
            l.wait("k", FREE_FAILURES, t0 + Duration::from_secs(120)),
            None
        );
    }
}
