//! Platform utilisation (平台使用情况) of an area over a period: reports by channel, the share found
//! actively (inspectors), passively (citizens, the 12345 hotline) and automatically (video AI,
//! sensors), and the mean times from report to dispatch and from dispatch to the unit's feedback.

use chrono::NaiveDateTime;
use cityops_api::{Action, Channel, Stage};

use super::{Period, Scope};
use crate::workflow::Case;

/// The figures of one area and period.
#[derive(Debug, Clone, PartialEq)]
pub struct Utilisation {
    /// Reports made in the period (by `as_of`).
    pub reports: u32,
    /// Of which by channel, in [`Channel::ALL`] order.
    pub by_channel: Vec<(Channel, u32)>,
    /// Found by inspectors (主动发现).
    pub active: u32,
    /// Reported by citizens or the hotline (被动受理).
    pub passive: u32,
    /// Detected by video AI or sensors (自动发现).
    pub automatic: u32,
    /// Reports of the period dispatched by `as_of`.
    pub dispatched: u32,
    /// Mean minutes from report to (first) dispatch over those.
    pub mean_dispatch_minutes: Option<f64>,
    /// Dispatches of the period answered by the unit's feedback by `as_of`.
    pub handled: u32,
    /// Mean minutes from dispatch to that feedback.
    pub mean_handling_minutes: Option<f64>,
    /// Hours per trend bucket: 1 for a period of up to two days, else 24.
    pub trend_hours: u32,
    /// Reports per bucket from the period's start.
    pub trend: Vec<u32>,
    /// The five most reported types (most first, then by code).
    pub top_types: Vec<(cityops_api::TypeKey, u32)>,
}

/// Hours per trend bucket of a period: hourly up to two days, daily beyond.
pub fn trend_hours(period: Period) -> u32 {
    if period.to - period.from <= chrono::TimeDelta::hours(48) { 1 } else { 24 }
}

/// Which of the three ways a channel finds problems: 0 active, 1 passive, 2 automatic.
pub fn discovery(channel: Channel) -> usize {
    match channel {
        Channel::Inspector => 0,
        Channel::Citizen | Channel::Hotline => 1,
        Channel::VideoAi | Channel::Sensor => 2,
    }
}

/// The utilisation of an area (`Scope::Area`; `""` or the city code: everything) over `period`, as
/// known at `as_of`.
pub fn utilisation(cases: &[Case], area: &str, period: Period, as_of: NaiveDateTime) -> Utilisation {
    let mut by_channel: Vec<(Channel, u32)> = Channel::ALL.iter().map(|c| (*c, 0)).collect();
    let mut ways = [0u32; 3];
    let (mut dispatched, mut dispatch_min) = (0u32, 0i64);
    let (mut handled, mut handle_min) = (0u32, 0i64);
    let reported = cases.iter().filter(|c| {
        Scope::area_contains(area, &c.location) && period.contains(c.created_at) && c.created_at <= as_of
    });
    let bucket = i64::from(trend_hours(period)) * 3600;
    let buckets =
        usize::try_from(((period.to - period.from).num_seconds() + bucket - 1) / bucket).unwrap_or(0);
    let mut trend = vec![0u32; buckets];
    let mut types: std::collections::BTreeMap<cityops_api::TypeKey, u32> = std::collections::BTreeMap::new();
    let mut reports = 0;
    for case in reported {
        reports += 1;
        let slot = usize::try_from((case.created_at - period.from).num_seconds() / bucket).ok();
        if let Some(n) = slot.and_then(|i| trend.get_mut(i)) {
            *n += 1;
        }
        *types.entry(case.type_key.clone()).or_default() += 1;
        if let Some(slot) = by_channel.iter_mut().find(|(ch, _)| *ch == case.channel) {
            slot.1 += 1;
        }
        if let Some(w) = ways.get_mut(discovery(case.channel)) {
            *w += 1;
        }
        // The first dispatch, and the feedback that ended the handling it opened.
        let first = case.history.iter().position(|e| {
            e.stage == Stage::Dispatch
                && e.action == Some(Action::Dispatch)
                && e.ended_at.is_some_and(|t| t <= as_of)
        });
        let Some(i) = first else { continue };
        let Some(at) = case.history.get(i).and_then(|e| e.ended_at) else { continue };
        dispatched += 1;
        dispatch_min += (at - case.created_at).num_minutes();
        let fed_back = case.history.get(i + 1).filter(|e| {
            e.stage == Stage::Handle
                && e.action == Some(Action::Feedback)
                && e.ended_at.is_some_and(|t| t <= as_of)
        });
        if let Some(end) = fed_back.and_then(|e| e.ended_at) {
            handled += 1;
            handle_min += (end - at).num_minutes();
        }
    }
    let mean = |sum: i64, n: u32| (n > 0).then(|| sum as f64 / f64::from(n));
    let [active, passive, automatic] = ways;
    let mut top_types: Vec<(cityops_api::TypeKey, u32)> = types.into_iter().collect();
    top_types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.code.cmp(&b.0.code)));
    top_types.truncate(5);
    Utilisation {
        reports,
        by_channel,
        active,
        passive,
        automatic,
        dispatched,
        mean_dispatch_minutes: mean(dispatch_min, dispatched),
        handled,
        mean_handling_minutes: mean(handle_min, handled),
        trend_hours: trend_hours(period),
        trend,
        top_types,
    }
}
