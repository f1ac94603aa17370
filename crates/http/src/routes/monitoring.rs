//! After the sale (issue 17): `/reporting-obligations` and their reports, `/end-use-checks` and
//! `/unverified-parties`, `/evidence` and `/reassessments`, `/compliance-audits`, `/own-refusals` and an
//! organisation's compliance record. docs/monitoring.md.

use super::{id, PageQuery, StateQuery, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Allowed, Body, Caller, Exporters, Officers, OfficialReaders, QueryParams};
use crate::AppState;
use app::monitoring::audits::{
    AuditClosure, ComplianceAudit, ComplianceRecord, NewComplianceAudit, NewFindingResponse,
    NewFindings, NewOwnRefusal, OwnRefusal,
};
use app::monitoring::checks::{CheckResult, EndUseCheck, NewEndUseCheck, UnverifiedParty};
use app::monitoring::evidence::{
    Evidence, NewConfirmation, NewEvidence, Reassessment, ReassessmentDecisionInput,
};
use app::monitoring::reports::{NewReport, ObligationFilter, ReportingObligation};
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reporting_obligations))
        .routes(routes!(get_reporting_obligation))
        .routes(routes!(file_report))
        .routes(routes!(open_end_use_check, list_end_use_checks))
        .routes(routes!(get_end_use_check))
        .routes(routes!(close_end_use_check))
        .routes(routes!(list_unverified_parties))
        .routes(routes!(record_evidence, list_evidence))
        .routes(routes!(get_evidence))
        .routes(routes!(list_reassessments))
        .routes(routes!(get_reassessment))
        .routes(routes!(decide_reassessment))
        .routes(routes!(confirm_restriction))
        .routes(routes!(schedule_compliance_audit, list_compliance_audits))
        .routes(routes!(get_compliance_audit))
        .routes(routes!(record_findings))
        .routes(routes!(respond_to_finding))
        .routes(routes!(close_compliance_audit))
        .routes(routes!(report_own_refusal, list_own_refusals))
        .routes(routes!(get_compliance_record))
}

/// Query of the obligation listing.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ObligationQuery {
    /// `open` (some report is still due) or `complete`.
    #[param(value_type = Option<app::monitoring::reports::ObligationState>)]
    state: Option<String>,
    /// `true`: only obligations whose next report is overdue (the officers' queue); `false`: only the others.
    overdue: Option<bool>,
    /// Only the obligations of this licence number.
    licence: Option<String>,
    /// The cursor of the page to read: the `after` value of the previous page's `Link: rel="next"` URL.
    after: Option<String>,
    /// Records per page, 1 to 500 (default 100).
    limit: Option<u32>,
}

/// List reporting obligations
///
/// The reporting obligations of issued licences: officers, auditors and administrators read all, exporters their own organisation's. `overdue=true` is the officers' queue of overdue reports. Paginated (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/reporting-obligations", params(ObligationQuery), responses((status = 200, body = [ReportingObligation], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more rows follow")))))]
async fn list_reporting_obligations(
    State(s): S,
    Caller(p): Caller,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<ObligationQuery>,
) -> ApiResult<Response> {
    let f = ObligationFilter {
        state: q.state,
        overdue: q.overdue,
        licence: q.licence,
    };
    let page = app::listing::Page {
        after: q.after,
        limit: q.limit,
    };
    Ok(super::paged(
        &uri,
        s.app.reporting_obligations(&p, f, &page).await?,
    ))
}

/// Get a reporting obligation
///
/// One obligation with its due dates and the reports filed.
#[utoipa::path(get, path = "/api/v1/reporting-obligations/{id}", params(("id" = String, Path)), responses((status = 200, body = ReportingObligation)))]
async fn get_reporting_obligation(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<ReportingObligation>> {
    id("id", &i)?;
    Ok(Json(s.app.reporting_obligation(&p, &i).await?))
}

/// File an end-use report
///
/// The holder's exporter files the report of one due date: deployments (with the number of targets when the declaration limits it), whether the end-user declaration's terms were respected, and every attestation the obligation names. A report stating a breach or a target limit exceeded tells the officers. A period is reported once (409 after).
#[utoipa::path(post, path = "/api/v1/reporting-obligations/{id}/reports", params(("id" = String, Path)), request_body(content = NewReport, example = json!({"due_on": "2027-01-31", "deployments": [{"end_user": "National Police Cyber Unit", "site": "Headquarters", "deployed_on": "2026-09-01", "targets": 20}], "declaration_respected": true, "attestations": ["No transfer to third parties"]})), responses((status = 201, body = ReportingObligation), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn file_report(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    Body(b): Body<NewReport>,
) -> ApiResult<(StatusCode, Json<ReportingObligation>)> {
    id("id", &i)?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.file_report(&p, &i, b).await?),
    ))
}

