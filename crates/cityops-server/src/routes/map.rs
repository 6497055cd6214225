//! `/api/v1/map/viewport` and `/api/v1/vehicles`: what a map view draws — points and status-mix
//! clusters from the live index, with each layer's "data as of" — and where the vehicles are.

use axum::extract::State;
use cityops_api::ep;

use crate::app;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::{ApiRouter, QueryOf, Reply};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new().at::<ep::Viewport, _, _>(viewport).at::<ep::Vehicles, _, _>(vehicles)
}

async fn viewport(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::Viewport>,
) -> AppResult<Reply<ep::Viewport>> {
    Ok(Reply(app::viewport(&st, &caller, &q).await?))
}

async fn vehicles(State(st): State<AppState>, caller: Caller) -> AppResult<Reply<ep::Vehicles>> {
    Ok(Reply(app::vehicles(&st, &caller).await?))
}
