//! Waste-truck routes (收运路线): off-route detection and collection-point (收集点) visits against
//! their time windows, evaluated in process for every GPS fix.
//!
//! All route segments of all trucks sit in one R-tree of lon/lat envelopes; a fix looks up the
//! segments whose envelopes meet a box of `off_route_m` around it, keeps those of its own truck,
//! and measures them exactly (in the plane tangent at the fix). The envelopes are in lon/lat rather
//! than in [`crate::geom::to_local`] metres on purpose: the query box is then widened per the fix's
//! own latitude, so the candidate filter is provably complete without the city-wide projection's
//! scale-error margin, and nothing is projected per segment or per fix. Compound polygons are a
//! [`FenceSet`] (layer
//! [`LayerKind::Compounds`]). Neither query depends on the number of routes beyond the R-tree's
//! logarithm.
//!
//! Shift model: windows are times of day on the fix's date (a window may not cross midnight); a
//! truck's visits reset when its first fix (or a [`RouteMonitor::tick`]) of a new date arrives,
//! after the previous date's open stops have been judged. A date on which the monitor saw neither
//! a fix of the truck nor a tick is not judged for it.
//!
//! A stop is visited by a fix within [`RouteConfig::stop_radius_m`] of it or inside its compound.
//! A visit inside the window settles it; a visit after the window raises
//! [`RuleKind::StopOutsideWindow`] at once; a visit before the window is remembered (the truck
//! may only be passing) and reported as outside its window only if the window then closes
//! without a visit inside it. A window that closes with no visit at all is
//! [`RuleKind::StopMissed`].

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use cityops_api::LayerKind;
use geo::{LineString, MultiPolygon, Polygon};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use super::{
    Alert, Result, RouteConfig, RuleKind, ScenarioError, Severity, check_lonlat, haversine, lonlat_box,
    m_per_deg,
};
use crate::index::{Fence, FenceSet, IndexError};

/// A collection point on a route, with its service window.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// The compound (小区/单位) served; may name no known [`Compound`], then only the stop's
    /// position counts.
    pub compound_id: String,
    /// WGS84 longitude of the collection point.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Service window (start, end), inclusive, CST times of day; start ≤ end.
    pub window: (NaiveTime, NaiveTime),
}

/// A truck's planned route.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Route id, unique.
    pub id: String,
    /// The truck driving it (a truck may drive several routes; it is on route near any of them).
    pub truck_id: String,
    /// The planned line, WGS84 (lon, lat), at least two points.
    pub line: Vec<[f64; 2]>,
    /// Collection points in planned order.
    pub stops: Vec<Stop>,
}

/// The area of a compound.
#[derive(Debug, Clone, PartialEq)]
pub enum CompoundShape {
    /// An outer ring, WGS84 (lon, lat), at least three corners (closing it is optional).
    Polygon(Vec<[f64; 2]>),
    /// A disc.
    Circle {
        /// Centre longitude.
        lon: f64,
        /// Centre latitude.
        lat: f64,
        /// Radius, metres.
        radius_m: f64,
    },
}

/// A residential compound or unit whose bins a route collects.
#[derive(Debug, Clone, PartialEq)]
pub struct Compound {
    /// Compound id, unique.
    pub id: String,
    /// Its area: a fix inside it visits the compound's stops.
    pub shape: CompoundShape,
}

type Segment = GeomWithData<Rectangle<[f64; 2]>, (u32, u32)>;

#[derive(Debug, Clone, Copy)]
struct StopRef {
    route: u32,
    stop: u32,
    compound: Option<usize>,
}

#[derive(Debug, Clone, Copy, Default)]
struct StopProgress {
    /// Visited inside its window.
    in_window: bool,
    /// First visit before the window opened.
    early: Option<NaiveDateTime>,
    /// A late visit was reported.
    late_alerted: bool,
    /// Missed / early was reported.
    judged: bool,
}

#[derive(Debug, Clone)]
struct Truck {
    routes: Vec<u32>,
    stops: Vec<StopRef>,
    last_at: Option<NaiveDateTime>,
    off_count: u32,
    off_alerted: bool,
    day: Option<NaiveDate>,
    progress: Vec<StopProgress>,
}

