//! `/api/v1/calendar`: one year of the working calendar with its source, and loading a State
//! Council holiday notice (admin).

use axum::extract::State;
use cityops_api::ep;

use crate::app;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::{ApiRouter, PathOf, Reply, TextOf};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new().at::<ep::CalendarYear, _, _>(year).at::<ep::ImportNotices, _, _>(import)
}

async fn year(
    State(st): State<AppState>,
    _caller: Caller,
    PathOf(p): PathOf<ep::CalendarYear>,
) -> AppResult<Reply<ep::CalendarYear>> {
    Ok(Reply(app::calendar_year(&st, p.year)?))
}

async fn import(
    State(st): State<AppState>,
    caller: Caller,
    TextOf(body, _): TextOf<ep::ImportNotices>,
) -> AppResult<Reply<ep::ImportNotices>> {
    Ok(Reply(app::import_notices(&st, &caller, &body).await?))
}