/// Open an end-use check
///
/// An officer opens a pre-licence check (the application is under consideration) or a post-shipment check (the case holds a licence) on a party; the exporter organisation is told and reads the request.
#[utoipa::path(post, path = "/api/v1/end-use-checks", request_body(content = NewEndUseCheck, example = json!({"kind": "post-shipment", "case_id": "0190f0c2a7c07d3e8f1a2b3c4d5e6f70", "party_name": "Gulf Monitoring Centre", "party_country": "AE", "exporter_action": "Arrange an embassy visit to the installation site"})), responses((status = 201, body = EndUseCheck), (status = 422, body = Problem)))]
async fn open_end_use_check(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Body(b): Body<NewEndUseCheck>,
) -> ApiResult<(StatusCode, Json<EndUseCheck>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.open_end_use_check(&p, b).await?),
    ))
}

/// List end-use checks
///
/// Officers, auditors and administrators read every check; exporters the checks on their organisation's cases, without the officer's findings. Paginated (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/end-use-checks", params(PageQuery), responses((status = 200, body = [EndUseCheck], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more rows follow")))))]
async fn list_end_use_checks(
    State(s): S,
    Caller(p): Caller,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Response> {
    Ok(super::paged(
        &uri,
        s.app.end_use_checks(&p, &q.into()).await?,
    ))
}

/// Get an end-use check
///
/// One check with its outcome; exporters read the checks on their organisation's cases, without the findings.
#[utoipa::path(get, path = "/api/v1/end-use-checks/{id}", params(("id" = String, Path)), responses((status = 200, body = EndUseCheck)))]
async fn get_end_use_check(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<EndUseCheck>> {
    id("id", &i)?;
    Ok(Json(s.app.end_use_check(&p, &i).await?))
}

/// Record an end-use check's outcome
///
/// `verified`, `not-verified` or `refused` (by the end user). A party not verified joins the unverified parties list that screening uses for later applications (a hit requires an end-use check; it does not block). Once only (409 after).
#[utoipa::path(post, path = "/api/v1/end-use-checks/{id}/outcome", params(("id" = String, Path)), request_body(content = CheckResult, example = json!({"outcome": "not-verified", "findings": "No installation found at the declared site"})), responses((status = 200, body = EndUseCheck), (status = 409, body = Problem)))]
async fn close_end_use_check(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<CheckResult>,
) -> ApiResult<Json<EndUseCheck>> {
    id("id", &i)?;
    Ok(Json(s.app.close_end_use_check(&p, &i, b).await?))
}

/// List unverified parties
///
/// The authority's list of parties its end-use checks could not verify (screening source `authority-unverified`). Paginated (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/unverified-parties", params(PageQuery), responses((status = 200, body = [UnverifiedParty], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more rows follow")))))]
async fn list_unverified_parties(
    State(s): S,
    Allowed(p, _): Allowed<OfficialReaders>,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Response> {
    Ok(super::paged(
        &uri,
        s.app.unverified_parties(&p, &q.into()).await?,
    ))
}

/// Record evidence of misuse
///
/// An officer or a human-rights adviser records a report of misuse. It is linked at once to every issued or suspended licence and open case whose destination is the country, whose end user or consignee the screening engine matches with the reported end user and, when control entries are given, that covers one; each link opens a reassessment for the officers.
#[utoipa::path(post, path = "/api/v1/evidence", request_body(content = NewEvidence, example = json!({"source_kind": "forensic-lab", "source_name": "University research lab", "reported_on": "2026-05-01", "country": "MX", "end_user": "Federal Investigations Agency", "capability": "mobile intrusion platform", "control_entries": ["4A005"], "link": "https://example.org/report", "summary": "Infections of journalists' phones attributed to the operator"})), responses((status = 201, body = Evidence), (status = 422, body = Problem)))]
async fn record_evidence(
    State(s): S,
    Caller(p): Caller,
    Body(b): Body<NewEvidence>,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.record_evidence(&p, b).await?),
    ))
}

