//! `/api/v1/calendar`: one year of the working calendar with its source, and loading a State
//! Council holiday notice (admin).

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use cityops_api::{CalendarImportDto, CalendarYearDto};

use crate::app;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::extract::ApiPath;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/calendar/{year}", get(year)).route("/api/v1/calendar/notices", post(import))
}

async fn year(
    State(st): State<AppState>,
    _caller: Caller,
    ApiPath(year): ApiPath<i32>,
) -> AppResult<axum::Json<CalendarYearDto>> {
    Ok(axum::Json(app::calendar_year(&st, year)?))
}

async fn import(
    State(st): State<AppState>,
    caller: Caller,
    body: String,
) -> AppResult<axum::Json<CalendarImportDto>> {
    Ok(axum::Json(app::import_notices(&st, &caller, &body).await?))
}
