//! The live picture: what the map draws besides the base map (viewport items, vehicles, alerts,
//! the cases the console has seen) and how each [`LiveEvent`] changes it; the point layers and
//! their feed freshness. No web API: every function takes "now" as an argument.

use std::collections::{BTreeMap, BTreeSet};

use cityops_api::{
    CaseDto, CaseMarkDto, CaseStatus, EventBody, LayerKind, LiveEvent, MapItemDto, Stage, StatusClass,
    Timestamp, VehicleDto,
};

/// The point layers the console asks the service for, in the layer panel's order (keys 1–8):
/// every layer but the grids, which are drawn with the base map.
pub fn point_layers() -> impl Iterator<Item = LayerKind> {
    LayerKind::ALL.into_iter().filter(|k| *k != LayerKind::Grids)
}

/// The layers the service's viewport route answers (its R-tree's point layers). Compounds,
/// routes and sites are not served as viewport items yet; their panel rows say "no data". The
/// console draws trucks from their fixes ([`Picture::vehicles`]), so it asks the viewport for the
/// others ([`asked_of_viewport`]).
pub const VIEWPORT_LAYERS: [LayerKind; 6] = [
    LayerKind::Cases,
    LayerKind::Trucks,
    LayerKind::Facilities,
    LayerKind::Cameras,
    LayerKind::Alerts,
    LayerKind::Enforcement,
];

/// Whether the console asks the viewport route for `l`: trucks are drawn from their fixes (the
/// service's latest, then moved by the stream), not from the viewport's points and clusters.
pub fn asked_of_viewport(l: LayerKind) -> bool {
    VIEWPORT_LAYERS.contains(&l) && l != LayerKind::Trucks
}

/// A penalty file's status class on the map at `at`; `None` once archived (it leaves the map).
fn file_class(f: &cityops_api::EnfMarkDto, at: Timestamp) -> Option<StatusClass> {
    Some(f.class_at(at)).filter(|_| f.stage != cityops_api::EnfStage::Archived)
}

/// The side of the service's cluster cells on the screen, in CSS pixels (its index's
/// `cluster_radius_px`).
pub const CLUSTER_CELL_PX: f64 = 60.0;

/// How far from a cluster's centre its members may lie at map zoom `zoom`, in degrees of
/// longitude: the diagonal of a cluster cell (the service clusters at the zoom floored).
pub fn cluster_reach_deg(zoom: f64) -> f64 {
    let px_per_deg = 256.0 * 2f64.powf(zoom.floor().max(0.0)) / 360.0;
    CLUSTER_CELL_PX * std::f64::consts::SQRT_2 / px_per_deg
}

/// Points live changes may add to a viewport answer before the service is asked again.
pub const PUSH_BUDGET: usize = 64;

