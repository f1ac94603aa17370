//! The policy administrator's pages: the policy versions, staging a changed policy file (with the policy
//! checker's diagnostics when it does not load), the impact preview of a staged version over every open and
//! decided case, and publishing it with an effective date. The same [`app::App`] use cases as the API.

use super::{app_error, render, CheckedForm, FormData, Layout, Session};
use crate::AppState;
use app::policy_svc::{PolicyVersionView, PublishPolicy, StagePolicy};
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/policy", get(versions))
        .route("/policy/stage", post(stage))
        .route("/policy/versions/{id}/impact", get(impact))
        .route("/policy/versions/{id}/publish", post(publish))
}

fn policy_admin_only(s: &Session) -> Result<(), Response> {
    if s.who.role() == Role::PolicyAdmin {
        Ok(())
    } else {
        Err(app_error(
            Some(s),
            AppError::Forbidden("policy pages".into()),
        ))
    }
}

#[derive(Template)]
#[template(path = "policy.html")]
struct VersionsPage {
    l: Layout,
    csrf: String,
    versions: Vec<PolicyVersionView>,
    /// The policy files a change may replace: (name, name).
    files: Vec<(String, String)>,
    v: FormData,
    /// The checker's diagnostics of a refused upload, one per line.
    diagnostics: Vec<String>,
}

async fn versions_page(
    st: &AppState,
    s: &Session,
    l: Layout,
    v: FormData,
    diagnostics: Vec<String>,
) -> Result<VersionsPage, Response> {
    policy_admin_only(s)?;
    let versions = st
        .app
        .policy_versions(&s.who, &app::listing::Page::all())
        .await
        .map_err(|e| app_error(Some(s), e))?
        .items;
    Ok(VersionsPage {
        l,
        csrf: s.csrf(),
        versions,
        files: policy::reference_files()
            .into_iter()
            .map(|(n, _)| (n.clone(), n))
            .collect(),
        v,
        diagnostics,
    })
}

async fn versions(State(st): State<AppState>, s: Session) -> Response {
    let l = Layout::new(key!("policy-title"), Some(&s));
    match versions_page(&st, &s, l, FormData::default(), vec![]).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(r) => r,
    }
}

/// `POST /policy/stage`: the reference policy with one file replaced by the text given, staged as a new
/// version; a policy that does not load is refused with the checker's diagnostics beside the text.
async fn stage(State(st): State<AppState>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = policy_admin_only(s) {
        return r;
    }
    let name = f.form.get("file");
    let mut files: std::collections::BTreeMap<String, String> =
        policy::reference_files().into_iter().collect();
    let result = if !files.contains_key(name) {
        Err(AppError::invalid(
            "file",
            format!("{name:?} is not a file of the policy"),
        ))
    } else {
        files.insert(name.to_string(), f.form.get("content").to_string());
        st.app.stage_policy(&s.who, StagePolicy { files }).await
    };
    match result {
        Ok(_) => Redirect::to("/policy#versions").into_response(),
        Err(AppError::Invalid { field, reason }) => {
            let (control, diagnostics) = if field == "files" {
                (
                    "content",
                    reason.split("; ").map(String::from).collect::<Vec<_>>(),
                )
            } else {
                ("file", vec![])
            };
            let l = Layout::new(key!("policy-title"), Some(s)).error(
                control,
                format!(
                    "{}: {}",
                    s.lang.t(key!("policy-refused")),
                    diagnostics.len().max(1)
                ),
            );
            let l = if diagnostics.is_empty() {
                Layout {
                    errors: vec![],
                    ..l
                }
                .error(control, reason)
            } else {
                l
            };
            match versions_page(&st, s, l, f.form.clone(), diagnostics).await {
                Ok(p) => render(StatusCode::BAD_REQUEST, &p),
                Err(r) => r,
            }
        }
        Err(e) => app_error(Some(s), e),
    }
}

#[derive(Template)]
#[template(path = "policy_impact.html")]
struct ImpactPage {
    l: Layout,
    id: String,
    r: policy::ImpactReport,
}

async fn impact(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    if let Err(r) = policy_admin_only(&s) {
        return r;
    }
    match st.app.policy_impact(&s.who, &id).await {
        Ok(r) => render(
            StatusCode::OK,
            &ImpactPage {
                l: Layout::new(key!("impact-title"), Some(&s)),
                id,
                r,
            },
        ),
        Err(e) => app_error(Some(&s), e),
    }
}

async fn publish(State(st): State<AppState>, Path(id): Path<String>, f: CheckedForm) -> Response {
    let s = &f.session;
    if let Err(r) = policy_admin_only(s) {
        return r;
    }
    let control = format!("effective-{id}");
    let result =
        match chrono::NaiveDate::parse_from_str(f.form.get("effective_from").trim(), "%Y-%m-%d") {
            Ok(effective_from) => {
                st.app
                    .publish_policy(&s.who, &id, PublishPolicy { effective_from })
                    .await
            }
            Err(_) => Err(AppError::invalid(
                "effective_from",
                "is not a date such as 2027-01-01",
            )),
        };
    match result {
        Ok(_) => Redirect::to("/policy#versions").into_response(),
        Err(AppError::Invalid { reason, .. }) => {
            let l = Layout::new(key!("policy-title"), Some(s)).error(
                &control,
                format!("{}: {reason}", s.lang.t(key!("effective-from"))),
            );
            match versions_page(&st, s, l, f.form.clone(), vec![]).await {
                Ok(p) => render(StatusCode::BAD_REQUEST, &p),
                Err(r) => r,
            }
        }
        Err(e) => app_error(Some(s), e),
    }
}
