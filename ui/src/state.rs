//! The console's state logic, free of web APIs: the live picture (viewport items, vehicles,
//! alerts, known cases) and how each [`LiveEvent`] changes it; feed freshness; the query strings
//! of the viewport and case-list requests; hit testing; deadline arithmetic; the connection state.
//!
//! Every function takes "now" as an argument, so the tests fix time.

use std::collections::BTreeMap;

use cityops_api::{
    CaseDto, CaseStatus, Channel, EventBody, LayerKind, LiveEvent, MapItemDto, Stage, StatusClass, Timestamp,
};

use crate::geo::{Bounds, View};
use crate::i18n::{Lang, Msg};
use crate::style::cluster_radius;

/// The point layers the console asks the service for, in the layer panel's order.
pub const POINT_LAYERS: [LayerKind; 8] = [
    LayerKind::Cases,
    LayerKind::Compounds,
    LayerKind::Routes,
    LayerKind::Trucks,
    LayerKind::Facilities,
    LayerKind::Sites,
    LayerKind::Cameras,
    LayerKind::Alerts,
];

/// The layers the service's viewport route answers (its R-tree's point layers). Compounds,
/// routes and sites are not served as viewport items yet; their panel rows say "no data".
pub const VIEWPORT_LAYERS: [LayerKind; 5] =
    [LayerKind::Cases, LayerKind::Trucks, LayerKind::Facilities, LayerKind::Cameras, LayerKind::Alerts];

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
    }
}

/// How long a layer's feed may stay silent before the console marks it amber, in seconds.
/// Trucks report every few seconds; cases and alerts arrive all day; static registers (compounds,
/// facilities, cameras) change rarely.
pub fn quiet_after_s(l: LayerKind) -> i64 {
    match l {
        LayerKind::Trucks => 120,
        LayerKind::Cases | LayerKind::Alerts => 15 * 60,
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
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

impl CaseMark {
    /// From a case.
    pub fn of(c: &CaseDto) -> Self {
        CaseMark { stage: c.stage, status: c.status, overdue: c.overdue, lon: c.lon, lat: c.lat }
    }

    /// Its status class (as the service's viewport would report it).
    pub fn class(&self) -> StatusClass {
        status_class(self.status, self.overdue)
    }
}

/// Status class of a case: closed/cancelled are closed, otherwise overdue or open.
pub fn status_class(status: CaseStatus, overdue: bool) -> StatusClass {
    match status {
        CaseStatus::Closed | CaseStatus::Cancelled => StatusClass::Closed,
        _ if overdue => StatusClass::Overdue,
        _ => StatusClass::Open,
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
                let mut found = false;
                for item in &mut self.items {
                    if let MapItemDto::Point { layer: LayerKind::Cases, id: pid, lon, lat, status } = item
                        && i64::try_from(*pid).is_ok_and(|p| p == id)
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
            EventBody::Calendar { years } => Change::Calendar(years.clone()),
        }
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

/// The viewport request's query string (without `?`).
/// With `overdue_only`, the service returns only overdue features (the filter panel's 仅超期
/// applies to the map too).
pub fn viewport_query(view: &View, layers: &[LayerKind], overdue_only: bool) -> String {
    let b = view.bounds();
    let names: Vec<&str> = layers.iter().map(|l| layer_name(*l)).collect();
    let statuses = if overdue_only { "&statuses=overdue" } else { "" };
    format!(
        "west={:.6}&south={:.6}&east={:.6}&north={:.6}&zoom={:.2}&width={}&height={}&layers={}{statuses}",
        b.west,
        b.south,
        b.east,
        b.north,
        view.zoom,
        view.width.round(),
        view.height.round(),
        names.join(",")
    )
}

/// The case filter of the filter panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    /// District adcode (6 digits) or a longer area code prefix.
    pub area: Option<String>,
    /// Type or class code prefix (`06` class, `06010` type).
    pub code: Option<String>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Only overdue cases.
    pub overdue: bool,
    /// Channel.
    pub channel: Option<Channel>,
    /// Reported at or after (RFC 3339).
    pub from: Option<String>,
    /// Reported before (RFC 3339).
    pub to: Option<String>,
    /// Only inside this rectangle.
    pub bbox: Option<Bounds>,
    /// Free text: case number, address, description or camera id (the service's `q`).
    pub text: Option<String>,
}

impl CaseFilter {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == CaseFilter::default()
    }

    /// The `/api/v1/cases` query string (without `?`), with a page size.
    pub fn query(&self, limit: u32) -> String {
        let mut q: Vec<String> = Vec::new();
        if let Some(a) = &self.area {
            q.push(format!("area={}", enc(a)));
        }
        if let Some(c) = &self.code {
            q.push(format!("code={}", enc(c)));
        }
        if let Some(s) = self.stage {
            q.push(format!("stage={}", wire(&s)));
        }
        if self.overdue {
            q.push("overdue=true".into());
        }
        if let Some(c) = self.channel {
            q.push(format!("channel={}", wire(&c)));
        }
        if let Some(f) = &self.from {
            q.push(format!("from={}", enc(f)));
        }
        if let Some(t) = &self.to {
            q.push(format!("to={}", enc(t)));
        }
        if let Some(b) = &self.bbox {
            q.push(format!("bbox={}", b.query_value()));
        }
        if let Some(t) = &self.text {
            q.push(format!("q={}", enc(t)));
        }
        q.push(format!("limit={limit}"));
        q.join("&")
    }
}

/// The snake_case wire name of a serialisable enum value.
pub fn wire<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Percent-encode a query value (RFC 3986 unreserved characters pass through).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What a search string looks like.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchKind {
    /// A numeric service id.
    CaseId(i64),
    /// A case number such as `QD20261129000123`.
    CaseNo(String),
    /// A camera id (e.g. `CAM-370202-0001`).
    Camera(String),
    /// Free text: an address.
    Address(String),
}

/// Classify a search string.
pub fn classify_search(s: &str) -> Option<SearchKind> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(id) = s.parse::<i64>() {
        return Some(SearchKind::CaseId(id));
    }
    let upper = s.to_ascii_uppercase();
    if upper.starts_with("QD") && upper[2..].chars().all(|c| c.is_ascii_digit()) && s.len() > 4 {
        return Some(SearchKind::CaseNo(upper));
    }
    if upper.starts_with("CAM-") || upper.contains("-CAM-") {
        return Some(SearchKind::Camera(upper));
    }
    Some(SearchKind::Address(s.to_owned()))
}

/// What kind of place a search hit is (in the order hits of equal rank are listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlaceKind {
    /// 区(市).
    District,
    /// 街道/镇.
    Street,
    /// 社区/村.
    Community,
    /// A GeoNames place name.
    Place,
    /// A camera.
    Camera,
}

