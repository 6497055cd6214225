//! Configuration, boxes, status filters and the viewport query/answer types.

use cityops_api::{MapItemDto, StatusClass};

use super::{IndexError, Result};
use crate::geom::{EARTH_RADIUS_M, ORIGIN_LAT};

/// A WGS84 bounding box, degrees. Edges are inclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLatBox {
    /// West edge.
    pub min_lon: f64,
    /// South edge.
    pub min_lat: f64,
    /// East edge.
    pub max_lon: f64,
    /// North edge.
    pub max_lat: f64,
}

impl LonLatBox {
    /// Qingdao's administrative area (about 119.5–121.0 E, 35.5–37.2 N) with a margin for the sea
    /// and the neighbours: the default extent of the index.
    pub const QINGDAO: LonLatBox = LonLatBox { min_lon: 119.0, min_lat: 35.0, max_lon: 121.5, max_lat: 37.5 };

    /// A validated box.
    pub fn new(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Result<Self> {
        let b = LonLatBox { min_lon, min_lat, max_lon, max_lat };
        b.validate()?;
        Ok(b)
    }

    /// Checks that all edges are finite, min ≤ max, and latitudes lie within ±90°.
    pub fn validate(&self) -> Result<()> {
        let finite = [self.min_lon, self.min_lat, self.max_lon, self.max_lat].iter().all(|v| v.is_finite());
        if finite
            && self.min_lon <= self.max_lon
            && self.min_lat <= self.max_lat
            && self.min_lat >= -90.0
            && self.max_lat <= 90.0
        {
            Ok(())
        } else {
            Err(IndexError::InvalidBox {
                min_lon: self.min_lon,
                min_lat: self.min_lat,
                max_lon: self.max_lon,
                max_lat: self.max_lat,
            })
        }
    }

    /// Whether the point lies in the box (edges included).
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }
}

/// Configuration of a point layer: its extent and how it clusters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexConfig {
    /// Points outside this box are rejected ([`IndexError::OutsideExtent`]). The box also bounds
    /// the local projection's scale error, which the metric queries widen their search by; it may
    /// span at most 5° of longitude and of latitude.
    pub extent: LonLatBox,
    /// Cluster cell size in screen pixels (256-px Web Mercator tiles) at every zoom.
    pub cluster_radius_px: f64,
    /// The finest zoom that is clustered; viewports at higher zooms get raw points.
    pub max_cluster_zoom: u8,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig { extent: LonLatBox::QINGDAO, cluster_radius_px: 60.0, max_cluster_zoom: 16 }
    }
}

impl IndexConfig {
    /// Checks the configuration.
    pub fn validate(&self) -> Result<()> {
        self.extent.validate()?;
        if self.extent.min_lat < -80.0 || self.extent.max_lat > 80.0 {
            return Err(IndexError::InvalidConfig("extent must lie within ±80° latitude"));
        }
        if self.extent.max_lon - self.extent.min_lon > 5.0 || self.extent.max_lat - self.extent.min_lat > 5.0
        {
            // The metric queries' scale bound assumes a city-sized extent.
            return Err(IndexError::InvalidConfig("extent must span at most 5° in each direction"));
        }
        if !(self.cluster_radius_px.is_finite() && self.cluster_radius_px >= 1.0) {
            return Err(IndexError::InvalidConfig("cluster_radius_px must be at least 1"));
        }
        if self.max_cluster_zoom > 24 {
            return Err(IndexError::InvalidConfig("max_cluster_zoom must be at most 24"));
        }
        let [x0, y0] = crate::geom::to_local(self.extent.min_lon, self.extent.min_lat);
        let [x1, y1] = crate::geom::to_local(self.extent.max_lon, self.extent.max_lat);
        let cells = (x0.abs().max(x1.abs()).max(y0.abs()).max(y1.abs())) / self.cell_m(self.max_cluster_zoom);
        if cells >= f64::from(1u32 << 30) {
            return Err(IndexError::InvalidConfig("extent too large for the finest cluster cell"));
        }
        Ok(())
    }

    /// Ground metres per screen pixel at `zoom` (256-px Web Mercator tiles) at the latitude of the
    /// projection origin.
    pub fn metres_per_px(zoom: u8) -> f64 {
        2.0 * std::f64::consts::PI * EARTH_RADIUS_M * ORIGIN_LAT.to_radians().cos()
            / (256.0 * f64::from(1u32 << zoom.min(31)))
    }

