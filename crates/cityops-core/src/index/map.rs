//! [`LiveMap`]: the live picture a map client keeps — a [`LiveIndex`] fed by the service's events in
//! id order, plus the deadlines of active cases so they turn overdue when time passes without an
//! event — answering the wire's viewport query ([`cityops_api::query::ViewQuery`]) for both the
//! service (`/api/v1/map/viewport`) and the desktop shell (its native `viewport`). Pure: the caller
//! supplies events and "now".

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use cityops_api::query::ViewQuery;
use cityops_api::{CST, CaseDto, CaseStatus, EventBody, LayerKind, LiveEvent, MapViewDto, StatusClass};

use super::loader::{ALERTS_FOR, CLOSED_FOR};
use super::{
    IndexConfig, IndexError, LiveIndex, LonLatBox, POINT_LAYERS, StatusFilter, TrackerConfig, ViewportQuery,
};
use crate::calendar::from_timestamp;

/// Most items one viewport answer carries.
pub const MAX_VIEW_ITEMS: usize = 20_000;

/// Why a viewport request is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ViewError {
    /// The box is invalid.
    #[error("west,south,east,north: {0}")]
    Bounds(String),
    /// The zoom is out of range.
    #[error("zoom must be within 0..=22, got {0}")]
    Zoom(f64),
    /// A layer that has no points (compounds, routes, sites, grids).
    #[error("layer {0:?} is not a point layer (cases, trucks, facilities, cameras, alerts)")]
    Layer(String),
}

/// Validate a wire viewport query into an index query and its layers (the mapping at the edge:
/// the index keeps its own query type).
pub fn view_query(q: &ViewQuery) -> Result<(ViewportQuery, Vec<LayerKind>), ViewError> {
    let bbox =
        LonLatBox::new(q.west, q.south, q.east, q.north).map_err(|e| ViewError::Bounds(e.to_string()))?;
    if !(q.zoom.is_finite() && (0.0..=22.0).contains(&q.zoom)) {
        return Err(ViewError::Zoom(q.zoom));
    }
    let layers = match &q.layers {
        None => vec![LayerKind::Cases],
        Some(list) => {
            if let Some(bad) = list.0.iter().find(|k| !POINT_LAYERS.contains(k)) {
                return Err(ViewError::Layer(cityops_api::wire_name(bad)));
            }
            list.0.clone()
        }
    };
    let statuses = match &q.statuses {
        None => StatusFilter::ALL,
        Some(list) => StatusFilter {
            // Due soon is a kind of open: either name keeps both.
            open: list.0.contains(&StatusClass::Open) || list.0.contains(&StatusClass::DueSoon),
            overdue: list.0.contains(&StatusClass::Overdue),
            closed: list.0.contains(&StatusClass::Closed),
        },
    };
    let max_items = match (q.width, q.height) {
        (Some(w), Some(h)) => ((u64::from(w) * u64::from(h) / 256) as usize).clamp(100, MAX_VIEW_ITEMS),
        _ => MAX_VIEW_ITEMS,
    };
    Ok((ViewportQuery { bbox, zoom: q.zoom.floor() as u8, statuses, max_items }, layers))
}

/// The live picture of a map client.
#[derive(Debug, Clone)]
pub struct LiveMap {
    index: LiveIndex,
    /// Active, not yet overdue cases and penalty files by deadline.
    deadlines: BTreeSet<(NaiveDateTime, LayerKind, u64)>,
    /// Deadline recorded per feature, to drop its old entry on change.
    by_case: BTreeMap<(LayerKind, u64), NaiveDateTime>,
    /// Active cases and files not yet due soon, by the instant they turn due soon.
    soon: BTreeSet<(NaiveDateTime, LayerKind, u64)>,
    /// Due-soon instant recorded per feature.
    soon_by_case: BTreeMap<(LayerKind, u64), NaiveDateTime>,
    /// Closed cases and alerts by the instant they leave the map ([`CLOSED_FOR`] after closing,
    /// [`ALERTS_FOR`] after raising).
    leaving: BTreeSet<(NaiveDateTime, LayerKind, u64)>,
    /// Leaving instant recorded per feature.
    leaving_by: BTreeMap<(LayerKind, u64), NaiveDateTime>,
    last: u64,
}