/// Route and collection-point monitoring of all trucks.
///
/// ```
/// use chrono::{NaiveDate, NaiveTime};
/// use cityops_core::scenario::{RouteConfig, Route, RouteMonitor, RuleKind, Stop};
///
/// let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
/// let route = Route {
///     id: "R1".into(),
///     truck_id: "鲁B00001".into(),
///     line: vec![[120.380, 36.070], [120.390, 36.070]],
///     stops: vec![Stop { compound_id: "C1".into(), lon: 120.385, lat: 36.070, window: (t(5, 0), t(6, 0)) }],
/// };
/// let mut m = RouteMonitor::new(vec![route], vec![], RouteConfig::default()).unwrap();
/// let at = |h, mi| NaiveDate::from_ymd_opt(2026, 11, 29).unwrap().and_time(t(h, mi));
/// assert!(m.on_fix("鲁B00001", 120.381, 36.070, at(5, 0)).unwrap().is_empty());
/// // 0.001° of latitude is 111 m: off route, but one fix is not enough.
/// assert!(m.on_fix("鲁B00001", 120.382, 36.071, at(5, 1)).unwrap().is_empty());
/// let alerts = m.on_fix("鲁B00001", 120.383, 36.071, at(5, 2)).unwrap();
/// assert_eq!(alerts[0].rule, RuleKind::OffRoute);
/// // The stop was never visited: missed once its window has closed.
/// let alerts = m.tick(at(6, 1));
/// assert_eq!(alerts[0].rule, RuleKind::StopMissed);
/// ```
#[derive(Debug, Clone)]
pub struct RouteMonitor {
    config: RouteConfig,
    routes: Vec<Route>,
    compounds: Vec<Compound>,
    fences: FenceSet,
    segments: RTree<Segment>,
    trucks: BTreeMap<String, Truck>,
}

fn invalid(kind: &'static str, id: &str, reason: &'static str) -> ScenarioError {
    ScenarioError::InvalidInput { kind, id: id.to_owned(), reason }
}

fn valid(p: [f64; 2]) -> bool {
    check_lonlat(p[0], p[1]).is_ok()
}

impl RouteMonitor {
    /// A monitor over these routes and compounds. Fails on a route with fewer than two points, a
    /// non-finite coordinate, a window that ends before it starts, an invalid compound or a
    /// repeated id.
    pub fn new(routes: Vec<Route>, compounds: Vec<Compound>, config: RouteConfig) -> Result<Self> {
        config.validate()?;
        let mut compound_ix: HashMap<&str, usize> = HashMap::new();
        let mut fences = Vec::new();
        for (i, c) in compounds.iter().enumerate() {
            if compound_ix.insert(c.id.as_str(), i).is_some() {
                return Err(ScenarioError::DuplicateId { kind: "compound", id: c.id.clone() });
            }
            match &c.shape {
                CompoundShape::Polygon(ring) => {
                    if ring.len() < 3 || !ring.iter().all(|&p| valid(p)) {
                        return Err(invalid("compound", &c.id, "needs three or more valid corners"));
                    }
                    let ring: LineString<f64> = ring.iter().map(|&[x, y]| (x, y)).collect();
                    let shape = MultiPolygon::new(vec![Polygon::new(ring, vec![])]);
                    fences.push(Fence { layer: LayerKind::Compounds, id: i as u64, shape });
                }
                CompoundShape::Circle { lon, lat, radius_m } => {
                    if !(valid([*lon, *lat]) && radius_m.is_finite() && *radius_m > 0.0) {
                        return Err(invalid("compound", &c.id, "needs a valid centre and a positive radius"));
                    }
                }
            }
        }
        let fences = FenceSet::from_fences(fences).map_err(|e| match e {
            IndexError::InvalidFence { id, reason, .. } => {
                let id =
                    usize::try_from(id).ok().and_then(|i| compounds.get(i)).map_or("?", |c| c.id.as_str());
                invalid("compound", id, reason)
            }
            _ => invalid("compound", "?", "rejected by the fence index"),
        })?;

        let mut route_ids: HashSet<&str> = HashSet::new();
        let mut trucks: BTreeMap<String, Truck> = BTreeMap::new();
        let mut segments = Vec::new();
        for (ri, r) in routes.iter().enumerate() {
            if !route_ids.insert(r.id.as_str()) {
                return Err(ScenarioError::DuplicateId { kind: "route", id: r.id.clone() });
            }
            if r.line.len() < 2 || !r.line.iter().all(|&p| valid(p)) {
                return Err(invalid("route", &r.id, "line needs two or more valid points"));
            }
            let ri = u32::try_from(ri).map_err(|_| invalid("route", &r.id, "too many routes"))?;
            for (si, w) in r.line.windows(2).enumerate() {
                let rect = Rectangle::from_corners(w[0], w[1]);
                segments.push(Segment::new(rect, (ri, si as u32)));
            }
            let truck = trucks.entry(r.truck_id.clone()).or_insert_with(|| Truck {
                routes: Vec::new(),
                stops: Vec::new(),
                last_at: None,
                off_count: 0,
                off_alerted: false,
                day: None,
                progress: Vec::new(),
            });
            truck.routes.push(ri);
            for (si, s) in r.stops.iter().enumerate() {
                if !valid([s.lon, s.lat]) {
                    return Err(invalid("route", &r.id, "stop has an invalid position"));
                }
                if s.window.0 > s.window.1 {
                    return Err(invalid("route", &r.id, "stop window ends before it starts"));
                }
                let compound = compound_ix.get(s.compound_id.as_str()).copied();
                truck.stops.push(StopRef { route: ri, stop: si as u32, compound });
            }
        }
        for t in trucks.values_mut() {
            t.progress = vec![StopProgress::default(); t.stops.len()];
        }
        Ok(RouteMonitor { config, routes, compounds, fences, segments: RTree::bulk_load(segments), trucks })
    }

