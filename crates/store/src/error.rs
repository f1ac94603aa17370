//! Storage errors: each variant says what happened, so callers can answer 404, 409 or 503 correctly.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    /// The record changed since it was read (optimistic concurrency).
    #[error("the record was changed by someone else")]
    VersionConflict,
    /// A uniqueness constraint was violated.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// The database cannot be reached or timed out.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be decoded.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A record is stored in a body schema newer than this code knows (written by a later release): refused
    /// rather than misread (`kinds`).
    #[error("{0}")]
    NewerSchema(String),
    /// A write names a record that does not exist (or is not the writer's to name); `field` is where it is
    /// named, the way the API names it (`org_id`, `export.product`, `marketing.products[1]`). Nothing is written.
    #[error("{field}: {reason}")]
    MissingReference { field: String, reason: String },
    /// The caller passed something the store cannot accept (e.g. a bad URL).
    #[error("{0}")]
    Invalid(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Duplicate(db.constraint().unwrap_or("unique constraint").to_string())
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Configuration(_) => StoreError::Unavailable(e.to_string()),
            sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::TypeNotFound { .. } => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Unavailable(e.to_string()),
        }
    }
}
