//! Bearer-token authentication and the caller it yields. Tokens are random 256-bit values shown
//! once at creation; the store keeps only their SHA-256. A token carries a role and a scope (the
//! whole city, or one district).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use cityops_api::endpoint::{Format, Info, Method, Scope};
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

/// How long a token read from the store is trusted before it is read again: a revocation (by
/// `token revoke`, on any instance) is honoured within this time.
pub const TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// Tokens read recently, by hash (also those found unknown or revoked), so a request does not
/// read the token table each time.
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    seen: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Seen>>>,
}

/// When a token was read, and what was found.
type Seen = (std::time::Instant, Option<cityops_store::TokenRecord>);

/// The most tokens the cache holds (a flood of made-up tokens cannot grow it further).
const TOKEN_CACHE_MAX: usize = 10_000;

impl TokenCache {
    /// The token of `hash`: from the cache while fresh, else from the store.
    pub async fn get(
        &self,
        store: &dyn cityops_store::Store,
        hash: &str,
    ) -> Result<Option<cityops_store::TokenRecord>, AppError> {
        let now = std::time::Instant::now();
        if let Ok(seen) = self.seen.lock()
            && let Some((at, record)) = seen.get(hash)
            && now.duration_since(*at) < TOKEN_TTL
        {
            return Ok(record.clone());
        }
        let record = store.token(hash).await?;
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() >= TOKEN_CACHE_MAX {
                seen.retain(|_, (at, _)| now.duration_since(*at) < TOKEN_TTL);
                if seen.len() >= TOKEN_CACHE_MAX {
                    seen.clear();
                }
            }
            seen.insert(hash.to_owned(), (now, record.clone()));
        }
        Ok(record)
    }
}

/// Stream tickets: tokens that open the event stream and nothing else, minted by this process for
/// a page of its own (the desktop's web view follows its embedded service's stream directly,
/// without the shell's copy in between) and never stored: they end with the process. A ticket
/// reads what the token it was minted beside reads (its role and district scope).
#[derive(Debug, Clone, Default)]
pub struct StreamTickets {
    by_hash: std::sync::Arc<std::sync::RwLock<std::collections::HashMap<String, Ticket>>>,
}

/// Whom a stream ticket stands for.
#[derive(Debug, Clone)]
struct Ticket {
    label: String,
    role: cityops_api::Role,
    district: Option<String>,
}

impl StreamTickets {
    /// A new ticket for `label` with `role` and `district` scope.
    pub fn mint(
        &self,
        label: &str,
        role: cityops_api::Role,
        district: Option<String>,
    ) -> Result<String, getrandom::Error> {
        let token = new_token()?;
        if let Ok(mut t) = self.by_hash.write() {
            t.insert(hash_token(&token), Ticket { label: label.to_owned(), role, district });
        }
        Ok(token)
    }

    /// The caller a ticket stands for, if `hash` is one.
    fn caller(&self, hash: &str, remote: &str) -> Option<Caller> {
        let t = self.by_hash.read().ok()?;
        let t = t.get(hash)?;
        Some(Caller {
            label: t.label.clone(),
            role: t.role,
            district: t.district.clone(),
            remote: remote.to_owned(),
        })
    }
}

/// Resolve a raw token to a caller.
pub async fn resolve(state: &AppState, token: &str, remote: String) -> Result<Caller, AppError> {
    resolve_hash(state, &hash_token(token), remote).await
}

/// Resolve a token, given its hash, to a caller.
async fn resolve_hash(state: &AppState, hash: &str, remote: String) -> Result<Caller, AppError> {
    let record = state.tokens.get(&*state.store, hash).await?;
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

/// Whether `info` is the event stream (the one endpoint a browser's EventSource calls).
fn is_stream(info: &Info) -> bool {
    info.response == Format::EventStream && info.method == Method::Get
}

/// The bearer token of a request: from `Authorization`, or — only where a browser cannot send a
/// header, the event stream (EventSource) — from `?access_token=`.
fn token_of(parts: &Parts, info: &Info) -> Result<String, AppError> {
    let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let query_token = parts.uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "access_token").map(|(_, v)| v.into_owned())
    });
    match (header, query_token) {
        (Some(h), _) => Ok(h
            .strip_prefix("Bearer ")
            .ok_or_else(|| {
                AppError::new(ErrorCode::Unauthenticated, "Authorization must be `Bearer <token>`")
            })?
            .trim()
            .to_owned()),
        (None, Some(q)) if is_stream(info) => Ok(q),
        (None, Some(_)) => Err(AppError::new(
            ErrorCode::Unauthenticated,
            "a token in the query string (access_token) is accepted only by the event stream; send \
             `Authorization: Bearer <token>`",
        )),
        (None, None) => {
            Err(AppError::new(ErrorCode::Unauthenticated, "missing `Authorization: Bearer <token>`"))
        }
    }
}

impl Caller {
    /// Fail unless this caller may call the endpoint `info` at all: its role is one the table
    /// allows, and a `WholeCity` endpoint needs a token of the whole city. (What a `District`
    /// endpoint answers a district token is the app layer's scope rule.)
    pub fn admit(&self, info: &Info) -> Result<(), AppError> {
        if !info.access.allows(self.role) {
            let allowed: Vec<String> = info.access.roles.iter().map(cityops_api::wire_name).collect();
            return Err(AppError::forbidden(format!(
                "role {} ({}) may not call {}; allowed: {} and admin",
                cityops_api::wire_name(&self.role),
                self.role.zh(),
                info.name,
                allowed.join(", ")
            )));
        }
        if info.access.scope == Scope::WholeCity
            && let Some(d) = &self.district
        {
            return Err(AppError::forbidden(format!(
                "{} needs a token of the whole city; this token is limited to district {d}",
                info.name
            )));
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Every route is mounted through ApiRouter, which attaches its Info; without it, refuse.
        let info = *parts.extensions.get::<Info>().ok_or_else(|| {
            AppError::new(ErrorCode::Internal, "route mounted without its endpoint (a build defect)")
        })?;
        let token = token_of(parts, &info)?;
        let remote = remote_of(parts);
        let hash = hash_token(&token);
        let caller = match state.tickets.caller(&hash, &remote) {
            Some(_) if !is_stream(&info) => {
                return Err(AppError::forbidden(format!(
                    "a stream ticket opens only the event stream (GET /api/v1/events), not {}",
                    info.name
                )));
            }
            Some(ticket) => ticket,
            None => resolve_hash(state, &hash, remote).await?,
        };
        caller.admit(&info)?;
        Ok(caller)
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
        let feeds = <cityops_api::ep::FeedGps as cityops_api::endpoint::Endpoint>::INFO;
        assert!(c.admit(&feeds).is_err(), "feeds are for acceptors and inspectors");
        let list = <cityops_api::ep::ListCases as cityops_api::endpoint::Endpoint>::INFO;
        assert!(c.admit(&list).is_ok());
        let audit = <cityops_api::ep::Audit as cityops_api::endpoint::Endpoint>::INFO;
        let e = Caller { role: Role::Leader, ..c.clone() }.admit(&audit).unwrap_err();
        assert_eq!(e.0.code, ErrorCode::Forbidden);
        assert!(e.0.message.contains("whole city"), "{}", e.0.message);
        let e = c.admit(&audit).unwrap_err();
        assert!(e.0.message.contains("dispatcher"), "{}", e.0.message);
    }
}
