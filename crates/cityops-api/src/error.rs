//! Errors on the wire: `{code, message}` with stable codes.

use serde::{Deserialize, Serialize};

/// Stable error codes. Clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request body or query could not be parsed.
    MalformedRequest,
    /// A field has an invalid value.
    InvalidField,
    /// The category (type code) is unknown.
    UnknownCategory,
    /// The point is at sea or outside Qingdao.
    OutsideCity,
    /// The workflow does not allow this action in the case's current state.
    IllegalTransition,
    /// No or an invalid bearer token.
    Unauthenticated,
    /// The caller's role or district does not allow this.
    Forbidden,
    /// The resource does not exist.
    NotFound,
    /// The request conflicts with the current state (e.g. concurrent change).
    Conflict,
    /// Something failed inside the service; details are in its log.
    Internal,
    /// The service is unavailable (e.g. the store cannot be reached).
    Unavailable,
    /// No working calendar covers a year a deadline needs (the message names the year).
    CalendarUnavailable,
    /// The request body is larger than the service accepts (the message says the limit).
    PayloadTooLarge,
    /// Not an error of the service: the desktop console could not reach it and keeps the action
    /// in its outbox, to send (once) when the service answers again.
    Queued,
    /// Not sent: the desktop console asked the operator to confirm the action (or the switch of
    /// service) and it was refused or the dialog closed.
    NotConfirmed,
    /// The instant asked for (`at`) is before the history the service keeps (the message says
    /// the earliest instant kept).
    OutsideHistory,
}

impl ErrorCode {
    /// The HTTP status this code maps to.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MalformedRequest | ErrorCode::InvalidField => 400,
            ErrorCode::UnknownCategory | ErrorCode::OutsideCity => 422,
            ErrorCode::IllegalTransition | ErrorCode::Conflict => 409,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable | ErrorCode::CalendarUnavailable => 503,
            ErrorCode::PayloadTooLarge => 413,
            // The service was unavailable; the console kept the action (never a success status).
            ErrorCode::Queued => 503,
            ErrorCode::NotConfirmed => 409,
            ErrorCode::OutsideHistory => 410,
        }
    }
}

/// An error as sent to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiError {
    /// Stable code.
    pub code: ErrorCode,
    /// Human message naming what is wrong (English; the UI translates by code).
    pub message: String,
}

impl ApiError {
    /// Build an error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_serialises_as_code_and_message() {
        let e = ApiError::new(ErrorCode::OutsideCity, "point (121.9, 36.0) is at sea");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"outside_city","message":"point (121.9, 36.0) is at sea"}"#
        );
        assert_eq!(ErrorCode::IllegalTransition.http_status(), 409);
    }
}
