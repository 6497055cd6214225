//! The caller's work queue (`GET /api/v1/queue`): the active cases of the caller's district that
//! await the caller's role (and, for a department, its unit), judged by the core's queue rules
//! ([`cityops_core::workflow::queue`]) at the service's now.

use cityops_api::query::QueueQuery;
use cityops_api::{
    CaseStatus, DueSoonRuleDto, QueueBucket, QueueCountDto, QueueDto, QueueItemDto, Role, Urgency,
};
use cityops_core::calendar::to_timestamp;
use cityops_core::workflow::Case;
use cityops_core::workflow::queue::{self, Entry};
use cityops_store::CaseFilter;

use super::{actor, slim};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Largest page.
pub const MAX_QUEUE_PAGE: u32 = 500;
/// Default page.
pub const DEFAULT_QUEUE_PAGE: u32 = 50;

/// A page of the caller's queue with the counts of every bucket the caller works.
pub async fn queue(st: &AppState, caller: &Caller, q: &QueueQuery) -> AppResult<QueueDto> {
    let limit = q.limit.unwrap_or(DEFAULT_QUEUE_PAGE);
    if !(1..=MAX_QUEUE_PAGE).contains(&limit) {
        return Err(AppError::invalid(format!("limit={limit} must be 1..={MAX_QUEUE_PAGE}")));
    }
    let offset = q.offset.unwrap_or(0);
    let now = st.clock.now();
    let calendar = st.calendar.current();
    let who = actor(caller);
    let mut counts: Vec<QueueCountDto> = QueueBucket::ALL
        .into_iter()
        .filter(|b| queue::works(caller.role, *b))
        .map(|bucket| QueueCountDto { bucket, total: 0, due_soon: 0, overdue: 0 })
        .collect();
    let mut entries: Vec<Entry> = Vec::new();
    let mut cases: std::collections::HashMap<i64, cityops_api::CaseDto> = std::collections::HashMap::new();
    for bucket in counts.iter().map(|c| c.bucket).collect::<Vec<_>>() {
        let filter = CaseFilter {
            area: caller.district.clone(),
            unit_code: (caller.role == Role::Department).then(|| caller.label.clone()),
            stage: Some(bucket.stage()),
            status: Some(CaseStatus::Active),
            ..Default::default()
        };
        for dto in super::all_cases(st, filter).await? {
            let case = Case::from_dto(&dto);
            if let Some(e) = queue::entry(&case, &who, &calendar, now)? {
                if let Some(c) = counts.iter_mut().find(|c| c.bucket == e.bucket) {
                    c.total += 1;
                    c.due_soon += u64::from(e.urgency == Urgency::DueSoon);
                    c.overdue += u64::from(e.urgency == Urgency::Overdue);
                }
                if q.bucket.is_none_or(|b| b == e.bucket) {
                    cases.insert(e.id, dto);
                    entries.push(e);
                }
            }
        }
    }
    queue::order(&mut entries);
    let total = entries.len() as u64;
    let now_ts = to_timestamp(now);
    let items = entries
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .filter_map(|e| {
            let dto = cases.get(&e.id)?;
            Some(QueueItemDto {
                case: slim(dto, now_ts),
                bucket: e.bucket,
                urgency: e.urgency,
                remaining_working_minutes: e.remaining.map(|r| r.num_minutes()),
            })
        })
        .collect();
    let rule = st.city.limits.due_soon;
    Ok(QueueDto {
        as_of: now_ts,
        counts,
        total,
        items,
        limit,
        offset,
        rule: DueSoonRuleDto { share: rule.share, floor_working_hours: rule.floor_working_hours },
    })
}