/// List evidence of misuse
///
/// Officers, auditors, administrators and human-rights advisers. Paginated (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/evidence", params(PageQuery), responses((status = 200, body = [Evidence], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more rows follow")))))]
async fn list_evidence(
    State(s): S,
    Caller(p): Caller,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Response> {
    Ok(super::paged(
        &uri,
        s.app.evidence_list(&p, &q.into()).await?,
    ))
}

/// Get evidence of misuse
///
/// One evidence report with the cases it was linked to and their reassessments (staff and human-rights advisers).
#[utoipa::path(get, path = "/api/v1/evidence/{id}", params(("id" = String, Path)), responses((status = 200, body = Evidence)))]
async fn get_evidence(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Evidence>> {
    id("id", &i)?;
    Ok(Json(s.app.evidence(&p, &i).await?))
}

/// List reassessments
///
/// Officers, auditors and administrators read every reassessment (`state=open` is the officers' queue); exporters read the decided reassessments of their organisation's licences, outcome and instruction only. States: `open`, `awaiting-confirmation`, `closed`. Paginated (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/reassessments", params(StateQuery), responses((status = 200, body = [Reassessment], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more rows follow")))))]
async fn list_reassessments(
    State(s): S,
    Caller(p): Caller,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<StateQuery>,
) -> ApiResult<Response> {
    let (state, page) = q.split();
    Ok(super::paged(
        &uri,
        s.app.reassessments(&p, state, &page).await?,
    ))
}

/// Get a reassessment
///
/// Staff read everything; the holder's exporters read a decided reassessment's outcome, conditions, instruction and confirmation only.
#[utoipa::path(get, path = "/api/v1/reassessments/{id}", params(("id" = String, Path)), responses((status = 200, body = Reassessment)))]
async fn get_reassessment(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Reassessment>> {
    id("id", &i)?;
    Ok(Json(s.app.reassessment(&p, &i).await?))
}

/// Decide a reassessment
///
/// `no-action` (with the reason), `new-conditions`, `suspension` or `revocation` of the licence (as the licence's own suspend and revoke: the case's assigned officer acts). A breach of the end-user declaration adds an `instruction` to restrict or shut down the system, which the exporter confirms.
#[utoipa::path(post, path = "/api/v1/reassessments/{id}/decision", params(("id" = String, Path)), request_body(content = ReassessmentDecisionInput, example = json!({"outcome": "suspension", "reason": "Credible forensic evidence of use against journalists", "instruction": "Disable remote operation of the system at the end user's site"})), responses((status = 200, body = Reassessment), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn decide_reassessment(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<ReassessmentDecisionInput>,
) -> ApiResult<Json<Reassessment>> {
    id("id", &i)?;
    Ok(Json(s.app.decide_reassessment(&p, &i, b).await?))
}

/// Confirm a restriction
///
/// The holder's exporter confirms it carried out the instruction to restrict or shut down the system.
#[utoipa::path(post, path = "/api/v1/reassessments/{id}/confirmation", params(("id" = String, Path)), request_body(content = NewConfirmation, example = json!({"text": "Remote operation disabled on 2026-06-02; logs attached to our report"})), responses((status = 200, body = Reassessment), (status = 409, body = Problem)))]
async fn confirm_restriction(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    Body(b): Body<NewConfirmation>,
) -> ApiResult<Json<Reassessment>> {
    id("id", &i)?;
    Ok(Json(s.app.confirm_restriction(&p, &i, b).await?))
}

/// Schedule a compliance audit
///
/// An officer schedules a visit or desk audit of an exporter organisation with its risk rating (which sets when the next audit is due); the organisation's exporters are told.
#[utoipa::path(post, path = "/api/v1/compliance-audits", request_body(content = NewComplianceAudit, example = json!({"org_id": "0190f0c2a7c07d3e8f1a2b3c4d5e6f70", "kind": "visit", "risk_rating": "high", "scheduled_on": "2026-09-01", "scope": "Internal compliance programme and end-user screening"})), responses((status = 201, body = ComplianceAudit), (status = 422, body = Problem)))]
async fn schedule_compliance_audit(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Body(b): Body<NewComplianceAudit>,
) -> ApiResult<(StatusCode, Json<ComplianceAudit>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.schedule_compliance_audit(&p, b).await?),
    ))
}

