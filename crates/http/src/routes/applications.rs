//! `/applications`: licence applications (cases), their lifecycle actions, advice and screening hits.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{
    Advisers, Allowed, Body, Caller, Exporters, Officers, OfficersAdvisers, OptBody, QueryParams,
};
use crate::AppState;
use app::final_advice::{CountersignBody, FinalAdviceBody};
use app::model::*;
use app::views::CaseView;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use domain::CaseAction;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_application, list_applications))
        .routes(routes!(
            get_application,
            update_application,
            delete_application
        ))
        .routes(routes!(submit_application))
        .routes(routes!(withdraw_application))
        .routes(routes!(assign_application))
        .routes(routes!(request_information))
        .routes(routes!(respond_application))
        .routes(routes!(request_advice))
        .routes(routes!(give_advice))
        .routes(routes!(approve_application))
        .routes(routes!(refuse_application))
        .routes(routes!(draft_final_advice))
        .routes(routes!(submit_final_advice))
        .routes(routes!(countersign_final_advice))
        .routes(routes!(conclude_no_licence_required))
        .routes(routes!(no_licence_required_letter))
        .routes(routes!(issue_licence))
        .routes(routes!(suspend_licence))
        .routes(routes!(reinstate_licence))
        .routes(routes!(revoke_licence))
        .routes(routes!(annul_licence))
        .routes(routes!(surrender_licence))
        .routes(routes!(lapse_application))
        .routes(routes!(return_for_editing))
        .routes(routes!(resubmit_application))
        .routes(routes!(create_variation))
        .routes(routes!(file_appeal))
        .routes(routes!(decide_appeal))
        .routes(routes!(list_case_hits))
        .routes(routes!(decide_hit))
}

/// Create a licence application
///
/// An exporter starts a marketing or export licence application as a draft: `marketing` details for a marketing licence, `export` details for an export licence (which cites its marketing authorisation). The policy is evaluated for each product, destination and end-user type; a prohibited combination is answered 422.
#[utoipa::path(post, path = "/api/v1/applications", request_body(content = NewApplication, example = json!({"licence": "marketing", "marketing": {"products": ["0190c3a2-7b1e-7c3d-9a4f-2b8e5d6f1a01"], "destinations": ["FR"], "end_users": [{"name": "Example Police Department", "type": "government-law-enforcement", "country": "FR"}]}})), responses((status = 201, body = CaseView), (status = 422, body = Problem)))]
async fn create_application(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<NewApplication>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_application(&p, b).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CaseQuery {
    /// Only cases in this state.
    #[param(value_type = Option<domain::CaseState>)]
    state: Option<String>,
    /// Only cases with this destination (ISO 3166-1 alpha-2).
    destination: Option<String>,
    /// Only cases with a product under this control entry (any spelling the control list knows, e.g. 5A001.j).
    control_entry: Option<String>,
    /// Only cases for this licence kind.
    #[param(value_type = Option<domain::LicenceKind>)]
    licence: Option<String>,
    /// Only cases of this applicant organisation (id).
    org: Option<String>,
    /// Only the case with this reference.
    reference: Option<String>,
    /// Only cases with a party (end user, consignee, intermediary) whose name contains this, case-insensitive.
    party: Option<String>,
    /// The cursor of the page to read: the `after` value of the previous page's `Link: rel="next"` URL.
    after: Option<String>,
    /// Cases per page, 1 to 500 (default 100).
    limit: Option<u32>,
}

/// List applications
///
/// Exporters see their organisation's cases, advisers the cases on which their kind of advice was requested, officials every case. Filters combine (all must match). Ordered by creation; paginated: when more cases follow, the `Link` header's `rel="next"` URL reads the next page.
#[utoipa::path(get, path = "/api/v1/applications", params(CaseQuery), responses((status = 200, body = [CaseView], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more cases follow")))))]
async fn list_applications(
    State(s): S,
    Caller(p): Caller,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<CaseQuery>,
) -> ApiResult<Response> {
    let filter = app::listing::CaseFilter {
        state: q.state,
        destination: q.destination,
        control_entry: q.control_entry,
        licence: q.licence,
        org: q.org,
        reference: q.reference,
        party: q.party,
    };
    let page = app::listing::Page {
        after: q.after,
        limit: q.limit,
    };
    Ok(super::paged(
        &uri,
        s.app.applications(&p, &filter, &page).await?,
    ))
}

/// The "no licence required" letter
///
/// The authority's letter for a case concluded as needing no licence, or for the product lines of a partial decision that need none: the product lines, the destinations it speaks for, the reason and the date. Anyone who can read the case; 409 when the decision found no such product line.
#[utoipa::path(get, path = "/api/v1/applications/{id}/no-licence-required-letter", params(("id" = String, Path)), responses((status = 200, body = app::partial::NoLicenceRequiredLetter), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn no_licence_required_letter(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<app::partial::NoLicenceRequiredLetter>> {
    id("id", &i)?;
    Ok(Json(s.app.no_licence_required_letter(&p, &i).await?))
}

