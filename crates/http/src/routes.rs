//! Route table and handlers (`verb_noun`), each annotated for the OpenAPI document.

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{path_id, Body, Caller, OptBody, QueryParams};
use crate::AppState;
use app::model::*;
use app::policy_svc::{PolicyVersionView, PublishPolicy, StagePolicy};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::CaseAction;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(title = "exportctl API", description = "Licensing of dual-use cyber technology exports"),
    paths(
        get_me, create_organisation, list_organisations, get_organisation, create_user, list_users, get_user,
        create_token, list_tokens, revoke_token, file_registration, list_registrations, get_registration,
        decide_registration, create_product, list_products, get_product, classify_product, create_application,
        list_applications, get_application, submit_application, withdraw_application, assign_application,
        request_information, respond_application, request_advice, give_advice, approve_application,
        refuse_application, issue_licence, suspend_licence, reinstate_licence, revoke_licence, get_queue,
        list_case_hits, decide_hit, check_pre_application, list_exemptions, list_policy_versions,
        stage_policy_version, get_policy_impact, publish_policy_version, screen_name, list_lists, upload_list,
        fetch_list, list_audit, verify_audit
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

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

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/me", get(get_me))
        .route(
            "/organisations",
            post(create_organisation).get(list_organisations),
        )
        .route("/organisations/{id}", get(get_organisation))
        .route("/users", post(create_user).get(list_users))
        .route("/users/{id}", get(get_user))
        .route("/users/{id}/tokens", post(create_token))
        .route("/tokens", get(list_tokens))
        .route("/tokens/{id}/revoke", post(revoke_token))
        .route(
            "/registrations",
            post(file_registration).get(list_registrations),
        )
        .route("/registrations/{id}", get(get_registration))
        .route("/registrations/{id}/decision", post(decide_registration))
        .route("/products", post(create_product).get(list_products))
        .route("/products/{id}", get(get_product))
        .route("/products/{id}/classification", post(classify_product))
        .route(
            "/applications",
            post(create_application).get(list_applications),
        )
        .route("/applications/{id}", get(get_application))
        .route("/applications/{id}/submit", post(submit_application))
        .route("/applications/{id}/withdraw", post(withdraw_application))
        .route("/applications/{id}/assign", post(assign_application))
        .route(
            "/applications/{id}/information-requests",
            post(request_information),
        )
        .route("/applications/{id}/responses", post(respond_application))
        .route("/applications/{id}/advice-requests", post(request_advice))
        .route("/applications/{id}/advice", post(give_advice))
        .route("/applications/{id}/approve", post(approve_application))
        .route("/applications/{id}/refuse", post(refuse_application))
        .route("/applications/{id}/issue", post(issue_licence))
        .route("/applications/{id}/suspend", post(suspend_licence))
        .route("/applications/{id}/reinstate", post(reinstate_licence))
        .route("/applications/{id}/revoke", post(revoke_licence))
        .route("/applications/{id}/screening-hits", get(list_case_hits))
        .route(
            "/applications/{id}/screening-hits/{hit}/decision",
            post(decide_hit),
        )
        .route("/queues/{name}", get(get_queue))
        .route("/pre-application-checks", post(check_pre_application))
        .route("/exemptions", get(list_exemptions))
        .route(
            "/policy/versions",
            get(list_policy_versions).post(stage_policy_version),
        )
        .route("/policy/versions/{id}/impact", get(get_policy_impact))
        .route(
            "/policy/versions/{id}/publish",
            post(publish_policy_version),
        )
        .route("/screening", post(screen_name))
        .route("/lists", get(list_lists))
        .route("/lists/{format}/fetch", post(fetch_list))
        .route("/audit", get(list_audit))
        .route("/audit/verify", get(verify_audit))
}

pub fn list_upload_router() -> Router<AppState> {
    Router::new().route("/lists/{format}", post(upload_list))
}

type S = State<AppState>;

fn id(name: &str, v: &str) -> ApiResult<()> {
    path_id(name, v)
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = app::Principal), (status = 401, body = Problem)))]
async fn get_me(Caller(p): Caller) -> Json<app::Principal> {
    Json(p)
}

// ---------- organisations, users, tokens ----------

