//! `/api/v1/events`: the live stream (Server-Sent Events). Resume with the `Last-Event-ID` header
//! (browsers' EventSource sends it on reconnect) or `?after=<id>`. `/api/v1/events/log`: a past
//! stretch of the same events as JSON, for replay.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use cityops_api::ep;

use crate::app;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::http::{ApiRouter, QueryOf, Reply};
use crate::live;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new().at::<ep::Events, _, _>(events).at::<ep::EventLog, _, _>(log)
}

async fn log(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::EventLog>,
) -> AppResult<Reply<ep::EventLog>> {
    Ok(Reply(app::replay::event_log(&st, &caller, &q).await?))
}

async fn events(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    QueryOf(q): QueryOf<ep::Events>,
) -> AppResult<impl IntoResponse> {
    let header = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str().ok().and_then(|s| s.trim().parse::<u64>().ok()).ok_or_else(|| {
                AppError::invalid("Last-Event-ID must be the decimal id of the last event received")
            })
        })
        .transpose()?;
    let after = match (header, q.after) {
        (Some(h), _) => h,
        (None, Some(a)) => a,
        // A new client starts from now: the current picture comes from the REST reads.
        (None, None) => st.store.last_event_id().await?,
    };
    Ok(live::stream(st.store.clone(), &st.live, after, app::scope::visible_events(&st, caller)))
}
