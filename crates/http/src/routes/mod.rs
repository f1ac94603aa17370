//! The API's routes, one module per resource. Each route is declared once, by its handler's
//! `#[utoipa::path]` annotation: `routes!` registers the handler on the router under that path and adds the
//! operation to the OpenAPI document, so the document is built from the router itself.
//!
//! Handlers are named `verb_noun`.

mod applications;
mod audit;
mod catch_all;
mod customs;
mod denials;
mod documents;
mod licences;
mod lists;
mod me;
mod monitoring;
mod notes;
mod notifications;
mod organisations;
mod policy;
mod products;
mod public;
mod queues;
mod registrations;
mod screening;
mod statistics;
mod tokens;
mod users;
mod webhooks;

pub(crate) use lists::spawn_rescreen;

use crate::error::{ApiResult, Problem};
use crate::extract::path_id;
use crate::AppState;
use axum::extract::State;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{ContentBuilder, ResponseBuilder};
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

/// A page of a listing: its items as a JSON array and, when more follow, a `Link: <...>; rel="next"` header
/// (RFC 8288) whose URL repeats the request's query with the next page's `after` cursor.
pub(super) fn paged<T: serde::Serialize>(
    uri: &axum::http::Uri,
    page: app::listing::Paged<T>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut resp = axum::Json(page.items).into_response();
    if let Some(next) = page.next {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
            if k != "after" {
                q.append_pair(&k, &v);
            }
        }
        q.append_pair("after", &next);
        let link = format!("<{}?{}>; rel=\"next\"", uri.path(), q.finish());
        if let Ok(v) = axum::http::HeaderValue::from_str(&link) {
            resp.headers_mut().insert(axum::http::header::LINK, v);
        }
    }
    resp
}

/// Query parameters of every paginated listing.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct PageQuery {
    /// The cursor of the page to read: the `after` value of the previous page's `Link: rel="next"` URL.
    pub after: Option<String>,
    /// Records per page, 1 to 500 (default 100).
    pub limit: Option<u32>,
}

/// Query parameters of a paginated listing filtered by state (the resource's description names its states).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct StateQuery {
    /// Only records in this state.
    pub state: Option<String>,
    /// The cursor of the page to read: the `after` value of the previous page's `Link: rel="next"` URL.
    pub after: Option<String>,
    /// Records per page, 1 to 500 (default 100).
    pub limit: Option<u32>,
}

impl StateQuery {
    /// The state filter and the page.
    pub fn split(self) -> (Option<String>, app::listing::Page) {
        (
            self.state,
            app::listing::Page {
                after: self.after,
                limit: self.limit,
            },
        )
    }
}

impl From<PageQuery> for app::listing::Page {
    fn from(q: PageQuery) -> Self {
        app::listing::Page {
            after: q.after,
            limit: q.limit,
        }
    }
}

/// A router holding the document's fixed parts, to which the API's routes are merged.
pub fn base() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
}

/// Every JSON route of the API (full paths under `/api/v1`), each operation tagged with its resource.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(tagged("me", me::router()))
        .merge(tagged("organisations", organisations::router()))
        .merge(tagged("users", users::router()))
        .merge(tagged("tokens", tokens::router()))
        .merge(tagged("registrations", registrations::router()))
        .merge(tagged("products", products::router()))
        .merge(tagged("applications", applications::router()))
        .merge(tagged("queues", queues::router()))
        .merge(tagged("policy", policy::router()))
        .merge(tagged("catch-all", catch_all::router()))
        .merge(tagged("screening", screening::router()))
        .merge(tagged("lists", lists::router()))
        .merge(tagged("audit", audit::router()))
        .merge(tagged("licences", licences::router()))
        .merge(tagged("licences", customs::router()))
        .merge(tagged("public", licences::public_router()))
        .merge(tagged("public", public::router()))
        .merge(tagged("statistics", statistics::router()))
        .merge(tagged("applications", notes::router()))
        .merge(tagged("applications", documents::router()))
        .merge(tagged("notifications", notifications::router()))
        .merge(tagged("webhooks", webhooks::router()))
        .merge(tagged("denials", denials::router()))
        .merge(tagged("monitoring", monitoring::router()))
}

