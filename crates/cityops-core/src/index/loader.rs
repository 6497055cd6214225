//! [`LiveMapLoader`]: which cases belong on the live map and how a holder loads them — the one
//! rule the service's map and the desktop shell's map both follow, so the two start from the same
//! picture. Sans-IO: the loader says which page to read next ([`LiveMapLoader::next_query`]); the
//! holder reads it (from its store, or over HTTP) and hands it back; the loader never does IO.
//!
//! On the map: every active and every parked (挂账) case, and the cases closed in the last 24
//! hours (grey for a day); cancelled (作废) cases never; the operations layers (cameras,
//! facilities); every vehicle's latest position. `overdue` is evaluated at the loader's `now`,
//! whatever the stored document says.

use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::query::CaseQuery;
use cityops_api::{CaseDto, CaseStatus, EventBody, LiveEvent, VehicleDto};

use super::{IndexError, LiveMap};
use crate::calendar::to_timestamp;

/// How long a closed case stays on the map.
pub const CLOSED_FOR: TimeDelta = TimeDelta::hours(24);

/// How long an alert stays on the map.
pub const ALERTS_FOR: TimeDelta = TimeDelta::hours(24);

/// Loads a [`LiveMap`] page by page.
#[derive(Debug)]
pub struct LiveMapLoader {
    map: LiveMap,
    now: NaiveDateTime,
    queries: Vec<CaseQuery>,
    next: usize,
    offset: u32,
    loaded: usize,
}

impl LiveMapLoader {
    /// Cases per page.
    pub const PAGE: u32 = 1000;

    /// A loader for the picture at `now`, starting from `map` (with its operations layers).
    pub fn new(map: LiveMap, now: NaiveDateTime) -> Self {
        let status = |s: CaseStatus| CaseQuery { status: Some(s), ..CaseQuery::default() };
        let queries = vec![
            status(CaseStatus::Active),
            status(CaseStatus::Suspended),
            CaseQuery { updated_from: Some(to_timestamp(now - CLOSED_FOR)), ..status(CaseStatus::Closed) },
        ];
        LiveMapLoader { map, now, queries, next: 0, offset: 0, loaded: 0 }
    }

    /// The page to read next (the filters, `limit` and `offset` set), or `None` when every case
    /// is loaded.
    pub fn next_query(&self) -> Option<CaseQuery> {
        let q = self.queries.get(self.next)?;
        Some(CaseQuery { limit: Some(Self::PAGE), offset: Some(self.offset), ..q.clone() })
    }

    /// The cases of the page [`LiveMapLoader::next_query`] asked for. A case the index refuses
    /// (outside the map's extent) is left off and counted in the error list returned.
    pub fn accept_page(&mut self, items: &[CaseDto]) -> Vec<(i64, IndexError)> {
        let now = to_timestamp(self.now);
        let mut refused = Vec::new();
        for c in items {
            let mut c = c.clone();
            c.overdue = c.status.overdue(c.deadline, now);
            c.due_soon = c.status.due_soon(c.due_soon_at, c.deadline, now);
            match self.map.load_case(&c) {
                Ok(()) => self.loaded += 1,
                Err(e) => refused.push((c.id, e)),
            }
        }
        if items.len() < Self::PAGE as usize {
            self.next += 1;
            self.offset = 0;
        } else {
            self.offset += Self::PAGE;
        }
        refused
    }

    /// Every vehicle's latest position.
    pub fn accept_vehicles(&mut self, vehicles: &[VehicleDto]) -> Vec<(String, IndexError)> {
        let mut refused = Vec::new();
        for v in vehicles {
            let body = EventBody::Vehicle {
                vehicle_id: v.id.clone(),
                lon: v.lon,
                lat: v.lat,
                speed_kmh: v.speed_kmh,
                heading_deg: v.heading_deg,
            };
            if let Err(e) = self.map.load(&LiveEvent { id: 0, at: v.at, body }) {
                refused.push((v.id.clone(), e));
            }
        }
        refused
    }