#[utoipa::path(post, path = "/api/v1/organisations", request_body = NewOrganisation,
    responses((status = 201, body = Organisation), (status = 422, body = Problem)))]
async fn create_organisation(
    State(s): S,
    Caller(p): Caller,
    Body(b): Body<NewOrganisation>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_organisation(&p, b).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/organisations", responses((status = 200, body = [Organisation])))]
async fn list_organisations(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<Organisation>>> {
    Ok(Json(s.app.organisations(&p).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", params(("id" = String, Path)), responses((status = 200, body = Organisation), (status = 404, body = Problem)))]
async fn get_organisation(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Organisation>> {
    id("id", &i)?;
    Ok(Json(s.app.organisation(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/users", request_body = NewUser,
    responses((status = 201, body = UserCreated, description = "The user and its first token (shown once)"), (status = 422, body = Problem)))]
async fn create_user(
    State(s): S,
    Caller(p): Caller,
    Body(b): Body<NewUser>,
) -> ApiResult<(StatusCode, Json<UserCreated>)> {
    Ok((StatusCode::CREATED, Json(s.app.create_user(&p, b).await?)))
}

#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = [User])))]
async fn list_users(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(s.app.users(&p).await?))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = String, Path)), responses((status = 200, body = User), (status = 404, body = Problem)))]
async fn get_user(State(s): S, Caller(p): Caller, Path(i): Path<String>) -> ApiResult<Json<User>> {
    id("id", &i)?;
    Ok(Json(s.app.user(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", params(("id" = String, Path)), request_body = NewToken,
    responses((status = 201, body = IssuedToken)))]
async fn create_token(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<NewToken>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    id("id", &i)?;
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_token(&p, &i, b).await?),
    ))
}

#[derive(serde::Serialize, ToSchema)]
struct TokenView {
    id: String,
    user_id: String,
    label: String,
    created_at: String,
    expires_at: String,
    revoked_at: Option<String>,
}

impl From<store::TokenRow> for TokenView {
    fn from(t: store::TokenRow) -> Self {
        TokenView {
            id: t.id,
            user_id: t.user_id,
            label: t.label,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = [TokenView])))]
async fn list_tokens(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(
        s.app
            .tokens(&p)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", params(("id" = String, Path)), responses((status = 200, body = TokenView), (status = 404, body = Problem)))]
async fn revoke_token(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<TokenView>> {
    id("id", &i)?;
    Ok(Json(s.app.revoke_token(&p, &i).await?.into()))
}

// ---------- registrations and products ----------

#[utoipa::path(post, path = "/api/v1/registrations", request_body = NewRegistration, responses((status = 201, body = Registration), (status = 422, body = Problem)))]
async fn file_registration(
    State(s): S,
    Caller(p): Caller,
    Body(b): Body<NewRegistration>,
) -> ApiResult<(StatusCode, Json<Registration>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.file_registration(&p, b).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/registrations", responses((status = 200, body = [Registration])))]
async fn list_registrations(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<Registration>>> {
    Ok(Json(s.app.registrations(&p).await?))
}

#[utoipa::path(get, path = "/api/v1/registrations/{id}", params(("id" = String, Path)), responses((status = 200, body = Registration), (status = 404, body = Problem)))]
async fn get_registration(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Registration>> {
    id("id", &i)?;
    Ok(Json(s.app.registration(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/registrations/{id}/decision", params(("id" = String, Path)), request_body = RegistrationDecision, responses((status = 200, body = Registration), (status = 409, body = Problem)))]
async fn decide_registration(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<RegistrationDecision>,
) -> ApiResult<Json<Registration>> {
    id("id", &i)?;
    Ok(Json(s.app.decide_registration(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/products", request_body = NewProduct, responses((status = 201, body = Product), (status = 422, body = Problem)))]
async fn create_product(
    State(s): S,
    Caller(p): Caller,
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
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<ClassifyProduct>,
) -> ApiResult<Json<Product>> {
    id("id", &i)?;
    Ok(Json(s.app.classify_product(&p, &i, b).await?))
}

// ---------- applications ----------

#[utoipa::path(post, path = "/api/v1/applications", request_body = NewApplication, responses((status = 201, body = Case), (status = 422, body = Problem)))]
async fn create_application(
    State(s): S,
    Caller(p): Caller,
    Body(b): Body<NewApplication>,
) -> ApiResult<(StatusCode, Json<Case>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_application(&p, b).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CaseQuery {
    /// Only cases in this state.
    state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/applications", params(CaseQuery), responses((status = 200, body = [Case])))]
async fn list_applications(
    State(s): S,
    Caller(p): Caller,
    QueryParams(q): QueryParams<CaseQuery>,
) -> ApiResult<Json<Vec<Case>>> {
    Ok(Json(s.app.applications(&p, q.state.as_deref()).await?))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", params(("id" = String, Path)), responses((status = 200, body = Case), (status = 404, body = Problem)))]
async fn get_application(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Case>> {
    id("id", &i)?;
    Ok(Json(s.app.application(&p, &i).await?))
}

macro_rules! simple_action {
    ($name:ident, $path:literal, $method:ident $(, $extra:expr)?) => {
        #[utoipa::path(post, path = $path, params(("id" = String, Path)), request_body(content = Option<ActionBody>),
            responses((status = 200, body = Case), (status = 409, body = Problem, description = "Not allowed in the current state, or changed concurrently")))]
        async fn $name(State(s): S, Caller(p): Caller, Path(i): Path<String>, OptBody(b): OptBody<ActionBody>) -> ApiResult<Json<Case>> {
            id("id", &i)?;
            Ok(Json(s.app.$method(&p, &i, $($extra,)? b).await?))
        }
    };
}

simple_action!(
    submit_application,
    "/api/v1/applications/{id}/submit",
    submit_application
);
simple_action!(
    withdraw_application,
    "/api/v1/applications/{id}/withdraw",
    withdraw_application
);
simple_action!(issue_licence, "/api/v1/applications/{id}/issue", issue);
simple_action!(
    suspend_licence,
    "/api/v1/applications/{id}/suspend",
    change_licence,
    CaseAction::Suspend
);
simple_action!(
    reinstate_licence,
    "/api/v1/applications/{id}/reinstate",
    change_licence,
    CaseAction::Reinstate
);
simple_action!(
    revoke_licence,
    "/api/v1/applications/{id}/revoke",
    change_licence,
    CaseAction::Revoke
);

#[utoipa::path(post, path = "/api/v1/applications/{id}/assign", params(("id" = String, Path)), request_body = AssignBody, responses((status = 200, body = Case), (status = 409, body = Problem)))]
async fn assign_application(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<AssignBody>,
) -> ApiResult<Json<Case>> {
    id("id", &i)?;
    Ok(Json(s.app.assign(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/information-requests", params(("id" = String, Path)), request_body = InfoRequestBody, responses((status = 200, body = Case), (status = 409, body = Problem)))]
async fn request_information(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<InfoRequestBody>,
) -> ApiResult<Json<Case>> {
    id("id", &i)?;
    Ok(Json(s.app.request_information(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/responses", params(("id" = String, Path)), request_body = RespondBody, responses((status = 200, body = Case), (status = 409, body = Problem)))]
async fn respond_application(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<RespondBody>,
) -> ApiResult<Json<Case>> {
    id("id", &i)?;
    Ok(Json(s.app.respond(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/advice-requests", params(("id" = String, Path)), request_body = AdviceRequestBody, responses((status = 200, body = Case)))]
async fn request_advice(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<AdviceRequestBody>,
) -> ApiResult<Json<Case>> {
    id("id", &i)?;
    Ok(Json(s.app.request_advice(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/advice", params(("id" = String, Path)), request_body = NewAdvice, responses((status = 200, body = Case), (status = 422, body = Problem)))]
async fn give_advice(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<NewAdvice>,
) -> ApiResult<Json<Case>> {
    id("id", &i)?;
    Ok(Json(s.app.give_advice(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/approve", params(("id" = String, Path)), request_body = ApproveBody, responses((status = 200, body = Case), (status = 409, body = Problem)))]
async fn approve_application(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<ApproveBody>,
) -> ApiResult<Json<Case>> {
    id("id", &i)?;
    Ok(Json(s.app.approve(&p, &i, b).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/refuse", params(("id" = String, Path)), request_body = RefuseBody, responses((status = 200, body = Case), (status = 409, body = Problem)))]
async fn refuse_application(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<RefuseBody>,
) -> ApiResult<Json<Case>> {
    id("id", &i)?;
    Ok(Json(s.app.refuse(&p, &i, b).await?))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}/screening-hits", params(("id" = String, Path)), responses((status = 200, body = [ScreeningHit])))]
async fn list_case_hits(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<Vec<ScreeningHit>>> {
    id("id", &i)?;
    Ok(Json(s.app.case_hits(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/screening-hits/{hit}/decision", params(("id" = String, Path), ("hit" = String, Path)), request_body = HitDecisionBody, responses((status = 200, body = Case)))]
async fn decide_hit(
    State(s): S,
    Caller(p): Caller,
    Path((i, h)): Path<(String, String)>,
    Body(b): Body<HitDecisionBody>,
) -> ApiResult<Json<Case>> {
    id("id", &i)?;
    id("hit", &h)?;
    Ok(Json(s.app.decide_hit(&p, &i, &h, b).await?))
}

#[utoipa::path(get, path = "/api/v1/queues/{name}", params(("name" = String, Path, description = "unassigned, mine, awaiting-advice, overdue or screening")), responses((status = 200, body = [QueueEntry])))]
async fn get_queue(
    State(s): S,
    Caller(p): Caller,
    Path(n): Path<String>,
) -> ApiResult<Json<Vec<QueueEntry>>> {
    Ok(Json(s.app.queue(&p, &n).await?))
}

// ---------- policy ----------

#[utoipa::path(post, path = "/api/v1/pre-application-checks", request_body = PreApplicationCheck, responses((status = 200, body = PreApplicationAnswer), (status = 422, body = Problem)))]
async fn check_pre_application(
    State(s): S,
    Caller(p): Caller,
    Body(b): Body<PreApplicationCheck>,
) -> ApiResult<Json<PreApplicationAnswer>> {
    Ok(Json(s.app.pre_application_check(&p, b).await?))
}

#[utoipa::path(get, path = "/api/v1/exemptions", responses((status = 200, body = [Exemption])))]
async fn list_exemptions(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<Exemption>>> {
    Ok(Json(s.app.exemptions(&p).await?))
}

#[utoipa::path(get, path = "/api/v1/policy/versions", responses((status = 200, body = [PolicyVersionView])))]
async fn list_policy_versions(
    State(s): S,
    Caller(p): Caller,
) -> ApiResult<Json<Vec<PolicyVersionView>>> {
    Ok(Json(s.app.policy_versions(&p).await?))
}

#[utoipa::path(post, path = "/api/v1/policy/versions", request_body = StagePolicy, responses((status = 201, body = PolicyVersionView), (status = 422, body = Problem)))]
async fn stage_policy_version(
    State(s): S,
    Caller(p): Caller,
    Body(b): Body<StagePolicy>,
) -> ApiResult<(StatusCode, Json<PolicyVersionView>)> {
    Ok((StatusCode::CREATED, Json(s.app.stage_policy(&p, b).await?)))
}

#[utoipa::path(get, path = "/api/v1/policy/versions/{id}/impact", params(("id" = String, Path)), responses((status = 200, body = Object, description = "Impact report")))]
async fn get_policy_impact(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
) -> ApiResult<Json<policy::ImpactReport>> {
    id("id", &i)?;
    Ok(Json(s.app.policy_impact(&p, &i).await?))
}

#[utoipa::path(post, path = "/api/v1/policy/versions/{id}/publish", params(("id" = String, Path)), request_body = PublishPolicy, responses((status = 200, body = PolicyVersionView)))]
async fn publish_policy_version(
    State(s): S,
    Caller(p): Caller,
    Path(i): Path<String>,
    Body(b): Body<PublishPolicy>,
) -> ApiResult<Json<PolicyVersionView>> {
    id("id", &i)?;
    Ok(Json(s.app.publish_policy(&p, &i, b).await?))
}

// ---------- screening and lists ----------

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
    Caller(p): Caller,
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

#[derive(serde::Serialize, ToSchema)]
struct ListVersionView {
    id: String,
    format: String,
    version: String,
    record_count: i64,
    published: Option<String>,
    imported_at: String,
    active: bool,
}

impl From<store::ListVersionRow> for ListVersionView {
    fn from(r: store::ListVersionRow) -> Self {
        ListVersionView {
            id: r.id,
            format: r.format,
            version: r.version,
            record_count: r.record_count,
            published: r.published,
            imported_at: r.imported_at,
            active: r.active,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/lists", responses((status = 200, body = [ListVersionView])))]
async fn list_lists(State(s): S, Caller(p): Caller) -> ApiResult<Json<Vec<ListVersionView>>> {
    Ok(Json(
        s.app
            .list_status(&p)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

fn parse_format(f: &str) -> ApiResult<lists::ListFormat> {
    f.parse()
        .map_err(|e: String| ApiError::invalid("format", format!("format: {e}")))
}

/// Imports, then re-screens every open case and issued licence in the background.
async fn import_and_rescreen(
    s: &AppState,
    p: &app::Principal,
    format: lists::ListFormat,
    name: &str,
    bytes: Vec<u8>,
) -> ApiResult<ListVersionView> {
    let row = s.app.import_list_bytes(p, format, name, bytes).await?;
    let app = s.app.clone();
    tokio::spawn(async move {
        match app.rescreen_all().await {
            Ok((cases, hits)) => {
                tracing::info!(cases, hits, "re-screening after list import finished")
            }
            Err(e) => tracing::error!(error = %e, "re-screening after list import failed"),
        }
    });
    Ok(row.into())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    /// The uploaded file's name (recorded with the list version).
    name: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/lists/{format}", params(("format" = String, Path), UploadQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ListVersionView), (status = 422, body = Problem, description = "Malformed list file: position and reason; the list in force stays in force")))]
async fn upload_list(
    State(s): S,
    Caller(p): Caller,
    Path(f): Path<String>,
    QueryParams(q): QueryParams<UploadQuery>,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<ListVersionView>)> {
    // Authorise before reading a byte of the body.
    p.require(&[domain::Role::Admin], "import sanctions lists")
        .map_err(ApiError::from)?;
    let format = parse_format(&f)?;
    if let Some(n) = &q.name {
        if n.is_empty() || n.chars().count() > 200 || n.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "name",
                "name: must be 1 to 200 characters without control characters",
            ));
        }
    }
    let name = q.name.unwrap_or_else(|| format!("upload.{f}"));
    let bytes = crate::lists_io::receive_upload(body, crate::LIST_BODY_LIMIT as u64).await?;
    Ok((
        StatusCode::CREATED,
        Json(import_and_rescreen(&s, &p, format, &name, bytes).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FetchList {
    /// http:// URL of the list file.
    url: String,
}

#[utoipa::path(post, path = "/api/v1/lists/{format}/fetch", params(("format" = String, Path)), request_body = FetchList, responses((status = 201, body = ListVersionView), (status = 422, body = Problem)))]
async fn fetch_list(
    State(s): S,
    Caller(p): Caller,
    Path(f): Path<String>,
    Body(b): Body<FetchList>,
) -> ApiResult<(StatusCode, Json<ListVersionView>)> {
    let format = parse_format(&f)?;
    p.require(&[domain::Role::Admin], "import sanctions lists")
        .map_err(ApiError::from)?;
    let (name, bytes) = crate::lists_io::fetch(&b.url, &s.fetch).await?;
    Ok((
        StatusCode::CREATED,
        Json(import_and_rescreen(&s, &p, format, &name, bytes).await?),
    ))
}

// ---------- audit ----------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Only events after this sequence number.
    after: Option<i64>,
    limit: Option<i64>,
    /// Only events about this record.
    record: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses((status = 200, body = Object)))]
async fn list_audit(
    State(s): S,
    Caller(p): Caller,
    QueryParams(q): QueryParams<AuditQuery>,
) -> ApiResult<Json<Vec<store::AuditEvent>>> {
    if let Some(r) = &q.record {
        id("record", r)?;
    }
    Ok(Json(
        s.app
            .audit_log(
                &p,
                q.record.as_deref(),
                q.after.unwrap_or(0),
                q.limit.unwrap_or(100),
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = Object)))]
async fn verify_audit(State(s): S, Caller(p): Caller) -> ApiResult<Json<store::VerifyReport>> {
    Ok(Json(s.app.verify_audit(&p).await?))
}