impl LiveMap {
    /// An empty map for Qingdao's extent.
    pub fn new() -> Result<Self, IndexError> {
        Ok(Self {
            index: LiveIndex::new(
                IndexConfig::default(),
                Default::default(),
                TrackerConfig { dwell_s: None },
            )?,
            deadlines: BTreeSet::new(),
            by_case: BTreeMap::new(),
            soon: BTreeSet::new(),
            soon_by_case: BTreeMap::new(),
            leaving: BTreeSet::new(),
            leaving_by: BTreeMap::new(),
            last: 0,
        })
    }

    /// The index.
    pub fn index(&self) -> &LiveIndex {
        &self.index
    }

    /// The id of the last event applied (0 before any).
    pub fn last_event_id(&self) -> u64 {
        self.last
    }

    /// Put a case read from a listing (initial load) on the map.
    pub fn load_case(&mut self, case: &CaseDto) -> Result<(), IndexError> {
        self.load(&LiveEvent {
            id: 0,
            at: case.updated_at,
            body: EventBody::Case { case: Box::new(case.clone()) },
        })
    }

    /// Put a state read from a listing (e.g. a vehicle's last fix) on the map, outside the event
    /// order.
    pub fn load(&mut self, e: &LiveEvent) -> Result<(), IndexError> {
        self.track_event(e);
        self.index.apply(e)?;
        self.track_alert(e);
        Ok(())
    }

    /// Put the static point layers of the operations pack on the map: cameras and waste
    /// facilities, keyed by the number in their id (`QD-CAM-000123` → 123). Returns how many.
    pub fn load_ops(&mut self, ops: &crate::citypack::ops::OpsLayers) -> Result<usize, IndexError> {
        let mut n = 0;
        let key = |id: &str| id.rsplit('-').next().and_then(|d| d.parse::<u64>().ok());
        let cameras = ops.cameras.iter().filter_map(|c| {
            key(&c.camera.id).map(|id| super::PointFeature {
                id,
                lon: c.camera.lon,
                lat: c.camera.lat,
                status: StatusClass::Open,
                time: 0,
                tag: 0,
            })
        });
        let cameras: Vec<_> = cameras.collect();
        n += cameras.len();
        self.index.load_layer(LayerKind::Cameras, cameras)?;
        let facilities: Vec<_> = ops
            .facilities
            .iter()
            .filter_map(|f| {
                key(&f.id).map(|id| super::PointFeature {
                    id,
                    lon: f.lon,
                    lat: f.lat,
                    status: StatusClass::Open,
                    time: 0,
                    tag: 0,
                })
            })
            .collect();
        n += facilities.len();
        self.index.load_layer(LayerKind::Facilities, facilities)?;
        Ok(n)
    }

    /// Start following the stream after event `id` (the last event the initial load reflects).
    pub fn resume_after(&mut self, id: u64) {
        self.last = self.last.max(id);
    }

    /// Apply a live event. Events at or below the last applied id are skipped (returns false).
    pub fn apply(&mut self, e: &LiveEvent) -> Result<bool, IndexError> {
        if e.id <= self.last {
            return Ok(false);
        }
        self.last = e.id;
        self.track_event(e);
        self.index.apply(e)?;
        self.track_alert(e);
        Ok(true)
    }

    fn set_leaving(&mut self, layer: LayerKind, id: u64, at: Option<NaiveDateTime>) {
        if let Some(old) = self.leaving_by.remove(&(layer, id)) {
            self.leaving.remove(&(old, layer, id));
        }
        if let Some(at) = at {
            self.leaving.insert((at, layer, id));
            self.leaving_by.insert((layer, id), at);
        }
    }

    /// An alert stays on the map for [`ALERTS_FOR`].
    fn track_alert(&mut self, e: &LiveEvent) {
        if let EventBody::Alert { alert_id, .. } = &e.body
            && let Some(id) = self.index.feature_id(LayerKind::Alerts, alert_id)
        {
            self.set_leaving(LayerKind::Alerts, id, Some(from_timestamp(e.at) + ALERTS_FOR));
        }
    }

    fn track_event(&mut self, e: &LiveEvent) {
        match &e.body {
            EventBody::Case { .. } | EventBody::CaseMark { .. } => {
                if let Some(mark) = e.case_mark() {
                    self.track(&mark);
                }
            }
            EventBody::Enforcement { file } => self.track_file(file, e.at),
            _ => {}
        }
    }

