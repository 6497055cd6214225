//! Map layers and viewport answers on the wire.

use serde::{Deserialize, Serialize};

/// A map layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// Cases (points).
    Cases,
    /// Residential compounds (waste sorting).
    Compounds,
    /// Waste collection routes (lines).
    Routes,
    /// Waste trucks (moving points).
    Trucks,
    /// Waste facilities.
    Facilities,
    /// Construction sites (polygons).
    Sites,
    /// Cameras (points with a view cone).
    Cameras,
    /// Alerts (points).
    Alerts,
    /// Unit grids (polygons).
    Grids,
    /// Open penalty files (执法案卷; points classed by their statutory limits).
    Enforcement,
}

impl LayerKind {
    /// All layers.
    pub const ALL: [LayerKind; 10] = [
        LayerKind::Cases,
        LayerKind::Compounds,
        LayerKind::Routes,
        LayerKind::Trucks,
        LayerKind::Facilities,
        LayerKind::Sites,
        LayerKind::Cameras,
        LayerKind::Alerts,
        LayerKind::Grids,
        LayerKind::Enforcement,
    ];

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            LayerKind::Cases => "案件",
            LayerKind::Compounds => "小区",
            LayerKind::Routes => "收运路线",
            LayerKind::Trucks => "收运车辆",
            LayerKind::Facilities => "环卫设施",
            LayerKind::Sites => "建筑工地",
            LayerKind::Cameras => "视频监控",
            LayerKind::Alerts => "告警",
            LayerKind::Grids => "单元网格",
            LayerKind::Enforcement => "执法案卷",
        }
    }
}

/// Status class used for colouring and for cluster mixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    /// Open and within its deadline.
    Open,
    /// Open and past its deadline.
    Overdue,
    /// Closed (or otherwise finished).
    Closed,
    /// Open, within its deadline but due soon (临期: see `CaseDto::due_soon_at`).
    DueSoon,
}

impl StatusClass {
    /// The one rule for colouring a case and placing it on the live map: closed cases are
    /// `Closed`; active (or parked, 挂账) cases `Overdue` when past their deadline, else `Open`;
    /// cancelled (作废) cases are not on the map at all (`None`).
    pub fn of(status: crate::CaseStatus, overdue: bool) -> Option<StatusClass> {
        StatusClass::of_case(status, overdue, false)
    }

    /// [`StatusClass::of`] with the due-soon state: an active case due soon (and not overdue) is
    /// `DueSoon`.
    pub fn of_case(status: crate::CaseStatus, overdue: bool, due_soon: bool) -> Option<StatusClass> {
        use crate::CaseStatus;
        match status {
            CaseStatus::Cancelled => None,
            CaseStatus::Closed => Some(StatusClass::Closed),
            CaseStatus::Active | CaseStatus::Suspended if overdue => Some(StatusClass::Overdue),
            CaseStatus::Active if due_soon => Some(StatusClass::DueSoon),
            CaseStatus::Active | CaseStatus::Suspended => Some(StatusClass::Open),
        }
    }

    /// The class of a case as it is now on the wire (its `overdue` and `due_soon` flags).
    pub fn of_dto(c: &crate::CaseDto) -> Option<StatusClass> {
        StatusClass::of_case(c.status, c.overdue, c.due_soon)
    }
}

/// Counts of features by status class inside a cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatusMix {
    /// Open within deadline.
    pub open: u32,
    /// Overdue.
    pub overdue: u32,
    /// Closed.
    pub closed: u32,
    /// Due soon (临期; not counted in `open`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub due_soon: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl StatusMix {
    /// Count one more of `class`.
    pub fn add(&mut self, class: StatusClass) {
        match class {
            StatusClass::Open => self.open += 1,
            StatusClass::DueSoon => self.due_soon += 1,
            StatusClass::Overdue => self.overdue += 1,
            StatusClass::Closed => self.closed += 1,
        }
    }

    /// Total count.
    pub fn total(&self) -> u32 {
        self.open + self.overdue + self.closed + self.due_soon
    }
}

/// One item of a viewport answer: a single feature or a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MapItemDto {
    /// A single point feature.
    Point {
        /// Layer.
        layer: LayerKind,
        /// Feature id within its layer.
        id: u64,
        /// WGS84 longitude.
        lon: f64,
        /// WGS84 latitude.
        lat: f64,
        /// Status class.
        status: StatusClass,
    },
    /// A cluster of point features.
    Cluster {
        /// Layer.
        layer: LayerKind,
        /// Weighted centre, WGS84 longitude.
        lon: f64,
        /// Weighted centre, WGS84 latitude.
        lat: f64,
        /// Status mix of its members.
        mix: StatusMix,
    },
}

/// A viewport answer: what the map draws, and how fresh each layer's data is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MapViewDto {
    /// Points and clusters, layer by layer.
    pub items: Vec<MapItemDto>,
    /// Whether the item budget cut the answer (zoom in for the rest).
    pub truncated: bool,
    /// Time of the latest event of each layer ("data as of"); absent before the first event.
    pub as_of: std::collections::BTreeMap<LayerKind, crate::Timestamp>,
}

/// The cameras of a close view (`GET /api/v1/cameras?bbox=`): those whose view cone may reach
/// into the box, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CameraListDto {
    /// The cameras (`distance_m` is 0).
    pub items: Vec<CameraViewDto>,
    /// Whether the limit cut the answer (zoom in for the rest).
    pub truncated: bool,
}

/// A camera that sees a point (the answer of "which cameras can see this").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CameraViewDto {
    /// Camera id, e.g. `QD-CAM-000123`.
    pub id: String,
    /// WGS84 longitude of the camera.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Centre of its view, degrees clockwise from north.
    pub heading_deg: f64,
    /// Width of its view, degrees.
    pub fov_deg: f64,
    /// Useful range, metres.
    pub range_m: f64,
    /// `high` (high-point, 360°) or `low`.
    pub kind: String,
    /// Distance from the camera to the point, metres.
    pub distance_m: f64,
}

/// A vehicle's latest known position (`GET /api/v1/vehicles`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VehicleDto {
    /// Vehicle id, e.g. `QD-T001`.
    pub id: String,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Speed, km/h.
    pub speed_kmh: f64,
    /// Heading, degrees clockwise from north.
    pub heading_deg: f64,
    /// Time of the fix.
    pub at: crate::Timestamp,
}