impl PlaceKind {
    /// The zoom level a hit of this kind is shown at.
    pub fn zoom(self) -> f64 {
        match self {
            PlaceKind::District => 11.0,
            PlaceKind::Street => 13.5,
            PlaceKind::Community => 15.0,
            PlaceKind::Place => 14.0,
            PlaceKind::Camera => 17.0,
        }
    }

    /// Its label.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PlaceKind::District => Msg::PlaceDistrict,
            PlaceKind::Street => Msg::PlaceStreet,
            PlaceKind::Community => Msg::PlaceCommunity,
            PlaceKind::Place => Msg::PlaceName,
            PlaceKind::Camera => Msg::PlaceCamera,
        }
        .text(lang)
    }
}

/// A place the search box found.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceHit {
    /// What it is.
    pub kind: PlaceKind,
    /// Its name (Chinese where there is one) or camera id.
    pub name: String,
    /// Area code (GB/T 2260 or the 9/12-digit street/community code), if any.
    pub code: Option<String>,
    /// Where to fly: WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
}

/// Places whose Chinese or English name contains `query` (case-insensitive), or whose area code
/// starts with it. Exact names come first, then names that start with the query, then the rest;
/// within a rank, districts before streets before communities before place names, then shorter
/// names. A name found twice at one position (a street and its place name) is listed once. At
/// most `limit` hits.
pub fn search_places<'a>(
    query: &str,
    shapes: impl IntoIterator<Item = (PlaceKind, &'a crate::geojson::Shape)>,
    limit: usize,
) -> Vec<PlaceHit> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let mut ranked: Vec<(u8, PlaceKind, usize, PlaceHit)> = Vec::new();
    for (kind, shape) in shapes {
        let names = [shape.name.as_deref(), shape.name_en.as_deref()];
        let rank = names
            .iter()
            .flatten()
            .map(|n| n.to_lowercase())
            .filter_map(|n| {
                if n == q {
                    Some(0)
                } else if n.starts_with(&q) {
                    Some(1)
                } else if n.contains(&q) {
                    Some(2)
                } else {
                    None
                }
            })
            .min()
            .or_else(|| {
                (q.bytes().all(|b| b.is_ascii_digit())
                    && shape.code.as_deref().is_some_and(|c| c.starts_with(&q)))
                .then_some(1)
            });
        let (Some(rank), Some(name)) = (rank, shape.name.clone().or_else(|| shape.name_en.clone())) else {
            continue;
        };
        let (lon, lat) = shape.anchor_lonlat;
        let len = name.chars().count();
        ranked.push((rank, kind, len, PlaceHit { kind, name, code: shape.code.clone(), lon, lat }));
    }
    ranked.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| a.3.name.cmp(&b.3.name)));
    let mut out: Vec<PlaceHit> = Vec::new();
    for (_, _, _, hit) in ranked {
        let near = |h: &PlaceHit| (h.lon - hit.lon).abs() < 1e-3 && (h.lat - hit.lat).abs() < 1e-3;
        if out.iter().any(|h| h.name == hit.name && near(h)) {
            continue;
        }
        out.push(hit);
        if out.len() == limit {
            break;
        }
    }
    out
}