    fn track(&mut self, case: &cityops_api::CaseMarkDto) {
        let Ok(id) = u64::try_from(case.id) else { return };
        // A closed case stays on the map (grey) for a day.
        let leaves =
            (case.status == CaseStatus::Closed).then(|| from_timestamp(case.updated_at) + CLOSED_FOR);
        self.set_leaving(LayerKind::Cases, id, leaves);
        let running = case.status == CaseStatus::Active && !case.overdue;
        let soon = if case.due_soon { None } else { case.due_soon_at };
        self.set_clock(LayerKind::Cases, id, case.deadline.filter(|_| running), soon.filter(|_| running));
    }

    /// A penalty file: red and yellow by its earliest running limit; a decided (closed) file
    /// stays grey for a day; an archived one leaves.
    fn track_file(&mut self, file: &cityops_api::EnfMarkDto, at: cityops_api::Timestamp) {
        let Ok(id) = u64::try_from(file.id) else { return };
        let class = file.class_at(at);
        let leaves = (class == StatusClass::Closed).then(|| from_timestamp(file.updated_at) + CLOSED_FOR);
        self.set_leaving(LayerKind::Enforcement, id, leaves);
        let running = file.status == cityops_api::EnfStatus::Active && class != StatusClass::Overdue;
        let soon = if class == StatusClass::DueSoon { None } else { file.due_soon_at };
        self.set_clock(
            LayerKind::Enforcement,
            id,
            file.deadline.filter(|_| running),
            soon.filter(|_| running),
        );
    }

    fn set_clock(
        &mut self,
        layer: LayerKind,
        id: u64,
        deadline: Option<cityops_api::Timestamp>,
        soon: Option<cityops_api::Timestamp>,
    ) {
        if let Some(old) = self.by_case.remove(&(layer, id)) {
            self.deadlines.remove(&(old, layer, id));
        }
        if let Some(old) = self.soon_by_case.remove(&(layer, id)) {
            self.soon.remove(&(old, layer, id));
        }
        if let Some(d) = deadline {
            let d = from_timestamp(d);
            self.deadlines.insert((d, layer, id));
            self.by_case.insert((layer, id), d);
            if let Some(s) = soon {
                let s = from_timestamp(s);
                self.soon.insert((s, layer, id));
                self.soon_by_case.insert((layer, id), s);
            }
        }
    }

    /// Re-class as due soon the cases whose due-soon instant has come by `now`, and as overdue
    /// those whose deadline passed before `now`; take off the map the cases closed and the alerts
    /// raised longer ago than they stay ([`CLOSED_FOR`], [`ALERTS_FOR`]); returns how many
    /// features changed.
    pub fn sweep(&mut self, now: NaiveDateTime) -> usize {
        let mut n = 0;
        while let Some(&(t, layer, id)) = self.leaving.first() {
            if t >= now {
                break;
            }
            self.leaving.pop_first();
            self.leaving_by.remove(&(layer, id));
            if let Ok(l) = self.index.layer_mut(layer)
                && l.remove(id).is_some()
            {
                n += 1;
            }
        }
        while let Some(&(s, kind, id)) = self.soon.first() {
            if s > now {
                break;
            }
            self.soon.pop_first();
            self.soon_by_case.remove(&(kind, id));
            if let Ok(layer) = self.index.layer_mut(kind)
                && layer.get(id).is_some_and(|f| f.status == StatusClass::Open)
                && layer.set_status(id, StatusClass::DueSoon).is_ok()
            {
                n += 1;
            }
        }
        while let Some(&(d, kind, id)) = self.deadlines.first() {
            if d >= now {
                break;
            }
            self.deadlines.pop_first();
            self.by_case.remove(&(kind, id));
            if let Ok(layer) = self.index.layer_mut(kind)
                && layer.set_status(id, StatusClass::Overdue).is_ok()
            {
                n += 1;
            }
        }
        n
    }

    /// Cases reported within `radius_m` of case `id` and in the `window_s` seconds up to its
    /// report, any status, any type (the caller judges the type); nearest first. `None` when the
    /// case is not on the map.
    pub fn cases_near(&self, id: i64, radius_m: f64, window_s: i64) -> Option<Vec<super::Neighbour>> {
        let layer = self.index.layer(LayerKind::Cases).ok()?;
        let me = layer.get(u64::try_from(id).ok()?)?;
        let filter = super::PointFilter {
            statuses: StatusFilter::ALL,
            tag: None,
            since: Some(me.time.saturating_sub(window_s.max(0))),
            until: Some(me.time),
            exclude: Some(me.id),
        };
        layer.within(me.lon, me.lat, radius_m, &filter).ok()
    }

