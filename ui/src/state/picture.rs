//! The live picture: what the map draws besides the base map (viewport items, vehicles, alerts,
//! the cases the console has seen) and how each [`LiveEvent`] changes it; the point layers and
//! their feed freshness. No web API: every function takes "now" as an argument.

use std::collections::BTreeMap;

use cityops_api::{
    CaseDto, CaseStatus, EventBody, LayerKind, LiveEvent, MapItemDto, Stage, StatusClass, Timestamp,
};

/// The point layers the console asks the service for, in the layer panel's order (keys 1–8):
/// every layer but the grids, which are drawn with the base map.
pub fn point_layers() -> impl Iterator<Item = LayerKind> {
    LayerKind::ALL.into_iter().filter(|k| *k != LayerKind::Grids)
}

/// The layers the service's viewport route answers (its R-tree's point layers). Compounds,
/// routes and sites are not served as viewport items yet; their panel rows say "no data".
pub const VIEWPORT_LAYERS: [LayerKind; 6] = [
    LayerKind::Cases,
    LayerKind::Trucks,
    LayerKind::Facilities,
    LayerKind::Cameras,
    LayerKind::Alerts,
    LayerKind::Enforcement,
];

/// The wire name of a layer (`cases`, `trucks`, …).
pub fn layer_name(l: LayerKind) -> &'static str {
    match l {
        LayerKind::Cases => "cases",
        LayerKind::Compounds => "compounds",
        LayerKind::Routes => "routes",
        LayerKind::Trucks => "trucks",
        LayerKind::Facilities => "facilities",
        LayerKind::Sites => "sites",
        LayerKind::Cameras => "cameras",
        LayerKind::Alerts => "alerts",
        LayerKind::Grids => "grids",
        LayerKind::Enforcement => "enforcement",
    }
}

/// How long a layer's feed may stay silent before the console marks it amber, in seconds.
/// Trucks report every few seconds; cases and alerts arrive all day; static registers (compounds,
/// facilities, cameras) change rarely.
pub fn quiet_after_s(l: LayerKind) -> i64 {
    match l {
        LayerKind::Trucks => 120,
        LayerKind::Cases | LayerKind::Alerts => 15 * 60,
        LayerKind::Enforcement => 4 * 3600,
        LayerKind::Sites => 30 * 60,
        LayerKind::Compounds
        | LayerKind::Routes
        | LayerKind::Facilities
        | LayerKind::Cameras
        | LayerKind::Grids => 7 * 24 * 3600,
    }
}

/// Freshness of one layer's feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// No "as of" time known.
    Unknown,
    /// Updated within its threshold.
    Fresh,
    /// Silent for longer than its threshold (shown amber).
    Quiet,
}

/// Freshness of a layer whose data is `as_of` at `now`.
pub fn freshness(l: LayerKind, as_of: Option<Timestamp>, now: Timestamp) -> Freshness {
    match as_of {
        None => Freshness::Unknown,
        Some(t) if (now - t).num_seconds() > quiet_after_s(l) => Freshness::Quiet,
        Some(_) => Freshness::Fresh,
    }
}

/// What the console knows of one case from lists and live events (enough to colour it).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseMark {
    /// Stage.
    pub stage: Stage,
    /// Overall status.
    pub status: CaseStatus,
    /// Past its deadline.
    pub overdue: bool,
    /// Due soon (临期).
    pub due_soon: bool,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Deadline of the current stage.
    pub deadline: Option<Timestamp>,
    /// When it turns due soon (临期).
    pub due_soon_at: Option<Timestamp>,
}

impl CaseMark {
    /// From a case.
    pub fn of(c: &CaseDto) -> Self {
        CaseMark {
            stage: c.stage,
            status: c.status,
            overdue: c.overdue,
            due_soon: c.due_soon,
            lon: c.lon,
            lat: c.lat,
            deadline: c.deadline,
            due_soon_at: c.due_soon_at,
        }
    }

    /// Overdue and due soon judged again at `now` (time alone turns a case yellow, then red).
    pub fn judge(&mut self, now: Timestamp) {
        self.overdue = self.status.overdue(self.deadline, now);
        self.due_soon = self.status.due_soon(self.due_soon_at, self.deadline, now);
    }

    /// Its status class on the map (the wire's one rule, as the service's viewport reports it);
    /// `None` once cancelled (作废): it leaves the map.
    pub fn class(&self) -> Option<StatusClass> {
        StatusClass::of_case(self.status, self.overdue, self.due_soon)
    }
}

