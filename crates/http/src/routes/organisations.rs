//! `/organisations`: exporting organisations.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Admins, Allowed, Body, Caller};
use crate::AppState;
use app::model::*;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_organisation, list_organisations))
        .routes(routes!(get_organisation))
}

/// Create an exporting organisation
///
/// Administrators create the organisations that exporters act for. Answers the new organisation.
#[utoipa::path(post, path = "/api/v1/organisations", request_body(content = NewOrganisation, example = json!({"name": "Example Cyber Ltd", "country": "IL"})),
    responses((status = 201, body = Organisation), (status = 422, body = Problem)))]
async fn create_organisation(
    State(s): S,
    Allowed(p, _): Allowed<Admins>,
    Body(b): Body<NewOrganisation>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_organisation(&p, b).await?),
    ))
}

/// List organisations
///
/// Exporters see their own organisation; officials see every organisation. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/organisations", params(super::PageQuery), responses((status = 200, body = [Organisation], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_organisations(
    State(s): S,
    Caller(p): Caller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::PageQuery>,
) -> ApiResult<axum::response::Response> {
    Ok(super::paged(
        &uri,
        s.app.organisations(&p, &q.into()).await?,
    ))
}

/// Get an organisation
///
/// One organisation by id. Exporters may only read their own.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", params(("id" = String, Path)), responses((status = 200, body = Organisation), (status = 404, body = Problem)))]
async fn get_organisation(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Organisation>> {
    id("id", &i)?;
    Ok(Json(s.app.organisation(&p, &i).await?))
}