/// Get an application
///
/// One case by id: its details, state, history, determinations, advice, screening and decision.
#[utoipa::path(get, path = "/api/v1/applications/{id}", params(("id" = String, Path)), responses((status = 200, body = CaseView), (status = 404, body = Problem)))]
async fn get_application(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.application(&p, &i).await?))
}

/// Change a draft application
///
/// The exporter replaces the draft's details (`marketing` for a marketing-licence draft, `export` for an export-licence draft); the licence kind stays. Only a draft, or a case an officer returned for editing, can be changed; a case under review changes through information requests and answers.
#[utoipa::path(patch, path = "/api/v1/applications/{id}", params(("id" = String, Path)), request_body(content = DraftChange, example = json!({"expected_version": 1, "marketing": {"products": ["0190c3a2-7b1e-7c3d-9a4f-2b8e5d6f1a01"], "destinations": ["FR", "DE"], "end_users": [{"name": "Example Police Department", "type": "government-law-enforcement", "country": "FR"}]}})),
    responses((status = 200, body = CaseView), (status = 409, body = Problem, description = "Not a draft, or changed concurrently")))]
async fn update_application(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    Body(b): Body<DraftChange>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.update_draft(&p, &i, b).await?))
}

/// Delete a draft application
///
/// The exporter deletes a draft it no longer needs; the audit log keeps what it held. A submitted case is withdrawn instead. No body needed.
#[utoipa::path(delete, path = "/api/v1/applications/{id}", params(("id" = String, Path)), request_body(content = Option<ActionBody>, example = json!({"expected_version": 1})),
    responses((status = 204, description = "Deleted"), (status = 409, body = Problem, description = "Not a draft, or changed concurrently")))]
async fn delete_application(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    OptBody(b): OptBody<ActionBody>,
) -> ApiResult<StatusCode> {
    id("id", &i)?;
    s.app.delete_draft(&p, &i, b).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Apply to vary an issued licence
///
/// The exporter applies to vary the issued licence of case `id` (quantity, value, consignee, end user, an added product; a validity extension is the approval's `valid-until` condition): a new draft case linked to the original (`variation_of`), with the new details whole, submitted like any application — determined and screened again under the policy in force. When the variation is issued, the original licence becomes `superseded` in the same transaction. 409 when the case holds no issued licence.
#[utoipa::path(post, path = "/api/v1/applications/{id}/variations", params(("id" = String, Path)), request_body(content = NewVariation, example = json!({"reason": "two more units for the same end user", "export": {"product": "0190c3a2-7b1e-7c3d-9a4f-2b8e5d6f1a01", "end_user": {"name": "Bundespolizei", "type": "government-law-enforcement", "country": "DE"}, "consignee": {"name": "Logistics GmbH", "country": "DE"}, "destination": "DE", "quantity": 5, "value": {"amount": "400000.00", "currency": "EUR"}, "end_use": "investigation of serious crime", "marketing_authorisation": "ML-2026-000001"}})), responses((status = 201, body = CaseView), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_variation(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    Body(b): Body<NewVariation>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    id("id", &i)?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_variation(&p, &i, b).await?),
    ))
}

