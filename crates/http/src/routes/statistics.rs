//! `/public/statistics` (no sign-in) and the officers' statistics records: exclusions and decision facts.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Allowed, Body, OfficersAdmins, OfficialReaders, QueryParams};
use crate::AppState;
use app::statistics::NewExclusion;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use stats::StoredFact;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_statistics))
        .routes(routes!(create_exclusion))
        .routes(routes!(list_decision_facts))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatisticsQuery {
    /// A year (`2026`) or a quarter (`2026-Q3`).
    pub period: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// Count only facts recorded until this RFC 3339 time (default: the latest recorded fact).
    pub as_of: Option<String>,
}

/// A published figure: a count, a number (working days, a share), `{"suppressed": true}`, or null when there
/// is nothing to compute.
#[derive(utoipa::ToSchema, serde::Serialize)]
#[serde(untagged)]
#[expect(dead_code, reason = "documentation of the wire format only")]
enum FigureDoc {
    /// A count or a number (one schema: a count would match both an integer and a number schema, and
    /// `oneOf` wants exactly one).
    Number(f64),
    Suppressed(SuppressedDoc),
}

/// A figure withheld by disclosure control.
#[derive(utoipa::ToSchema, serde::Serialize)]
struct SuppressedDoc {
    suppressed: bool,
}

/// One row of a table: its key, and one figure per column the table lists.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documentation of the wire format only")]
struct RowDoc {
    key: String,
    applications: Option<FigureDoc>,
    issued: Option<FigureDoc>,
    refused: Option<FigureDoc>,
    withdrawn: Option<FigureDoc>,
    lapsed: Option<FigureDoc>,
    no_licence_required: Option<FigureDoc>,
    median_working_days: Option<FigureDoc>,
    p90_working_days: Option<FigureDoc>,
    within_target_share: Option<FigureDoc>,
    refusals: Option<FigureDoc>,
    /// Licences (the `after-issue` table: revoked, surrendered or annulled in the period).
    licences: Option<FigureDoc>,
}

/// One published table.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documentation of the wire format only")]
struct TableDoc {
    id: String,
    title: String,
    dimension: String,
    as_of: String,
    data_version: String,
    columns: Vec<String>,
    rows: Vec<RowDoc>,
    total: Option<RowDoc>,
}

/// The statistics of a period.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documentation of the wire format only")]
struct StatisticsDoc {
    period: String,
    from: String,
    to: String,
    as_of: String,
    data_version: String,
    threshold: u32,
    tables: Vec<TableDoc>,
}

/// Get the public statistics of a period
///
/// No sign-in. The tables of a year or quarter, computed only from decision facts: applications decided, issued (on appeal too), refused, withdrawn and lapsed by licence kind, destination, control entry and end-user type; processing times; refusals by criterion; the cyber-surveillance section; licences revoked, surrendered or annulled after issue. Counts under the threshold (5) are `{"suppressed": true}`, with complementary suppression; every table carries its `as_of` time and `data_version`. The same period and `as_of` give byte-identical answers. `format=csv` answers one CSV line per figure. docs/statistics.md defines every figure.
#[utoipa::path(get, path = "/api/v1/public/statistics", params(StatisticsQuery), security(()),
    responses((status = 200, description = "The tables, or with format=csv one line per figure: period,as_of,data_version,table,row,column,value,suppressed",
        content((StatisticsDoc = "application/json"), (String = "text/csv")))))]
async fn get_statistics(
    State(s): S,
    QueryParams(q): QueryParams<StatisticsQuery>,
) -> ApiResult<Response> {
    let period = q.period.ok_or_else(|| {
        app::AppError::invalid("period", "give a year (2026) or a quarter (2026-Q3)")
    })?;
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(app::AppError::invalid(
                "format",
                format!("{other:?} is not one of: json, csv"),
            )
            .into())
        }
    };
    let r = s.app.public_statistics(&period, q.as_of.as_deref()).await?;
    Ok(if csv {
        let name = format!("attachment; filename=\"statistics-{}.csv\"", r.period);
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, name),
            ],
            stats::to_csv(&r),
        )
            .into_response()
    } else {
        Json(r).into_response()
    })
}

/// Exclude a case from statistics
///
/// Officers and administrators exclude a decided case from the public statistics, giving a reason. The exclusion is a new decision fact that supersedes the case's latest one (both are kept), audited in the same transaction.
#[utoipa::path(post, path = "/api/v1/statistics/exclusions",
    request_body(content = NewExclusion, example = json!({"case_id": "0f3c9a", "reason": "test case entered in production by mistake"})),
    responses((status = 201, body = StoredFact, description = "The exclusion fact"), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn create_exclusion(
    State(s): S,
    Allowed(p, _): Allowed<OfficersAdmins>,
    Body(b): Body<NewExclusion>,
) -> ApiResult<(StatusCode, Json<StoredFact>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.exclude_from_statistics(&p, b).await?),
    ))
}

/// List a case's decision facts
///
/// Officers, auditors and administrators read every decision fact of a case, superseded ones included.
#[utoipa::path(get, path = "/api/v1/applications/{id}/decision-facts", params(("id" = String, Path)),
    responses((status = 200, body = [StoredFact]), (status = 404, body = Problem)))]
async fn list_decision_facts(
    State(s): S,
    Allowed(p, _): Allowed<OfficialReaders>,
    Path(i): Path<String>,
) -> ApiResult<Json<Vec<StoredFact>>> {
    id("id", &i)?;
    Ok(Json(s.app.case_decision_facts(&p, &i).await?))
}