    /// The settings in use.
    pub fn config(&self) -> &RouteConfig {
        &self.config
    }

    /// Whether the truck has a route.
    pub fn knows_truck(&self, truck_id: &str) -> bool {
        self.trucks.contains_key(truck_id)
    }

    /// Whether the truck is currently in an off-route episode (alerted and not yet back).
    pub fn is_off_route(&self, truck_id: &str) -> bool {
        self.trucks.get(truck_id).is_some_and(|t| t.off_alerted)
    }

    /// Distance from a point to the nearest of the truck's route lines, metres, by scanning every
    /// segment (no index): for reports and as the oracle of the indexed test.
    pub fn route_distance_m(&self, truck_id: &str, lon: f64, lat: f64) -> Result<f64> {
        check_lonlat(lon, lat)?;
        let truck = self.trucks.get(truck_id).ok_or_else(|| ScenarioError::UnknownTruck(truck_id.into()))?;
        let mut best = f64::INFINITY;
        for &ri in &truck.routes {
            for w in self.routes[ri as usize].line.windows(2) {
                best = best.min(segment_distance_m([lon, lat], w[0], w[1]));
            }
        }
        Ok(best)
    }

    /// Whether some segment of these routes lies within `limit` metres (R-tree candidates).
    fn within(&self, routes: &[u32], lon: f64, lat: f64, limit: f64) -> bool {
        let env = lonlat_box(lon, lat, limit);
        self.segments.locate_in_envelope_intersecting(&env).any(|seg| {
            let (ri, si) = seg.data;
            routes.contains(&ri) && {
                let line = &self.routes[ri as usize].line;
                let (a, b) = (line[si as usize], line[si as usize + 1]);
                segment_distance_m([lon, lat], a, b) <= limit
            }
        })
    }