macro_rules! simple_action {
    ($(#[$doc:meta])* $name:ident, $roles:ty, $path:literal, $method:ident $(, $extra:expr)?) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, params(("id" = String, Path)), request_body(content = Option<ActionBody>, example = json!({"expected_version": 2})),
            responses((status = 200, body = CaseView), (status = 409, body = Problem, description = "Not allowed in the current state, or changed concurrently")))]
        async fn $name(State(s): S, Allowed(p, _): Allowed<$roles>, Path(i): Path<String>, OptBody(b): OptBody<ActionBody>) -> ApiResult<Json<CaseView>> {
            id("id", &i)?;
            Ok(Json(s.app.$method(&p, &i, $($extra,)? b).await?))
        }
    };
}

simple_action!(
    /// Submit an application
    ///
    /// The exporter submits a draft; the case is screened against the active sanctions lists and enters the officers' queue. No body needed.
    submit_application,
    Exporters,
    "/api/v1/applications/{id}/submit",
    submit_application
);
simple_action!(
    /// Withdraw an application
    ///
    /// The exporter withdraws a case that has not been decided: a draft, a submitted case, a case under review, one awaiting the exporter's answer or one returned for editing (the assigned officer is told). An optional `reason` is recorded. No body needed.
    withdraw_application,
    Exporters,
    "/api/v1/applications/{id}/withdraw",
    withdraw_application
);
simple_action!(
    /// Issue the licence
    ///
    /// An officer issues the licence of an approved case; it receives its licence number and validity. No body needed.
    issue_licence,
    Officers,
    "/api/v1/applications/{id}/issue",
    issue
);
simple_action!(
    /// Surrender a licence
    ///
    /// The holder gives back its issued licence: from now on it is `surrendered`, no longer valid for verification or customs. An optional `reason` is recorded; the officer of the case is told. No body needed.
    surrender_licence,
    Exporters,
    "/api/v1/applications/{id}/surrender",
    surrender_licence
);
simple_action!(
    /// Return an application for editing
    ///
    /// The assigned officer returns a case under review to the exporter for editing (`under-review -> returned-for-editing`); the processing clock stops until the exporter resubmits. `reason` (required) says what to change and is shown to the exporter.
    return_for_editing,
    Officers,
    "/api/v1/applications/{id}/return-for-editing",
    return_for_editing
);
simple_action!(
    /// Resubmit an application returned for editing
    ///
    /// The exporter, having changed the details (`PATCH /api/v1/applications/{id}`), resubmits the case (`returned-for-editing -> under-review`): it is validated, determined under the policy in force today and screened again as at submission; the clock runs again. No body needed.
    resubmit_application,
    Exporters,
    "/api/v1/applications/{id}/resubmit",
    resubmit_application
);
simple_action!(
    /// Close a case as lapsed
    ///
    /// An officer closes a case whose information request was not answered by its deadline (`due_on`, the policy's working days from the request; reference 20): `awaiting-exporter -> lapsed`. Refused (409, naming the date) before the deadline has passed. An optional `reason` is recorded. No body needed.
    lapse_application,
    Officers,
    "/api/v1/applications/{id}/lapse",
    lapse_case
);