/// The item under a screen point: the nearest point or cluster whose drawn disc contains it.
/// Returns its index in `items`.
pub fn hit_test(items: &[MapItemDto], view: &View, px: f64, py: f64) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, item) in items.iter().enumerate() {
        let (lon, lat, r) = match item {
            MapItemDto::Point { lon, lat, .. } => (*lon, *lat, 9.0),
            MapItemDto::Cluster { lon, lat, mix, .. } => (*lon, *lat, cluster_radius(mix.total())),
        };
        let (x, y) = view.to_screen(lon, lat);
        let d2 = (x - px).powi(2) + (y - py).powi(2);
        if d2 <= r * r && best.is_none_or(|(_, b)| d2 < b) {
            best = Some((i, d2));
        }
    }
    best.map(|(i, _)| i)
}

/// One line explaining a map item under the cursor: what it is and what its numbers count.
pub fn describe_item(item: &MapItemDto, cases: &BTreeMap<i64, CaseMark>, lang: Lang) -> String {
    let class_name = |c: StatusClass| match (c, lang) {
        (StatusClass::Open, Lang::Zh) => "办理中",
        (StatusClass::Overdue, Lang::Zh) => "超期",
        (StatusClass::Closed, Lang::Zh) => "已结案",
        (StatusClass::Open, Lang::En) => "open",
        (StatusClass::Overdue, Lang::En) => "overdue",
        (StatusClass::Closed, Lang::En) => "closed",
    };
    match item {
        MapItemDto::Cluster { layer, mix, .. } => {
            let parts = [
                (StatusClass::Overdue, mix.overdue),
                (StatusClass::Open, mix.open),
                (StatusClass::Closed, mix.closed),
            ]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| format!("{} {n}", class_name(*c)))
            .collect::<Vec<_>>()
            .join(" · ");
            let total = mix.total();
            match lang {
                Lang::Zh => format!("{} {total} 个:{parts}(点击放大)", crate::i18n::layer(*layer, lang)),
                Lang::En => {
                    format!("{total} {}: {parts} (click to zoom in)", crate::i18n::layer(*layer, lang))
                }
            }
        }
        MapItemDto::Point { layer: LayerKind::Cases, id, status, .. } => {
            let stage = i64::try_from(*id)
                .ok()
                .and_then(|i| cases.get(&i))
                .map(|m| format!(" · {}", crate::i18n::stage(m.stage, lang)))
                .unwrap_or_default();
            format!("{} #{id}{stage} · {}", crate::i18n::layer(LayerKind::Cases, lang), class_name(*status))
        }
        MapItemDto::Point { layer, id, status, .. } => {
            // For equipment and vehicles the classes read as normal / alarm / offline.
            let word = match (status, lang) {
                (StatusClass::Open, Lang::Zh) => "正常",
                (StatusClass::Overdue, Lang::Zh) => "告警",
                (StatusClass::Closed, Lang::Zh) => "停用",
                (StatusClass::Open, Lang::En) => "normal",
                (StatusClass::Overdue, Lang::En) => "alarm",
                (StatusClass::Closed, Lang::En) => "offline",
            };
            format!("{} #{id} · {word}", crate::i18n::layer(*layer, lang))
        }
    }
}

