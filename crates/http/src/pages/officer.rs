//! The licensing officer's pages: the work queues with counts, one queue, and the case page with the forms
//! the case's state allows (start review, request information, return it to the exporter for editing,
//! clear/confirm screening hits, approve, refuse,
//! issue; after issue suspend, reinstate, revoke and annul, each with its reason; final advice, submitting it
//! for countersigning, countersigning or returning it, and the decision as advised), the case's documents
//! and end-user declarations with the forms that verify or reject them.

use super::documents::CaseDocuments;
use super::{app_error, render, CheckedForm, FormData, Layout, Session};
use crate::AppState;
use app::listing::{CaseFilter, Page};
use app::model::{Case, QueueEntry};
use app::views::CaseView;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use domain::{CaseAction, CaseState, LicenceKind, RefusalCriterion, Role};

/// Cases per queue page.
const PAGE_SIZE: u32 = 50;

/// The queues of [`app::App::queue`] with their catalogue keys.
const QUEUES: &[(&str, &str)] = &[
    ("unassigned", key!("queue-unassigned")),
    ("mine", key!("queue-mine")),
    ("awaiting-advice", key!("queue-awaiting-advice")),
    ("overdue", key!("queue-overdue")),
    ("screening", key!("queue-screening")),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/officer", get(queues))
        .route("/officer/queues/{name}", get(queue))
        .route("/officer/cases/{id}", get(case))
        .route("/officer/cases/{id}/{action}", post(act))
        .route("/officer/cases/{id}/hits/{hit}", post(decide_hit))
        .route(
            "/officer/cases/{id}/documents/{doc}/verification",
            post(check_document),
        )
        .route(
            "/officer/cases/{id}/declarations/{decl}/verification",
            post(verify_declaration),
        )
}

fn officer_only(s: &Session) -> Result<(), Response> {
    if s.who.role() == Role::Officer {
        Ok(())
    } else {
        Err(app_error(
            Some(s),
            app::AppError::Forbidden("officer pages".into()),
        ))
    }
}

/// The queue filter controls: (form name, catalogue key of the label).
const FILTERS: &[(&str, &str)] = &[
    ("state", key!("state")),
    ("destination", key!("destination")),
    ("control_entry", key!("control-entry")),
    ("licence", key!("licence-kind")),
    ("overdue", key!("overdue-only")),
];

#[derive(Template)]
#[template(path = "officer.html")]
struct Queues {
    l: Layout,
    /// (queue name, catalogue key, count on the overview)
    queues: Vec<(&'static str, &'static str, Option<usize>)>,
    current: Option<(&'static str, &'static str)>,
    entries: Vec<QueueEntry>,
    /// The filter as entered.
    v: FormData,
    states: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    /// The query of the next page, when there is one.
    next: Option<String>,
    /// Whether this is a later page (a link back to the first one is shown).
    later: bool,
}

fn options<T: std::fmt::Display>(all: &[T]) -> Vec<(String, String)> {
    std::iter::once((String::new(), String::new()))
        .chain(all.iter().map(|x| (x.to_string(), x.to_string())))
        .collect()
}

/// The filter of a queue page's query; `after` is the paging cursor.
fn filter_of(v: &FormData) -> (CaseFilter, bool, Page) {
    let opt = |k: &str| Some(v.get(k).trim().to_string()).filter(|x| !x.is_empty());
    (
        CaseFilter {
            state: opt("state"),
            destination: opt("destination"),
            control_entry: opt("control_entry"),
            licence: opt("licence"),
            ..Default::default()
        },
        v.get("overdue") == "yes",
        Page {
            after: opt("after"),
            limit: Some(v.get("limit").parse().unwrap_or(PAGE_SIZE)),
        },
    )
}

/// The query string of `v` without its cursor, then `after=next`.
fn next_query(v: &FormData, next: &str) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for k in FILTERS.iter().map(|f| f.0).chain(["limit"]) {
        let x = v.get(k).trim();
        if !x.is_empty() {
            q.append_pair(k, x);
        }
    }
    q.append_pair("after", next);
    q.finish()
}