/// Appeal a refusal
///
/// The exporter appeals the refusal of its case within the appeal window (`appeal_until`, the policy's calendar days from the refusal; reference 28), with grounds and documents: `refused -> under-appeal`. A case is appealed once; after the window, 409 naming the date.
#[utoipa::path(post, path = "/api/v1/applications/{id}/appeal", params(("id" = String, Path)), request_body(content = app::appeals::AppealBody, example = json!({"grounds": "The end user has since adopted an independent oversight mechanism.", "documents": [{"kind": "other", "name": "oversight-letter.pdf"}]})), responses((status = 200, body = CaseView), (status = 409, body = Problem, description = "Not refused, already appealed, or the appeal window closed")))]
async fn file_appeal(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    Body(b): Body<app::appeals::AppealBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.file_appeal(&p, &i, b).await?))
}

/// Decide an appeal
///
/// An officer other than the one who decided the refusal (403 naming the separation-of-duties rule otherwise) upholds the refusal (`under-appeal -> refused`, final) or overturns it (`under-appeal -> approved`, after the same checks as an approval; the reviewer is assigned and issues the licence, marked "issued on appeal"). The reason is shown to the exporter.
#[utoipa::path(post, path = "/api/v1/applications/{id}/appeal/decision", params(("id" = String, Path)), request_body(content = app::appeals::AppealDecisionBody, example = json!({"outcome": "overturned", "reason": "The oversight mechanism answers criterion 2."})), responses((status = 200, body = CaseView), (status = 409, body = Problem, description = "Not under appeal, or approval blocked")))]
async fn decide_appeal(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<app::appeals::AppealDecisionBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.decide_appeal(&p, &i, b).await?))
}

/// The body of suspend, reinstate and revoke: the reason is required (it is recorded on the case and in the
/// audit log). No body at all is answered like a body without a reason (422 naming `reason`).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    /// Why the licence is changed (1 to 5000 characters).
    #[schema(example = "The end user was reported to misuse the product")]
    reason: String,
    /// Optimistic concurrency: the case version the caller last read.
    expected_version: Option<i64>,
}

macro_rules! licence_action {
    ($(#[$doc:meta])* $name:ident, $roles:ty, $path:literal, $action:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, params(("id" = String, Path)), request_body(content = ReasonBody, example = json!({"reason": "The end user was reported to misuse the product", "expected_version": 7})),
            responses((status = 200, body = CaseView), (status = 409, body = Problem, description = "Not allowed in the current state, or changed concurrently")))]
        async fn $name(State(s): S, Allowed(p, _): Allowed<$roles>, Path(i): Path<String>, OptBody(b): OptBody<ReasonBody>) -> ApiResult<Json<CaseView>> {
            id("id", &i)?;
            let b = ActionBody { expected_version: b.expected_version, reason: Some(b.reason) };
            Ok(Json(s.app.change_licence(&p, &i, $action, b).await?))
        }
    };
}

licence_action!(
    /// Suspend a licence
    ///
    /// An officer suspends an issued licence; the reason is required and recorded on the case and in the audit log.
    suspend_licence,
    Officers,
    "/api/v1/applications/{id}/suspend",
    CaseAction::Suspend
);
licence_action!(
    /// Reinstate a licence
    ///
    /// An officer reinstates a suspended licence; the reason is required and recorded.
    reinstate_licence,
    Officers,
    "/api/v1/applications/{id}/reinstate",
    CaseAction::Reinstate
);
licence_action!(
    /// Revoke a licence
    ///
    /// An officer revokes an issued or suspended licence for good; the reason is required and recorded.
    revoke_licence,
    Officers,
    "/api/v1/applications/{id}/revoke",
    CaseAction::Revoke
);
licence_action!(
    /// Annul a licence
    ///
    /// An officer annuls an issued licence: it is void from its issue (e.g. obtained on false information). The reason is required and recorded; the annulment creates this authority's denial and the notification owed to the regime's partners (docs/denials.md).
    annul_licence,
    Officers,
    "/api/v1/applications/{id}/annul",
    CaseAction::Annul
);