/// The card of a thematic feature (compound, route, site, camera): labelled rows from its
/// properties, with the latest readings of a site's dust and noise sensors when they have
/// reported. Provenance fields are left out; `synthetic` becomes a note.
pub fn feature_card(
    layer: LayerKind,
    props: &serde_json::Map<String, serde_json::Value>,
    sensors: &BTreeMap<String, (f64, String, String, Timestamp)>,
    lang: Lang,
) -> Vec<(String, String)> {
    use serde_json::Value;
    let zh = lang == Lang::Zh;
    let label = |k: &str| -> String {
        let (z, e) = match k {
            "id" => ("编号", "Id"),
            "name" => ("名称", "Name"),
            "households" => ("户数", "Households"),
            "sorting_status" => ("垃圾分类", "Waste sorting"),
            "builder" => ("施工单位", "Builder"),
            "stage" => ("施工阶段", "Works stage"),
            "permit_no" => ("施工许可证号", "Permit no."),
            "buildings" => ("单体数", "Buildings"),
            "area_m2" => ("面积 m²", "Area m²"),
            "dust_sensor_id" => ("扬尘监测 PM10", "Dust PM10"),
            "noise_sensor_id" => ("噪声监测", "Noise"),
            "facility_id" => ("所属设施", "Facility"),
            "stops" => ("收运点数", "Stops"),
            "grid_code" => ("单元网格", "Grid"),
            "community_code" => ("社区", "Community"),
            "district_code" => ("区(市)", "District"),
            other => return other.to_owned(),
        };
        (if zh { z } else { e }).to_owned()
    };
    let mut rows =
        vec![(if zh { "图层" } else { "Layer" }.to_owned(), crate::i18n::layer(layer, lang).to_owned())];
    for (k, v) in props {
        if matches!(k.as_str(), "source" | "synthetic" | "heading_deg" | "fov_deg" | "range_m") {
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Array(a) => a.len().to_string(),
            _ => continue,
        };
        let text = if k.ends_with("_sensor_id") {
            match sensors.get(&text) {
                Some((value, unit, _, at)) => format!("{text}: {value} {unit} ({})", short_time(*at)),
                None => format!("{text}: {}", if zh { "暂无读数" } else { "no reading yet" }),
            }
        } else {
            text
        };
        rows.push((label(k), text));
    }
    if props.get("synthetic").and_then(Value::as_bool) == Some(true) {
        rows.push((
            if zh { "说明" } else { "Note" }.to_owned(),
            if zh { "合成数据" } else { "synthetic" }.to_owned(),
        ));
    }
    rows
}

/// Time to a deadline, for "time left" columns: e.g. `剩余 3小时20分` / `3 h 20 min left`, or
/// `已超时 1天2小时` / `overdue by 1 d 2 h`. Clock time; working-time limits are the service's.
pub fn time_left(deadline: Timestamp, now: Timestamp, lang: Lang) -> (String, bool) {
    let secs = (deadline - now).num_seconds();
    let overdue = secs < 0;
    let s = secs.unsigned_abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let span = match lang {
        Lang::Zh if d > 0 => format!("{d}天{h}小时"),
        Lang::Zh if h > 0 => format!("{h}小时{m}分"),
        Lang::Zh => format!("{m}分"),
        Lang::En if d > 0 => format!("{d} d {h} h"),
        Lang::En if h > 0 => format!("{h} h {m} min"),
        Lang::En => format!("{m} min"),
    };
    let text = match (lang, overdue) {
        (Lang::Zh, false) => format!("{} {span}", Msg::TimeLeft.text(lang)),
        (Lang::Zh, true) => format!("{} {span}", Msg::OverdueBy.text(lang)),
        (Lang::En, false) => format!("{span} {}", Msg::TimeLeft.text(lang)),
        (Lang::En, true) => format!("{} {span}", Msg::OverdueBy.text(lang)),
    };
    (text, overdue)
}

/// Format a timestamp for display in China Standard Time: `11-29 14:05`.
pub fn short_time(t: Timestamp) -> String {
    t.with_timezone(&cityops_api::CST).format("%m-%d %H:%M").to_string()
}