async fn queue_page(st: &AppState, s: &Session, name: Option<&str>, query: FormData) -> Response {
    if let Err(r) = officer_only(s) {
        return r;
    }
    let current = match name {
        Some(n) => match QUEUES.iter().find(|(q, _)| *q == n) {
            Some(q) => Some(*q),
            None => return app_error(Some(s), app::AppError::NotFound("queue")),
        },
        None => None,
    };
    // The overview shows the counts (one COUNT per queue in the store); a queue's own page reads one page of
    // its cases (see BENCHMARKS.md).
    let counts: Vec<_> = if current.is_some() {
        QUEUES.iter().map(|(q, k)| (*q, *k, None)).collect()
    } else {
        let names: Vec<&str> = QUEUES.iter().map(|q| q.0).collect();
        match st.app.queue_counts(&s.who, &names).await {
            Ok(n) => QUEUES
                .iter()
                .zip(n)
                .map(|((q, k), n)| (*q, *k, Some(n)))
                .collect(),
            Err(e) => return app_error(Some(s), e),
        }
    };
    let mut l = Layout::new(key!("officer-title"), Some(s));
    let mut status = StatusCode::OK;
    let (mut entries, mut next) = (Vec::new(), None);
    if let Some((q, _)) = current {
        let (filter, overdue, page) = filter_of(&query);
        match st
            .app
            .queue_filtered(&s.who, q, &filter, overdue, &page)
            .await
        {
            Ok(p) => {
                entries = p.items;
                next = p.next.map(|n| next_query(&query, &n));
            }
            Err(app::AppError::Invalid { field, reason }) => {
                let (control, label) = FILTERS
                    .iter()
                    .find(|f| f.0 == field)
                    .copied()
                    .unwrap_or(("state", key!("state")));
                l = l.error(control, format!("{}: {reason}", s.lang.t(label)));
                status = StatusCode::BAD_REQUEST;
            }
            Err(e) => return app_error(Some(s), e),
        }
    }
    render(
        status,
        &Queues {
            l,
            queues: counts,
            current,
            entries,
            later: !query.get("after").is_empty(),
            v: query,
            states: options(CaseState::ALL),
            kinds: options(LicenceKind::ALL),
            next,
        },
    )
}

async fn queues(State(st): State<AppState>, s: Session) -> Response {
    queue_page(&st, &s, None, FormData::default()).await
}

async fn queue(
    State(st): State<AppState>,
    s: Session,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let query = FormData::parse(q.unwrap_or_default().as_bytes());
    queue_page(&st, &s, Some(&name), query).await
}

/// One determination with the reasons of the rules that fired.
struct DeterminationRow {
    product: String,
    destination: String,
    end_user_type: String,
    outcome: String,
    reasons: Vec<String>,
}

/// Entered values kept after an error.
#[derive(Default)]
struct Entered {
    question: String,
    approve_reason: String,
    refuse_reason: String,
    nlr_reason: String,
    return_reasons: String,
    /// The reason entered on the return-for-editing form.
    edit_reason: String,
    /// The approval's condition fields (`cond_*`).
    v: FormData,
    /// The reason entered on a licence action's form: (action, text).
    licence: (String, String),
    /// The reason entered on a document's or declaration's check form: (control id, text).
    check: (String, String),
}