/// List compliance audits
///
/// Officers, auditors and administrators read every audit; exporters their organisation's. Paginated (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/compliance-audits", params(PageQuery), responses((status = 200, body = [ComplianceAudit], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more rows follow")))))]
async fn list_compliance_audits(
    State(s): S,
    Caller(p): Caller,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Response> {
    Ok(super::paged(
        &uri,
        s.app.compliance_audits(&p, &q.into()).await?,
    ))
}

/// Get a compliance audit
///
/// One audit with its findings and the exporter's answers.
#[utoipa::path(get, path = "/api/v1/compliance-audits/{id}", params(("id" = String, Path)), responses((status = 200, body = ComplianceAudit)))]
async fn get_compliance_audit(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<ComplianceAudit>> {
    id("id", &i)?;
    Ok(Json(s.app.compliance_audit(&p, &i).await?))
}

/// Record audit findings
///
/// An officer records findings with their severity; the organisation's exporters are told.
#[utoipa::path(post, path = "/api/v1/compliance-audits/{id}/findings", params(("id" = String, Path)), request_body(content = NewFindings, example = json!({"findings": [{"severity": "major", "text": "End users are not screened before marketing"}]})), responses((status = 200, body = ComplianceAudit), (status = 409, body = Problem)))]
async fn record_findings(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<NewFindings>,
) -> ApiResult<Json<ComplianceAudit>> {
    id("id", &i)?;
    Ok(Json(s.app.record_findings(&p, &i, b).await?))
}

/// Answer an audit finding
///
/// An exporter of the audited organisation answers one finding (once).
#[utoipa::path(post, path = "/api/v1/compliance-audits/{id}/responses", params(("id" = String, Path)), request_body(content = NewFindingResponse, example = json!({"finding": 0, "text": "Screening added to the sales process on 2026-07-01"})), responses((status = 200, body = ComplianceAudit), (status = 409, body = Problem)))]
async fn respond_to_finding(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    Body(b): Body<NewFindingResponse>,
) -> ApiResult<Json<ComplianceAudit>> {
    id("id", &i)?;
    Ok(Json(s.app.respond_to_finding(&p, &i, b).await?))
}

/// Close a compliance audit
///
/// An officer closes the audit with its conclusion; refused (409) while a major or critical finding has no answer.
#[utoipa::path(post, path = "/api/v1/compliance-audits/{id}/closure", params(("id" = String, Path)), request_body(content = AuditClosure, example = json!({"conclusion": "Findings answered; next audit as scheduled"})), responses((status = 200, body = ComplianceAudit), (status = 409, body = Problem)))]
async fn close_compliance_audit(
    State(s): S,
    Allowed(p, _): Allowed<Officers>,
    Path(i): Path<String>,
    Body(b): Body<AuditClosure>,
) -> ApiResult<Json<ComplianceAudit>> {
    id("id", &i)?;
    Ok(Json(s.app.close_compliance_audit(&p, &i, b).await?))
}

/// Report an own refusal
///
/// An exporter records business its organisation turned down itself (e.g. its ethics committee refused a deal); it joins the organisation's compliance record.
#[utoipa::path(post, path = "/api/v1/own-refusals", request_body(content = NewOwnRefusal, example = json!({"decided_on": "2026-04-01", "destination": "AE", "end_user": "Gulf Monitoring Centre", "product": "IP network monitoring", "reason": "Ethics committee: no independent oversight of surveillance in the destination"})), responses((status = 201, body = OwnRefusal), (status = 422, body = Problem)))]
async fn report_own_refusal(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<NewOwnRefusal>,
) -> ApiResult<(StatusCode, Json<OwnRefusal>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.report_own_refusal(&p, b).await?),
    ))
}

/// List own refusals
///
/// Officers, auditors and administrators read every organisation's; exporters their own. Paginated (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/own-refusals", params(PageQuery), responses((status = 200, body = [OwnRefusal], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more rows follow")))))]
async fn list_own_refusals(
    State(s): S,
    Caller(p): Caller,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<PageQuery>,
) -> ApiResult<Response> {
    Ok(super::paged(&uri, s.app.own_refusals(&p, &q.into()).await?))
}

/// Get an organisation's compliance record
///
/// Its compliance audits and its own refusals. Exporters read their own organisation's.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/compliance-record", params(("id" = String, Path)), responses((status = 200, body = ComplianceRecord)))]
async fn get_compliance_record(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<ComplianceRecord>> {
    id("id", &i)?;
    Ok(Json(s.app.compliance_record(&p, &i).await?))
}
