//! Application errors: what a use case can answer besides success. The HTTP layer maps each variant to one
//! status code in one place.

use domain::CaseState;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such record, or one the caller may not see (the two are indistinguishable on purpose).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Not authenticated (missing, unknown, expired or revoked token).
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    /// Authenticated but the role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Input failed validation; names the offending field.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// A lifecycle transition that is not allowed from the current state; the message says where it is
    /// possible and the next step.
    #[error("{}", domain::refusal_message(action, *current))]
    InvalidTransition { action: String, current: CaseState },
    /// The request conflicts with the stored state (concurrent change, duplicate, precondition).
    #[error("{0}")]
    Conflict(String),
    /// A body or file beyond its size limit; names the field.
    #[error("{field}: {reason}")]
    TooLarge { field: String, reason: String },
    /// The database is unreachable.
    #[error("service unavailable")]
    Unavailable(String),
    /// A bug or corrupt data: details go to the log only.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("record"),
            StoreError::VersionConflict => AppError::Conflict(
                "the record was changed by someone else since it was read; reload and retry".into(),
            ),
            StoreError::Duplicate(c) => AppError::Conflict(format!("already exists ({c})")),
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            StoreError::Corrupt(m) => AppError::Internal(m),
            StoreError::Invalid(m) => AppError::Internal(m),
            StoreError::NewerSchema(m) => AppError::Internal(m),
            StoreError::MissingReference { field, reason } => AppError::Invalid { field, reason },
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
