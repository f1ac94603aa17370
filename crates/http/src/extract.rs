//! Extractors that turn bad input into problem+json naming the field: JSON bodies (with the path of the
//! offending field; optional bodies too), query parameters, path identifiers, and the bearer token.

use crate::error::ApiError;
use crate::AppState;
use app::Principal;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body parsed with the failing field's path in the error.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (ct, bytes) = read_body(req, state).await?;
        check_json_type(&ct)?;
        parse_json(&bytes).map(Body)
    }
}

/// An optional JSON body: an empty body means `T::default()`; anything else is parsed as [`Body`] is.
pub struct OptBody<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (ct, bytes) = read_body(req, state).await?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(OptBody(T::default()));
        }
        check_json_type(&ct)?;
        parse_json(&bytes).map(OptBody)
    }
}

/// The body of an action that takes no parameters: empty, or `{}` (anything else is a 422 naming the field).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// The content type and the body (within the route's body limit: 413 naming `body` beyond it).
async fn read_body<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(String, bytes::Bytes), ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = bytes::Bytes::from_request(req, state).await.map_err(|e| {
        ApiError::status(
            e.status(),
            "body",
            "The request body could not be read",
            format!("body: {}", e.body_text()),
        )
        .with_field("body")
    })?;
    Ok((ct, bytes))
}

fn check_json_type(ct: &str) -> Result<(), ApiError> {
    let essence = ct.split(';').next().unwrap_or("").trim();
    if essence.is_empty() || essence.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    Err(ApiError::status(
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "media-type",
        "Unsupported media type",
        format!("content-type: expected application/json, got {ct:?}"),
    )
    .with_field("content-type"))
}

/// The field a serde error is about: its path, plus the member a missing/unknown/duplicate-field message
/// names (serde reports those at the enclosing object).
fn field_of(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    match (path, named) {
        (".", Some(name)) => name.to_string(),
        (".", None) => "body".to_string(),
        (p, Some(name)) if !p.ends_with(&format!(".{name}")) && p != name => format!("{p}.{name}"),
        (p, _) => p.to_string(),
    }
}

/// Parses JSON, naming the path of the field at fault. Trailing data after the value is malformed JSON.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // serde stops at the first problem: a body that is not JSON at all is malformed (400) even when an
        // unknown key came first, and valid JSON of the wrong shape (e.g. a number where an enum's string
        // belongs, which serde_json reports as a syntax error) names its field (422).
        if let Err(syntax) = serde_json::from_slice::<serde_json::Value>(bytes) {
            ApiError::bad_request("body", format!("body: malformed JSON: {syntax}"))
        } else {
            let field = field_of(&path, &inner.to_string());
            ApiError::invalid(field.clone(), format!("{field}: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| ApiError::bad_request("body", format!("body: malformed JSON: {e}")))?;
    Ok(value)
}

/// Query parameters parsed into `T` (which should deny unknown fields), naming the parameter at fault.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(QueryParams)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner().to_string();
                let field = match field_of(&path, &inner) {
                    f if f == "body" => "query".to_string(),
                    f => f,
                };
                ApiError::invalid(field.clone(), format!("{field}: {inner}"))
            })
    }
}

/// Validates a path identifier (record ids and references are short ASCII tokens).
pub fn path_id(name: &str, value: &str) -> Result<(), ApiError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            name,
            format!("{name}: must be 1 to 64 ASCII letters, digits, '-', '_' or '.'"),
        ))
    }
}

/// The authenticated caller, from `Authorization: Bearer <token>`.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::from(app::AppError::Unauthenticated(
                    "send Authorization: Bearer <token>".into(),
                ))
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| {
                ApiError::from(app::AppError::Unauthenticated(
                    "the Authorization header must use the Bearer scheme".into(),
                ))
            })?;
        Ok(Caller(state.app.authenticate(token).await?))
    }
}

/// The roles an endpoint serves, as a type: see [`Allowed`].
pub trait Roles {
    /// The roles admitted.
    const ROLES: &'static [domain::Role];
}

macro_rules! role_sets {
    ($($(#[$doc:meta])* $name:ident = [$($role:ident),+];)+) => {$(
        $(#[$doc])*
        pub struct $name;
        impl Roles for $name {
            const ROLES: &'static [domain::Role] = &[$(domain::Role::$role),+];
        }
    )+};
}

role_sets! {
    /// Exporters (a company's compliance officers).
    Exporters = [Exporter];
    /// Licensing officers.
    Officers = [Officer];
    /// Advisers of any review kind.
    Advisers = [Adviser];
    /// Policy administrators.
    PolicyAdmins = [PolicyAdmin];
    /// Administrators.
    Admins = [Admin];
    /// Administrators and auditors (reading administration records and the audit log).
    AdminsAuditors = [Admin, Auditor];
    /// Officers and auditors (work queues, ad-hoc screening).
    OfficersAuditors = [Officer, Auditor];
    /// Officers, auditors and advisers (work queues).
    OfficersAuditorsAdvisers = [Officer, Auditor, Adviser];
    /// Policy administrators and auditors (impact previews).
    PolicyAdminsAuditors = [PolicyAdmin, Auditor];
    /// Officers and administrators (excluding a case from statistics).
    OfficersAdmins = [Officer, Admin];
    /// Officers, auditors and administrators (decision facts).
    OfficialReaders = [Officer, Auditor, Admin];
    /// Customs (the licence look-up).
    Customs = [Customs];
    /// Customs and exporters (recording shipments against a licence).
    CustomsExporters = [Customs, Exporter];
    /// Officers and advisers (countersigning final advice).
    OfficersAdvisers = [Officer, Adviser];
    /// Officers and exporters (a catch-all on an application: the authority's notice, the exporter's
    /// declaration).
    OfficersExporters = [Officer, Exporter];
    /// Officers, auditors, administrators and exporters (standing catch-all notifications; exporters see
    /// their own).
    CatchAllReaders = [Officer, Auditor, Admin, Exporter];
}

/// The authenticated caller, admitted only if its role is one of `R`'s: a handler that takes `Allowed<Officers>`
/// cannot run for anyone else, and the role is checked before the body is read (extractors taking the request
/// body run after this one). The use case checks again (and checks the record); this makes the route's audience
/// part of its signature and answers 403 before any body is parsed.
pub struct Allowed<R: Roles>(pub Principal, pub std::marker::PhantomData<R>);

impl<R: Roles + Send + Sync> FromRequestParts<AppState> for Allowed<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Caller(p) = Caller::from_request_parts(parts, state).await?;
        if R::ROLES.contains(&p.role()) {
            Ok(Allowed(p, std::marker::PhantomData))
        } else {
            let roles: Vec<&str> = R::ROLES.iter().map(|r| r.as_str()).collect();
            Err(ApiError::from(app::AppError::Forbidden(format!(
                "a user with role {} may not use this endpoint; it serves: {}",
                p.role(),
                roles.join(", ")
            ))))
        }
    }
}
