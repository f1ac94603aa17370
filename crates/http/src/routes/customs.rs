//! Usage against a licence's limits: `POST /licences/{number}/shipments` (customs or the holder's exporters) and
//! the customs look-up `GET /customs/licences/{number}` (validity and what remains, nothing more).

use super::{id, S};
use crate::error::{ApiResult, Problem};
use crate::extract::{Allowed, Body, Customs, CustomsExporters};
use crate::AppState;
use app::shipments::{CustomsLookup, NewShipment, Shipment};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_shipment))
        .routes(routes!(lookup_licence))
}

/// Record a shipment against a licence
///
/// Customs (from the declaration) or an exporter of the holder records a shipment: date, quantity, value and the customs declaration reference. The answer says whether it was `accepted` (counted against the licence's quantity and value limits) or `rejected` with the reason (licence not in force, date outside the validity, currency other than the limit's, a limit exceeded); both are recorded. Idempotent by declaration reference within the licence: the same reference with the same details answers the stored shipment again (200, nothing changes); with other details, 409. When accepted shipments use up a limit the licence becomes `exhausted`.
#[utoipa::path(post, path = "/api/v1/licences/{number}/shipments", params(("number" = String, Path, example = "L-EL-2026-000001")),
    request_body(content = NewShipment, example = json!({"declaration_reference": "26IL000123456789", "shipped_on": "2026-11-29", "quantity": 2, "value": {"amount": "40000.00", "currency": "EUR"}})),
    responses((status = 201, body = Shipment, description = "Recorded now (accepted or rejected)"), (status = 200, body = Shipment, description = "Recorded before with the same details: the same answer"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "The declaration reference was recorded with other details, or the licence changed concurrently (send again)")))]
async fn record_shipment(
    State(s): S,
    Allowed(p, _): Allowed<CustomsExporters>,
    Path(number): Path<String>,
    Body(b): Body<NewShipment>,
) -> ApiResult<(StatusCode, Json<Shipment>)> {
    id("number", &number)?;
    let (shipment, new) = s.app.record_shipment(&p, &number, b).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(shipment)))
}

/// Look up a licence (customs)
///
/// Customs only: whether the licence may be used today (issued, within its validity, limits not used up) and the quantity and value that remain. Nothing about the holder, products, parties or conditions. An unknown number answers 404.
#[utoipa::path(get, path = "/api/v1/customs/licences/{number}", params(("number" = String, Path, example = "L-EL-2026-000001")), responses((status = 200, body = CustomsLookup), (status = 404, body = Problem)))]
async fn lookup_licence(
    State(s): S,
    Allowed(p, _): Allowed<Customs>,
    Path(number): Path<String>,
) -> ApiResult<Json<CustomsLookup>> {
    id("number", &number)?;
    Ok(Json(s.app.customs_lookup(&p, &number).await?))
}
