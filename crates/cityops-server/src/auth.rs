//! Bearer-token authentication and the caller it yields. Tokens are random 256-bit values shown
//! once at creation; the store keeps only their SHA-256. A token carries a role and a scope (the
//! whole city, or one district).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use cityops_api::{ErrorCode, Role};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Token label (the actor name in logs and the audit trail).
    pub label: String,
    /// Role the token grants.
    pub role: Role,
    /// District scope (`None` = whole city).
    pub district: Option<String>,
    /// Remote address, for the audit log.
    pub remote: String,
}

impl Caller {
    /// Whether the caller may act on something in `district_code`.
    pub fn covers(&self, district_code: &str) -> bool {
        self.district.as_deref().is_none_or(|d| district_code.starts_with(d))
    }

    /// Fail unless the caller's role is one of `roles` (admins always pass).
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), AppError> {
        if self.role == Role::Admin || roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "role {} ({}) may not {what}",
                cityops_api::wire_name(&self.role),
                self.role.zh()
            )))
        }
    }

    /// Fail unless the caller's scope covers `district_code`.
    pub fn require_district(&self, district_code: &str) -> Result<(), AppError> {
        if self.covers(district_code) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "token is limited to district {} and may not act in {district_code}",
                self.district.as_deref().unwrap_or_default()
            )))
        }
    }
}

/// SHA-256 of a token, lowercase hex (what the store keeps).
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token: 32 bytes from the OS, hex, prefixed `cot_` so it is recognisable in logs
/// and secret scanners.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("cot_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// Resolve a raw token to a caller.
pub async fn resolve(state: &AppState, token: &str, remote: String) -> Result<Caller, AppError> {
    let record = state.store.token(&hash_token(token)).await?;
    let record =
        record.ok_or_else(|| AppError::new(ErrorCode::Unauthenticated, "unknown or revoked token"))?;
    Ok(Caller { label: record.label, role: record.role, district: record.district_code, remote })
}

fn remote_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_else(|| "local".to_owned())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        // EventSource cannot set headers: the live stream also accepts ?access_token=.
        let query_token = parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| v)
        });
        let token = match (header, query_token) {
            (Some(h), _) => h
                .strip_prefix("Bearer ")
                .ok_or_else(|| {
                    AppError::new(ErrorCode::Unauthenticated, "Authorization must be `Bearer <token>`")
                })?
                .trim()
                .to_owned(),
            (None, Some(q)) => q,
            (None, None) => {
                return Err(AppError::new(
                    ErrorCode::Unauthenticated,
                    "missing `Authorization: Bearer <token>`",
                ));
            }
        };
        resolve(state, &token, remote_of(parts)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_are_stable() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn scope_and_roles() {
        let c = Caller {
            label: "d".into(),
            role: Role::Dispatcher,
            district: Some("370202".into()),
            remote: "x".into(),
        };
        assert!(c.covers("370202"));
        assert!(!c.covers("370203"));
        assert!(c.require(&[Role::Dispatcher], "dispatch").is_ok());
        let e = c.require(&[Role::ShiftLeader], "register").unwrap_err();
        assert_eq!(e.0.code, ErrorCode::Forbidden);
        assert!(e.0.message.contains("dispatcher"), "{}", e.0.message);
    }
}