    /// Side of a cluster cell at `zoom`, metres: `cluster_radius_px` pixels. Cells nest: each is
    /// four cells of the next zoom.
    pub fn cell_m(&self, zoom: u8) -> f64 {
        self.cluster_radius_px * Self::metres_per_px(zoom)
    }

    /// Bounds `(lo, hi)` on the ratio great-circle distance / local planar distance for any two
    /// points inside the extent. The local plane keeps the origin's longitude scale, so east-west
    /// distances are off by cos(lat)/cos(origin); a 0.5 % margin covers the great circle's bulge.
    pub(crate) fn scale_bounds(&self) -> (f64, f64) {
        let c0 = ORIGIN_LAT.to_radians().cos();
        let mut lo: f64 = 1.0;
        let mut hi: f64 = 1.0;
        let mut lats = vec![self.extent.min_lat, self.extent.max_lat];
        if self.extent.min_lat <= 0.0 && self.extent.max_lat >= 0.0 {
            lats.push(0.0);
        }
        for lat in lats {
            let r = lat.to_radians().cos() / c0;
            lo = lo.min(r);
            hi = hi.max(r);
        }
        (lo * 0.995, hi * 1.005)
    }
}

/// Which status classes a query keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusFilter {
    /// Keep open, within-deadline features.
    pub open: bool,
    /// Keep overdue features.
    pub overdue: bool,
    /// Keep closed features.
    pub closed: bool,
}

impl StatusFilter {
    /// Every status.
    pub const ALL: StatusFilter = StatusFilter { open: true, overdue: true, closed: true };
    /// Open and overdue: what still needs handling.
    pub const ACTIVE: StatusFilter = StatusFilter { open: true, overdue: true, closed: false };

    /// Whether `status` passes.
    pub fn allows(self, status: StatusClass) -> bool {
        match status {
            StatusClass::Open => self.open,
            StatusClass::Overdue => self.overdue,
            StatusClass::Closed => self.closed,
            // Due soon is a kind of open (it keeps its own count, not its own filter).
            StatusClass::DueSoon => self.open,
        }
    }

    /// Which position groups (see [`group`]) the filter keeps.
    pub(crate) fn mask(self) -> [bool; GROUPS] {
        [self.open, self.overdue, self.closed]
    }
}

impl Default for StatusFilter {
    fn default() -> Self {
        StatusFilter::ALL
    }
}

/// A map viewport request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewportQuery {
    /// Visible area.
    pub bbox: LonLatBox,
    /// Map zoom (Web Mercator, 256-px tiles), floored. At or below the layer's
    /// [`IndexConfig::max_cluster_zoom`] the answer is clustered; above it, raw points.
    pub zoom: u8,
    /// Status classes to show; clusters count only these.
    pub statuses: StatusFilter,
    /// At most this many items are returned; the answer says when it was cut.
    pub max_items: usize,
}

/// A viewport answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ViewportAnswer {
    /// Points and clusters, ready for the wire.
    pub items: Vec<MapItemDto>,
    /// Whether `max_items` cut the answer.
    pub truncated: bool,
}

/// Number of status classes (per-status counts).
pub(crate) const SLOTS: usize = 4;
/// Number of position groups (per-group centroid and id sums): open and due soon share one, so a
/// cluster cell costs no more than with three classes (filters keep or drop them together).
pub(crate) const GROUPS: usize = 3;

/// The position group of a status slot: open and due soon together, overdue, closed.
pub(crate) const fn group(slot: usize) -> usize {
    if slot == 3 { 0 } else { slot }
}

/// Index of a status class in per-status arrays.
pub(crate) fn status_slot(status: StatusClass) -> usize {
    match status {
        StatusClass::Open => 0,
        StatusClass::Overdue => 1,
        StatusClass::Closed => 2,
        StatusClass::DueSoon => 3,
    }
}

/// The status class of a per-status slot index (the inverse of [`status_slot`]; 4 and above are
/// closed).
pub(crate) fn slot_status(slot: usize) -> StatusClass {
    match slot {
        0 => StatusClass::Open,
        1 => StatusClass::Overdue,
        3 => StatusClass::DueSoon,
        _ => StatusClass::Closed,
    }
}