    /// Answer a viewport request.
    pub fn view(&self, params: &ViewQuery) -> Result<MapViewDto, MapViewError> {
        let (query, layers) = view_query(params)?;
        let answer = self.index.viewport(&query, &layers)?;
        let as_of = layers
            .iter()
            .filter_map(|k| {
                self.index
                    .last_event_at(*k)
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map(|t| (*k, t.with_timezone(&CST)))
            })
            .collect();
        Ok(MapViewDto { items: answer.items, truncated: answer.truncated, as_of })
    }
}

/// Why a view could not be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MapViewError {
    /// The request is invalid.
    #[error(transparent)]
    Params(#[from] ViewError),
    /// The index refused it.
    #[error(transparent)]
    Index(#[from] IndexError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use cityops_api::MapItemDto;
    use cityops_test_support as fixture;

    fn case(id: i64, deadline: &str, status: CaseStatus) -> CaseDto {
        CaseDto {
            case_no: format!("QD{id}"),
            status,
            lon: 120.38,
            lat: 36.07,
            deadline: Some(fixture::ts(deadline)),
            created_at: fixture::ts("2026-03-02T09:00:00+08:00"),
            updated_at: fixture::ts("2026-03-02T09:00:00+08:00"),
            ..fixture::case(id)
        }
    }

    fn point_status(m: &LiveMap, id: u64) -> Option<StatusClass> {
        let v = m
            .view(&ViewQuery {
                west: 120.3,
                south: 36.0,
                east: 120.5,
                north: 36.1,
                zoom: 20.0,
                ..Default::default()
            })
            .unwrap();
        v.items.iter().find_map(|i| match i {
            MapItemDto::Point { id: pid, status, .. } if *pid == id => Some(*status),
            _ => None,
        })
    }

    #[test]
    fn cases_turn_yellow_then_red_as_time_passes_and_a_new_deadline_starts_over() {
        let mut m = LiveMap::new().unwrap();
        let mut c = case(1, "2026-03-02T11:00:00+08:00", CaseStatus::Active);
        c.due_soon_at = Some(fixture::ts("2026-03-02T10:00:00+08:00"));
        m.load_case(&c).unwrap();
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(m.sweep(at("2026-03-02 09:59")), 0);
        assert_eq!(point_status(&m, 1), Some(StatusClass::Open));
        assert_eq!(m.sweep(at("2026-03-02 10:00")), 1, "yellow from the due-soon instant");
        assert_eq!(point_status(&m, 1), Some(StatusClass::DueSoon));
        // A status filter naming `open` keeps due-soon cases (they are open).
        let v = m
            .view(&ViewQuery {
                west: 120.3,
                south: 36.0,
                east: 120.5,
                north: 36.1,
                zoom: 20.0,
                statuses: Some(cityops_api::query::CommaList(vec![StatusClass::Open])),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(v.items.len(), 1);
        assert_eq!(m.sweep(at("2026-03-02 11:01")), 1);
        assert_eq!(point_status(&m, 1), Some(StatusClass::Overdue));
        // 延期 arrives as an event: a later deadline and due-soon instant, open again.
        c.deadline = Some(fixture::ts("2026-03-03T11:00:00+08:00"));
        c.due_soon_at = Some(fixture::ts("2026-03-03T10:00:00+08:00"));
        m.load_case(&c).unwrap();
        assert_eq!(point_status(&m, 1), Some(StatusClass::Open));
        assert_eq!(m.sweep(at("2026-03-03 10:30")), 1);
        assert_eq!(point_status(&m, 1), Some(StatusClass::DueSoon));
        // Both instants passed while nobody swept: red, not yellow.
        let mut late = case(2, "2026-03-02T11:00:00+08:00", CaseStatus::Active);
        late.due_soon_at = Some(fixture::ts("2026-03-02T10:00:00+08:00"));
        m.load_case(&late).unwrap();
        m.sweep(at("2026-03-03 10:31"));
        assert_eq!(point_status(&m, 2), Some(StatusClass::Overdue));
    }

    #[test]
    fn cases_turn_overdue_when_their_deadline_passes_and_closing_clears_it() {
        let mut m = LiveMap::new().unwrap();
        m.load_case(&case(1, "2026-03-02T10:00:00+08:00", CaseStatus::Active)).unwrap();
        m.load_case(&case(2, "2026-03-02T12:00:00+08:00", CaseStatus::Active)).unwrap();
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(m.sweep(at("2026-03-02 09:59")), 0);
        assert_eq!(m.sweep(at("2026-03-02 10:01")), 1);
        assert_eq!(point_status(&m, 1), Some(StatusClass::Overdue));
        assert_eq!(point_status(&m, 2), Some(StatusClass::Open));
        // Case 2 closes before its deadline: the sweep must not touch it.
        let closed = case(2, "2026-03-02T12:00:00+08:00", CaseStatus::Closed);
        let e = LiveEvent { id: 5, at: closed.updated_at, body: EventBody::Case { case: Box::new(closed) } };
        assert!(m.apply(&e).unwrap());
        assert!(!m.apply(&e).unwrap(), "an event already applied is skipped");
        assert_eq!(m.sweep(at("2026-03-02 13:00")), 0);
        assert_eq!(point_status(&m, 2), Some(StatusClass::Closed));
        assert_eq!(m.last_event_id(), 5);
    }

    #[test]
    fn a_cases_mark_moves_the_map_as_the_case_does() {
        // Two maps, one following whole cases (the service's log), one their marks (the wire).
        let (mut whole, mut marks) = (LiveMap::new().unwrap(), LiveMap::new().unwrap());
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let mut soon = case(1, "2026-03-02T10:00:00+08:00", CaseStatus::Active);
        soon.due_soon_at = Some(fixture::ts("2026-03-02T09:00:00+08:00"));
        let steps = [
            soon,
            case(2, "2026-03-02T12:00:00+08:00", CaseStatus::Active),
            case(2, "2026-03-02T12:00:00+08:00", CaseStatus::Closed),
            case(3, "2026-03-02T12:00:00+08:00", CaseStatus::Cancelled),
        ];
        for (n, c) in steps.into_iter().enumerate() {
            let id = n as u64 + 1;
            let e = LiveEvent { id, at: c.updated_at, body: EventBody::Case { case: Box::new(c) } };
            let wire = e.for_wire().into_owned();
            assert!(matches!(wire.body, EventBody::CaseMark { .. }));
            assert_eq!(whole.apply(&e).unwrap(), marks.apply(&wire).unwrap());
        }
        for now in ["2026-03-02 08:59", "2026-03-02 09:01", "2026-03-02 10:01", "2026-03-04 10:00"] {
            assert_eq!(whole.sweep(at(now)), marks.sweep(at(now)), "{now}");
            for id in 1..=3 {
                assert_eq!(point_status(&whole, id), point_status(&marks, id), "case {id} at {now}");
            }
        }
        // Due soon, then overdue, by the clock alone; the closed one left after a day.
        assert_eq!(point_status(&marks, 1), Some(StatusClass::Overdue));
        assert_eq!(point_status(&marks, 2), None);
        assert_eq!(point_status(&marks, 3), None);
    }

    #[test]
    fn view_queries_are_validated_with_named_errors() {
        use cityops_api::query::CommaList;
        let p = |layers: Option<Vec<LayerKind>>, statuses: Option<Vec<StatusClass>>, zoom: f64| ViewQuery {
            west: 120.0,
            south: 36.0,
            east: 120.5,
            north: 36.5,
            zoom,
            width: Some(1920),
            height: Some(1080),
            layers: layers.map(CommaList),
            statuses: statuses.map(CommaList),
            at: None,
        };
        let (q, layers) = view_query(&p(
            Some(vec![LayerKind::Cases, LayerKind::Trucks]),
            Some(vec![StatusClass::Open, StatusClass::Overdue]),
            12.7,
        ))
        .unwrap();
        assert_eq!((q.zoom, layers.len(), q.statuses.closed, q.max_items), (12, 2, false, 8100));
        assert_eq!(
            view_query(&p(Some(vec![LayerKind::Routes]), None, 10.0)).unwrap_err(),
            ViewError::Layer("routes".into())
        );
        assert_eq!(view_query(&p(None, None, 30.0)).unwrap_err(), ViewError::Zoom(30.0));
        let bad = ViewQuery { west: 121.0, east: 120.0, ..p(None, None, 10.0) };
        assert!(matches!(view_query(&bad), Err(ViewError::Bounds(_))));
        // The wire's statuses and layers arrive typed: unknown names fail at the edge.
        let parsed: ViewQuery = serde_urlencoded::from_str("west=1&south=2&east=3&north=4&zoom=5").unwrap();
        assert_eq!(parsed.layers, None);
        assert!(
            serde_urlencoded::from_str::<ViewQuery>("west=1&south=2&east=3&north=4&zoom=5&statuses=late")
                .is_err()
        );
    }
}
