//! `/api/v1/feeds/*`: batch ingest from the city's sources, idempotent on each source's own id
//! (the mapping and the rules are in `app::feeds`).

use axum::extract::State;
use cityops_api::ep;

use crate::app::feeds;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::{ApiRouter, BodyOf, Reply};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new()
        .at::<ep::FeedInspector, _, _>(inspector)
        .at::<ep::FeedHotline, _, _>(hotline)
        .at::<ep::FeedVideo, _, _>(video)
        .at::<ep::FeedSensor, _, _>(sensor)
        .at::<ep::FeedGps, _, _>(gps)
}

async fn inspector(
    State(st): State<AppState>,
    caller: Caller,
    BodyOf(items): BodyOf<ep::FeedInspector>,
) -> AppResult<Reply<ep::FeedInspector>> {
    Ok(Reply(feeds::inspector(&st, &caller, items).await?))
}

async fn hotline(
    State(st): State<AppState>,
    caller: Caller,
    BodyOf(items): BodyOf<ep::FeedHotline>,
) -> AppResult<Reply<ep::FeedHotline>> {
    Ok(Reply(feeds::hotline(&st, &caller, items).await?))
}

async fn video(
    State(st): State<AppState>,
    caller: Caller,
    BodyOf(items): BodyOf<ep::FeedVideo>,
) -> AppResult<Reply<ep::FeedVideo>> {
    Ok(Reply(feeds::video(&st, &caller, items).await?))
}

async fn sensor(
    State(st): State<AppState>,
    caller: Caller,
    BodyOf(items): BodyOf<ep::FeedSensor>,
) -> AppResult<Reply<ep::FeedSensor>> {
    Ok(Reply(feeds::sensor(&st, &caller, items).await?))
}

async fn gps(
    State(st): State<AppState>,
    caller: Caller,
    BodyOf(items): BodyOf<ep::FeedGps>,
) -> AppResult<Reply<ep::FeedGps>> {
    Ok(Reply(feeds::gps(&st, &caller, items).await?))
}
