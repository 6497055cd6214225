//! The service's error type: every failure becomes `{code, message}` with the HTTP status of its
//! code. Internal causes are logged and replaced by a generic message on the wire.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cityops_api::{ApiError, ErrorCode};
use cityops_store::StoreError;

/// An error on its way to a client.
#[derive(Debug, Clone, PartialEq)]
pub struct AppError(pub ApiError);

/// Result alias of the service.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Build an error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ApiError::new(code, message))
    }

    /// 400 with a message naming the bad field.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidField, message)
    }

    /// 404.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, format!("{} not found", what.into()))
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::VersionConflict { .. } => Self::new(ErrorCode::Conflict, e.to_string()),
            StoreError::CaseNotFound(id) => Self::not_found(format!("case {id}")),
            StoreError::FileNotFound(id) => Self::not_found(format!("penalty file {id}")),
            other => {
                tracing::error!(error = %other, "store failure");
                Self::new(ErrorCode::Unavailable, "the data store failed; see the service log")
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.0)).into_response()
    }
}

impl From<crate::history::HistoryError> for AppError {
    fn from(e: crate::history::HistoryError) -> Self {
        use crate::history::HistoryError;
        match e {
            HistoryError::Future { .. } => Self::new(ErrorCode::InvalidField, e.to_string()),
            HistoryError::Retention { .. } => Self::new(ErrorCode::OutsideHistory, e.to_string()),
            HistoryError::Store(s) => s.into(),
            HistoryError::Corrupt { .. } => {
                tracing::error!(error = %e, "history unreadable");
                Self::new(ErrorCode::Internal, "a snapshot of the history is unreadable; see the service log")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_internals_do_not_leak_to_clients() {
        let e: AppError = StoreError::UnsupportedUrl { url: "x".into() }.into();
        assert_eq!(e.0.code, ErrorCode::Unavailable);
        assert!(!e.0.message.contains('x'));
        let c: AppError = StoreError::VersionConflict { id: 4, expected: 2 }.into();
        assert_eq!(c.status(), StatusCode::CONFLICT);
    }
}
