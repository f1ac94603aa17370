//! `/screening`: ad hoc screening of a name against the active lists; `/screening-hits`: the hits recorded on
//! cases, across cases.

use super::S;
use crate::error::{ApiResult, Problem};
use crate::extract::{Allowed, Body, Caller, Exporters, OfficersAuditors, QueryParams};
use crate::AppState;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(screen_name))
        .routes(routes!(screen_customer))
        .routes(routes!(list_screening_hits))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct HitsQuery {
    /// Only hits with this status: `open` (awaiting a decision), `cleared` or `confirmed`.
    status: Option<String>,
    /// Only hits on this list source, e.g. `un-sc`, `ofac-sdn`.
    list: Option<String>,
    /// Only hits on the listed entry with this id in its source (with `list`: every case that matched it).
    source_id: Option<String>,
    /// The cursor of the page to read: the `after` value of the previous page's `Link: rel="next"` URL.
    after: Option<String>,
    /// Hits per page, 1 to 500 (default 100).
    limit: Option<u32>,
}

/// List screening hits across cases
///
/// Officers, auditors and administrators: the screening hits recorded on every case, oldest first, each with its case's id and reference — the open hits awaiting a decision (`status=open`), or every case that matched one listed entry (`list` and `source_id`). Filters combine; paginated: when more hits follow, the `Link` header's `rel="next"` URL reads the next page.
#[utoipa::path(get, path = "/api/v1/screening-hits", params(HitsQuery), responses((status = 200, body = [app::model::CaseScreeningHit], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more hits follow"))), (status = 422, body = Problem)))]
async fn list_screening_hits(
    State(s): S,
    Caller(p): Caller,
    OriginalUri(uri): OriginalUri,
    QueryParams(q): QueryParams<HitsQuery>,
) -> ApiResult<Response> {
    let query = app::model::HitQuery {
        status: q.status,
        list: q.list,
        source_id: q.source_id,
    };
    let page = app::listing::Page {
        after: q.after,
        limit: q.limit,
    };
    Ok(super::paged(
        &uri,
        s.app.screening_hits(&p, &query, &page).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScreenRequest {
    /// The name to screen.
    #[schema(value_type = String)]
    name: serde_json::Value,
    /// "person" or "organisation"; absent: either.
    #[schema(value_type = Option<String>)]
    kind: Option<serde_json::Value>,
    /// Date of birth (YYYY, YYYY-MM or YYYY-MM-DD), for persons. A malformed date is left out with a warning.
    #[schema(value_type = Option<String>)]
    birth_date: Option<serde_json::Value>,
    /// ISO 3166-1 alpha-2 countries associated with the party. An unknown code is left out with a warning.
    #[schema(value_type = Option<Vec<String>>)]
    countries: Option<serde_json::Value>,
    /// Identifiers (passport, registration or tax numbers) of the party.
    #[schema(value_type = Option<Vec<String>>)]
    identifiers: Option<serde_json::Value>,
    /// Lowest score reported (0 to 1; default: the configured threshold).
    threshold: Option<f64>,
    /// Matches answered (best first), plus any tied with the last one (50 in all at most).
    limit: Option<usize>,
}

#[derive(serde::Serialize, ToSchema)]
struct ScreenResponse {
    /// Best first; each names the list name that matched (`name`) and the entry's primary listed name
    /// (`primary_name`), with the score and its explanation.
    matches: Vec<screening::Match>,
    list_versions: Vec<String>,
    /// Optional qualifiers (kind, birth date, countries, identifiers) that were malformed and left out: the name
    /// was screened without them. Only a missing or unusable name is an error.
    warnings: Vec<ScreenWarning>,
}

/// A malformed qualifier left out of the screening.
#[derive(serde::Serialize, ToSchema)]
struct ScreenWarning {
    /// `kind`, `birth_date`, `countries` or `identifiers`.
    field: String,
    message: String,
}

/// Screen a name
///
/// Screens a name (and optionally kind, birth date, countries and identifiers) against the active sanctions lists and answers the matches above the threshold, each with the matched list name, the entry's primary name and an explanation of its score. A malformed optional qualifier is left out and reported in `warnings`; only a missing or unusable name is refused.
#[utoipa::path(post, path = "/api/v1/screening", request_body(content = ScreenRequest, example = json!({"name": "Example Trading Co", "kind": "organisation", "countries": ["IR"], "threshold": 0.85, "limit": 10})), responses((status = 200, body = ScreenResponse), (status = 409, body = Problem, description = "No sanctions list has been imported yet"), (status = 422, body = Problem)))]
async fn screen_name(
    State(s): S,
    Allowed(p, _): Allowed<OfficersAuditors>,
    Body(b): Body<ScreenRequest>,
) -> ApiResult<Json<ScreenResponse>> {
    let input = screening::QueryInput {
        name: Some(b.name),
        kind: b.kind,
        birth_date: b.birth_date,
        countries: b.countries,
        identifiers: b.identifiers,
    };
    let (matches, list_versions, warnings) =
        s.app.screen_adhoc(&p, &input, b.threshold, b.limit)?;
    Ok(Json(ScreenResponse {
        matches,
        list_versions,
        warnings: warnings
            .into_iter()
            .map(|w| ScreenWarning {
                field: w.field,
                message: w.message,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CustomerRequest {
    /// The prospective customer's name.
    #[schema(value_type = String)]
    name: serde_json::Value,
    /// "person" or "organisation"; absent: either.
    #[schema(value_type = Option<String>)]
    kind: Option<serde_json::Value>,
    /// ISO 3166-1 alpha-2 countries associated with the customer.
    #[schema(value_type = Option<Vec<String>>)]
    countries: Option<serde_json::Value>,
}

#[derive(serde::Serialize, ToSchema)]
struct CustomerResponse {
    matches: Vec<app::model::CustomerMatch>,
    list_versions: Vec<String>,
}

/// Screen a prospective customer
///
/// An exporter checks a prospective customer against the active sanctions and denied-party lists before applying. The answer names each listed entry that resembles the name (its listed name, the variant that matched, the list and its programmes) and nothing of the authority's own assessment: no score or explanation. Screening at submission still decides.
#[utoipa::path(post, path = "/api/v1/screening/customers", request_body(content = CustomerRequest, example = json!({"name": "Example Trading Co", "kind": "organisation", "countries": ["AE"]})), responses((status = 200, body = CustomerResponse), (status = 409, body = Problem, description = "No sanctions list has been imported yet"), (status = 422, body = Problem)))]
async fn screen_customer(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<CustomerRequest>,
) -> ApiResult<Json<CustomerResponse>> {
    let input = screening::QueryInput {
        name: Some(b.name),
        kind: b.kind,
        birth_date: None,
        countries: b.countries,
        identifiers: None,
    };
    let (matches, list_versions) = s.app.screen_customer(&p, &input)?;
    Ok(Json(CustomerResponse {
        matches,
        list_versions,
    }))
}
