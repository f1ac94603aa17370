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
    /// The id of the request (as in the `X-Request-Id` response header), to quote when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
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

    pub fn status(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: String,
    ) -> ApiError {
        ApiError {
            status,
            kind,
            title,
            detail,
            field: None,
            current_state: None,
        }
    }

    /// Names the request field at fault.
    /// The explanation of the refusal (what a page shows beside the field).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }
}

/// Middleware: answers every error the framework produces by itself (405, a path parameter that is not
/// UTF-8, a body beyond the limit on a raw-bytes route, ...) as problem+json too, naming the field where one
/// is at fault. Error responses that already are problem+json pass unchanged.
pub async fn problem_fallback(resp: Response) -> Response {
    let status = resp.status();
    // The framework's own rejections are plain text or empty; anything else (problem+json, an HTML page) is
    // already what its handler meant.
    let from_framework = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    // Only 4xx and 500: a 503 from /healthz says what it means in plain text.
    if !(status.is_client_error() || status == StatusCode::INTERNAL_SERVER_ERROR) || !from_framework
    {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (kind, title, field) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "Method not allowed",
            Some("method".to_string()),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body",
            "The request body is too large",
            Some("body".to_string()),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "media-type",
            "Unsupported media type",
            Some("content-type".to_string()),
        ),
        s if s.is_server_error() => ("internal", "Internal error", None),
        // Path rejections name the parameter in backquotes ("Invalid UTF-8 in `id`").
        _ => (
            "bad-request",
            "The request is malformed",
            text.split('`').nth(1).map(str::to_string),
        ),
    };
    let detail = if status.is_server_error() {
        tracing::error!(%status, cause = %text, "framework error");
        "an internal error occurred; it has been logged".to_string()
    } else if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("bad request")
            .to_string()
    } else {
        text
    };
    let mut out = ApiError {
        field,
        ..ApiError::status(status, kind, title, detail)
    }
    .into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let detail = e.to_string();
        match e {
            AppError::NotFound(_) => {
                ApiError::status(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
            }
            AppError::Unauthenticated(_) => ApiError::status(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentication required",
                detail,
            ),
            AppError::Forbidden(_) => {
                ApiError::status(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
            }
            AppError::Invalid { field, reason } => {
                ApiError::invalid(field.clone(), format!("{field}: {reason}"))
            }
            AppError::TooLarge { field, reason } => ApiError {
                field: Some(field.clone()),
                ..ApiError::status(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too-large",
                    "Too large",
                    format!("{field}: {reason}"),
                )
            },
            AppError::InvalidTransition { current, .. } => ApiError {
                current_state: Some(current.as_str().into()),
                ..ApiError::status(
                    StatusCode::CONFLICT,
                    "invalid-transition",
                    "Not allowed in the current state",
                    detail,
                )
            },
            AppError::Conflict(_) => {
                ApiError::status(StatusCode::CONFLICT, "conflict", "Conflict", detail)
            }
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
            request_id: crate::observe::current_request_id(),
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
