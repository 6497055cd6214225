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
    Router::new().route("/api/health", get(health)).route("/api/v1/audit", get(audit))
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
}

async fn health(State(st): State<AppState>) -> AppResult<axum::Json<Health>> {
    Ok(axum::Json(Health {
        status: "ok".into(),
        store: format!("{:?}", st.store.dialect()).to_lowercase(),
        last_event_id: st.store.last_event_id().await?,
        now: cityops_core::calendar::to_timestamp(st.clock.now()),
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
