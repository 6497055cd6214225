//! The city's picture at any past instant, rebuilt from the event log (replay, the briefing).
//!
//! A [`Frame`] is what the live map is made of, as of one event: the cases on the map (active,
//! parked, closed in the last [`CLOSED_FOR`]), every vehicle's last fix and the alerts of the
//! last [`ALERTS_FOR`]. Applying the events in id order moves a frame on; [`Frame::age`] drops
//! what has left the map by an instant; [`Frame::map`] turns it into the [`LiveMap`] a viewport
//! is answered from, classed (due soon, overdue) at that instant. The service keeps frames as
//! periodic snapshots, so the picture at `at` is the latest snapshot before `at` plus the events
//! since — the same rules as the live map, so the two agree (the property test in
//! `history/tests.rs` holds them to it).
//!
//! Cases are kept slim (no stage log, no reporter): what lists and the map show.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use cityops_api::{CaseDto, CaseStatus, EventBody, LiveEvent, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::{from_timestamp, to_timestamp};
use crate::index::{ALERTS_FOR, CLOSED_FOR, IndexError, LiveMap};

/// The state of the live map as of one event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// The last event reflected (0: none).
    pub last_event_id: u64,
    /// Cases on the map by id (slim: no stage log, no reporter), as their last event left them.
    pub cases: BTreeMap<i64, CaseDto>,
    /// Every vehicle's last fix, by vehicle id.
    pub vehicles: BTreeMap<String, LiveEvent>,
    /// Alerts still on the map, by alert id.
    pub alerts: BTreeMap<String, LiveEvent>,
    /// Penalty files on the map (not archived), by file id: their last event.
    #[serde(default)]
    pub enforcement: BTreeMap<i64, LiveEvent>,
}

/// The slim form of a case kept in frames and answered by lists: no stage log, no events, no
/// reporter; `overdue` and `due_soon` judged at `now`.
pub fn slim_case(c: &CaseDto, now: Timestamp) -> CaseDto {
    let mut c = c.clone().without_reporter();
    c.overdue = c.status.overdue(c.deadline, now);
    c.due_soon = c.status.due_soon(c.due_soon_at, c.deadline, now);
    c.history.clear();
    c.events.clear();
    c
}

impl Frame {
    /// Apply one event (in id order; an event at or below the last one is skipped and `false`
    /// returned).
    pub fn apply(&mut self, e: &LiveEvent) -> bool {
        if e.id <= self.last_event_id {
            return false;
        }
        self.last_event_id = e.id;
        match &e.body {
            EventBody::Case { case } => {
                if case.status == CaseStatus::Cancelled {
                    self.cases.remove(&case.id);
                } else {
                    self.cases.insert(case.id, slim_case(case, case.updated_at));
                }
            }
            // The wire's form of a case event never enters the service's log, which holds cases
            // whole (`LiveEvent::for_wire` makes marks on the way out): a frame lists documents.
            EventBody::CaseMark { .. } => {}
            EventBody::Vehicle { vehicle_id, .. } => {
                self.vehicles.insert(vehicle_id.clone(), e.clone());
            }
            EventBody::Alert { alert_id, .. } => {
                self.alerts.insert(alert_id.clone(), e.clone());
            }
            EventBody::Enforcement { file } => {
                if file.stage == cityops_api::EnfStage::Archived {
                    self.enforcement.remove(&file.id);
                } else {
                    self.enforcement.insert(file.id, e.clone());
                }
            }
            EventBody::Sensor { .. } | EventBody::Calendar { .. } | EventBody::Detection { .. } => {}
        }
        true
    }

    /// Drop what has left the map by `now`: cases closed and alerts raised longer ago than they
    /// stay (the live map's [`LiveMap::sweep`] rule).
    pub fn age(&mut self, now: NaiveDateTime) {
        self.cases.retain(|_, c| {
            c.status != CaseStatus::Closed || from_timestamp(c.updated_at) + CLOSED_FOR >= now
        });
        self.alerts.retain(|_, e| from_timestamp(e.at) + ALERTS_FOR >= now);
        self.enforcement.retain(|_, e| match &e.body {
            EventBody::Enforcement { file } => {
                file.class_at(e.at) != cityops_api::StatusClass::Closed
                    || from_timestamp(file.updated_at) + CLOSED_FOR >= now
            }
            _ => false,
        });
    }

    /// The live map of this frame at `now`: `base` (the operations layers) plus the frame's cases,
    /// vehicles and alerts, classed at `now`, following the stream after the frame's last event.
    /// A feature the index refuses (outside the map) is left off and listed.
    pub fn map(&self, mut base: LiveMap, now: NaiveDateTime) -> (LiveMap, Vec<(String, IndexError)>) {
        let at = to_timestamp(now);
        let mut refused = Vec::new();
        for c in self.cases.values() {
            if let Err(e) = base.load_case(&slim_case(c, at)) {
                refused.push((format!("case {}", c.id), e));
            }
        }
        // Vehicles and alerts in event order, as the live map met them.
        let mut rest: Vec<&LiveEvent> =
            self.vehicles.values().chain(self.alerts.values()).chain(self.enforcement.values()).collect();
        rest.sort_by_key(|e| e.id);
        for e in rest {
            if let Err(err) = base.load(e) {
                refused.push((format!("event {}", e.id), err));
            }
        }
        base.resume_after(self.last_event_id);
        base.sweep(now);
        (base, refused)
    }

    /// The cases of the frame classed at `now` (overdue, due soon), newest first (by id, as the
    /// store lists them) — what a case list as of `now` holds from the map.
    pub fn cases_at(&self, now: NaiveDateTime) -> Vec<CaseDto> {
        let at = to_timestamp(now);
        self.cases.values().rev().map(|c| slim_case(c, at)).collect()
    }
}

#[cfg(test)]
mod tests;