/// Format a timestamp with seconds: `2026-11-29 14:05:09`.
pub fn long_time(t: Timestamp) -> String {
    t.with_timezone(&cityops_api::CST).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `GET /api/health`: the service's clock (simulations run faster than the wall clock).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct HealthDto {
    /// Service time now.
    #[serde(default)]
    pub now: Option<Timestamp>,
    /// Service seconds per wall-clock second (1 = real time).
    #[serde(default)]
    pub time_scale: Option<f64>,
    /// Id of the last event committed.
    #[serde(default)]
    pub last_event_id: Option<u64>,
}

/// The service's clock as seen from the console: deadlines, "time left" and feed freshness are
/// measured against it, not against the wall clock, so a simulation running ×30 reads right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceClock {
    /// Service time at the reading.
    pub at_service: Timestamp,
    /// Wall-clock milliseconds since the epoch at the reading.
    pub at_wall_ms: f64,
    /// Service seconds per wall second.
    pub scale: f64,
}

impl ServiceClock {
    /// A clock from a health answer read at `wall_ms`; None without a service time.
    pub fn from_health(h: &HealthDto, wall_ms: f64) -> Option<Self> {
        let scale = h.time_scale.filter(|s| s.is_finite() && *s > 0.0).unwrap_or(1.0);
        Some(ServiceClock { at_service: h.now?, at_wall_ms: wall_ms, scale })
    }

    /// Service time at wall-clock `wall_ms`.
    pub fn now(&self, wall_ms: f64) -> Timestamp {
        let ms = ((wall_ms - self.at_wall_ms) * self.scale).round() as i64;
        self.at_service + chrono::Duration::milliseconds(ms)
    }

    /// Whether the service runs faster or slower than real time.
    pub fn simulated(&self) -> bool {
        (self.scale - 1.0).abs() > 1e-9
    }
}

/// State of the live connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// No service configured: base map only.
    NoServer,
    /// Opening the stream.
    Connecting,
    /// Receiving events.
    Live,
    /// The stream dropped; retrying. The picture is the last one received.
    Reconnecting,
}

impl Connection {
    /// Status-bar text.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Connection::NoServer => Msg::NoServer.text(lang),
            Connection::Connecting => Msg::Connecting.text(lang),
            Connection::Live => Msg::Live.text(lang),
            Connection::Reconnecting => Msg::Disconnected.text(lang),
        }
    }
}

/// Which service the desktop console follows (Tauri commands `service_info` and `use_service`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct ServiceInfo {
    /// Base URL of the service.
    pub server: String,
    /// Whether it is the console's embedded service.
    pub embedded: bool,
}

/// Service settings: base URL and bearer token.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8480`; empty = same origin.
    pub server: String,
    /// Bearer token.
    pub token: String,
}

impl Settings {
    /// Read `server` and `token` from a query string (`?server=…&token=…`), percent-decoded.
    pub fn from_query(query: &str) -> Settings {
        let mut s = Settings::default();
        for pair in query.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = dec(v);
            match k {
                "server" => s.server = v.trim_end_matches('/').to_owned(),
                "token" => s.token = v,
                _ => {}
            }
        }
        s
    }

    /// Whether a token is set (the service needs one).
    pub fn usable(&self) -> bool {
        !self.token.is_empty()
    }
}

/// An initial view from the query string: `?lon=120.38&lat=36.07&z=15` (all three needed).
pub fn view_from_query(query: &str) -> Option<(f64, f64, f64)> {
    let (mut lon, mut lat, mut z) = (None, None, None);
    for pair in query.trim_start_matches('?').split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = v.parse::<f64>().ok().filter(|x| x.is_finite());
        match k {
            "lon" => lon = v,
            "lat" => lat = v,
            "z" => z = v,
            _ => {}
        }
    }
    Some((lon?, lat?, z?))
}

