//! `/products`: products and their classification.

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Advisers, Allowed, Body, Caller, Exporters};
use crate::AppState;
use app::model::*;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_product, list_products))
        .routes(routes!(get_product))
        .routes(routes!(classify_product))
}

#[utoipa::path(post, path = "/api/v1/products", request_body = NewProduct, responses((status = 201, body = Product), (status = 422, body = Problem)))]
async fn create_product(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Body(b): Body<NewProduct>,
) -> ApiResult<(StatusCode, Json<Product>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_product(&p, b).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/products", responses((status = 200, body = [Product])))]
async fn list_products(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<Product>>> {
    Ok(Json(s.app.products(&p).await?))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", params(("id" = String, Path)), responses((status = 200, body = Product), (status = 404, body = Problem)))]
async fn get_product(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Product>> {
    id("id", &i)?;
    Ok(Json(s.app.product(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/products/{id}/classification", params(("id" = String, Path)), request_body = ClassifyProduct, responses((status = 200, body = Product)))]
async fn classify_product(
    State(s): S,
    Allowed(p, _): Allowed<Advisers>,
    Path(i): Path<String>,
    Body(b): Body<ClassifyProduct>,
) -> ApiResult<Json<Product>> {
    id("id", &i)?;
    Ok(Json(s.app.classify_product(&p, &i, b).await?))
}
