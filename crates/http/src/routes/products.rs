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
        .routes(routes!(get_product, update_product))
        .routes(routes!(classify_product))
}

/// Register a product
///
/// An exporter describes a product and the control entries it believes apply. The product then awaits classification by a defence adviser.
#[utoipa::path(post, path = "/api/v1/products", request_body(content = NewProduct, example = json!({"name": "Intercept Suite", "version": "3.2", "description": "Lawful interception platform for telecom networks", "control_entries": ["5A001.j"], "capability_tags": ["interception"]})), responses((status = 201, body = Product), (status = 422, body = Problem)))]
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

/// List products
///
/// Exporters see their organisation's products; officials and defence advisers see every product. `state=awaiting-classification` is the defence advisers' classification queue. Paginated like every listing (`Link: rel="next"`).
#[utoipa::path(get, path = "/api/v1/products", params(super::StateQuery), responses((status = 200, body = [Product], headers(("Link" = String, description = "RFC 8288 link to the next page (rel=\"next\"), present when more records follow")))))]
async fn list_products(
    State(s): S,
    Caller(p): Caller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::QueryParams(q): crate::extract::QueryParams<super::StateQuery>,
) -> ApiResult<axum::response::Response> {
    let (state, page) = q.split();
    Ok(super::paged(
        &uri,
        s.app.products(&p, state.as_deref(), &page).await?,
    ))
}

/// Get a product
///
/// One product by id, with its classification once it has one.
#[utoipa::path(get, path = "/api/v1/products/{id}", params(("id" = String, Path)), responses((status = 200, body = Product), (status = 404, body = Problem)))]
async fn get_product(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Product>> {
    id("id", &i)?;
    Ok(Json(s.app.product(&p, &i).await?))
}

/// Change a product
///
/// The exporter changes its product; absent fields stay as they are. A classified product whose version, description, claimed control entries or capability tags change goes back to the defence advisers for classification. Cases already submitted keep the determinations they were evaluated with.
#[utoipa::path(patch, path = "/api/v1/products/{id}", params(("id" = String, Path)), request_body(content = ProductChange, example = json!({"expected_version": 2, "version": "3.3", "description": "Lawful interception platform for telecom networks, with 5G support"})),
    responses((status = 200, body = Product), (status = 409, body = Problem, description = "Changed concurrently")))]
async fn update_product(
    State(s): S,
    Allowed(p, _): Allowed<Exporters>,
    Path(i): Path<String>,
    Body(b): Body<ProductChange>,
) -> ApiResult<Json<Product>> {
    id("id", &i)?;
    Ok(Json(s.app.update_product(&p, &i, b).await?))
}

/// Classify a product
///
/// A defence adviser confirms or corrects the product's control entries and sets its security grade. The classification drives every policy determination about the product.
#[utoipa::path(post, path = "/api/v1/products/{id}/classification", params(("id" = String, Path)), request_body(content = ClassifyProduct, example = json!({"control_entries": ["5A001.j"], "security_grade": "restricted", "note": "Confirmed on the technical description"})), responses((status = 200, body = Product)))]
async fn classify_product(
    State(s): S,
    Allowed(p, _): Allowed<Advisers>,
    Path(i): Path<String>,
    Body(b): Body<ClassifyProduct>,
) -> ApiResult<Json<Product>> {
    id("id", &i)?;
    Ok(Json(s.app.classify_product(&p, &i, b).await?))
}
