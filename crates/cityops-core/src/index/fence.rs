//! Geofences: polygon fences (compounds, construction sites, facilities, …) in an R-tree of
//! their bounding boxes, exact point-in-polygon on the candidates, and a tracker that turns each
//! moving object's position updates into enter / exit / dwell events, in process (Tile38's FENCE
//! model without a separate server).
//!
//! Fence polygons are in WGS84 degrees with straight edges in lon/lat (the GeoJSON convention); a
//! point on a fence's boundary counts as inside.

use std::collections::BTreeMap;

use cityops_api::LayerKind;
use geo::{BoundingRect, Intersects, MultiPolygon, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::fxhash::FxHashMap;
use super::viewport::LonLatBox;
use super::{IndexError, Result};

/// A fence: a (multi)polygon of a layer, with an id unique within that layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Fence {
    /// Layer the fence belongs to (e.g. [`LayerKind::Sites`]).
    pub layer: LayerKind,
    /// Id within the layer.
    pub id: u64,
    /// Shape, WGS84 degrees.
    pub shape: MultiPolygon<f64>,
}

impl Fence {
    /// A camera's field of view as a fence: the sector of radius `range_m` metres around the
    /// camera at (`lon`, `lat`), centred on `heading_deg` (clockwise from north) and `fov_deg`
    /// wide, its arc drawn with one corner per 5° (at least two). Put cones in a [`FenceSet`] under
    /// [`LayerKind::Cameras`] and [`FenceSet::containing`] answers "which cameras can see this
    /// point". A field of view of 360° or more gives the full disc.
    pub fn view_cone(
        id: u64,
        lon: f64,
        lat: f64,
        heading_deg: f64,
        fov_deg: f64,
        range_m: f64,
    ) -> Result<Fence> {
        if !(lon.is_finite() && lat.is_finite()) {
            return Err(IndexError::NonFinite { lon, lat });
        }
        let invalid = |reason| IndexError::InvalidFence { layer: LayerKind::Cameras, id, reason };
        if !(range_m.is_finite() && range_m > 0.0) {
            return Err(invalid("view range must be positive"));
        }
        if !(heading_deg.is_finite() && fov_deg.is_finite() && fov_deg > 0.0) {
            return Err(invalid("heading and field of view must be finite, the field positive"));
        }
        let [x0, y0] = crate::geom::to_local(lon, lat);
        let full = fov_deg >= 360.0;
        let fov = fov_deg.min(360.0);
        let steps = ((fov / 5.0).ceil() as usize).max(2);
        let start = heading_deg - fov / 2.0;
        let mut ring: Vec<geo::Coord<f64>> = Vec::with_capacity(steps + 3);
        if !full {
            ring.push(geo::coord! { x: lon, y: lat });
        }
        for i in 0..=steps {
            let bearing = (start + fov * i as f64 / steps as f64).to_radians();
            let [x, y] = crate::geom::to_lonlat(x0 + range_m * bearing.sin(), y0 + range_m * bearing.cos());
            ring.push(geo::coord! { x: x, y: y });
        }
        let polygon = geo::Polygon::new(ring.into(), vec![]);
        Ok(Fence { layer: LayerKind::Cameras, id, shape: MultiPolygon::new(vec![polygon]) })
    }
}

type FenceKey = (LayerKind, u64);
type TreeRect = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// A mutable set of fences with a point query.
#[derive(Debug, Clone, Default)]
pub struct FenceSet {
    slots: Vec<Option<(Fence, [f64; 4])>>,
    free: Vec<usize>,
    by_key: BTreeMap<FenceKey, usize>,
    tree: RTree<TreeRect>,
}

impl FenceSet {
    /// An empty set.
    pub fn new() -> Self {
        FenceSet::default()
    }

    /// A set built from all its fences at once (R-tree bulk load). Fails on an invalid shape or a
    /// repeated (layer, id).
    pub fn from_fences(fences: Vec<Fence>) -> Result<Self> {
        let mut set = FenceSet::new();
        let mut rects = Vec::with_capacity(fences.len());
        for fence in fences {
            let bbox = fence_bbox(&fence)?;
            let key = (fence.layer, fence.id);
            if set.by_key.insert(key, set.slots.len()).is_some() {
                return Err(IndexError::DuplicateId { id: fence.id });
            }
            rects.push(TreeRect::new(rect_of(bbox), set.slots.len()));
            set.slots.push(Some((fence, bbox)));
        }
        set.tree = RTree::bulk_load(rects);
        Ok(set)
    }