/// A case with its timeline, what blocks its approval, and its documents.
struct Loaded {
    c: Case,
    timeline: Vec<app::timeline::TimelineEntry>,
    blockers: Vec<String>,
    docs: CaseDocuments,
    /// Under review: the policy asks for countersignatures of final advice.
    needs_countersigning: bool,
    /// The cases this one is linked with as a variation: (catalogue key of the link, case id, reference).
    links: Vec<(&'static str, String, String)>,
}

/// A form for the licence's life after issue.
struct LicenceAction {
    /// The path segment of the form's action and the id of its button.
    action: &'static str,
    /// The id of its reason control.
    control: &'static str,
    /// Catalogue keys of the button and of the hint.
    label: &'static str,
    hint: &'static str,
    /// A warning button (the change cannot be undone).
    warning: bool,
}

/// The licence actions: (action, form).
const LICENCE_ACTIONS: &[(CaseAction, LicenceAction)] = &[
    (
        CaseAction::Suspend,
        LicenceAction {
            action: "suspend",
            control: "suspend-reason",
            label: key!("suspend-licence"),
            hint: key!("suspend-licence-hint"),
            warning: false,
        },
    ),
    (
        CaseAction::Reinstate,
        LicenceAction {
            action: "reinstate",
            control: "reinstate-reason",
            label: key!("reinstate-licence"),
            hint: key!("reinstate-licence-hint"),
            warning: false,
        },
    ),
    (
        CaseAction::Revoke,
        LicenceAction {
            action: "revoke",
            control: "revoke-reason",
            label: key!("revoke-licence"),
            hint: key!("revoke-licence-hint"),
            warning: true,
        },
    ),
    (
        CaseAction::Annul,
        LicenceAction {
            action: "annul",
            control: "annul-reason",
            label: key!("annul-licence"),
            hint: key!("annul-licence-hint"),
            warning: true,
        },
    ),
];

/// The typed-condition controls of the approval form: (control id, catalogue key of the label).
const CONDITION_CONTROLS: &[(&str, &str)] = &[
    ("cond_text", key!("condition-text")),
    ("cond_report_months", key!("condition-report-months")),
    ("cond_report_text", key!("condition-report-text")),
    ("cond_valid_until", key!("condition-valid-until")),
    ("cond_quantity", key!("condition-quantity")),
    ("cond_value_amount", key!("condition-value-amount")),
    ("cond_value_currency", key!("condition-value-currency")),
];

/// The typed conditions filled in on the approval form, each with the control its errors belong to; or the
/// control and message of the first value that is not well-formed.
fn conditions_of(
    v: &FormData,
) -> Result<Vec<(app::model::Condition, &'static str)>, (&'static str, String)> {
    use app::model::{Condition, Money};
    let get = |k: &str| v.get(k).trim().to_string();
    let mut out = Vec::new();
    let text = get("cond_text");
    if !text.is_empty() {
        out.push((Condition::Text { text }, "cond_text"));
    }
    let (months, report) = (get("cond_report_months"), get("cond_report_text"));
    if !months.is_empty() || !report.is_empty() {
        let every_months = months.parse::<u32>().map_err(|_| {
            (
                "cond_report_months",
                "is not a whole number of months".to_string(),
            )
        })?;
        out.push((
            Condition::ReportingObligation {
                every_months,
                text: report,
                attestations: vec![],
                max_targets: None,
            },
            "cond_report_months",
        ));
    }
    let until = get("cond_valid_until");
    if !until.is_empty() {
        let date = chrono::NaiveDate::parse_from_str(&until, "%Y-%m-%d").map_err(|_| {
            (
                "cond_valid_until",
                "is not a date such as 2027-06-30".to_string(),
            )
        })?;
        out.push((Condition::ValidUntil { date }, "cond_valid_until"));
    }
    let q = get("cond_quantity");
    if !q.is_empty() {
        let max = q
            .parse::<u64>()
            .map_err(|_| ("cond_quantity", "is not a whole number".to_string()))?;
        out.push((Condition::QuantityLimit { max }, "cond_quantity"));
    }
    let (amount, currency) = (get("cond_value_amount"), get("cond_value_currency"));
    if !amount.is_empty() || !currency.is_empty() {
        out.push((
            Condition::ValueLimit {
                max: Money {
                    amount,
                    currency: currency.to_uppercase(),
                },
            },
            "cond_value_amount",
        ));
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "officer_case.html")]
struct CasePage {
    l: Layout,
    c: Case,
    timeline: Vec<app::timeline::TimelineEntry>,
    blockers: Vec<String>,
    /// (required document kind, whether attached)
    required_documents: Vec<(String, bool)>,
    /// Documents attached to the case: (kind, name, SHA-256)
    documents: Vec<(String, String, String)>,
    /// (role, name, country)
    parties: Vec<(String, String, String)>,
    determinations: Vec<DeterminationRow>,
    criteria: Vec<&'static str>,
    csrf: String,
    can_assign: bool,
    can_decide: bool,
    can_issue: bool,
    /// The licence actions the lifecycle allows from the case's state (after issue).
    licence_actions: Vec<&'static LicenceAction>,
    docs: CaseDocuments,
    /// Whether documents and declarations can be checked (the case is open).
    can_check: bool,
    /// The lifecycle lets the officer return the case to the exporter for editing (under review).
    can_return: bool,
    /// The original licence of a variation, and the variation that superseded this licence.
    links: Vec<(&'static str, String, String)>,
    /// The case needs countersigning: the approve and refuse forms draft final advice instead of deciding.
    needs_countersigning: bool,
    /// `approve`/`refuse` or `final-advice-approve`/`final-advice-refuse`: where the decision forms post.
    approve_action: &'static str,
    refuse_action: &'static str,
    /// Final review: the advice forms edit it; it can be submitted for countersigning.
    in_final_review: bool,
    in_countersigning: bool,
    /// Countersigning with every countersignature in force: the officer decides as advised.
    advised_complete: bool,
    /// The final advice's conditions and the requirement, as text.
    final_conditions: Vec<String>,
    requirement: String,
    form: Entered,
}

fn case_page(s: &Session, x: Loaded, l: Layout, form: Entered) -> CasePage {
    let Loaded {
        c,
        timeline,
        blockers,
        docs,
        needs_countersigning,
        links,
    } = x;
    let b = &c.body;
    let attached: Vec<&app::model::AttachedDocument> = b
        .documents
        .iter()
        .chain(b.export.iter().flat_map(|e| e.documents.iter()))
        .collect();
    let required_documents = b
        .required_documents
        .iter()
        .map(|k| {
            (
                k.clone(),
                app::cases::has_verified_document(b, k, app::today()),
            )
        })
        .collect();
    let documents = attached
        .iter()
        .map(|d| {
            (
                d.kind.clone(),
                d.name.clone(),
                d.sha256.clone().unwrap_or_default(),
            )
        })
        .collect();
    let mut parties = Vec::new();
    let country =
        |c: &Option<domain::CountryCode>| c.as_ref().map(|c| c.to_string()).unwrap_or_default();
    if let Some(m) = &b.marketing {
        for e in &m.end_users {
            parties.push(("end-user".to_string(), e.name.clone(), country(&e.country)));
        }
    }
    if let Some(x) = &b.export {
        parties.push((
            "end-user".into(),
            x.end_user.name.clone(),
            country(&x.end_user.country),
        ));
        parties.push((
            "consignee".into(),
            x.consignee.name.clone(),
            x.consignee.country.to_string(),
        ));
        for i in &x.intermediaries {
            parties.push(("intermediary".into(), i.name.clone(), i.country.to_string()));
        }
    }
    let determinations = b
        .determinations
        .iter()
        .map(|d| DeterminationRow {
            product: d.product.clone(),
            destination: d.destination.clone(),
            end_user_type: d.end_user_type.to_string(),
            outcome: d.outcome.to_string(),
            reasons: d.determination["rules"]
                .as_array()
                .map(|rules| {
                    rules
                        .iter()
                        .map(|r| {
                            format!(
                                "{}: {}",
                                r["id"].as_str().unwrap_or(""),
                                r["reason"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let needs_countersigning = needs_countersigning
        || matches!(c.state, CaseState::FinalReview | CaseState::Countersigning);
    let final_conditions = b
        .final_advice
        .iter()
        .flat_map(|f| f.conditions.iter())
        .map(|c| serde_json::to_string(c).unwrap_or_default())
        .collect();
    let requirement = b
        .countersigning
        .as_ref()
        .map(|r| {
            format!(
                "{}{} ({})",
                r.count,
                if r.senior { ", senior" } else { "" },
                r.rules
                    .iter()
                    .map(|f| f.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .unwrap_or_default();
    let in_countersigning = c.state == CaseState::Countersigning;
    let advised_complete =
        in_countersigning && app::final_advice::countersigning_missing(b).is_none();
    CasePage {
        needs_countersigning,
        approve_action: if needs_countersigning {
            "final-advice-approve"
        } else {
            "approve"
        },
        refuse_action: if needs_countersigning {
            "final-advice-refuse"
        } else {
            "refuse"
        },
        in_final_review: c.state == CaseState::FinalReview,
        in_countersigning,
        advised_complete,
        final_conditions,
        requirement,
        timeline,
        blockers,
        required_documents,
        documents,
        parties,
        determinations,
        criteria: RefusalCriterion::ALL.iter().map(|k| k.as_str()).collect(),
        csrf: s.csrf(),
        can_assign: c.state == CaseState::Submitted,
        can_decide: matches!(c.state, CaseState::UnderReview | CaseState::FinalReview),
        can_issue: c.state == CaseState::Approved,
        can_return: domain::transition(
            c.state,
            CaseAction::ReturnForEditing,
            domain::Actor::Officer,
        )
        .is_ok(),
        links,
        licence_actions: LICENCE_ACTIONS
            .iter()
            .filter(|(a, _)| domain::transition(c.state, *a, domain::Actor::Officer).is_ok())
            .map(|(_, f)| f)
            .collect(),
        can_check: c.state.is_open(),
        docs,
        l,
        c,
        form,
    }
}

async fn load(st: &AppState, s: &Session, id: &str) -> Result<Loaded, Response> {
    officer_only(s)?;
    let c = match st.app.application(&s.who, id).await {
        Ok(CaseView::Internal(c)) => *c,
        Ok(_) => return Err(app_error(Some(s), app::AppError::NotFound("application"))),
        Err(e) => return Err(app_error(Some(s), e)),
    };
    let timeline = st
        .app
        .case_timeline(&s.who, id)
        .await
        .map_err(|e| app_error(Some(s), e))?;
    let blockers = st
        .app
        .approval_blockers(&s.who, id)
        .await
        .map_err(|e| app_error(Some(s), e))?;
    let docs = CaseDocuments::load(st, s, id).await?;
    let needs_countersigning = c.state == CaseState::UnderReview
        && st
            .app
            .countersignatures_needed(&s.who, id)
            .await
            .map_err(|e| app_error(Some(s), e))?
            > 0;
    let mut links = Vec::new();
    for (label, other) in [
        (key!("variation-of"), &c.body.variation_of),
        (key!("superseded-by"), &c.body.superseded_by),
    ] {
        if let Some(other) = other {
            let reference = match st.app.application(&s.who, other).await {
                Ok(v) => v.reference().to_string(),
                Err(e) => return Err(app_error(Some(s), e)),
            };
            links.push((label, other.clone(), reference));
        }
    }
    Ok(Loaded {
        c,
        timeline,
        blockers,
        docs,
        needs_countersigning,
        links,
    })
}

async fn case(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match load(&st, &s, &id).await {
        Ok(c) => {
            let l = Layout::new(key!("case-title"), Some(&s));
            render(StatusCode::OK, &case_page(&s, c, l, Entered::default()))
        }
        Err(r) => r,
    }
}

/// `POST /officer/cases/{id}/{action}`: assign, request-information, approve, refuse, issue, and the
/// licence's suspend, reinstate, revoke and annul.
async fn act(
    State(st): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    f: CheckedForm,
) -> Response {
    use app::final_advice::{CountersignBody, CountersignDecision, FinalAdviceBody, FinalOutcome};
    use app::model::*;
    let s = &f.session;
    let c = match load(&st, s, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let v = Some(c.c.version);
    let reason = f.form.get("reason").to_string();
    let mut entered = Entered::default();
    // The id of the control an error on the use case's field belongs to.
    let (result, control) = match action.as_str() {
        "assign" => (
            st.app
                .assign(
                    &s.who,
                    &id,
                    AssignBody {
                        officer_id: None,
                        expected_version: v,
                    },
                )
                .await,
            "",
        ),
        "request-information" => {
            entered.question = f.form.get("question").to_string();
            (
                st.app
                    .request_information(
                        &s.who,
                        &id,
                        InfoRequestBody {
                            question: entered.question.clone(),
                            expected_version: v,
                        },
                    )
                    .await,
                "question",
            )
        }
        "return-for-editing" => {
            entered.edit_reason = reason.clone();
            (
                st.app
                    .return_for_editing(
                        &s.who,
                        &id,
                        ActionBody {
                            expected_version: v,
                            reason: Some(reason.clone()),
                        },
                    )
                    .await,
                "return-for-editing-reason",
            )
        }
        "approve" | "final-advice-approve" => {
            entered.approve_reason = reason.clone();
            entered.v = f.form.clone();
            let conditions = match conditions_of(&f.form) {
                Ok(c) => c,
                Err((control, msg)) => {
                    let label = CONDITION_CONTROLS
                        .iter()
                        .find(|x| x.0 == control)
                        .map(|x| s.lang.t(x.1))
                        .unwrap_or(control);
                    let l = Layout::new(key!("case-title"), Some(s))
                        .error(control, format!("{label}: {msg}"));
                    return render(StatusCode::BAD_REQUEST, &case_page(s, c, l, entered));
                }
            };
            let controls: Vec<&str> = conditions.iter().map(|x| x.1).collect();
            let conditions = conditions.into_iter().map(|x| x.0).collect();
            let result = if action == "approve" {
                st.app
                    .approve(
                        &s.who,
                        &id,
                        ApproveBody {
                            reason,
                            conditions,
                            expected_version: v,
                        },
                    )
                    .await
            } else {
                st.app
                    .draft_final_advice(
                        &s.who,
                        &id,
                        FinalAdviceBody {
                            outcome: FinalOutcome::Approve,
                            reason,
                            conditions,
                            criteria: vec![],
                            entities: vec![],
                            expected_version: v,
                        },
                    )
                    .await
            };
            // An error on `conditions[i]...` belongs to the i-th condition's control.
            let control = match &result {
                Err(app::AppError::Invalid { field, .. }) if field.starts_with("conditions[") => {
                    let i: usize = field["conditions[".len()..]
                        .split(']')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    let mut c = controls.get(i).copied().unwrap_or("approve-reason");
                    // The reporting obligation's text and the value limit's currency have their own controls.
                    if c == "cond_report_months" && field.ends_with(".text") {
                        c = "cond_report_text";
                    }
                    if c == "cond_value_amount" && field.ends_with(".currency") {
                        c = "cond_value_currency";
                    }
                    c
                }
                _ => "approve-reason",
            };
            (result, control)
        }
        "refuse" | "final-advice-refuse" => {
            entered.refuse_reason = reason.clone();
            let criteria = match f
                .form
                .all("criteria")
                .iter()
                .map(|k| k.parse::<RefusalCriterion>())
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(c) => c,
                Err(e) => {
                    let l = Layout::new(key!("case-title"), Some(s)).error("criteria", e);
                    return render(StatusCode::BAD_REQUEST, &case_page(s, c, l, entered));
                }
            };
            let result = if action == "refuse" {
                st.app
                    .refuse(
                        &s.who,
                        &id,
                        RefuseBody {
                            reason,
                            criteria,
                            expected_version: v,
                        },
                    )
                    .await
            } else {
                st.app
                    .draft_final_advice(
                        &s.who,
                        &id,
                        FinalAdviceBody {
                            outcome: FinalOutcome::Refuse,
                            reason,
                            conditions: vec![],
                            criteria,
                            entities: vec![],
                            expected_version: v,
                        },
                    )
                    .await
            };
            (result, "refuse-reason")
        }
        "final-advice-nlr" => {
            entered.nlr_reason = reason.clone();
            (
                st.app
                    .draft_final_advice(
                        &s.who,
                        &id,
                        FinalAdviceBody {
                            outcome: FinalOutcome::NoLicenceRequired,
                            reason,
                            conditions: vec![],
                            criteria: vec![],
                            entities: vec![],
                            expected_version: v,
                        },
                    )
                    .await,
                "nlr-reason",
            )
        }
        "submit-final-advice" => (
            st.app
                .submit_final_advice(
                    &s.who,
                    &id,
                    ActionBody {
                        expected_version: v,
                        reason: None,
                    },
                )
                .await,
            "",
        ),
        "countersign" | "return" => {
            let returning = action == "return";
            entered.return_reasons = f.form.get("reasons").to_string();
            (
                st.app
                    .countersign(
                        &s.who,
                        &id,
                        CountersignBody {
                            decision: if returning {
                                CountersignDecision::Return
                            } else {
                                CountersignDecision::Accept
                            },
                            reasons: returning.then(|| entered.return_reasons.clone()),
                            expected_version: v,
                        },
                    )
                    .await,
                "return-reasons",
            )
        }
        "decide-as-advised" => {
            let advice = c.c.body.final_advice.clone();
            let reason = advice
                .as_ref()
                .map(|a| a.reason.clone())
                .unwrap_or_default();
            let result = match advice.map(|a| a.outcome) {
                Some(FinalOutcome::Refuse) => {
                    st.app
                        .refuse(
                            &s.who,
                            &id,
                            RefuseBody {
                                reason,
                                criteria: vec![],
                                expected_version: v,
                            },
                        )
                        .await
                }
                Some(FinalOutcome::NoLicenceRequired) => {
                    st.app
                        .conclude_no_licence_required(
                            &s.who,
                            &id,
                            ActionBody {
                                expected_version: v,
                                reason: Some(reason),
                            },
                        )
                        .await
                }
                _ => {
                    st.app
                        .approve(
                            &s.who,
                            &id,
                            ApproveBody {
                                reason,
                                conditions: vec![],
                                expected_version: v,
                            },
                        )
                        .await
                }
            };
            (result, "")
        }
        "issue" => (
            st.app
                .issue(
                    &s.who,
                    &id,
                    ActionBody {
                        expected_version: v,
                        reason: None,
                    },
                )
                .await,
            "",
        ),
        other => match LICENCE_ACTIONS.iter().find(|(_, f)| f.action == other) {
            Some((a, form)) => {
                entered.licence = (form.action.to_string(), reason.clone());
                (
                    st.app
                        .change_licence(
                            &s.who,
                            &id,
                            *a,
                            ActionBody {
                                expected_version: v,
                                reason: Some(reason),
                            },
                        )
                        .await,
                    form.control,
                )
            }
            None => return app_error(Some(s), app::AppError::NotFound("page")),
        },
    };
    match result {
        Ok(_) => Redirect::to(&format!("/officer/cases/{id}")).into_response(),
        Err(app::AppError::Invalid { field, reason }) if !control.is_empty() => {
            let target = if field == "criteria" {
                "criteria"
            } else {
                control
            };
            let l = Layout::new(key!("case-title"), Some(s))
                .error(target, format!("{field}: {reason}"));
            render(StatusCode::BAD_REQUEST, &case_page(s, c, l, entered))
        }
        // A lifecycle refusal (a blocker appeared, or the state moved on) or a rule of who acts (another
        // officer's case) is listed on the case page.
        Err(e @ (app::AppError::Conflict(_) | app::AppError::InvalidTransition { .. })) => {
            let l = Layout::new(key!("case-title"), Some(s)).error("actions", e.to_string());
            render(StatusCode::CONFLICT, &case_page(s, c, l, entered))
        }
        Err(app::AppError::Forbidden(reason)) => {
            let l = Layout::new(key!("case-title"), Some(s)).error("actions", reason);
            render(StatusCode::FORBIDDEN, &case_page(s, c, l, entered))
        }
        Err(e) => app_error(Some(s), e),
    }
}

/// What an officer's check form verifies.
enum Checked {
    Document(String),
    Declaration(String),
}

/// `POST /officer/cases/{id}/documents/{doc}/verification`: verify or reject a document (any kind but the
/// end-user declaration).
async fn check_document(
    State(st): State<AppState>,
    Path((id, doc)): Path<(String, String)>,
    f: CheckedForm,
) -> Response {
    check(&st, &id, f, Checked::Document(doc)).await
}

/// `POST /officer/cases/{id}/declarations/{decl}/verification`: verify or reject an end-user declaration.
async fn verify_declaration(
    State(st): State<AppState>,
    Path((id, decl)): Path<(String, String)>,
    f: CheckedForm,
) -> Response {
    check(&st, &id, f, Checked::Declaration(decl)).await
}

async fn check(st: &AppState, id: &str, f: CheckedForm, what: Checked) -> Response {
    use app::documents::{VerificationOutcome, VerifyDeclaration};
    let s = &f.session;
    let c = match load(st, s, id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let control = match &what {
        Checked::Document(d) => format!("check-reason-{d}"),
        Checked::Declaration(d) => format!("verify-reason-{d}"),
    };
    let reason = f.form.get("reason").trim().to_string();
    let entered = Entered {
        check: (control.clone(), reason.clone()),
        ..Default::default()
    };
    let fail = |c: Loaded, entered: Entered, status: StatusCode, target: &str, msg: String| {
        let l = Layout::new(key!("case-title"), Some(s)).error(target, msg);
        render(status, &case_page(s, c, l, entered))
    };
    let outcome = match f.form.get("outcome") {
        "verified" => VerificationOutcome::Verified,
        "rejected" => VerificationOutcome::Rejected,
        _ => {
            return fail(
                c,
                entered,
                StatusCode::BAD_REQUEST,
                &control,
                s.lang.t(key!("check-outcome-missing")).to_string(),
            )
        }
    };
    let body = VerifyDeclaration {
        outcome,
        reason: Some(reason).filter(|r| !r.is_empty()),
    };
    let result = match &what {
        Checked::Document(d) => st
            .app
            .verify_document(&s.who, id, d, body)
            .await
            .map(|_| ()),
        Checked::Declaration(d) => st
            .app
            .verify_declaration(&s.who, id, d, body)
            .await
            .map(|_| ()),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/officer/cases/{id}#documents")).into_response(),
        Err(app::AppError::Invalid { field, reason }) => fail(
            c,
            entered,
            StatusCode::BAD_REQUEST,
            &control,
            format!("{field}: {reason}"),
        ),
        // A rule of the check (decided already, a file not clean, another officer's case): listed under the
        // documents' heading (the form may no longer be shown).
        Err(e @ (app::AppError::Conflict(_) | app::AppError::InvalidTransition { .. })) => {
            fail(c, entered, StatusCode::CONFLICT, "documents", e.to_string())
        }
        Err(app::AppError::Forbidden(reason)) => {
            fail(c, entered, StatusCode::FORBIDDEN, "documents", reason)
        }
        Err(e) => app_error(Some(s), e),
    }
}

/// `POST /officer/cases/{id}/hits/{hit}`: clear or confirm a screening hit.
async fn decide_hit(
    State(st): State<AppState>,
    Path((id, hit)): Path<(String, String)>,
    f: CheckedForm,
) -> Response {
    let s = &f.session;
    if let Err(r) = officer_only(s) {
        return r;
    }
    let body = app::model::HitDecisionBody {
        decision: f.form.get("decision").to_string(),
        reason: f.form.get("reason").to_string(),
    };
    match st.app.decide_hit(&s.who, &id, &hit, body).await {
        Ok(_) => Redirect::to(&format!("/officer/cases/{id}#screening")).into_response(),
        Err(e) => app_error(Some(s), e),
    }
}