/// Assign an application
///
/// An officer takes a submitted case (or assigns it to another officer with `officer_id`). No body, or an empty JSON object, assigns it to the caller.
#[utoipa::path(post, path = "/api/v1/applications/{id}/assign", params(("id" = String, Path)), request_body(content = Option<AssignBody>, example = json!({"officer_id": null, "expected_version": 2})), responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn assign_application(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    OptBody(b): OptBody<AssignBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.assign(&p, &i, b).await?))
}

/// Ask the exporter for information
///
/// The assigned officer asks the exporter a question; the case waits for the answer.
#[utoipa::path(post, path = "/api/v1/applications/{id}/information-requests", params(("id" = String, Path)), request_body(content = InfoRequestBody, example = json!({"question": "Please attach the signed end-user declaration", "expected_version": 3})), responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn request_information(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<InfoRequestBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.request_information(&p, &i, b).await?))
}

/// Answer an information request
///
/// The exporter answers the open question, optionally attaching documents; the case returns to the officer.
#[utoipa::path(post, path = "/api/v1/applications/{id}/responses", params(("id" = String, Path)), request_body(content = RespondBody, example = json!({"answer": "Attached", "documents": [{"kind": "end-user-declaration", "name": "declaration.pdf", "sha256": null}], "expected_version": 4})), responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn respond_application(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    Body(b): Body<RespondBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.respond(&p, &i, b).await?))
}

/// Request advice
///
/// The assigned officer asks advisers of the given specialisms for advice; each review appears in that specialism's queue.
#[utoipa::path(post, path = "/api/v1/applications/{id}/advice-requests", params(("id" = String, Path)), request_body(content = AdviceRequestBody, example = json!({"reviews": ["human-rights", "foreign-affairs"], "expected_version": 3})), responses((status = 200, body = CaseView)))]
async fn request_advice(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<AdviceRequestBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.request_advice(&p, &i, b).await?))
}

/// Give advice
///
/// An adviser of a requested specialism gives a recommendation with its reasons (refusal criteria, conditions, and for human-rights review the due-diligence checklist and red flags).
#[utoipa::path(post, path = "/api/v1/applications/{id}/advice", params(("id" = String, Path)), request_body(content = NewAdvice, example = json!({"recommendation": "approve-with-conditions", "criteria": [], "text": "Acceptable with post-sale reporting", "conditions": ["Report deployments every six months"]})), responses((status = 200, body = CaseView), (status = 422, body = Problem)))]
async fn give_advice(
    State(s): S,
    Allowed(p, _): Allowed<Advisers>,
    Path(i): Path<String>,
    Body(b): Body<NewAdvice>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.give_advice(&p, &i, b).await?))
}

/// Approve an application
///
/// The assigned officer approves the case with a reason and optional licence conditions. Refused while required advice is missing, a screening hit is undecided, or a required list source has not screened the case.
#[utoipa::path(post, path = "/api/v1/applications/{id}/approve", params(("id" = String, Path)), request_body(content = ApproveBody, example = json!({"reason": "Advice received; no concerns remain", "conditions": [{"type": "reporting-obligation", "every_months": 6, "text": "Report deployments"}], "expected_version": 5})), responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn approve_application(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<ApproveBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.approve(&p, &i, b).await?))
}

/// Refuse an application
///
/// The assigned officer refuses the case with a reason and the refusal criteria that apply.
#[utoipa::path(post, path = "/api/v1/applications/{id}/refuse", params(("id" = String, Path)), request_body(content = RefuseBody, example = json!({"reason": "Clear risk of use for internal repression", "criteria": ["criterion-2"], "expected_version": 5})), responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn refuse_application(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<RefuseBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.refuse(&p, &i, b).await?))
}

