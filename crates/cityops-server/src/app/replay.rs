//! The city as it was: the viewport and the case list at a past instant (`at`), rebuilt from the
//! history ([`crate::history`]). A district token sees its district's past only, as it does the
//! present.
//!
//! The case list at `at` joins two sources that do not overlap: the cases on the map at `at`
//! (active, parked, closed in the day before) come from the rebuilt frame, as they were then;
//! every other case that existed then had ended (closed earlier, or cancelled) and has not changed
//! since, so its stored document is how it was — the store lists those.

use cityops_api::query::{CaseQuery, ViewQuery};
use cityops_api::{CasePageDto, CaseStatus, MapViewDto, Timestamp};
use cityops_core::calendar::to_timestamp;
use cityops_core::index::{CLOSED_FOR, MapViewError};
use cityops_store::CaseFilter;

use super::{case_filter, slim};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a map view drew at `at`.
pub async fn viewport_at(
    st: &AppState,
    caller: &Caller,
    q: &ViewQuery,
    at: Timestamp,
) -> AppResult<MapViewDto> {
    // The request is checked before the history is read.
    cityops_core::index::view_query(q).map_err(|e| AppError::invalid(e.to_string()))?;
    let picture = st.history.picture(at).await?;
    let map = st.history.map_of(&picture, caller.district.as_deref());
    let mut v = map.view(q).map_err(|e| match e {
        MapViewError::Params(p) => AppError::invalid(p.to_string()),
        MapViewError::Index(i) => AppError::invalid(i.to_string()),
    })?;
    // "Data as of" is the instant shown.
    for t in v.as_of.values_mut() {
        *t = (*t).min(at);
    }
    Ok(v)
}

/// The case list as it was at `at`: filters judged then (`overdue` at `at`), newest first.
pub async fn list_cases_at(
    st: &AppState,
    caller: &Caller,
    q: &CaseQuery,
    at: Timestamp,
) -> AppResult<CasePageDto> {
    let f = case_filter(caller, q, at)?;
    let picture = st.history.picture(at).await?;
    let limit = f.limit.unwrap_or(cityops_store::DEFAULT_PAGE).clamp(1, cityops_store::MAX_PAGE);
    let offset = f.offset.unwrap_or(0);
    // On the map then, as it was.
    let mut items: Vec<_> = picture.frame.cases_at(picture.at).into_iter().filter(|c| f.matches(c)).collect();
    let mut total = items.len() as u64;
    // Ended before then and unchanged since: closed more than a day before, or cancelled.
    if f.overdue_at.is_none() {
        let ended = [
            (CaseStatus::Closed, to_timestamp(picture.at - CLOSED_FOR)),
            (CaseStatus::Cancelled, at + chrono::Duration::milliseconds(1)),
        ];
        for (status, before) in ended {
            if f.status.is_some_and(|s| s != status) {
                continue;
            }
            // The newest `offset + limit` of them: the merged page needs no more.
            let filter = CaseFilter { status: Some(status), updated_before: Some(before), ..f.clone() };
            let (ended, all) = super::newest_cases(st, filter, u64::from(offset) + u64::from(limit)).await?;
            total += all;
            items.extend(ended.iter().map(|c| slim(c, at)));
        }
    }
    items.sort_by_key(|c| std::cmp::Reverse(c.id));
    let items = items.into_iter().skip(offset as usize).take(limit as usize).collect();
    Ok(CasePageDto { items, total, limit, offset })
}