/// Percent-decode (and `+` as space) a query value; invalid escapes pass through.
pub fn dec(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cityops_api::{CST, StatusMix, TypeKey, TypeKind};

    fn t(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn case(id: i64, stage: Stage, overdue: bool) -> CaseDto {
        CaseDto {
            id,
            case_no: format!("QD20261129{id:06}"),
            type_key: TypeKey { kind: TypeKind::Matter, code: "06010".into() },
            channel: Channel::Inspector,
            stage,
            status: if stage == Stage::Evaluate { CaseStatus::Closed } else { CaseStatus::Active },
            lon: 120.38,
            lat: 36.07,
            address: "香港中路".into(),
            description: String::new(),
            grid_code: "370202001001001".into(),
            community_code: "370202001001".into(),
            street_code: "370202001".into(),
            district_code: "370202".into(),
            unit_code: None,
            deadline: None,
            deadline_provisional: false,
            overdue,
            rework_count: 0,
            supervise_count: 0,
            media: vec![],
            camera_id: None,
            source_ref: None,
            created_at: t("2026-11-29T09:00:00+08:00"),
            updated_at: t("2026-11-29T09:00:00+08:00"),
            history: vec![],
            events: vec![],
        }
    }

    fn ev(id: u64, at: &str, body: EventBody) -> LiveEvent {
        LiveEvent { id, at: t(at), body }
    }

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
    fn viewport_and_case_queries_name_their_parameters() {
        let v = View::new(120.38, 36.07, 12.0, 1920.0, 1080.0);
        let q = viewport_query(&v, &[LayerKind::Cases, LayerKind::Trucks], false);
        assert!(
            q.starts_with("west=120.")
                && q.ends_with("&zoom=12.00&width=1920&height=1080&layers=cases,trucks"),
            "{q}"
        );
        assert!(viewport_query(&v, &[LayerKind::Cases], true).ends_with("&layers=cases&statuses=overdue"));
        let f = CaseFilter {
            area: Some("370202".into()),
            stage: Some(Stage::Handle),
            overdue: true,
            channel: Some(Channel::VideoAi),
            from: Some("2026-11-01T00:00:00+08:00".into()),
            ..CaseFilter::default()
        };
        assert_eq!(
            f.query(50),
            "area=370202&stage=handle&overdue=true&channel=video_ai&from=2026-11-01T00%3A00%3A00%2B08%3A00&limit=50"
        );
        assert!(CaseFilter::default().is_empty());
        assert_eq!(CaseFilter::default().query(10), "limit=10");
    }

    #[test]
    fn viewport_answers_decode() {
        let v: cityops_api::MapViewDto = serde_json::from_str(
            r#"{"items":[{"type":"point","layer":"cases","id":7,"lon":120.3,"lat":36.1,"status":"overdue"},
                {"type":"cluster","layer":"trucks","lon":120.2,"lat":36.2,"mix":{"open":3,"overdue":0,"closed":1}}],
                "truncated":false,"as_of":{"cases":"2026-11-29T09:00:00+08:00","trucks":"2026-11-29T01:00:00Z"}}"#,
        )
        .unwrap();
        assert_eq!(v.items.len(), 2);
        assert_eq!(v.as_of.len(), 2);
        assert_eq!(v.as_of[&LayerKind::Trucks], t("2026-11-29T09:00:00+08:00"));
    }

    #[test]
    fn search_strings_are_classified() {
        assert_eq!(classify_search(" 123 "), Some(SearchKind::CaseId(123)));
        assert_eq!(classify_search("qd20261129000123"), Some(SearchKind::CaseNo("QD20261129000123".into())));
        assert_eq!(classify_search("CAM-370202-0001"), Some(SearchKind::Camera("CAM-370202-0001".into())));
        assert_eq!(classify_search(" qd-cam-000481"), Some(SearchKind::Camera("QD-CAM-000481".into())));
        assert_eq!(classify_search("Camden Road"), Some(SearchKind::Address("Camden Road".into())));
        assert_eq!(classify_search("香港中路"), Some(SearchKind::Address("香港中路".into())));
        assert_eq!(classify_search("  "), None);
    }

    fn shape(name: &str, name_en: &str, code: &str, lon: f64, lat: f64) -> crate::geojson::Shape {
        crate::geojson::Shape {
            name: Some(name.into()),
            name_en: Some(name_en.into()).filter(|s: &String| !s.is_empty()),
            code: Some(code.into()).filter(|s: &String| !s.is_empty()),
            anchor_lonlat: (lon, lat),
            ..Default::default()
        }
    }

    #[test]
    fn places_are_found_by_name_and_code_best_first() {
        let districts = [shape("市南区", "Shinan District", "370202", 120.39, 36.07)];
        let streets = [
            shape("金湖路街道", "", "370202011", 120.37, 36.06),
            shape("香港中路街道", "", "370202010", 120.40, 36.06),
            shape("湖岛街道", "", "370203020", 120.33, 36.11),
        ];
        let communities = [
            shape("金湖路", "", "370202011008", 120.371, 36.061),
            shape("金湖路社区", "", "370202011009", 120.36, 36.05),
        ];
        let places =
            [shape("金湖路", "Jinhu Road", "", 120.3705, 36.0605), shape("市南", "Shinan", "", 120.5, 36.5)];
        let all = || {
            districts
                .iter()
                .map(|s| (PlaceKind::District, s))
                .chain(streets.iter().map(|s| (PlaceKind::Street, s)))
                .chain(communities.iter().map(|s| (PlaceKind::Community, s)))
                .chain(places.iter().map(|s| (PlaceKind::Place, s)))
        };
        let names =
            |q: &str, limit| search_places(q, all(), limit).into_iter().map(|h| h.name).collect::<Vec<_>>();
        // Exact names first (the community, then the place name 60 m away is a repeat and goes),
        // then names that start with it (street before community), then the rest.
        assert_eq!(names("金湖路", 10), ["金湖路", "金湖路街道", "金湖路社区"]);
        assert_eq!(names("湖", 10), ["湖岛街道", "金湖路街道", "金湖路", "金湖路社区"]);
        // English names, any case; codes by prefix; a limit; nothing for blanks or strangers.
        assert_eq!(names("shinan", 10), ["市南", "市南区"]);
        assert_eq!(names("jinhu road", 10), ["金湖路"]);
        assert_eq!(names("370202011", 10), ["金湖路街道", "金湖路", "金湖路社区"]);
        assert_eq!(names("湖", 2).len(), 2);
        assert!(names("  ", 10).is_empty());
        assert!(names("黄岛", 10).is_empty());
        let hit = &search_places("市南区", all(), 1)[0];
        assert_eq!(
            (hit.kind, hit.code.as_deref(), hit.lon, hit.lat),
            (PlaceKind::District, Some("370202"), 120.39, 36.07)
        );
        assert!(
            PlaceKind::District.zoom() < PlaceKind::Street.zoom()
                && PlaceKind::Street.zoom() < PlaceKind::Camera.zoom()
        );
    }

    #[test]
    fn a_free_text_filter_becomes_q() {
        let f = CaseFilter { text: Some("金湖路 5%".into()), ..Default::default() };
        assert_eq!(f.query(50), "q=%E9%87%91%E6%B9%96%E8%B7%AF%205%25&limit=50");
    }

    #[test]
    fn hit_testing_prefers_the_nearest_disc() {
        let v = View::new(120.38, 36.07, 14.0, 800.0, 600.0);
        let items = vec![
            MapItemDto::Cluster {
                layer: LayerKind::Cases,
                lon: 120.38,
                lat: 36.07,
                mix: StatusMix { open: 90, overdue: 5, closed: 5 },
            },
            MapItemDto::Point {
                layer: LayerKind::Cases,
                id: 1,
                lon: 120.3805,
                lat: 36.07,
                status: StatusClass::Open,
            },
        ];
        let (px, py) = v.to_screen(120.3805, 36.07);
        assert_eq!(hit_test(&items, &v, px + 1.0, py), Some(1));
        assert_eq!(hit_test(&items, &v, 400.0, 300.0), Some(0));
        assert_eq!(hit_test(&items, &v, 10.0, 10.0), None);
    }

    #[test]
    fn items_under_the_cursor_explain_their_numbers() {
        let cluster = MapItemDto::Cluster {
            layer: LayerKind::Cases,
            lon: 120.0,
            lat: 36.0,
            mix: StatusMix { open: 10, overdue: 2, closed: 0 },
        };
        let marks = BTreeMap::new();
        assert_eq!(describe_item(&cluster, &marks, Lang::Zh), "案件 12 个:超期 2 · 办理中 10(点击放大)");
        assert_eq!(
            describe_item(&cluster, &marks, Lang::En),
            "12 Cases: overdue 2 · open 10 (click to zoom in)"
        );
        let mut p = Picture::default();
        p.note_case(&case(5, Stage::Handle, false));
        let point = MapItemDto::Point {
            layer: LayerKind::Cases,
            id: 5,
            lon: 120.0,
            lat: 36.0,
            status: StatusClass::Open,
        };
        assert_eq!(describe_item(&point, &p.cases, Lang::Zh), "案件 #5 · 任务处理 · 办理中");
        let camera = MapItemDto::Point {
            layer: LayerKind::Cameras,
            id: 41,
            lon: 120.0,
            lat: 36.0,
            status: StatusClass::Open,
        };
        assert_eq!(describe_item(&camera, &p.cases, Lang::Zh), "视频监控 #41 · 正常");
    }

    #[test]
    fn site_cards_show_their_sensor_readings() {
        let props: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"id":"QD-GD-0001","builder":"青岛某建工","dust_sensor_id":"QD-PM10-0001",
                "noise_sensor_id":"QD-NOISE-0001","source":"generated","synthetic":true}"#,
        )
        .unwrap();
        let sensors = BTreeMap::from([(
            "QD-PM10-0001".to_owned(),
            (180.0, "µg/m³".to_owned(), "pm10".to_owned(), t("2026-11-29T10:05:00+08:00")),
        )]);
        let rows = feature_card(LayerKind::Sites, &props, &sensors, Lang::Zh);
        assert_eq!(rows[0], ("图层".to_owned(), "建筑工地".to_owned()));
        assert!(
            rows.contains(&("扬尘监测 PM10".to_owned(), "QD-PM10-0001: 180 µg/m³ (11-29 10:05)".to_owned()))
        );
        assert!(rows.contains(&("噪声监测".to_owned(), "QD-NOISE-0001: 暂无读数".to_owned())));
        assert!(!rows.iter().any(|(k, _)| k == "source"));
        assert_eq!(rows.last().unwrap().1, "合成数据");
    }

    #[test]
    fn time_left_reads_in_both_languages() {
        let now = t("2026-11-29T10:00:00+08:00");
        assert_eq!(
            time_left(t("2026-11-29T13:20:00+08:00"), now, Lang::Zh),
            ("剩余 3小时20分".into(), false)
        );
        assert_eq!(
            time_left(t("2026-11-29T13:20:00+08:00"), now, Lang::En),
            ("3 h 20 min left".into(), false)
        );
        assert_eq!(
            time_left(t("2026-11-28T08:00:00+08:00"), now, Lang::Zh),
            ("已超时 1天2小时".into(), true)
        );
        assert_eq!(short_time(t("2026-11-29T02:05:00Z")), "11-29 10:05");
        assert_eq!(
            long_time(t("2026-11-29T02:05:09Z").with_timezone(&CST).fixed_offset()),
            "2026-11-29 10:05:09"
        );
    }

    #[test]
    fn settings_come_from_the_query_string() {
        let s = Settings::from_query("?server=http%3A%2F%2F127.0.0.1%3A8480%2F&token=abc+def&x=1");
        assert_eq!(s.server, "http://127.0.0.1:8480");
        assert_eq!(s.token, "abc def");
        assert!(s.usable());
        assert_eq!(dec("%E5%B8%82%E5%8D%97%zz"), "市南%zz");
        assert_eq!(enc("市"), "%E5%B8%82");
    }

    #[test]
    fn the_service_clock_runs_at_its_scale() {
        let h: HealthDto =
            serde_json::from_str(r#"{"status":"ok","now":"2026-11-29T18:06:07+08:00","time_scale":30.0}"#)
                .unwrap();
        let c = ServiceClock::from_health(&h, 1_000.0).unwrap();
        assert!(c.simulated());
        // Two wall seconds later the service is a minute further.
        assert_eq!(c.now(3_000.0), t("2026-11-29T18:07:07+08:00"));
        let real = ServiceClock::from_health(
            &HealthDto { now: Some(t("2026-11-29T10:00:00+08:00")), time_scale: None, last_event_id: None },
            0.0,
        )
        .unwrap();
        assert!(!real.simulated());
        assert_eq!(real.now(500.0), t("2026-11-29T10:00:00.5+08:00"));
        assert!(
            ServiceClock::from_health(
                &HealthDto { now: None, time_scale: Some(2.0), last_event_id: None },
                0.0
            )
            .is_none()
        );
    }

    #[test]
    fn a_view_can_be_given_in_the_query() {
        assert_eq!(view_from_query("?token=x&lon=120.38&lat=36.07&z=15"), Some((120.38, 36.07, 15.0)));
        assert_eq!(view_from_query("?lon=120.38&lat=36.07"), None);
        assert_eq!(view_from_query("?lon=abc&lat=36&z=3"), None);
    }

    #[test]
    fn status_classes_follow_the_case() {
        assert_eq!(status_class(CaseStatus::Closed, true), StatusClass::Closed);
        assert_eq!(status_class(CaseStatus::Active, true), StatusClass::Overdue);
        assert_eq!(status_class(CaseStatus::Suspended, false), StatusClass::Open);
        assert_eq!(wire(&Stage::Feedback), "feedback");
    }
}
