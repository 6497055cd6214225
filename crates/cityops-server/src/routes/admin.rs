//! Health and the audit log.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use cityops_api::Role;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::AppResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/tokens", axum::routing::post(create_token))
}

/// Health answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Backend (`sqlite` or `postgres`).
    pub store: String,
    /// Last event id.
    pub last_event_id: u64,
    /// The service's current time (China Standard Time; scaled when simulating).
    pub now: cityops_api::Timestamp,
    /// How many times faster than the wall clock the service's time runs (1 = real time).
    pub time_scale: f64,
}

async fn health(State(st): State<AppState>) -> AppResult<axum::Json<Health>> {
    Ok(axum::Json(Health {
        status: "ok".into(),
        store: format!("{:?}", st.store.dialect()).to_lowercase(),
        last_event_id: st.store.last_event_id().await?,
        now: cityops_core::calendar::to_timestamp(st.clock.now()),
        time_scale: st.clock.scale(),
    }))
}

/// One audit entry on the wire.
#[derive(Debug, Serialize, Deserialize)]
pub struct AuditDto {
    /// Entry id.
    pub id: i64,
    /// When.
    pub at: cityops_api::Timestamp,
    /// Who.
    pub actor: String,
    /// Role.
    pub role: Role,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// Details.
    pub detail: String,
    /// From where.
    pub remote: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    limit: Option<u32>,
}

async fn audit(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<axum::Json<Vec<AuditDto>>> {
    caller.require(&[Role::Leader], "read the audit log")?;
    let entries = st.store.audit_entries(q.limit.unwrap_or(100).min(1000)).await?;
    Ok(axum::Json(
        entries
            .into_iter()
            .map(|e| AuditDto {
                id: e.id,
                at: e.entry.at,
                actor: e.entry.actor,
                role: e.entry.role,
                action: e.entry.action,
                target: e.entry.target,
                detail: e.entry.detail,
                remote: e.entry.remote,
            })
            .collect(),
    ))
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenDto {
    /// Role the token grants.
    pub role: Role,
    /// Label (a department token's label is its unit code).
    pub label: String,
    /// District scope.
    #[serde(default)]
    pub district: Option<String>,
}

/// Answer of `POST /api/v1/tokens`: the token, shown once.
#[derive(Debug, Deserialize, Serialize)]
pub struct TokenDto {
    /// The bearer token.
    pub token: String,
}

async fn create_token(
    State(st): State<AppState>,
    caller: Caller,
    crate::extract::ApiJson(req): crate::extract::ApiJson<NewTokenDto>,
) -> AppResult<(axum::http::StatusCode, axum::Json<TokenDto>)> {
    use crate::error::AppError;
    caller.require(&[], "create tokens")?;
    if req.label.is_empty() || req.label.len() > 64 {
        return Err(AppError::invalid("label must be 1..=64 characters"));
    }
    if req.role == Role::Department && st.city.pack.organisation.unit(&req.label).is_none() {
        return Err(AppError::invalid(format!(
            "a department token's label must be a unit code; {:?} is not",
            req.label
        )));
    }
    if let Some(d) = &req.district
        && st.city.pack.organisation.district(d).is_none()
    {
        return Err(AppError::invalid(format!("unknown district {d:?}")));
    }
    let token = crate::auth::new_token()
        .map_err(|e| AppError::new(cityops_api::ErrorCode::Internal, e.to_string()))?;
    st.store
        .create_token(cityops_store::NewToken {
            hash: crate::auth::hash_token(&token),
            role: req.role,
            district_code: req.district,
            label: req.label,
            created_at: cityops_core::calendar::to_timestamp(st.clock.now()),
        })
        .await?;
    Ok((axum::http::StatusCode::CREATED, axum::Json(TokenDto { token })))
}