/// Tags every operation of `router` with `tag` (the resource its module serves).
fn tagged(tag: &str, mut router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    for item in router.get_openapi_mut().paths.paths.values_mut() {
        for op in operations(item) {
            op.tags = Some(vec![tag.to_string()]);
        }
    }
    router
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Documents the answers every operation can give by construction of its extractors and the error
/// mapping, so that no operation omits one: 401 (the bearer token), 403 (the role check of every use case;
/// not on `/me`), 400 (malformed JSON, or a query parameter on an endpoint that takes none), 404 and 422 for
/// path identifiers, 409 for writes (a concurrent change, a duplicate, or a state that does not allow it),
/// 413, 415 and 422 for bodies, and 503 when the database is unreachable. Error answers are
/// `application/problem+json`. An optional body is documented as such (not required, not `null`).
pub fn document_answers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{RefOr, Required};
    // The caller's type is documented in its crate for its developers (how one is constructed); API readers
    // get what it is.
    if let Some(RefOr::T(Schema::Object(o))) = doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("Principal"))
    {
        o.description = Some("The authenticated caller: its user id, username, role, and for exporters their organisation, for advisers their specialism.".into());
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let get = item.get.is_some();
        for op in operations(item) {
            let is_read = get
                && op.request_body.is_none()
                && op.operation_id.as_deref().is_some_and(|id| {
                    id.starts_with("get_") || id.starts_with("list_") || id.starts_with("verify_")
                });
            // Public paths take no token: no 401 or 403.
            let public = path.starts_with("/api/v1/public/");
            let mut answers: Vec<(u16, &str)> = vec![
                (400, "Malformed request: a body that is not JSON, or a query parameter the endpoint does not take"),
                (503, "The database is unreachable; retry later"),
            ];
            if !public {
                answers.push((
                    401,
                    "Authentication required: missing, unknown, expired or revoked bearer token",
                ));
            }
            if path != "/api/v1/me" && !public {
                answers.push((403, "The caller's role may not do this"));
            }
            if path.contains('{') {
                answers.push((404, "No such record, or one the caller may not see"));
                answers.push((422, "A path parameter is invalid; `field` names it"));
            }
            if let Some(body) = op.request_body.as_mut() {
                answers.push((413, "The request body is too large"));
                answers.push((415, "The body is not application/json"));
                answers.push((
                    422,
                    "A field is invalid; `field` names it and `detail` says what is valid",
                ));
                for content in body.content.values_mut() {
                    if let Some(RefOr::T(Schema::OneOf(one))) = &content.schema {
                        let non_null: Vec<_> = one
                            .items
                            .iter()
                            .filter(|s| !matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null)))
                            .cloned()
                            .collect();
                        if let [only] = non_null.as_slice() {
                            content.schema = Some(only.clone());
                            body.required = Some(Required::False);
                        }
                    }
                }
            }
            if op
                .parameters
                .iter()
                .flatten()
                .any(|p| p.parameter_in == ParameterIn::Query)
            {
                answers.push((422, "A query parameter is invalid; `field` names it and `detail` says what is valid"));
            }
            if !is_read
                && !matches!(
                    path.as_str(),
                    "/api/v1/pre-application-checks" | "/api/v1/screening"
                )
            {
                answers.push((409, "Conflicts with the stored state: changed concurrently (reload and retry), a duplicate, or not allowed in the record's current state (`detail` says what would be)"));
            }
            for (status, description) in answers {
                let key = status.to_string();
                op.responses
                    .responses
                    .entry(key)
                    .or_insert_with(|| problem(description).into());
            }
            // Every error answer is problem+json with the Problem schema.
            for (status, resp) in op.responses.responses.iter_mut() {
                if status.starts_with('4') || status.starts_with('5') {
                    if let RefOr::T(r) = resp {
                        let description = if r.description.is_empty() {
                            "Error".to_string()
                        } else {
                            r.description.clone()
                        };
                        *r = problem(&description);
                    }
                }
            }
        }
    }
}

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The list upload route (it has its own body limit).
pub fn list_upload_router() -> OpenApiRouter<AppState> {
    tagged("lists", lists::upload_router()).merge(tagged("denials", denials::upload_router()))
}

/// The document upload route (bounded by the configured document size in its handler, not by the JSON limit).
pub fn document_upload_router() -> OpenApiRouter<AppState> {
    tagged("applications", documents::upload_router())
}

type S = State<AppState>;

fn id(name: &str, v: &str) -> ApiResult<()> {
    path_id(name, v)
}