    /// Feeds one GPS fix of a truck (time-ordered per truck; equal times are fine) and returns
    /// the alerts it raises: off route (after [`RouteConfig::off_route_fixes`] consecutive fixes,
    /// once per episode; a fix back on route ends the episode), a stop visited after its window
    /// closed, and — when this is the truck's first fix of a new date — the previous date's open
    /// stops judged as by [`RouteMonitor::end_of_shift`].
    pub fn on_fix(&mut self, truck_id: &str, lon: f64, lat: f64, at: NaiveDateTime) -> Result<Vec<Alert>> {
        check_lonlat(lon, lat)?;
        let unknown = || ScenarioError::UnknownTruck(truck_id.into());
        if let Some(last) = self.trucks.get(truck_id).ok_or_else(unknown)?.last_at
            && at < last
        {
            return Err(ScenarioError::OutOfOrder { subject: truck_id.into(), at, last });
        }
        let mut alerts = self.roll_day(truck_id, at.date());
        let truck = self.trucks.get(truck_id).ok_or_else(unknown)?;
        let on_route = self.within(&truck.routes, lon, lat, self.config.off_route_m);
        let inside = self.fences.containing(lon, lat);
        // Within `r` metres of (x, y)? The latitude difference alone rules most stops out before
        // the great-circle distance is computed.
        let near =
            |x: f64, y: f64, r: f64| (lat - y).abs() * m_per_deg() <= r && haversine([lon, lat], [x, y]) <= r;
        let mut visited = Vec::new();
        for (k, s) in truck.stops.iter().enumerate() {
            if truck.progress.get(k).is_some_and(|p| p.in_window) {
                continue;
            }
            let stop = &self.routes[s.route as usize].stops[s.stop as usize];
            let hit = near(stop.lon, stop.lat, self.config.stop_radius_m)
                || s.compound.is_some_and(|c| match &self.compounds[c].shape {
                    CompoundShape::Polygon(_) => {
                        inside.binary_search(&(LayerKind::Compounds, c as u64)).is_ok()
                    }
                    CompoundShape::Circle { lon: cx, lat: cy, radius_m } => near(*cx, *cy, *radius_m),
                });
            if hit {
                visited.push(k);
            }
        }
        // The exact distance (a scan of the truck's segments) only for the fix that raises the alert.
        let alerting = !on_route
            && truck.off_count.saturating_add(1) >= self.config.off_route_fixes
            && !truck.off_alerted;
        let alert_distance = if alerting { Some(self.route_distance_m(truck_id, lon, lat)?) } else { None };

        let Some(truck) = self.trucks.get_mut(truck_id) else { return Ok(alerts) };
        truck.last_at = Some(at);
        if on_route {
            truck.off_count = 0;
            truck.off_alerted = false;
        } else {
            truck.off_count = truck.off_count.saturating_add(1);
        }
        if let Some(d) = alert_distance {
            truck.off_alerted = true;
            alerts.push(Alert::new(
                RuleKind::OffRoute,
                truck_id.to_owned(),
                format!(
                    "收运车辆{truck_id}偏离规定路线约{d:.0}米（连续{}个定位点超过{:.0}米）",
                    truck.off_count, self.config.off_route_m
                ),
                [lon, lat],
                at,
                Severity::Warning,
            ));
        }
        let t = at.time();
        for k in visited {
            let s = truck.stops[k];
            let stop = &self.routes[s.route as usize].stops[s.stop as usize];
            let p = &mut truck.progress[k];
            if p.in_window {
                continue;
            }
            let (open, close) = stop.window;
            if t < open {
                p.early.get_or_insert(at);
            } else if t <= close {
                p.in_window = true;
            } else if !p.late_alerted {
                p.late_alerted = true;
                p.judged = true;
                alerts.push(Alert::new(
                    RuleKind::StopOutsideWindow,
                    format!("{truck_id}/{}", stop.compound_id),
                    format!(
                        "收运车辆{truck_id}于{}到达收集点{}，晚于收运时段{}–{}",
                        t.format("%H:%M"),
                        stop.compound_id,
                        open.format("%H:%M"),
                        close.format("%H:%M")
                    ),
                    [stop.lon, stop.lat],
                    at,
                    Severity::Info,
                ));
            }
        }
        Ok(alerts)
    }

    /// Judges, for every truck, the stops whose window has closed by `now` without a visit inside
    /// it: missed, or visited only before the window opened. Each stop is judged once per date;
    /// the alert's time is the window's close, so repeated ticks raise the same ids once. A tick
    /// on a new date first closes each truck's previous date.
    pub fn tick(&mut self, now: NaiveDateTime) -> Vec<Alert> {
        let ids: Vec<String> = self.trucks.keys().cloned().collect();
        let mut alerts = Vec::new();
        for id in ids {
            alerts.extend(self.roll_day(&id, now.date()));
            alerts.extend(self.judge(&id, now.date(), Some(now), false));
        }
        alerts
    }