/// Draft or edit the final advice
///
/// The assigned officer drafts final advice on the whole case once every required advice is in: approve (with typed conditions), refuse (with refusal criteria) or no licence required (`under-review -> final-review`). Posting again in final review edits it: a new revision, and the countersignatures given before are invalidated (they stay on the case, marked). See docs/decisions.md.
#[utoipa::path(post, path = "/api/v1/applications/{id}/final-advice", params(("id" = String, Path)), request_body(content = FinalAdviceBody, example = json!({"outcome": "approve", "reason": "Advice favourable; safeguards adequate", "conditions": [{"type": "reporting-obligation", "every_months": 6, "text": "Report deployments"}], "expected_version": 7})), responses((status = 200, body = CaseView), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn draft_final_advice(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<FinalAdviceBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.draft_final_advice(&p, &i, b).await?))
}

/// Submit the final advice for countersigning
///
/// The assigned officer submits the final advice (`final-review -> countersigning`). The policy in force decides how many countersignatures it needs and whether the last is a senior officer's (`countersigning` on the case, with the rules that fired).
#[utoipa::path(post, path = "/api/v1/applications/{id}/final-advice/submit", params(("id" = String, Path)), request_body(content = ActionBody, example = json!({"expected_version": 8})), responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn submit_final_advice(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    OptBody(b): OptBody<ActionBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.submit_final_advice(&p, &i, b).await?))
}

/// Countersign or return the final advice
///
/// An officer or adviser other than the drafters accepts the final advice or returns it with reasons (`countersigning -> final-review`). Refused with 403 naming the separation-of-duties rule: `countersigner-not-drafter`, `adviser-not-countersigner`, `countersigners-differ`, `senior-countersignature`; 409 once the advice has the countersignatures it needs.
#[utoipa::path(post, path = "/api/v1/applications/{id}/countersignatures", params(("id" = String, Path)), request_body(content = CountersignBody, example = json!({"decision": "return", "reasons": "The reporting condition should name the end user", "expected_version": 9})), responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn countersign_final_advice(
    State(s): S,
    Allowed(p, _): Allowed<OfficersAdvisers>,
    Path(i): Path<String>,
    Body(b): Body<CountersignBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.countersign(&p, &i, b).await?))
}

/// Conclude that no licence is required
///
/// The assigned officer closes the case as its countersigned final advice says (`countersigning -> no-licence-required`), or straight from review when the policy found every product, destination and end-user type of the case not controlled (`under-review -> no-licence-required`; 409 naming the controlled request otherwise).
#[utoipa::path(post, path = "/api/v1/applications/{id}/no-licence-required", params(("id" = String, Path)), request_body(content = ActionBody, example = json!({"reason": "Not controlled for this end use", "expected_version": 10})), responses((status = 200, body = CaseView), (status = 409, body = Problem)))]
async fn conclude_no_licence_required(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    OptBody(b): OptBody<ActionBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    Ok(Json(s.app.conclude_no_licence_required(&p, &i, b).await?))
}

/// List a case's screening hits
///
/// The sanctions-list matches found for the case's parties, each with its score, explanation and decision.
#[utoipa::path(get, path = "/api/v1/applications/{id}/screening-hits", params(("id" = String, Path)), responses((status = 200, body = [ScreeningHit])))]
async fn list_case_hits(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Vec<ScreeningHit>>> {
    id("id", &i)?;
    Ok(Json(s.app.case_hits(&p, &i).await?))
}

/// Decide a screening hit
///
/// An officer clears a hit (not the listed party) or confirms it (the listed party), with a reason.
#[utoipa::path(post, path = "/api/v1/applications/{id}/screening-hits/{hit}/decision", params(("id" = String, Path), ("hit" = String, Path)), request_body(content = HitDecisionBody, example = json!({"decision": "clear", "reason": "Different date of birth and country"})), responses((status = 200, body = CaseView)))]
async fn decide_hit(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path((i, h)): Path<(String, String)>,
    Body(b): Body<HitDecisionBody>,
) -> ApiResult<Json<CaseView>> {
    id("id", &i)?;
    id("hit", &h)?;
    Ok(Json(s.app.decide_hit(&p, &i, &h, b).await?))
}
