//! The city as it was: the viewport and the case list at a past instant (`at`), rebuilt from the
//! history ([`crate::history`]). A district token sees its district's past only, as it does the
//! present.
//!
//! The case list at `at` joins two sources that do not overlap: the cases on the map at `at`
//! (active, parked, closed in the day before) come from the rebuilt frame, as they were then;
//! every other case that existed then had ended (closed earlier, or cancelled) and has not changed
//! since, so its stored document is how it was — the store lists those.

use cityops_api::query::{CaseQuery, EventLogQuery, ViewQuery};
use cityops_api::{CasePageDto, CaseStatus, EventBody, EventLogDto, MapViewDto, Timestamp, VehicleDto};
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

/// Events read from the log per round trip.
const LOG_BATCH: u32 = 5000;
/// The most events one answer of the event log holds, and the default.
const LOG_LIMIT: (u32, u32) = (20_000, 5000);

/// The events after `from` up to `to` that the caller sees, with each vehicle's last fix at
/// `from`: what moves the picture at `from` on (the same events, in the same order, the history
/// applies to rebuild a later picture). A cut by the limit ends between two instants, so that
/// asking again from `until` misses nothing.
pub async fn event_log(st: &AppState, caller: &Caller, q: &EventLogQuery) -> AppResult<EventLogDto> {
    let limit = q.limit.unwrap_or(LOG_LIMIT.1);
    if !(1..=LOG_LIMIT.0).contains(&limit) {
        return Err(AppError::invalid(format!("limit={limit} must be between 1 and {}", LOG_LIMIT.0)));
    }
    if q.to < q.from {
        return Err(AppError::invalid(format!("to={} is before from={}", q.to, q.from)));
    }
    let now = st.clock.now();
    if cityops_core::calendar::from_timestamp(q.to) > now {
        return Err(crate::history::HistoryError::Future { at: q.to, now: to_timestamp(now) }.into());
    }
    let start = st.history.picture(q.from).await?;
    let sees = |body: &EventBody| super::scope::sees_event(st, caller, body);
    let vehicles = start
        .frame
        .vehicles
        .values()
        .filter(|e| sees(&e.body))
        .filter_map(|e| match &e.body {
            EventBody::Vehicle { vehicle_id, lon, lat, speed_kmh, heading_deg } => Some(VehicleDto {
                id: vehicle_id.clone(),
                lon: *lon,
                lat: *lat,
                speed_kmh: *speed_kmh,
                heading_deg: *heading_deg,
                at: e.at,
            }),
            _ => None,
        })
        .collect();
    let last = st.store.last_event_until(q.to).await?.unwrap_or(0);
    let mut after = start.frame.last_event_id;
    let mut items = Vec::new();
    let mut until = q.to;
    'read: while after < last {
        let batch = st.store.events_after(after, LOG_BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for e in batch {
            after = e.id;
            if e.id > last {
                break 'read;
            }
            if !sees(&e.body) {
                continue;
            }
            if items.len() == limit as usize {
                // Cut before the instant of the first event left out: the next answer starts there.
                let cut = e.at;
                let keep =
                    items.iter().rposition(|x: &cityops_api::LiveEvent| x.at < cut).map_or(0, |i| i + 1);
                // (More than `limit` events within one millisecond cannot be split: the answer
                // then reaches that instant.)
                until = match keep {
                    0 => cut,
                    k => {
                        items.truncate(k);
                        (cut - chrono::Duration::milliseconds(1)).max(q.from)
                    }
                };
                break 'read;
            }
            // What the map draws of a case, as the live stream sends it.
            items.push(match e.for_wire() {
                std::borrow::Cow::Owned(slim) => slim,
                std::borrow::Cow::Borrowed(_) => e,
            });
        }
    }
    Ok(EventLogDto { from: q.from, until, vehicles, items })
}