/// A vehicle's last reported position.
#[derive(Debug, Clone, PartialEq)]
pub struct Vehicle {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Speed, km/h.
    pub speed_kmh: f64,
    /// Heading, degrees clockwise from north.
    pub heading_deg: f64,
    /// When reported.
    pub at: Timestamp,
}

/// An alert raised by a scenario rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertMark {
    /// Alert id.
    pub id: String,
    /// Rule.
    pub rule: String,
    /// Message (Chinese).
    pub message: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// When raised.
    pub at: Timestamp,
}

/// How long an alert stays on the map (the service's rule for its live map too).
pub const ALERTS_SHOWN_FOR: chrono::Duration = chrono::Duration::hours(24);

/// The most recent alerts the console keeps.
pub const MAX_ALERTS: usize = 200;

/// Ids named by recent alerts (`alert_id` is `rule:subject[/subject]:time`, e.g.
/// `stop_missed:鲁B·H0619/QD-XQ-04310:20260302T083500`): the sites, compounds and vehicles the map
/// marks in alarm colour. Only alerts at or after `since` count.
pub fn alerted_ids(alerts: &[AlertMark], since: Timestamp) -> std::collections::BTreeSet<String> {
    alerts
        .iter()
        .filter(|a| a.at >= since)
        .flat_map(|a| {
            let mut parts = a.id.split(':');
            let _rule = parts.next();
            parts
                .next()
                .map(|subjects| subjects.split('/').map(str::to_owned).collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

/// Whether a thematic feature is named by a recent alert, directly (`id`) or through one of its
/// sensors (`dust_sensor_id`, `noise_sensor_id`: sensor alerts name the sensor).
pub fn feature_alarmed(
    id: Option<&str>,
    props: &serde_json::Map<String, serde_json::Value>,
    alerted: &std::collections::BTreeSet<String>,
) -> bool {
    if alerted.is_empty() {
        return false;
    }
    id.is_some_and(|i| alerted.contains(i))
        || props
            .iter()
            .filter(|(k, _)| k.ends_with("_sensor_id"))
            .any(|(_, v)| v.as_str().is_some_and(|s| alerted.contains(s)))
}

/// What an applied event changed (the view redraws, the detail panel reloads).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Nothing (a duplicate or out-of-order event).
    None,
    /// A case changed; its id.
    Case(i64),
    /// A vehicle moved.
    Vehicle(String),
    /// A sensor reported.
    Sensor(String),
    /// An alert was raised.
    Alert(String),
    /// A penalty file was opened or took a step; its id.
    File(i64),
    /// Holiday notices were loaded for these years (deadlines computed from now on use them).
    Calendar(Vec<i32>),
}

/// The live picture: what the map draws besides the base map. Survives disconnection unchanged.
#[derive(Debug, Clone, Default)]
pub struct Picture {
    /// The last viewport answer, with live changes applied.
    pub items: Vec<MapItemDto>,
    /// Per-layer "data as of" times.
    pub as_of: BTreeMap<LayerKind, Timestamp>,
    /// Cases the console has seen (from lists, details and events), by id.
    pub cases: BTreeMap<i64, CaseMark>,
    /// Vehicles by id.
    pub vehicles: BTreeMap<String, Vehicle>,
    /// Latest sensor readings by sensor id: value, unit, quantity, time.
    pub sensors: BTreeMap<String, (f64, String, String, Timestamp)>,
    /// Recent alerts, newest last.
    pub alerts: Vec<AlertMark>,
    /// Penalty files the console has seen (from the stream), by id.
    pub files: BTreeMap<i64, cityops_api::EnfMarkDto>,
    /// Whether the service cut the last viewport answer at its item budget.
    pub truncated: bool,
    /// Id of the last event applied (resume point after a drop).
    pub last_event_id: Option<u64>,
    /// Time of the last event applied.
    pub last_event_at: Option<Timestamp>,
}

impl Picture {
    /// Replace the viewport items and take the "as of" times of a fresh viewport answer: the
    /// service's index is the authority (its clock may even restart, as a simulation does).
    pub fn set_viewport(&mut self, items: Vec<MapItemDto>, as_of: BTreeMap<LayerKind, Timestamp>) {
        self.items = items;
        self.as_of.extend(as_of);
    }

    /// Record a case read from the service (list or detail).
    pub fn note_case(&mut self, c: &CaseDto) {
        self.cases.insert(c.id, CaseMark::of(c));
    }

    fn touch(&mut self, l: LayerKind, at: Timestamp) {
        let e = self.as_of.entry(l).or_insert(at);
        if at > *e {
            *e = at;
        }
    }

    /// Apply one live event. Events at or below the last applied id are ignored (replays after a
    /// reconnect).
    pub fn apply(&mut self, ev: &LiveEvent) -> Change {
        if self.last_event_id.is_some_and(|last| ev.id <= last) {
            return Change::None;
        }
        self.last_event_id = Some(ev.id);
        self.last_event_at = Some(ev.at);
        match &ev.body {
            EventBody::Case { case } => {
                let mark = CaseMark::of(case);
                let class = mark.class();
                let id = case.id;
                let is_case = |item: &MapItemDto| {
                    matches!(item, MapItemDto::Point { layer: LayerKind::Cases, id: pid, .. }
                        if i64::try_from(*pid).is_ok_and(|p| p == id))
                };
                let Some(class) = class else {
                    // Cancelled: off the map.
                    self.items.retain(|i| !is_case(i));
                    self.cases.insert(id, mark);
                    self.touch(LayerKind::Cases, ev.at);
                    return Change::Case(id);
                };
                let mut found = false;
                for item in &mut self.items {
                    if is_case(item)
                        && let MapItemDto::Point { lon, lat, status, .. } = item
                    {
                        *status = class;
                        *lon = case.lon;
                        *lat = case.lat;
                        found = true;
                    }
                }
                let is_new = !self.cases.contains_key(&id);
                if !found
                    && is_new
                    && let Ok(pid) = u64::try_from(id)
                {
                    // A new report: show it at once; the next viewport answer may cluster it.
                    self.items.push(MapItemDto::Point {
                        layer: LayerKind::Cases,
                        id: pid,
                        lon: case.lon,
                        lat: case.lat,
                        status: class,
                    });
                }
                self.cases.insert(id, mark);
                self.touch(LayerKind::Cases, ev.at);
                Change::Case(id)
            }
            EventBody::Vehicle { vehicle_id, lon, lat, speed_kmh, heading_deg } => {
                self.vehicles.insert(
                    vehicle_id.clone(),
                    Vehicle {
                        lon: *lon,
                        lat: *lat,
                        speed_kmh: *speed_kmh,
                        heading_deg: *heading_deg,
                        at: ev.at,
                    },
                );
                self.touch(LayerKind::Trucks, ev.at);
                Change::Vehicle(vehicle_id.clone())
            }
            EventBody::Sensor { sensor_id, quantity, value, unit } => {
                self.sensors.insert(sensor_id.clone(), (*value, unit.clone(), quantity.clone(), ev.at));
                self.touch(LayerKind::Sites, ev.at);
                Change::Sensor(sensor_id.clone())
            }
            EventBody::Alert { alert_id, rule, message, lon, lat } => {
                self.alerts.push(AlertMark {
                    id: alert_id.clone(),
                    rule: rule.clone(),
                    message: message.clone(),
                    lon: *lon,
                    lat: *lat,
                    at: ev.at,
                });
                if self.alerts.len() > MAX_ALERTS {
                    let extra = self.alerts.len() - MAX_ALERTS;
                    self.alerts.drain(..extra);
                }
                self.touch(LayerKind::Alerts, ev.at);
                Change::Alert(alert_id.clone())
            }
            EventBody::Enforcement { file } => {
                self.note_file(file, ev.at);
                self.touch(LayerKind::Enforcement, ev.at);
                Change::File(file.id)
            }
            EventBody::Calendar { years } => Change::Calendar(years.clone()),
            // A detection shows on the map through the case or merge it led to.
            EventBody::Detection { .. } => Change::None,
        }
    }

    /// Put a penalty file's mark on the picture, classed at `now`: its point recoloured or moved
    /// (drawn at once when new), off the map once archived.
    pub fn note_file(&mut self, file: &cityops_api::EnfMarkDto, now: Timestamp) {
        let id = file.id;
        let is_file = |item: &MapItemDto| {
            matches!(item, MapItemDto::Point { layer: LayerKind::Enforcement, id: pid, .. }
                if i64::try_from(*pid).is_ok_and(|p| p == id))
        };
        if file.stage == cityops_api::EnfStage::Archived {
            self.items.retain(|i| !is_file(i));
        } else {
            let class = file.class_at(now);
            let mut found = false;
            for item in &mut self.items {
                if is_file(item)
                    && let MapItemDto::Point { lon, lat, status, .. } = item
                {
                    (*status, *lon, *lat) = (class, file.lon, file.lat);
                    found = true;
                }
            }
            if !found && let Ok(pid) = u64::try_from(id) {
                self.items.push(MapItemDto::Point {
                    layer: LayerKind::Enforcement,
                    id: pid,
                    lon: file.lon,
                    lat: file.lat,
                    status: class,
                });
            }
        }
        self.files.insert(id, file.clone());
    }

    /// Start a replayed picture at an instant: the vehicles' fixes then, no alerts raised yet, no
    /// event applied (the events after the instant follow).
    pub fn replay_from(&mut self, vehicles: &[cityops_api::VehicleDto]) {
        self.vehicles = vehicles
            .iter()
            .map(|v| {
                let fix = Vehicle {
                    lon: v.lon,
                    lat: v.lat,
                    speed_kmh: v.speed_kmh,
                    heading_deg: v.heading_deg,
                    at: v.at,
                };
                (v.id.clone(), fix)
            })
            .collect();
        self.alerts.clear();
        self.sensors.clear();
        self.last_event_id = None;
        self.last_event_at = None;
    }

    /// Move the picture's clock to `now` without an event: the known cases' points turn yellow or
    /// red as their deadlines pass, and alerts older than [`ALERTS_SHOWN_FOR`] leave.
    pub fn age(&mut self, now: Timestamp) {
        for mark in self.cases.values_mut() {
            mark.judge(now);
        }
        for item in &mut self.items {
            if let MapItemDto::Point { layer: LayerKind::Cases, id, status, .. } = item
                && let Some(class) =
                    i64::try_from(*id).ok().and_then(|i| self.cases.get(&i)).and_then(CaseMark::class)
            {
                *status = class;
            }
            if let MapItemDto::Point { layer: LayerKind::Enforcement, id, status, .. } = item
                && let Some(f) = i64::try_from(*id).ok().and_then(|i| self.files.get(&i))
            {
                *status = f.class_at(now);
            }
        }
        self.alerts.retain(|a| now - a.at <= ALERTS_SHOWN_FOR);
    }

    /// Vehicles whose last fix lies in a box (west, south, east, north).
    pub fn vehicles_in(&self, (west, south, east, north): (f64, f64, f64, f64)) -> u32 {
        let inside = |v: &&Vehicle| (west..=east).contains(&v.lon) && (south..=north).contains(&v.lat);
        u32::try_from(self.vehicles.values().filter(inside).count()).unwrap_or(u32::MAX)
    }

    /// Count of items per layer (points plus cluster members) for the legend.
    pub fn counts(&self) -> BTreeMap<LayerKind, u32> {
        let mut out = BTreeMap::new();
        for item in &self.items {
            let (l, n) = match item {
                MapItemDto::Point { layer, .. } => (*layer, 1),
                MapItemDto::Cluster { layer, mix, .. } => (*layer, mix.total()),
            };
            *out.entry(l).or_insert(0) += n;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::test_support::*;

    #[test]
    fn a_case_event_recolours_its_point_live() {
        let mut p = Picture::default();
        p.set_viewport(
            vec![MapItemDto::Point {
                layer: LayerKind::Cases,
                id: 7,
                lon: 120.38,
                lat: 36.07,
                status: StatusClass::Open,
            }],
            BTreeMap::from([(LayerKind::Cases, t("2026-11-29T09:00:00+08:00"))]),
        );
        p.note_case(&case(7, Stage::Dispatch, false));
        let change = p.apply(&ev(
            10,
            "2026-11-29T09:05:00+08:00",
            EventBody::Case { case: Box::new(case(7, Stage::Handle, true)) },
        ));
        assert_eq!(change, Change::Case(7));
        assert!(matches!(p.items[0], MapItemDto::Point { status: StatusClass::Overdue, .. }));
        assert_eq!(p.cases[&7].stage, Stage::Handle);
        assert_eq!(p.as_of[&LayerKind::Cases], t("2026-11-29T09:05:00+08:00"));
        assert_eq!(p.last_event_id, Some(10));
    }

    #[test]
    fn a_new_case_appears_without_a_reload_and_replays_are_ignored() {
        let mut p = Picture::default();
        let e = ev(
            3,
            "2026-11-29T09:05:00+08:00",
            EventBody::Case { case: Box::new(case(42, Stage::Collect, false)) },
        );
        assert_eq!(p.apply(&e), Change::Case(42));
        assert_eq!(p.items.len(), 1);
        // The same event again after a reconnect: no change, no duplicate point.
        assert_eq!(p.apply(&e), Change::None);
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.counts()[&LayerKind::Cases], 1);
    }

    #[test]
    fn vehicles_alerts_and_sensors_update_their_layers() {
        let mut p = Picture::default();
        p.apply(&ev(
            1,
            "2026-11-29T09:00:00+08:00",
            EventBody::Vehicle {
                vehicle_id: "鲁B-001".into(),
                lon: 120.1,
                lat: 36.1,
                speed_kmh: 30.0,
                heading_deg: 90.0,
            },
        ));
        p.apply(&ev(
            2,
            "2026-11-29T09:00:05+08:00",
            EventBody::Vehicle {
                vehicle_id: "鲁B-001".into(),
                lon: 120.2,
                lat: 36.1,
                speed_kmh: 31.0,
                heading_deg: 90.0,
            },
        ));
        assert_eq!(p.vehicles.len(), 1);
        assert_eq!(p.vehicles["鲁B-001"].lon, 120.2);
        for i in 0..(MAX_ALERTS as u64 + 5) {
            p.apply(&ev(
                10 + i,
                "2026-11-29T09:01:00+08:00",
                EventBody::Alert {
                    alert_id: format!("A{i}"),
                    rule: "dust".into(),
                    message: "扬尘超标".into(),
                    lon: 120.0,
                    lat: 36.0,
                },
            ));
        }
        assert_eq!(p.alerts.len(), MAX_ALERTS);
        assert_eq!(p.alerts[0].id, "A5", "oldest alerts are dropped first");
        p.apply(&ev(
            1000,
            "2026-11-29T09:02:00+08:00",
            EventBody::Sensor {
                sensor_id: "S1".into(),
                quantity: "pm10".into(),
                value: 180.0,
                unit: "µg/m³".into(),
            },
        ));
        assert!(p.as_of.contains_key(&LayerKind::Sites));
    }

    #[test]
    fn alerts_name_their_subjects() {
        let mark = |id: &str, at: &str| AlertMark {
            id: id.into(),
            rule: String::new(),
            message: String::new(),
            lon: 0.0,
            lat: 0.0,
            at: t(at),
        };
        let alerts = vec![
            mark("stop_missed:鲁B·H0619/QD-XQ-04310:20260302T083500", "2026-03-02T08:35:00+08:00"),
            mark("dust:QD-GD-0416:20260302T100700", "2026-03-02T10:07:00+08:00"),
            mark("noise:QD-GD-0001:20260302T070000", "2026-03-02T07:00:00+08:00"),
        ];
        let ids = alerted_ids(&alerts, t("2026-03-02T08:00:00+08:00"));
        assert!(ids.contains("QD-XQ-04310") && ids.contains("鲁B·H0619") && ids.contains("QD-GD-0416"));
        assert!(!ids.contains("QD-GD-0001"), "too old");
        let site: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"id":"QD-GD-0416","dust_sensor_id":"QD-PM10-0416"}"#).unwrap();
        let by_sensor = alerted_ids(
            &[mark("dust_exceeded:QD-PM10-0416:20260302T100700", "2026-03-02T10:07:00+08:00")],
            t("2026-03-02T08:00:00+08:00"),
        );
        assert!(feature_alarmed(Some("QD-GD-0416"), &site, &by_sensor));
        assert!(!feature_alarmed(Some("QD-GD-0001"), &serde_json::Map::new(), &by_sensor));
    }

    #[test]
    fn quiet_feeds_turn_amber_after_their_threshold() {
        let now = t("2026-11-29T10:00:00+08:00");
        assert_eq!(freshness(LayerKind::Trucks, None, now), Freshness::Unknown);
        assert_eq!(freshness(LayerKind::Trucks, Some(t("2026-11-29T09:59:00+08:00")), now), Freshness::Fresh);
        assert_eq!(freshness(LayerKind::Trucks, Some(t("2026-11-29T09:57:00+08:00")), now), Freshness::Quiet);
        assert_eq!(freshness(LayerKind::Cases, Some(t("2026-11-29T09:50:00+08:00")), now), Freshness::Fresh);
        assert_eq!(
            freshness(LayerKind::Cameras, Some(t("2026-11-25T10:00:00+08:00")), now),
            Freshness::Fresh
        );
    }

    #[test]
    fn status_classes_follow_the_wire_rule() {
        let mut c = case(1, Stage::Verify, true);
        c.status = CaseStatus::Closed;
        assert_eq!(CaseMark::of(&c).class(), Some(StatusClass::Closed));
        c.status = CaseStatus::Cancelled;
        assert_eq!(CaseMark::of(&c).class(), None, "a cancelled case leaves the map");
        let mut p = Picture::default();
        p.set_viewport(
            vec![MapItemDto::Point {
                layer: LayerKind::Cases,
                id: 1,
                lon: 120.3,
                lat: 36.1,
                status: StatusClass::Open,
            }],
            BTreeMap::new(),
        );
        p.apply(&ev(9, "2026-11-29T09:00:00+08:00", EventBody::Case { case: Box::new(c) }));
        assert!(p.items.is_empty());
    }
}