    /// Number of fences.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether there are no fences.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// The fence with this key.
    pub fn get(&self, layer: LayerKind, id: u64) -> Option<&Fence> {
        let slot = *self.by_key.get(&(layer, id))?;
        self.slots.get(slot)?.as_ref().map(|(f, _)| f)
    }

    /// Adds a fence or replaces the one with its key; returns the previous one.
    pub fn upsert(&mut self, fence: Fence) -> Result<Option<Fence>> {
        let bbox = fence_bbox(&fence)?;
        let old = self.remove(fence.layer, fence.id);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        self.by_key.insert((fence.layer, fence.id), slot);
        self.tree.insert(TreeRect::new(rect_of(bbox), slot));
        self.slots[slot] = Some((fence, bbox));
        Ok(old)
    }

    /// Removes a fence; returns it if it was there.
    pub fn remove(&mut self, layer: LayerKind, id: u64) -> Option<Fence> {
        let slot = self.by_key.remove(&(layer, id))?;
        let (fence, bbox) = self.slots.get_mut(slot)?.take()?;
        self.tree.remove(&TreeRect::new(rect_of(bbox), slot));
        self.free.push(slot);
        Some(fence)
    }

    /// Keys of the fences containing the point (boundary included), sorted.
    pub fn containing(&self, lon: f64, lat: f64) -> Vec<(LayerKind, u64)> {
        let p = Point::new(lon, lat);
        let mut out: Vec<FenceKey> = self
            .tree
            .locate_all_at_point(&[lon, lat])
            .filter_map(|r| {
                let (fence, _) = self.slots.get(r.data)?.as_ref()?;
                fence.shape.intersects(&p).then_some((fence.layer, fence.id))
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Keys of the fences whose bounding boxes meet the box (edges included), sorted: what a
    /// viewport has to draw of the polygon layers. A fence whose box meets the viewport while its
    /// shape does not is included; the renderer clips it.
    pub fn meeting_box(&self, bbox: &LonLatBox) -> Result<Vec<(LayerKind, u64)>> {
        bbox.validate()?;
        let env = AABB::from_corners([bbox.min_lon, bbox.min_lat], [bbox.max_lon, bbox.max_lat]);
        let mut out: Vec<FenceKey> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .filter_map(|r| self.slots.get(r.data)?.as_ref().map(|(f, _)| (f.layer, f.id)))
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// All fences, in key order.
    pub fn iter(&self) -> impl Iterator<Item = &Fence> + '_ {
        self.by_key.values().filter_map(|&s| self.slots.get(s)?.as_ref().map(|(f, _)| f))
    }
}

fn rect_of(b: [f64; 4]) -> Rectangle<[f64; 2]> {
    Rectangle::from_corners([b[0], b[1]], [b[2], b[3]])
}

fn fence_bbox(f: &Fence) -> Result<[f64; 4]> {
    let invalid = |reason| IndexError::InvalidFence { layer: f.layer, id: f.id, reason };
    if f.shape.0.iter().all(|p| p.exterior().0.len() < 4) {
        return Err(invalid("no polygon with at least three distinct corners"));
    }
    let all_finite = f.shape.0.iter().all(|p| {
        p.exterior()
            .coords()
            .chain(p.interiors().iter().flat_map(|r| r.coords()))
            .all(|c| c.x.is_finite() && c.y.is_finite())
    });
    if !all_finite {
        return Err(invalid("non-finite coordinate"));
    }
    let r = f.shape.bounding_rect().ok_or_else(|| invalid("empty shape"))?;
    Ok([r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Settings of a [`FenceTracker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrackerConfig {
    /// Emit one [`FenceEventKind::Dwell`] per stay once an object has been inside a fence this
    /// many seconds (e.g. a truck idling on a construction site); `None` for no dwell events.
    pub dwell_s: Option<i64>,
}

/// What happened between an object and a fence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FenceEventKind {
    /// It entered.
    Enter,
    /// It left (or the fence was removed, or the object was forgotten).
    Exit,
    /// It has been inside for the configured dwell time.
    Dwell,
}

/// A geofence event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FenceEvent {
    /// Tracked object id.
    pub object: u64,
    /// Fence layer.
    pub layer: LayerKind,
    /// Fence id.
    pub fence: u64,
    /// What happened.
    pub kind: FenceEventKind,
    /// Time of the update that revealed it (Unix seconds).
    pub at: i64,
    /// Seconds inside the fence so far (0 on enter).
    pub dwell_s: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stay {
    key: FenceKey,
    since: i64,
    dwell_reported: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ObjectState {
    last: i64,
    /// Sorted by key.
    stays: Vec<Stay>,
}

/// Per-object fence state: which fences each object is in, since when.
#[derive(Debug, Clone, Default)]
pub struct FenceTracker {
    config: TrackerConfig,
    objects: FxHashMap<u64, ObjectState>,
}

impl FenceTracker {
    /// A tracker with no objects.
    pub fn new(config: TrackerConfig) -> Self {
        FenceTracker { config, objects: FxHashMap::default() }
    }

    /// Number of tracked objects.
    pub fn tracked(&self) -> usize {
        self.objects.len()
    }

    /// Fences the object is inside, sorted.
    pub fn inside(&self, object: u64) -> Vec<(LayerKind, u64)> {
        self.objects.get(&object).map_or_else(Vec::new, |o| o.stays.iter().map(|s| s.key).collect())
    }

    /// Records a position of `object` at time `at` (Unix seconds) and returns what changed:
    /// exits, then entries, then dwell alerts, each in fence-key order. Updates of one object must
    /// come in time order (equal times are fine); an older one is rejected and changes nothing.
    pub fn update(
        &mut self,
        fences: &FenceSet,
        object: u64,
        lon: f64,
        lat: f64,
        at: i64,
    ) -> Result<Vec<FenceEvent>> {
        if !(lon.is_finite() && lat.is_finite()) {
            return Err(IndexError::NonFinite { lon, lat });
        }
        if let Some(state) = self.objects.get(&object)
            && at < state.last
        {
            return Err(IndexError::OutOfOrder { object, at, last: state.last });
        }
        let now = fences.containing(lon, lat);
        let state = self.objects.entry(object).or_default();
        state.last = at;
        let event =
            |(layer, fence): FenceKey, kind, dwell_s| FenceEvent { object, layer, fence, kind, at, dwell_s };
        let mut exits = Vec::new();
        let mut enters = Vec::new();
        let mut dwells = Vec::new();
        let mut next = Vec::with_capacity(now.len());
        let (mut i, mut j) = (0, 0);
        while i < state.stays.len() || j < now.len() {
            let old = state.stays.get(i);
            let new = now.get(j);
            match (old, new) {
                (Some(s), Some(k)) if s.key == *k => {
                    let mut s = *s;
                    let dwell = at - s.since;
                    if !s.dwell_reported && self.config.dwell_s.is_some_and(|d| dwell >= d) {
                        s.dwell_reported = true;
                        dwells.push(event(s.key, FenceEventKind::Dwell, dwell));
                    }
                    next.push(s);
                    i += 1;
                    j += 1;
                }
                (Some(s), k) if k.is_none_or(|k| s.key < *k) => {
                    exits.push(event(s.key, FenceEventKind::Exit, at - s.since));
                    i += 1;
                }
                (_, Some(k)) => {
                    enters.push(event(*k, FenceEventKind::Enter, 0));
                    next.push(Stay { key: *k, since: at, dwell_reported: false });
                    j += 1;
                }
                (_, None) => break,
            }
        }
        state.stays = next;
        exits.extend(enters);
        exits.extend(dwells);
        Ok(exits)
    }

    /// Stops tracking an object (e.g. a truck going off shift) and returns its exits at `at`.
    pub fn forget(&mut self, object: u64, at: i64) -> Vec<FenceEvent> {
        let Some(state) = self.objects.remove(&object) else { return Vec::new() };
        state
            .stays
            .into_iter()
            .map(|s| FenceEvent {
                object,
                layer: s.key.0,
                fence: s.key.1,
                kind: FenceEventKind::Exit,
                at,
                dwell_s: at - s.since,
            })
            .collect()
    }
}
