//! The work queue (待办): which active cases await an actor, how pressing each is, and in which
//! order to work them. Pure: the caller supplies the cases, the calendar and "now".
//!
//! A case is in an actor's queue when the actor may take the step that moves it on (its bucket's
//! action: 受理, 立案, 派遣, 反馈, 核查, 结案) — the workflow's own rules decide (role, channel,
//! district, assigned unit), so the queue cannot disagree with what the actor may do. A leader's
//! queue is every active case the leader may urge (督办). Parked (挂账) cases have no running
//! deadline and are not queued.

use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::{Action, CaseStatus, Channel, QueueBucket, Role, Urgency};

use super::{Actor, Case};
use crate::calendar::{Basis, Calendar, CalendarError};

/// One queued case, judged at some instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Case id.
    pub id: i64,
    /// What it waits for.
    pub bucket: QueueBucket,
    /// Red, yellow or neither.
    pub urgency: Urgency,
    /// Working time left until the deadline (negative once past it); `None` without a deadline.
    pub remaining: Option<TimeDelta>,
    /// The deadline.
    pub deadline: Option<NaiveDateTime>,
}

/// The action that takes a case out of `bucket` for `role` (a leader's is 督办).
fn action_of(role: Role, bucket: QueueBucket) -> Action {
    if role == Role::Leader { Action::Supervise } else { bucket.action() }
}

/// Whether `role` works `bucket` at all (for some channel): the buckets of its queue.
pub fn works(role: Role, bucket: QueueBucket) -> bool {
    Channel::ALL.into_iter().any(|c| super::rules::role_may(role, action_of(role, bucket), bucket.stage(), c))
}

/// The bucket in which `case` awaits `actor`, if it does.
pub fn bucket(case: &Case, actor: &Actor) -> Option<QueueBucket> {
    if case.status != CaseStatus::Active {
        return None;
    }
    let bucket = QueueBucket::of(case.stage)?;
    case.check(action_of(actor.role, bucket), actor).ok().map(|()| bucket)
}

/// The queue entry of `case` for `actor` at `now`, if it is queued.
pub fn entry(
    case: &Case,
    actor: &Actor,
    calendar: &Calendar,
    now: NaiveDateTime,
) -> Result<Option<Entry>, CalendarError> {
    let Some(bucket) = bucket(case, actor) else { return Ok(None) };
    let remaining = match case.deadline {
        Some(d) => Some(calendar.remaining(now, d, Basis::Working)?),
        None => None,
    };
    let urgency = if case.is_overdue(now) {
        Urgency::Overdue
    } else if case.is_due_soon(now) {
        Urgency::DueSoon
    } else {
        Urgency::Normal
    };
    Ok(Some(Entry { id: case.id, bucket, urgency, remaining, deadline: case.deadline }))
}

/// Sort most urgent first: the least working time left (so the most overdue first); on a tie
/// (e.g. outside working hours, where no working time passes) red before yellow before the
/// rest, then the earlier deadline, then the older case (lower id); cases without a deadline
/// last.
pub fn order(entries: &mut [Entry]) {
    let rank = |u: Urgency| match u {
        Urgency::Overdue => 0,
        Urgency::DueSoon => 1,
        Urgency::Normal => 2,
    };
    entries.sort_by(|a, b| {
        (a.remaining.is_none().cmp(&b.remaining.is_none()))
            .then_with(|| a.remaining.cmp(&b.remaining))
            .then_with(|| rank(a.urgency).cmp(&rank(b.urgency)))
            .then_with(|| a.deadline.cmp(&b.deadline))
            .then_with(|| a.id.cmp(&b.id))
    });
}
