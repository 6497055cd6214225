//! `/api/v1/map/viewport`: what a map view draws — points and status-mix clusters from the live
//! index, with each layer's "data as of".

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use cityops_api::{ErrorCode, MapViewDto};
use cityops_core::index::{MapViewError, ViewParams};

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/map/viewport", get(viewport))
}

async fn viewport(
    State(st): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<ViewParams>,
) -> AppResult<axum::Json<MapViewDto>> {
    let answer = st
        .map
        .with(|m| m.view(&q))
        .ok_or_else(|| AppError::new(ErrorCode::Unavailable, "the map is unavailable"))?
        .map_err(|e| match e {
            MapViewError::Params(p) => AppError::invalid(p.to_string()),
            MapViewError::Index(i) => AppError::invalid(i.to_string()),
        })?;
    Ok(axum::Json(answer))
}
