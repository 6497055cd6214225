//! "Which cameras can see this point": cameras' view cones in an R-tree of their lon/lat
//! envelopes, confirmed by an exact cone test, answers sorted by distance.
//!
//! The exact test is great-circle: the point is within `range_m` of the camera
//! ([`geo::Haversine`] distance) and its initial bearing from the camera is within half the field
//! of view of the heading. This is why the index does not reuse the polygon cones of
//! [`Fence::view_cone`]: those draw the arc as chords (one per 5°), which misses a sliver at the
//! rim; [`CameraIndex::cone_fence`] still gives that polygon for drawing.

use std::collections::HashMap;

use geo::{Bearing, Haversine, Point};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use super::{CaseProposal, Result, ScenarioError, check_lonlat, haversine, m_per_deg};
use crate::index::Fence;

/// Mounting class of a camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CameraKind {
    /// 高点: a pole- or roof-top camera, often a 360° dome with a long range.
    High,
    /// 低点: a street-level camera with a narrow cone.
    Low,
}

/// A camera and its field of view.
#[derive(Debug, Clone, PartialEq)]
pub struct Camera {
    /// Camera id, unique.
    pub id: String,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Centre of the view, degrees clockwise from north.
    pub heading_deg: f64,
    /// Width of the view, degrees, > 0; 360 or more sees all round.
    pub fov_deg: f64,
    /// How far it sees usefully, metres, > 0.
    pub range_m: f64,
    /// High or low point.
    pub kind: CameraKind,
}

/// A camera that sees a point, and how far away it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Visible<'a> {
    /// The camera.
    pub camera: &'a Camera,
    /// Great-circle distance from the camera to the point, metres.
    pub distance_m: f64,
}

/// Whether the camera sees the point (lon, lat): the distance if it does. The camera's own
/// position is seen (distance 0).
pub fn sees(camera: &Camera, lon: f64, lat: f64) -> Option<f64> {
    let d = haversine([camera.lon, camera.lat], [lon, lat]);
    if d > camera.range_m {
        return None;
    }
    if camera.fov_deg >= 360.0 || d == 0.0 {
        return Some(d);
    }
    let bearing = Haversine.bearing(Point::new(camera.lon, camera.lat), Point::new(lon, lat));
    let off = (bearing - camera.heading_deg).rem_euclid(360.0);
    let off = off.min(360.0 - off);
    (off <= camera.fov_deg / 2.0).then_some(d)
}

type Envelope = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// All cameras, indexed by the envelopes of their view cones.
#[derive(Debug, Clone, Default)]
pub struct CameraIndex {
    cameras: Vec<Camera>,
    by_id: HashMap<String, u32>,
    tree: RTree<Envelope>,
}

impl CameraIndex {
    /// Indexes the cameras (R-tree bulk load). Fails on an invalid position, heading, field of
    /// view or range, or a repeated id.
    pub fn new(cameras: Vec<Camera>) -> Result<Self> {
        let mut by_id = HashMap::with_capacity(cameras.len());
        let mut envelopes = Vec::with_capacity(cameras.len());
        for (i, c) in cameras.iter().enumerate() {
            let invalid = |reason| ScenarioError::InvalidInput { kind: "camera", id: c.id.clone(), reason };
            check_lonlat(c.lon, c.lat)?;
            if !(c.range_m.is_finite() && c.range_m > 0.0 && c.range_m < 100_000.0) {
                return Err(invalid("range must be positive and below 100 km"));
            }
            if !(c.heading_deg.is_finite() && c.fov_deg.is_finite() && c.fov_deg > 0.0) {
                return Err(invalid("heading and field of view must be finite, the field positive"));
            }
            let i = u32::try_from(i).map_err(|_| invalid("too many cameras"))?;
            if by_id.insert(c.id.clone(), i).is_some() {
                return Err(ScenarioError::DuplicateId { kind: "camera", id: c.id.clone() });
            }
            let [a, b] = cone_envelope(c);
            envelopes.push(Envelope::new(Rectangle::from_corners(a, b), i));
        }
        Ok(CameraIndex { cameras, by_id, tree: RTree::bulk_load(envelopes) })
    }

    /// Number of cameras.
    pub fn len(&self) -> usize {
        self.cameras.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.cameras.is_empty()
    }

    /// The camera with this id.
    pub fn get(&self, id: &str) -> Option<&Camera> {
        self.by_id.get(id).map(|&i| &self.cameras[i as usize])
    }

