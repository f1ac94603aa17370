//! `/screening`: ad hoc screening of a name against the active lists.

use super::S;
use crate::error::{ApiResult, Problem};
use crate::extract::{Allowed, Body, OfficersAuditors};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(screen_name))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ScreenRequest {
    name: serde_json::Value,
    kind: Option<serde_json::Value>,
    birth_date: Option<serde_json::Value>,
    countries: Option<serde_json::Value>,
    identifiers: Option<serde_json::Value>,
    threshold: Option<f64>,
    limit: Option<usize>,
}

#[derive(serde::Serialize, ToSchema)]
struct ScreenResponse {
    #[schema(value_type = Vec<Object>)]
    matches: Vec<screening::Match>,
    list_versions: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/screening", request_body = ScreenRequest, responses((status = 200, body = ScreenResponse), (status = 422, body = Problem)))]
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
    let (matches, list_versions) = s.app.screen_adhoc(&p, &input, b.threshold, b.limit)?;
    Ok(Json(ScreenResponse {
        matches,
        list_versions,
    }))
}
