//! The notifications page of every signed-in user: its notifications newest first, unread ones marked, each
//! linking to its case where the user has a case page, with a form to mark one read.

use super::{app_error, render, CheckedForm, Layout, Session};
use crate::AppState;
use app::listing::Page;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/{id}/read", post(read))
}

/// One row: id, subject, text, when, unread, link to the case page (if the role has one).
struct Row {
    id: String,
    subject: String,
    body: String,
    at: String,
    unread: bool,
    link: Option<String>,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct Notifications {
    l: Layout,
    rows: Vec<Row>,
}

fn case_page(role: Role, kind: &str, id: &str) -> Option<String> {
    if kind != "case" {
        return None;
    }
    let base = match role {
        Role::Exporter => "exporter",
        Role::Officer => "officer",
        Role::Adviser => "adviser",
        _ => return None,
    };
    Some(format!("/{base}/cases/{id}"))
}

async fn list(State(st): State<AppState>, s: Session) -> Response {
    let page = Page {
        after: None,
        limit: Some(app::listing::MAX_LIMIT),
    };
    let items = match st.app.notifications(&s.who, false, &page).await {
        Ok(p) => p.items,
        Err(e) => return app_error(Some(&s), e),
    };
    let role = s.who.role();
    let rows = items
        .into_iter()
        .rev()
        .map(|n| Row {
            link: case_page(role, &n.record_kind, &n.record_id),
            id: n.id,
            subject: n.subject,
            body: n.body,
            at: n
                .created_at
                .chars()
                .take(16)
                .collect::<String>()
                .replace('T', " "),
            unread: n.read_at.is_none(),
        })
        .collect();
    render(
        StatusCode::OK,
        &Notifications {
            l: Layout::new(key!("notifications-title"), Some(&s)),
            rows,
        },
    )
}

async fn read(State(st): State<AppState>, Path(id): Path<String>, f: CheckedForm) -> Response {
    if crate::extract::path_id("id", &id).is_err() {
        return app_error(Some(&f.session), app::AppError::NotFound("notification"));
    }
    match st.app.read_notification(&f.session.who, &id).await {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(e) => app_error(Some(&f.session), e),
    }
}
