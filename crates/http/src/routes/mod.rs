//! The API's routes, one module per resource. Each route is declared once, by its handler's
//! `#[utoipa::path]` annotation: `routes!` registers the handler on the router under that path and adds the
//! operation to the OpenAPI document, so the document is built from the router itself.
//!
//! Handlers are named `verb_noun`.

mod applications;
mod audit;
mod lists;
mod me;
mod organisations;
mod policy;
mod products;
mod queues;
mod registrations;
mod screening;
mod tokens;
mod users;

use crate::error::{ApiResult, Problem};
use crate::extract::path_id;
use crate::AppState;
use axum::extract::State;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The document's fixed parts; the paths come from the routers below.
#[derive(OpenApi)]
#[openapi(
    info(title = "exportctl API", description = "Licensing of dual-use cyber technology exports"),
    components(schemas(Problem)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        api.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// A router holding the document's fixed parts, to which the API's routes are merged.
pub fn base() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
}

/// Every JSON route of the API (full paths under `/api/v1`).
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(me::router())
        .merge(organisations::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(registrations::router())
        .merge(products::router())
        .merge(applications::router())
        .merge(queues::router())
        .merge(policy::router())
        .merge(screening::router())
        .merge(lists::router())
        .merge(audit::router())
}

/// The list upload route (it has its own body limit).
pub fn list_upload_router() -> OpenApiRouter<AppState> {
    lists::upload_router()
}

type S = State<AppState>;

fn id(name: &str, v: &str) -> ApiResult<()> {
    path_id(name, v)
}
