//! Scenario rules (场景规则): the in-process checks that turn feeds into alerts and case
//! proposals. Each rule is a small state machine fed by the caller, with time as a parameter.
//!
//! - [`RouteMonitor`] (waste-truck routes, 收运路线): a truck off its route by more than
//!   [`RouteConfig::off_route_m`] for [`RouteConfig::off_route_fixes`] consecutive fixes; a
//!   collection point (收集点) visited outside its time window or missed. Route segments live in one
//!   R-tree for all routes and compound polygons in a [`crate::index::FenceSet`], so a fix costs
//!   microseconds with 749 routes (`crates/cityops-bench/benches/scenario.rs`).
//! - [`SiteMonitor`] (construction sites, 工地): PM10 above its threshold on average over a
//!   sustained window, noise above the GB 12523-2011 day/night limit (L_Aeq over a shorter window);
//!   one alarm per episode, each with a [`CaseProposal`] of type 工地扬尘 / 施工扰民 routed to the
//!   site's district.
//! - [`VideoMerger`] (video AI, 视频智能识别): a detection above the confidence threshold of one of
//!   the catalogue's video-AI types proposes a case with its camera linked; repeats from the same
//!   camera, type and place merge into the open one instead of duplicating it.
//! - [`HotspotMonitor`] (高发): `count` reports of one type within a radius and window raise one
//!   alert at their centre.
//! - [`CameraIndex`] ("which cameras can see this point"): an R-tree of view-cone envelopes and an
//!   exact cone test, answers sorted by distance.
//!
//! Deliberately absent: IO, clocks and case creation. Static inputs ([`Route`], [`Compound`],
//! [`Site`], [`Camera`]) are plain structs the caller builds (from the city pack); times are naive
//! China Standard Time like the rest of the core. Rules return [`Alert`]s and [`CaseProposal`]s;
//! the service files the cases (locating the point, applying the 立案 standard) and publishes the
//! alerts as [`cityops_api::EventBody::Alert`].
//!
//! Distances are metres. Exact tests (stop radius, view range, merge radius) use the great-circle
//! distance ([`geo::Haversine`]); the distance of a fix to a route line is measured in a plane
//! tangent at the fix (equirectangular at its own latitude), which agrees with the great circle to
//! millimetres at these ranges. R-trees hold lon/lat envelopes, and every query box is widened
//! enough that the candidate filter never drops a true answer (checked against brute force).

mod camera;
mod config;
mod error;
mod hotspot;
mod route;
mod site;
mod video;

#[cfg(test)]
mod tests;

pub use camera::{Camera, CameraIndex, CameraKind, Visible, sees};
pub use config::{
    DuplicatesConfig, DustConfig, HotspotConfig, NoiseConfig, RouteConfig, ScenarioConfig, VideoConfig,
};
pub use error::{Result, ScenarioError};
pub use hotspot::HotspotMonitor;
pub use route::{Compound, CompoundShape, Route, RouteMonitor, Stop};
pub use site::{Quantity, Site, SiteAlarm, SiteMonitor, SiteSensor};
pub use video::{Decision, Detection, IgnoreReason, MergeKey, VideoMerger};

use chrono::NaiveDateTime;
use cityops_api::{EventBody, TypeKey};

/// Which rule raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    /// A truck is off its route (偏离路线).
    OffRoute,
    /// A collection point's window closed without a visit (漏收).
    StopMissed,
    /// A collection point was visited outside its window (未按时收运).
    StopOutsideWindow,
    /// PM10 above the threshold over the sustained window (扬尘超标).
    DustExceeded,
    /// Noise above the day/night limit over the window (噪声超标).
    NoiseExceeded,
    /// Many reports of one type close together (高发).
    Hotspot,
}