/// Take one of `class` off a cluster's mix; whether it held one.
fn take(mix: &mut cityops_api::StatusMix, class: StatusClass) -> bool {
    let n = match class {
        StatusClass::Open => &mut mix.open,
        StatusClass::DueSoon => &mut mix.due_soon,
        StatusClass::Overdue => &mut mix.overdue,
        StatusClass::Closed => &mut mix.closed,
    };
    if *n == 0 {
        return false;
    }
    *n -= 1;
    true
}

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

    /// From a case event's mark.
    pub fn of_mark(m: &CaseMarkDto) -> Self {
        CaseMark {
            stage: m.stage,
            status: m.status,
            overdue: m.overdue,
            due_soon: m.due_soon,
            lon: m.lon,
            lat: m.lat,
            deadline: m.deadline,
            due_soon_at: m.due_soon_at,
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

impl Vehicle {
    /// A fix as the service lists it.
    pub fn of(v: &VehicleDto) -> Vehicle {
        Vehicle { lon: v.lon, lat: v.lat, speed_kmh: v.speed_kmh, heading_deg: v.heading_deg, at: v.at }
    }
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
    /// The status classes the last viewport answer was asked for (`None`: all): a live change
    /// keeps a point on the map only while its class is one of them.
    pub statuses: Option<Vec<StatusClass>>,
    /// Layers the last viewport answer clustered: a live change of one of them is counted in its
    /// cluster ([`Picture::cluster_reach_deg`]).
    pub clustered: BTreeSet<LayerKind>,
    /// How far from a cluster's centre its members may lie, in degrees of longitude: the diagonal
    /// of the service's cluster cell at the answer's zoom ([`cluster_reach_deg`]).
    pub cluster_reach_deg: f64,
    /// A live change could not be shown exactly ([`Picture::take_recount`]).
    recount: bool,
    /// Points added by live changes since the last answer.
    pushed: usize,
    /// Id of the last event applied (resume point after a drop).
    pub last_event_id: Option<u64>,
    /// Time of the last event applied.
    pub last_event_at: Option<Timestamp>,
    /// The clock the picture was last judged at ([`Picture::age`]).
    aged_at: Option<Timestamp>,
}

impl Picture {
    /// Replace the viewport items and take the "as of" times of a fresh viewport answer: the
    /// service's index is the authority (its clock may even restart, as a simulation does).
    pub fn set_viewport(&mut self, items: Vec<MapItemDto>, as_of: BTreeMap<LayerKind, Timestamp>) {
        self.clustered = items
            .iter()
            .filter_map(|i| match i {
                MapItemDto::Cluster { layer, .. } => Some(*layer),
                MapItemDto::Point { .. } => None,
            })
            .collect();
        self.items = items;
        self.pushed = 0;
        self.as_of.extend(as_of);
    }

    /// Take the service's latest vehicle fixes (`GET /vehicles`): each replaces the one held
    /// unless the stream already brought a newer one.
    pub fn note_vehicles(&mut self, list: &[VehicleDto]) {
        for v in list {
            let fix = Vehicle::of(v);
            match self.vehicles.get_mut(&v.id) {
                Some(held) if held.at >= fix.at => {}
                Some(held) => *held = fix,
                None => {
                    self.vehicles.insert(v.id.clone(), fix);
                }
            }
        }
    }

    /// Whether a point of class `class` belongs on the map under the last answer's status filter.
    fn shown(&self, class: StatusClass) -> bool {
        self.statuses.as_ref().is_none_or(|s| s.contains(&class))
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
            EventBody::Case { .. } | EventBody::CaseMark { .. } => {
                let Some(case) = ev.case_mark() else { return Change::None };
                let mark = CaseMark::of_mark(&case);
                let id = case.id;
                let class = mark.class().filter(|c| self.shown(*c));
                // How the view counted it before (None: the console never saw it), and whether
                // it is a new report (its first event).
                let before = self.cases.get(&id).map(|m| m.class().filter(|c| self.shown(*c)));
                let fresh = before.is_none() && case.created_at == case.updated_at;
                if let Ok(pid) = u64::try_from(id)
                    && !self.move_point(LayerKind::Cases, pid, case.lon, case.lat, class)
                {
                    self.place(LayerKind::Cases, pid, (case.lon, case.lat), before, fresh, class);
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
                // Drawn from the list (with its pulse); an alert cluster in view counts it too.
                if self.clustered.contains(&LayerKind::Alerts)
                    && let Some(mix) = self.nearest_cluster(LayerKind::Alerts, *lon, *lat)
                {
                    mix.add(StatusClass::Open);
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
    /// (drawn at once when new, counted in its cluster when the view clusters files), off the map
    /// once archived.
    pub fn note_file(&mut self, file: &cityops_api::EnfMarkDto, now: Timestamp) {
        let id = file.id;
        let on_map = |f: &cityops_api::EnfMarkDto| file_class(f, now).filter(|c| self.shown(*c));
        let class = on_map(file);
        let before = self.files.get(&id).map(on_map);
        if let Ok(pid) = u64::try_from(id)
            && !self.move_point(LayerKind::Enforcement, pid, file.lon, file.lat, class)
        {
            self.place(LayerKind::Enforcement, pid, (file.lon, file.lat), before, false, class);
        }
        self.files.insert(id, file.clone());
    }

    /// Move and recolour the point of feature `id` of `layer` (off the map when `class` is
    /// `None`); whether the view held it as a point.
    fn move_point(
        &mut self,
        layer: LayerKind,
        id: u64,
        lon: f64,
        lat: f64,
        class: Option<StatusClass>,
    ) -> bool {
        let is_it = |item: &MapItemDto| matches!(item, MapItemDto::Point { layer: l, id: i, .. } if *l == layer && *i == id);
        let Some(at) = self.items.iter().position(is_it) else { return false };
        match class {
            Some(c) => {
                if let MapItemDto::Point { lon: x, lat: y, status, .. } = &mut self.items[at] {
                    (*x, *y, *status) = (lon, lat, c);
                }
            }
            None => self.items.retain(|i| !is_it(i)),
        }
        true
    }

    /// Show a change of a feature the view does not hold as a point. In a clustered layer, the
    /// cluster of the cell it lies in (the nearest within [`Picture::cluster_reach_deg`]) counts
    /// it: one less of the class it was counted as (`before`: `Some(None)` when it was known and
    /// not counted, `None` when never seen), one more of `class`; a feature never seen that is
    /// not a new report (`fresh`) may already be a member, so the view is recounted instead
    /// ([`Picture::take_recount`]). Elsewhere a feature new to the console is drawn as a point
    /// (one known and not held is out of view).
    fn place(
        &mut self,
        layer: LayerKind,
        id: u64,
        (lon, lat): (f64, f64),
        before: Option<Option<StatusClass>>,
        fresh: bool,
        class: Option<StatusClass>,
    ) {
        if self.clustered.contains(&layer)
            && let Some(mix) = self.nearest_cluster(layer, lon, lat)
        {
            let placed = match before {
                Some(old) => old.is_none_or(|o| take(mix, o)),
                None => fresh,
            };
            if placed {
                if let Some(c) = class {
                    mix.add(c);
                }
            } else {
                self.recount = true;
            }
            return;
        }
        if before.flatten().is_none()
            && let Some(status) = class
        {
            // Beside another point of its layer it may form a cluster in the service's answer,
            // and points added without end would pass the answer's item budget: recount.
            if self.pushed >= PUSH_BUDGET || self.near_point(layer, lon, lat) {
                self.recount = true;
            }
            self.pushed += 1;
            self.items.push(MapItemDto::Point { layer, id, lon, lat, status });
        }
    }

    /// The squared screen distance from (lon, lat), in degrees of longitude as on the (Mercator)
    /// screen, and the squared reach of a cluster cell ([`Picture::cluster_reach_deg`]).
    fn reach(&self, lon: f64, lat: f64) -> (impl Fn(f64, f64) -> f64 + use<>, f64) {
        let k = 1.0 / lat.to_radians().cos().max(0.1);
        (move |x: f64, y: f64| (x - lon).powi(2) + ((y - lat) * k).powi(2), self.cluster_reach_deg.powi(2))
    }

    /// Whether a point of `layer` lies within the reach of a cluster cell of (lon, lat).
    fn near_point(&self, layer: LayerKind, lon: f64, lat: f64) -> bool {
        let (d2, reach2) = self.reach(lon, lat);
        self.items.iter().any(|i| {
            matches!(i, MapItemDto::Point { layer: l, lon: x, lat: y, .. } if *l == layer && d2(*x, *y) <= reach2)
        })
    }

    /// The status mix of the cluster of `layer` nearest to a point, within the reach of a cell.
    fn nearest_cluster(
        &mut self,
        layer: LayerKind,
        lon: f64,
        lat: f64,
    ) -> Option<&mut cityops_api::StatusMix> {
        let (d2, reach2) = self.reach(lon, lat);
        let best = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                MapItemDto::Cluster { layer: l, lon: x, lat: y, .. } if *l == layer => Some((i, d2(*x, *y))),
                _ => None,
            })
            .filter(|(_, d)| *d <= reach2)
            .min_by(|a, b| a.1.total_cmp(&b.1))?;
        match &mut self.items[best.0] {
            MapItemDto::Cluster { mix, .. } => Some(mix),
            MapItemDto::Point { .. } => None,
        }
    }

    /// Whether a live change since the last call could not be shown exactly by the picture alone
    /// (a feature never seen changed inside a cluster, counts ran out, a new point landed beside
    /// another of its layer, or [`PUSH_BUDGET`] points were added since the last answer): the
    /// view wants recounting by the service. Resets it.
    pub fn take_recount(&mut self) -> bool {
        std::mem::take(&mut self.recount)
    }

    /// Start a replayed picture at an instant: the vehicles' fixes then, no alerts raised yet, no
    /// event applied (the events after the instant follow).
    pub fn replay_from(&mut self, vehicles: &[cityops_api::VehicleDto]) {
        self.vehicles = vehicles.iter().map(|v| (v.id.clone(), Vehicle::of(v))).collect();
        self.alerts.clear();
        self.sensors.clear();
        self.last_event_id = None;
        self.last_event_at = None;
    }

    /// Move the picture's clock to `now` without an event: the known cases and files turn yellow
    /// or red as their deadlines pass — their points recoloured, or counted again in their
    /// cluster (one fewer of the class they had, one more of the new one) — and alerts older than
    /// [`ALERTS_SHOWN_FOR`] leave. Whether anything on the map changed.
    pub fn age(&mut self, now: Timestamp) -> bool {
        let was = self.aged_at.replace(now).unwrap_or(now);
        let shown =
            |c: Option<StatusClass>| c.filter(|c| self.statuses.as_ref().is_none_or(|s| s.contains(c)));
        // What time changed, with where it lies: (layer, id, position, class before, after).
        let mut moved = Vec::new();
        for (id, mark) in &mut self.cases {
            let before = shown(mark.class());
            mark.judge(now);
            let after = shown(mark.class());
            if before != after {
                moved.push((LayerKind::Cases, *id, (mark.lon, mark.lat), before, after));
            }
        }
        for (id, f) in &self.files {
            let (before, after) = (shown(file_class(f, was)), shown(file_class(f, now)));
            if before != after {
                moved.push((LayerKind::Enforcement, *id, (f.lon, f.lat), before, after));
            }
        }
        let mut changed = false;
        for (layer, id, (lon, lat), before, after) in moved {
            let Ok(pid) = u64::try_from(id) else { continue };
            if !self.move_point(layer, pid, lon, lat, after) {
                self.place(layer, pid, (lon, lat), Some(before), false, after);
            }
            changed = true;
        }
        let alerts = self.alerts.len();
        self.alerts.retain(|a| now - a.at <= ALERTS_SHOWN_FOR);
        changed || self.alerts.len() != alerts
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

    fn case_point(id: u64, status: StatusClass) -> MapItemDto {
        MapItemDto::Point { layer: LayerKind::Cases, id, lon: 120.38, lat: 36.07, status }
    }

    fn case_event(id: u64, i: i64, overdue: bool) -> LiveEvent {
        case_ev(id, case(i, Stage::Handle, overdue))
    }

    fn cases_cluster(lon: f64, mix: cityops_api::StatusMix) -> MapItemDto {
        MapItemDto::Cluster { layer: LayerKind::Cases, lon, lat: 36.07, mix }
    }

    fn mix_of(p: &Picture, at: usize) -> cityops_api::StatusMix {
        match &p.items[at] {
            MapItemDto::Cluster { mix, .. } => *mix,
            MapItemDto::Point { .. } => panic!("item {at} is a point"),
        }
    }

    /// A case reported at (lon, 36.07), updated `minutes` after it was reported.
    fn case_at(id: i64, lon: f64, overdue: bool, minutes: i64) -> CaseDto {
        let c = case(id, Stage::Handle, overdue);
        CaseDto { lon, updated_at: c.created_at + chrono::Duration::minutes(minutes), ..c }
    }

    /// A case event as the live stream sends it (the case's mark).
    fn case_ev(id: u64, c: CaseDto) -> LiveEvent {
        let e = ev(id, "2026-11-29T09:05:00+08:00", EventBody::Case { case: Box::new(c) });
        let wire = e.for_wire().into_owned();
        assert!(matches!(wire.body, EventBody::CaseMark { .. }));
        wire
    }

    #[test]
    fn clusters_count_their_members_changes_without_asking_the_service() {
        // z12: a cell of 60 px is ~0.02° of longitude; two clusters 0.2° apart.
        let mut p = Picture::default();
        let open = |n| cityops_api::StatusMix { open: n, ..Default::default() };
        p.set_viewport(vec![cases_cluster(120.38, open(3)), cases_cluster(120.18, open(5))], BTreeMap::new());
        p.cluster_reach_deg = cluster_reach_deg(12.0);
        assert!((p.cluster_reach_deg - 0.02913).abs() < 1e-4, "{}", p.cluster_reach_deg);
        assert_eq!(p.clustered, BTreeSet::from([LayerKind::Cases]));
        // A new report beside the first cluster joins it.
        p.apply(&case_ev(10, case_at(8, 120.385, false, 0)));
        assert_eq!(mix_of(&p, 0).open, 4);
        assert_eq!(mix_of(&p, 1).open, 5);
        // It goes overdue: one open fewer, one overdue more.
        p.apply(&case_ev(11, case_at(8, 120.385, true, 30)));
        assert_eq!((mix_of(&p, 0).open, mix_of(&p, 0).overdue), (3, 1));
        // A case the console never saw changes inside the second cluster: it may be a member
        // already, so the service recounts.
        assert!(!p.take_recount());
        p.apply(&case_ev(12, case_at(20, 120.181, true, 90)));
        assert_eq!(mix_of(&p, 1).overdue, 0);
        assert!(p.take_recount());
        assert!(!p.take_recount(), "taken");
        // A new report far from every cluster is drawn as a point; a truck's move asks nothing.
        p.apply(&case_ev(13, case_at(9, 120.6, false, 0)));
        assert!(matches!(p.items[2], MapItemDto::Point { id: 9, .. }));
        p.apply(&truck_ev(14, "2026-11-29T09:06:00+08:00", 120.38, 9.0));
        assert!(!p.take_recount());
        // Zoomed in, the next answer holds points only: a known case is recoloured in place.
        p.set_viewport(vec![case_point(8, StatusClass::Overdue)], BTreeMap::new());
        assert!(p.clustered.is_empty());
        p.apply(&case_ev(15, case_at(8, 120.385, false, 120)));
        assert!(matches!(p.items[0], MapItemDto::Point { status: StatusClass::Open, .. }));
        assert!(!p.take_recount());
    }

    #[test]
    fn clusters_and_points_age_with_the_clock_without_an_event() {
        // Two known cases with a deadline at 10:00: one held as a point, one counted in a cluster.
        let deadline = t("2026-11-29T10:00:00+08:00");
        let with_deadline = |id, lon| CaseDto { deadline: Some(deadline), ..case_at(id, lon, false, 0) };
        let mut p = Picture::default();
        let open = |n| cityops_api::StatusMix { open: n, ..Default::default() };
        p.set_viewport(
            vec![
                cases_cluster(120.38, open(2)),
                MapItemDto::Point {
                    layer: LayerKind::Cases,
                    id: 5,
                    lon: 120.6,
                    lat: 36.07,
                    status: StatusClass::Open,
                },
            ],
            BTreeMap::new(),
        );
        p.cluster_reach_deg = cluster_reach_deg(12.0);
        p.note_case(&with_deadline(4, 120.381));
        p.note_case(&with_deadline(5, 120.6));
        assert!(!p.age(t("2026-11-29T09:59:00+08:00")), "nothing is due yet");
        assert_eq!(mix_of(&p, 0).open, 2);
        assert!(p.age(t("2026-11-29T10:01:00+08:00")));
        assert_eq!((mix_of(&p, 0).open, mix_of(&p, 0).overdue), (1, 1), "the cluster's member went overdue");
        assert!(matches!(p.items[1], MapItemDto::Point { id: 5, status: StatusClass::Overdue, .. }));
        assert!(!p.take_recount(), "placed exactly: nothing to ask");
        // Judged again at the same clock: nothing moves twice.
        assert!(!p.age(t("2026-11-29T10:02:00+08:00")));
        assert_eq!(mix_of(&p, 0).overdue, 1);
    }

    #[test]
    fn new_points_that_may_cluster_or_pile_up_ask_for_a_recount() {
        let mut p = Picture::default();
        p.set_viewport(vec![case_point(7, StatusClass::Open)], BTreeMap::new());
        p.cluster_reach_deg = cluster_reach_deg(16.0);
        // Beside case 7 (within a cell at z16): the index may cluster the two.
        p.apply(&case_ev(10, case_at(8, 120.3801, false, 0)));
        assert!(p.take_recount());
        // Spread out, each alone: drawn as points until the budget is spent.
        for i in 0..PUSH_BUDGET as i64 - 1 {
            p.apply(&case_ev(11 + i as u64, case_at(100 + i, 120.40 + 0.01 * i as f64, false, 0)));
        }
        assert!(!p.take_recount(), "{} points apart", PUSH_BUDGET - 1);
        assert_eq!(p.items.len(), PUSH_BUDGET + 1);
        p.apply(&case_ev(200, case_at(300, 119.9, false, 0)));
        assert!(p.take_recount());
        // The next answer starts the budget again.
        p.set_viewport(vec![case_point(7, StatusClass::Open)], BTreeMap::new());
        p.apply(&case_ev(201, case_at(301, 119.9, false, 0)));
        assert!(!p.take_recount());
    }

    #[test]
    fn a_status_filtered_view_keeps_only_points_of_its_classes() {
        let mut p = Picture { statuses: Some(vec![StatusClass::Overdue]), ..Picture::default() };
        p.set_viewport(vec![case_point(7, StatusClass::Overdue)], BTreeMap::new());
        // A new report, open within its deadline, is not drawn in an overdue-only view…
        assert_eq!(p.apply(&case_event(10, 8, false)), Change::Case(8));
        assert_eq!(p.items.len(), 1);
        // …one overdue is.
        p.apply(&case_event(11, 9, true));
        assert_eq!(p.items.len(), 2);
        // An overdue case back within its deadline (extended) leaves the view.
        p.apply(&case_event(12, 7, false));
        let ids: Vec<u64> = p
            .items
            .iter()
            .filter_map(|i| match i {
                MapItemDto::Point { id, .. } => Some(*id),
                MapItemDto::Cluster { .. } => None,
            })
            .collect();
        assert_eq!(ids, vec![9]);
        // Without a filter (the next answer asked for every class) a new open report shows.
        p.statuses = None;
        p.apply(&case_event(13, 14, false));
        assert_eq!(p.items.len(), 2);
    }

    /// 鲁B-001's fix at (lon, 36.1), event `id` at `at`.
    fn truck_ev(id: u64, at: &str, lon: f64, speed_kmh: f64) -> LiveEvent {
        let vehicle_id = "鲁B-001".into();
        ev(id, at, EventBody::Vehicle { vehicle_id, lon, lat: 36.1, speed_kmh, heading_deg: 90.0 })
    }

    #[test]
    fn the_services_fixes_never_move_a_truck_back() {
        let mut p = Picture::default();
        p.apply(&truck_ev(1, "2026-11-29T09:00:05+08:00", 120.2, 31.0));
        let fix = |id: &str, lon: f64, at: &str| VehicleDto {
            id: id.into(),
            lon,
            lat: 36.1,
            speed_kmh: 20.0,
            heading_deg: 0.0,
            at: t(at),
        };
        // The list was read before the stream's fix of 鲁B-001 arrived; 鲁B-002 is new.
        p.note_vehicles(&[
            fix("鲁B-001", 120.1, "2026-11-29T09:00:00+08:00"),
            fix("鲁B-002", 120.3, "2026-11-29T08:59:00+08:00"),
        ]);
        assert_eq!(p.vehicles["鲁B-001"].lon, 120.2);
        assert_eq!(p.vehicles["鲁B-002"].lon, 120.3);
        // A later list moves it on.
        p.note_vehicles(&[fix("鲁B-001", 120.25, "2026-11-29T09:00:10+08:00")]);
        assert_eq!(p.vehicles["鲁B-001"].lon, 120.25);
        assert_eq!(p.vehicles_in((120.24, 36.0, 120.26, 36.2)), 1);
    }

    #[test]
    fn vehicles_alerts_and_sensors_update_their_layers() {
        let mut p = Picture::default();
        p.apply(&truck_ev(1, "2026-11-29T09:00:00+08:00", 120.1, 30.0));
        p.apply(&truck_ev(2, "2026-11-29T09:00:05+08:00", 120.2, 31.0));
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
