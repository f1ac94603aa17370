//! The one mapping from errors to HTTP responses: RFC 9457 problem+json. 4xx bodies name the field and the
//! rule; 5xx bodies are generic and the cause goes to the log only.

use app::AppError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The offending request field, when one is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For invalid transitions: the case's current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
}

/// An error answered as problem+json.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
    field: Option<String>,
    current_state: Option<String>,
}

impl ApiError {
    pub fn bad_request(field: impl Into<String>, detail: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            kind: "bad-request",
            title: "The request is malformed",
            detail: detail.into(),
            field: Some(field.into()),
            current_state: None,
        }
    }

    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "validation",
            title: "A field is invalid",
            detail: detail.into(),
            field: Some(field.into()),
            current_state: None,
        }
    }

    pub fn status(status: StatusCode, kind: &'static str, title: &'static str, detail: String) -> ApiError {
        ApiError {
            status,
            kind,
            title,
            detail,
            field: None,
            current_state: None,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let detail = e.to_string();
        match e {
            AppError::NotFound(_) => ApiError::status(StatusCode::NOT_FOUND, "not-found", "Not found", detail),
            AppError::Unauthenticated(_) => ApiError::status(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentication required",
                detail,
            ),
            AppError::Forbidden(_) => ApiError::status(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail),
            AppError::Invalid { field, reason } => ApiError::invalid(field.clone(), format!("{field}: {reason}")),
            AppError::InvalidTransition { current, .. } => ApiError {
                current_state: Some(current.as_str().into()),
                ..ApiError::status(StatusCode::CONFLICT, "invalid-transition", "Not allowed in the current state", detail)
            },
            AppError::Conflict(_) => ApiError::status(StatusCode::CONFLICT, "conflict", "Conflict", detail),
            AppError::Unavailable(cause) => {
                tracing::error!(%cause, "database unavailable");
                ApiError::status(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Service unavailable",
                    "the service is temporarily unavailable".into(),
                )
            }
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                ApiError::status(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "an internal error occurred; it has been logged".into(),
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            type_: format!("https://exportctl.invalid/problems/{}", self.kind),
            title: self.title.into(),
            status: self.status.as_u16(),
            detail: self.detail,
            field: self.field,
            current_state: self.current_state,
        };
        let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
