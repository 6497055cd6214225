//! Health, the audit log and token creation.

use axum::extract::State;
use cityops_api::ep;

use crate::app;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::{ApiRouter, BodyOf, QueryOf, Reply};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new()
        .at::<ep::Health, _, _>(health)
        .at::<ep::Audit, _, _>(audit)
        .at::<ep::CreateToken, _, _>(create_token)
}

async fn health(State(st): State<AppState>) -> AppResult<Reply<ep::Health>> {
    Ok(Reply(app::health(&st).await?))
}

async fn audit(
    State(st): State<AppState>,
    _caller: Caller,
    QueryOf(q): QueryOf<ep::Audit>,
) -> AppResult<Reply<ep::Audit>> {
    Ok(Reply(app::audit_log(&st, q).await?))
}

async fn create_token(
    State(st): State<AppState>,
    caller: Caller,
    BodyOf(req): BodyOf<ep::CreateToken>,
) -> AppResult<Reply<ep::CreateToken>> {
    Ok(Reply(app::create_token(&st, &caller, req).await?))
}