impl RuleKind {
    /// Stable snake_case identifier (the wire `rule`).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::OffRoute => "off_route",
            RuleKind::StopMissed => "stop_missed",
            RuleKind::StopOutsideWindow => "stop_outside_window",
            RuleKind::DustExceeded => "dust_exceeded",
            RuleKind::NoiseExceeded => "noise_exceeded",
            RuleKind::Hotspot => "hotspot",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            RuleKind::OffRoute => "偏离路线",
            RuleKind::StopMissed => "漏收",
            RuleKind::StopOutsideWindow => "未按时收运",
            RuleKind::DustExceeded => "扬尘超标",
            RuleKind::NoiseExceeded => "噪声超标",
            RuleKind::Hotspot => "高发",
        }
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Worth noting (提示).
    Info,
    /// Needs attention (预警).
    Warning,
    /// Needs action; a case is proposed with it (报警).
    Alarm,
}

/// An alert raised by a scenario rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Deterministic id: `{rule}:{subject}:{time}`, so a replayed feed raises the same ids and the
    /// service's idempotent ingest drops the repeats.
    pub id: String,
    /// Rule that raised it.
    pub rule: RuleKind,
    /// What it is about: a truck id, `truck/compound` for a stop, a sensor id.
    pub subject_id: String,
    /// Human message, Chinese.
    pub message_zh: String,
    /// WGS84 longitude of where it happened.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// When it happened (CST).
    pub at: NaiveDateTime,
    /// How urgent.
    pub severity: Severity,
}

impl Alert {
    /// An alert with its deterministic id.
    pub(crate) fn new(
        rule: RuleKind,
        subject_id: String,
        message_zh: String,
        [lon, lat]: [f64; 2],
        at: NaiveDateTime,
        severity: Severity,
    ) -> Alert {
        let id = format!("{}:{}:{}", rule.as_str(), subject_id, at.format("%Y%m%dT%H%M%S"));
        Alert { id, rule, subject_id, message_zh, lon, lat, at, severity }
    }

    /// The live event body the service publishes.
    pub fn to_event_body(&self) -> EventBody {
        EventBody::Alert {
            alert_id: self.id.clone(),
            rule: self.rule.as_str().to_owned(),
            message: self.message_zh.clone(),
            lon: self.lon,
            lat: self.lat,
        }
    }
}

/// What a rule asks the service to file as a case. The service locates the point (grid → unit)
/// and applies the type's handling standard; `source_ref` is the ingest idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseProposal {
    /// Problem type.
    pub type_key: TypeKey,
    /// WGS84 longitude (a site's centroid, a detection's position).
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// District (GB/T 2260 county code) to route to, when the rule knows it (sites do); `None`
    /// lets the service locate it.
    pub district_code: Option<String>,
    /// Description, Chinese.
    pub description: String,
    /// Stable reference to what raised it (sensor id + episode start, camera + first detection).
    pub source_ref: String,
    /// Cameras linked to the case (the detecting camera for video AI).
    pub cameras: Vec<String>,
}

pub(crate) fn check_lonlat(lon: f64, lat: f64) -> Result<()> {
    if lon.is_finite() && lat.is_finite() && (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
    {
        Ok(())
    } else {
        Err(ScenarioError::InvalidCoordinate { lon, lat })
    }
}

/// Metres per degree of latitude on the mean sphere.
pub(crate) fn m_per_deg() -> f64 {
    crate::geom::EARTH_RADIUS_M * std::f64::consts::PI / 180.0
}

/// Great-circle distance, metres.
pub(crate) fn haversine(a: [f64; 2], b: [f64; 2]) -> f64 {
    use geo::{Distance, Haversine, Point};
    Haversine.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// A lon/lat box around a point that contains every point within `r` metres of it (great
/// circle), widened by 1 % and a metre.
pub(crate) fn lonlat_box(lon: f64, lat: f64, r: f64) -> rstar::AABB<[f64; 2]> {
    let r = r * 1.01 + 1.0;
    let dlat = r / m_per_deg();
    let cos = (lat.abs() + dlat).min(89.0).to_radians().cos();
    let dlon = r / (m_per_deg() * cos);
    rstar::AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat])
}
