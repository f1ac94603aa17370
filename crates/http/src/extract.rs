//! Extractors that turn bad input into problem+json naming the field: JSON bodies (with the path of the
//! offending field), path identifiers, and the bearer token.

use crate::error::ApiError;
use crate::AppState;
use app::Principal;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::header;
use serde::de::DeserializeOwned;

/// A JSON body parsed with the failing field's path in the error.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
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
        })?;
        if !ct.starts_with("application/json") && !ct.is_empty() {
            return Err(ApiError::status(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "media-type",
                "Unsupported media type",
                format!("content-type: expected application/json, got {ct:?}"),
            ));
        }
        parse_json(&bytes).map(Body)
    }
}

/// Parses JSON, naming the path of the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." { "body".to_string() } else { path };
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request("body", format!("body: malformed JSON: {inner}"))
        } else {
            ApiError::invalid(field.clone(), format!("{field}: {inner}"))
        }
    })
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