    /// All cameras, in the order given.
    pub fn cameras(&self) -> &[Camera] {
        &self.cameras
    }

    /// The cameras whose view cone contains the point, nearest first (ties by id).
    pub fn visible_from(&self, lon: f64, lat: f64) -> Result<Vec<Visible<'_>>> {
        check_lonlat(lon, lat)?;
        let mut out: Vec<Visible<'_>> = self
            .tree
            .locate_all_at_point(&[lon, lat])
            .filter_map(|e| {
                let camera = &self.cameras[e.data as usize];
                sees(camera, lon, lat).map(|distance_m| Visible { camera, distance_m })
            })
            .collect();
        out.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then_with(|| a.camera.id.cmp(&b.camera.id)));
        Ok(out)
    }

    /// The cameras whose view cone may reach into the box `[west, south, east, north]` (its
    /// envelope meets the box), by id, at most `limit`; and whether more than `limit` did. For
    /// drawing the cones of a close view.
    pub fn in_box(&self, [w, s, e, n]: [f64; 4], limit: usize) -> Result<(Vec<&Camera>, bool)> {
        check_lonlat(w, s)?;
        check_lonlat(e, n)?;
        if !(w <= e && s <= n) {
            return Err(ScenarioError::InvalidInput {
                kind: "box",
                id: format!("{w},{s},{e},{n}"),
                reason: "west must not exceed east, nor south north",
            });
        }
        let area = rstar::AABB::from_corners([w, s], [e, n]);
        let mut found: Vec<&Camera> = self
            .tree
            .locate_in_envelope_intersecting(&area)
            .map(|e| &self.cameras[e.data as usize])
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        let more = found.len() > limit;
        found.truncate(limit);
        Ok((found, more))
    }

    /// Links the cameras that see a proposed case's location to it, nearest first, up to `max`
    /// cameras in all; cameras already linked (e.g. the detecting one) stay first and are not
    /// repeated. Returns how many were added.
    pub fn link_cameras(&self, case: &mut CaseProposal, max: usize) -> Result<usize> {
        let before = case.cameras.len();
        for v in self.visible_from(case.lon, case.lat)? {
            if case.cameras.len() >= max {
                break;
            }
            if !case.cameras.iter().any(|c| c == &v.camera.id) {
                case.cameras.push(v.camera.id.clone());
            }
        }
        Ok(case.cameras.len().saturating_sub(before))
    }

    /// The camera's view cone as a polygon fence (layer `Cameras`, id = its position in
    /// [`CameraIndex::cameras`]) for drawing.
    pub fn cone_fence(&self, id: &str) -> Option<Fence> {
        let &i = self.by_id.get(id)?;
        let c = &self.cameras[i as usize];
        Fence::view_cone(u64::from(i), c.lon, c.lat, c.heading_deg, c.fov_deg, c.range_m).ok()
    }
}

/// A lon/lat box containing the camera's cone: apex, arc ends and the compass points inside the
/// arc, in the plane tangent at the camera, widened by 1 % of the range and a metre.
pub(crate) fn cone_envelope(c: &Camera) -> [[f64; 2]; 2] {
    let r = c.range_m;
    let mut pts: Vec<(f64, f64)> = vec![(0.0, 0.0)];
    if c.fov_deg >= 360.0 {
        pts.extend([(r, 0.0), (-r, 0.0), (0.0, r), (0.0, -r)]);
    } else {
        let half = c.fov_deg / 2.0;
        let start = c.heading_deg - half;
        let end = c.heading_deg + half;
        for b in [start, end] {
            let b = b.to_radians();
            pts.push((r * b.sin(), r * b.cos()));
        }
        for k in -4..=8 {
            let b = 90.0 * f64::from(k);
            if b > start && b < end {
                let b = b.to_radians();
                pts.push((r * b.sin(), r * b.cos()));
            }
        }
    }
    let pad = 0.01 * r + 1.0;
    let (mut x0, mut y0, mut x1, mut y1) =
        (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (x, y) in pts {
        x0 = x0.min(x - pad);
        x1 = x1.max(x + pad);
        y0 = y0.min(y - pad);
        y1 = y1.max(y + pad);
    }
    let ky = m_per_deg();
    let dlat_max = y0.abs().max(y1.abs()) / ky;
    let kx = ky * (c.lat.abs() + dlat_max).min(89.0).to_radians().cos();
    [[c.lon + x0 / kx, c.lat + y0 / ky], [c.lon + x1 / kx, c.lat + y1 / ky]]
}
