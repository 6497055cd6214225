//! The shell's error: one typed enum, sent to the webview as the wire's `{code, message}`.

use cityops_api::{ApiError, ErrorCode};
use cityops_client::ClientError;

/// Why a shell command failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ShellError {
    /// The webview asked for an endpoint the shell does not forward.
    #[error("the console may not call {0:?} through the shell")]
    NotAllowed(String),
    /// The webview's arguments are not the endpoint's types.
    #[error("{endpoint}: {part} is not the endpoint's type: {message}")]
    BadArguments {
        /// Endpoint name.
        endpoint: &'static str,
        /// `path`, `query` or `body`.
        part: &'static str,
        /// Why.
        message: String,
    },
    /// The call to the service failed (its own `{code, message}` when it sent one).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// There is no service (yet, or it could not be started or reached).
    #[error("no service: {0}")]
    NoService(String),
    /// The live map is still loading.
    #[error("the map is still loading")]
    MapLoading,
    /// A viewport query the index refuses.
    #[error("{0}")]
    BadView(String),
    /// The service chosen in the settings screen was refused (it is named).
    #[error("{0}")]
    Refused(String),
    /// Writing an export failed.
    #[error("export: {0}")]
    Export(String),
    /// The service could not be reached: the action waits in the outbox (its place given) and is
    /// sent when the service answers again.
    #[error(
        "the service cannot be reached; the action waits in the outbox (number {0}) and is sent once it is back"
    )]
    Queued(usize),
    /// The person at the console did not confirm the write (the dialog says what it was).
    #[error("not confirmed at the console: {0}")]
    NotConfirmed(String),
    /// The outbox could not be read or written.
    #[error("{0}")]
    Outbox(String),
}

impl ShellError {
    /// The wire's `{code, message}`.
    pub fn to_api(&self) -> ApiError {
        let code = match self {
            ShellError::Client(e) => return e.to_api(),
            ShellError::NotAllowed(_) => ErrorCode::Forbidden,
            ShellError::BadArguments { .. } => ErrorCode::MalformedRequest,
            ShellError::NoService(_) | ShellError::MapLoading => ErrorCode::Unavailable,
            ShellError::BadView(_) | ShellError::Refused(_) => ErrorCode::InvalidField,
            ShellError::Export(_) | ShellError::Outbox(_) => ErrorCode::Internal,
            ShellError::Queued(_) => ErrorCode::Queued,
            ShellError::NotConfirmed(_) => ErrorCode::NotConfirmed,
        };
        ApiError::new(code, self.to_string())
    }
}

impl serde::Serialize for ShellError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_api().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_errors_reach_the_webview_as_code_and_message() {
        let v = serde_json::to_value(ShellError::NotAllowed("create_token".into())).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "forbidden", "message": "the console may not call \"create_token\" through the shell"})
        );
        let v = serde_json::to_value(ShellError::Client(ClientError::Api(ApiError::new(
            ErrorCode::Conflict,
            "x",
        ))))
        .unwrap();
        assert_eq!(v["code"], "conflict");
        let v = serde_json::to_value(ShellError::MapLoading).unwrap();
        assert_eq!(v["code"], "unavailable");
    }
}
