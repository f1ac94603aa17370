//! The auditor's page: the audit log searchable by case (or any record id), actor, action and date range,
//! 100 events a page, with the verification status of the whole log (hash chain, Merkle tree and signed
//! checkpoints) as `App::verify_audit_log` reports it.

use super::{app_error, render, FormData, Layout, Session};
use crate::AppState;
use app::AppError;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use domain::Role;

/// Events per page.
const PAGE: i64 = 100;

/// The search controls: (name, catalogue key of the label).
const CONTROLS: &[(&str, &str)] = &[
    ("case", key!("audit-record")),
    ("actor", key!("actor")),
    ("action", key!("action")),
    ("from", key!("audit-from")),
    ("until", key!("audit-until")),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/auditor", get(audit_log))
}

struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    record: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "auditor.html")]
struct AuditPage {
    l: Layout,
    v: FormData,
    rows: Vec<Row>,
    /// (intact, events checked, the problem when not intact)
    verification: (bool, i64, String),
    next: Option<String>,
}

/// A search date (YYYY-MM-DD) as the RFC 3339 start of that day (UTC), or of the next day for `until` so that
/// the range includes its last day.
fn day_bound(field: &str, v: &str, next_day: bool) -> Result<Option<String>, (String, String)> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        (
            field.to_string(),
            "is not a date such as 2026-11-30".to_string(),
        )
    })?;
    let d = if next_day {
        d.succ_opt().unwrap_or(d)
    } else {
        d
    };
    Ok(Some(format!("{d}T00:00:00Z")))
}

async fn audit_log(State(st): State<AppState>, s: Session, RawQuery(q): RawQuery) -> Response {
    if !matches!(s.who.role(), Role::Auditor | Role::Admin) {
        return app_error(Some(&s), AppError::Forbidden("auditor pages".into()));
    }
    let v = FormData::parse(q.unwrap_or_default().as_bytes());
    let text = |k: &str| Some(v.get(k).trim().to_string()).filter(|x| !x.is_empty());
    let after: i64 = v.get("after").parse().unwrap_or(0);
    let filter = (|| {
        Ok::<_, (String, String)>(store::AuditFilter {
            record_id: text("case"),
            actor: text("actor"),
            action: text("action"),
            from: day_bound("from", v.get("from"), false)?,
            until: day_bound("until", v.get("until"), true)?,
        })
    })();
    let mut l = Layout::new(key!("auditor-title"), Some(&s));
    let mut status = StatusCode::OK;
    let mut rows = Vec::new();
    let mut next = None;
    let found = match filter {
        Ok(f) => st.app.search_audit(&s.who, &f, after, PAGE).await,
        Err((field, reason)) => Err(AppError::Invalid { field, reason }),
    };
    match found {
        Ok(events) => {
            if events.len() as i64 == PAGE {
                if let Some(last) = events.last() {
                    let mut q = form_urlencoded::Serializer::new(String::new());
                    for (k, _) in CONTROLS {
                        let x = v.get(k).trim();
                        if !x.is_empty() {
                            q.append_pair(k, x);
                        }
                    }
                    q.append_pair("after", &last.seq.to_string());
                    next = Some(q.finish());
                }
            }
            rows = events
                .into_iter()
                .map(|e| Row {
                    seq: e.seq,
                    at: e.event.at,
                    actor: e.event.actor,
                    action: e.event.action,
                    record: format!("{} {}", e.event.record_kind, e.event.record_id),
                    reason: e.event.reason.unwrap_or_default(),
                })
                .collect();
        }
        Err(AppError::Invalid { field, reason }) => {
            let (control, label) = CONTROLS
                .iter()
                .find(|c| c.0 == field)
                .copied()
                .unwrap_or(CONTROLS[0]);
            l = l.error(control, format!("{}: {reason}", s.lang.t(label)));
            status = StatusCode::BAD_REQUEST;
        }
        Err(e) => return app_error(Some(&s), e),
    }
    let verification = match st.app.verify_audit_log(&s.who, None).await {
        Ok(r) => (
            r.intact(),
            r.report.events,
            r.report
                .problem
                .clone()
                .or_else(|| (!r.bad_checkpoints.is_empty()).then(|| r.bad_checkpoints.join("; ")))
                .unwrap_or_default(),
        ),
        Err(e) => return app_error(Some(&s), e),
    };
    render(
        status,
        &AuditPage {
            l,
            v,
            rows,
            verification,
            next,
        },
    )
}