    /// Put the open penalty files (and those closed within a day) on the map, each as its mark.
    /// Returns the files the index refused, by id.
    pub fn accept_files(&mut self, files: &[cityops_api::EnfFileDto]) -> Vec<(i64, IndexError)> {
        let mut refused = Vec::new();
        for f in files {
            let body = EventBody::Enforcement { file: Box::new(f.mark()) };
            if let Err(e) = self.map.load(&LiveEvent { id: 0, at: f.updated_at, body }) {
                refused.push((f.id, e));
            }
        }
        refused
    }

    /// Cases loaded so far.
    pub fn loaded(&self) -> usize {
        self.loaded
    }

    /// The map, following the live stream after `last_event_id` (the last event committed when
    /// the loading began: later ones are applied from the stream, earlier ones are in the pages).
    pub fn finish(mut self, last_event_id: u64) -> LiveMap {
        self.map.resume_after(last_event_id);
        self.map.sweep(self.now);
        self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cityops_api::query::ViewQuery;
    use cityops_api::{MapItemDto, StatusClass};
    use cityops_test_support::{self as fixture, ts};

    fn case(id: i64, status: CaseStatus, deadline: &str, updated: &str) -> CaseDto {
        CaseDto {
            case_no: format!("QD{id}"),
            status,
            lon: 120.38 + (id % 100) as f64 * 0.001,
            lat: 36.07,
            deadline: Some(ts(deadline)),
            created_at: ts("2026-12-30T09:00:00+08:00"),
            updated_at: ts(updated),
            ..fixture::case(id)
        }
    }

    #[test]
    fn the_loader_asks_for_open_parked_and_recently_closed_cases_and_judges_overdue_now() {
        let now = NaiveDateTime::parse_from_str("2027-01-02 10:00", "%Y-%m-%d %H:%M").unwrap();
        let mut l = LiveMapLoader::new(LiveMap::new().unwrap(), now);
        let q = l.next_query().unwrap();
        assert_eq!((q.status, q.limit, q.offset), (Some(CaseStatus::Active), Some(1000), Some(0)));
        // A full page asks for the next one; a short one moves to the next filter.
        let full: Vec<CaseDto> = (1..=1000)
            .map(|i| case(i, CaseStatus::Active, "2027-01-05T10:00:00+08:00", "2027-01-01T09:00:00+08:00"))
            .collect();
        assert!(l.accept_page(&full).is_empty());
        assert_eq!(l.next_query().unwrap().offset, Some(1000));
        // Stored as not overdue, but its deadline passed before `now`.
        l.accept_page(&[case(
            1001,
            CaseStatus::Active,
            "2027-01-01T10:00:00+08:00",
            "2027-01-01T09:00:00+08:00",
        )]);
        assert_eq!(l.next_query().unwrap().status, Some(CaseStatus::Suspended));
        l.accept_page(&[]);
        let q = l.next_query().unwrap();
        assert_eq!(q.status, Some(CaseStatus::Closed));
        assert_eq!(q.updated_from, Some(ts("2027-01-01T10:00:00+08:00")), "closed in the last 24 h");
        l.accept_page(&[case(
            2001,
            CaseStatus::Closed,
            "2027-01-01T10:00:00+08:00",
            "2027-01-02T08:00:00+08:00",
        )]);
        assert!(l.next_query().is_none());
        assert_eq!(l.loaded(), 1002);
        let map = l.finish(77);
        assert_eq!(map.last_event_id(), 77);
        let v = map
            .view(&ViewQuery {
                west: 120.0,
                south: 36.0,
                east: 122.0,
                north: 36.2,
                zoom: 22.0,
                ..Default::default()
            })
            .unwrap();
        let status = |id: u64| {
            v.items.iter().find_map(|i| match i {
                MapItemDto::Point { id: p, status, .. } if *p == id => Some(*status),
                _ => None,
            })
        };
        assert_eq!(status(1001), Some(StatusClass::Overdue));
        assert_eq!(status(1), Some(StatusClass::Open));
        assert_eq!(status(2001), Some(StatusClass::Closed));
    }
}