    /// Ends a truck's shift at `at`: every stop of that date not yet visited in its window is
    /// judged now (missed, or visited only early), whether or not its window has closed.
    pub fn end_of_shift(&mut self, truck_id: &str, at: NaiveDateTime) -> Result<Vec<Alert>> {
        if !self.trucks.contains_key(truck_id) {
            return Err(ScenarioError::UnknownTruck(truck_id.into()));
        }
        let mut alerts = self.roll_day(truck_id, at.date());
        alerts.extend(self.judge(truck_id, at.date(), Some(at), true));
        Ok(alerts)
    }

    /// Moves a truck to `day`, closing its previous date first.
    fn roll_day(&mut self, truck_id: &str, day: NaiveDate) -> Vec<Alert> {
        let Some(truck) = self.trucks.get_mut(truck_id) else { return Vec::new() };
        match truck.day {
            Some(d) if d == day => Vec::new(),
            Some(d) if d > day => Vec::new(),
            Some(d) => {
                let alerts = self.judge(truck_id, d, None, true);
                if let Some(truck) = self.trucks.get_mut(truck_id) {
                    truck.day = Some(day);
                    truck.progress.iter_mut().for_each(|p| *p = StopProgress::default());
                    truck.off_count = 0;
                    truck.off_alerted = false;
                }
                alerts
            }
            None => {
                truck.day = Some(day);
                Vec::new()
            }
        }
    }

    /// Judges the open stops of `day`: those whose window closed by `now`, or all of them with
    /// `all`. A miss is dated at the window's close, or at `now` if that is earlier (end of shift).
    fn judge(&mut self, truck_id: &str, day: NaiveDate, now: Option<NaiveDateTime>, all: bool) -> Vec<Alert> {
        let Some(truck) = self.trucks.get_mut(truck_id) else { return Vec::new() };
        if truck.day != Some(day) {
            return Vec::new();
        }
        let mut alerts = Vec::new();
        for (k, s) in truck.stops.iter().enumerate() {
            let stop = &self.routes[s.route as usize].stops[s.stop as usize];
            let p = &mut truck.progress[k];
            let (open, close) = stop.window;
            if p.in_window || p.judged || (!all && now.is_none_or(|n| n <= day.and_time(close))) {
                continue;
            }
            p.judged = true;
            let window = format!("{}–{}", open.format("%H:%M"), close.format("%H:%M"));
            let subject = format!("{truck_id}/{}", stop.compound_id);
            let alert = match p.early {
                Some(early) => Alert::new(
                    RuleKind::StopOutsideWindow,
                    subject,
                    format!(
                        "收运车辆{truck_id}于{}到达收集点{}，早于收运时段{window}，时段内未收运",
                        early.time().format("%H:%M"),
                        stop.compound_id
                    ),
                    [stop.lon, stop.lat],
                    early,
                    Severity::Info,
                ),
                None => Alert::new(
                    RuleKind::StopMissed,
                    subject,
                    format!("收运车辆{truck_id}未在收运时段{window}内到达收集点{}（漏收）", stop.compound_id),
                    [stop.lon, stop.lat],
                    now.map_or(day.and_time(close), |n| n.min(day.and_time(close))),
                    Severity::Warning,
                ),
            };
            alerts.push(alert);
        }
        alerts
    }
}

/// Distance from `p` to the segment `a`–`b`, metres, in the plane tangent at `p`
/// (equirectangular at `p`'s latitude).
pub(crate) fn segment_distance_m(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let ky = m_per_deg();
    let kx = ky * p[1].to_radians().cos();
    let (ax, ay) = ((a[0] - p[0]) * kx, (a[1] - p[1]) * ky);
    let (bx, by) = ((b[0] - p[0]) * kx, (b[1] - p[1]) * ky);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
    let (x, y) = (ax + t * dx, ay + t * dy);
    (x * x + y * y).sqrt()
}
