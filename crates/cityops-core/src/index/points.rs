//! One point layer: an R-tree over local metric coordinates, an id map for O(1) lookups and
//! in-place updates, and the layer's [`ClusterGrid`].

use cityops_api::{LayerKind, MapItemDto, StatusClass, StatusMix};
use geo::{Distance, Haversine, Point};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

use super::cluster::ClusterGrid;
use super::fxhash::FxHashMap;
use super::viewport::{IndexConfig, LonLatBox, StatusFilter, ViewportAnswer, ViewportQuery};
use super::{IndexError, Result};
use crate::geom::{to_local, to_lonlat};

/// A point feature of a layer: a case, a truck, a camera, an alert, …
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointFeature {
    /// Id, unique within its layer.
    pub id: u64,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// Status class (drives colour and cluster mixes).
    pub status: StatusClass,
    /// Caller's timestamp (Unix seconds), e.g. when a case was reported or a truck last seen.
    pub time: i64,
    /// Caller's category tag, e.g. an interned problem type; duplicate checks compare it.
    pub tag: u32,
}

/// What the layer keeps per feature (the position key is the id map's key).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    lon: f64,
    lat: f64,
    time: i64,
    tag: u32,
    status: StatusClass,
}

impl Entry {
    fn of(f: &PointFeature) -> Self {
        Entry { lon: f.lon, lat: f.lat, time: f.time, tag: f.tag, status: f.status }
    }

    fn feature(&self, id: u64) -> PointFeature {
        PointFeature { id, lon: self.lon, lat: self.lat, status: self.status, time: self.time, tag: self.tag }
    }
}

/// A filter on features for the metric queries.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PointFilter {
    /// Status classes to keep.
    pub statuses: StatusFilter,
    /// Keep only this tag.
    pub tag: Option<u32>,
    /// Keep only features with `time >= since`.
    pub since: Option<i64>,
    /// Keep only features with `time <= until`.
    pub until: Option<i64>,
    /// Leave this id out (the feature a duplicate check starts from).
    pub exclude: Option<u64>,
}

impl PointFilter {
    fn accepts(&self, id: u64, e: &Entry) -> bool {
        self.statuses.allows(e.status)
            && self.tag.is_none_or(|t| t == e.tag)
            && self.since.is_none_or(|s| e.time >= s)
            && self.until.is_none_or(|u| e.time <= u)
            && self.exclude != Some(id)
    }
}

/// A feature found by a metric query, with its great-circle distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Feature id.
    pub id: u64,
    /// Great-circle (haversine) distance from the query point, metres.
    pub distance_m: f64,
}

type TreePoint = GeomWithData<[f64; 2], u64>;

/// One live point layer.
///
/// ```
/// use cityops_core::index::{IndexConfig, PointFeature, PointFilter, PointLayer, StatusClass};
///
/// let mut cases = PointLayer::new(IndexConfig::default())?;
/// cases.upsert(PointFeature { id: 7, lon: 120.382, lat: 36.066, status: StatusClass::Open, time: 0, tag: 1 })?;
/// let near = cases.within(120.3821, 36.0661, 50.0, &PointFilter::default())?;
/// assert_eq!(near[0].id, 7);
/// assert!(near[0].distance_m < 15.0);
/// # Ok::<(), cityops_core::index::IndexError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PointLayer {
    config: IndexConfig,
    /// Great-circle / planar distance ratio bounds over the extent.
    bounds: (f64, f64),
    tree: RTree<TreePoint>,
    entries: FxHashMap<u64, Entry>,
    clusters: ClusterGrid,
}

impl PointLayer {
    /// An empty layer.
    pub fn new(config: IndexConfig) -> Result<Self> {
        config.validate()?;
        Ok(PointLayer {
            bounds: config.scale_bounds(),
            tree: RTree::new(),
            entries: FxHashMap::default(),
            clusters: ClusterGrid::new(&config),
            config,
        })
    }

    /// A layer built from all its features at once (R-tree bulk load, clusters folded upwards):
    /// the fast path for start-up and replays. Fails on the first invalid coordinate or repeated
    /// id.
    pub fn bulk_load(config: IndexConfig, features: Vec<PointFeature>) -> Result<Self> {
        config.validate()?;
        let mut entries: FxHashMap<u64, Entry> = FxHashMap::default();
        entries.reserve(features.len());
        let mut points = Vec::with_capacity(features.len());
        for f in &features {
            check_point(&config, f.lon, f.lat)?;
            if entries.insert(f.id, Entry::of(f)).is_some() {
                return Err(IndexError::DuplicateId { id: f.id });
            }
            points.push(TreePoint::new(to_local(f.lon, f.lat), f.id));
        }
        let clusters = ClusterGrid::bulk(
            &config,
            points.iter().zip(&features).map(|(p, f)| (*p.geom(), f.id, f.status)),
        );
        drop(features);
        Ok(PointLayer {
            bounds: config.scale_bounds(),
            tree: RTree::bulk_load(points),
            entries,
            clusters,
            config,
        })
    }

    /// The layer's configuration.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the layer is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The feature with this id.
    pub fn get(&self, id: u64) -> Option<PointFeature> {
        self.entries.get(&id).map(|e| e.feature(id))
    }

    /// All features, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = PointFeature> + '_ {
        self.entries.iter().map(|(&id, e)| e.feature(id))
    }

    /// Ids of the features whose time is before `before`, sorted: silent trucks, stale alerts.
    /// The caller decides what to do with them (dim with [`PointLayer::set_status`], or
    /// [`PointLayer::remove`]). A scan of the layer, meant for the small live layers.
    pub fn ids_older_than(&self, before: i64) -> Vec<u64> {
        let mut ids: Vec<u64> =
            self.entries.iter().filter(|(_, e)| e.time < before).map(|(&id, _)| id).collect();
        ids.sort_unstable();
        ids
    }

    /// Counts by status class.
    pub fn status_mix(&self) -> StatusMix {
        self.clusters.totals(0)
    }

    /// The layer's live clusters.
    pub fn clusters(&self) -> &ClusterGrid {
        &self.clusters
    }

    /// Inserts a feature, or replaces the one with its id (moving it, re-tagging it or changing
    /// its status). Returns the previous version. A status-only change leaves the R-tree alone.
    pub fn upsert(&mut self, f: PointFeature) -> Result<Option<PointFeature>> {
        check_point(&self.config, f.lon, f.lat)?;
        let xy = to_local(f.lon, f.lat);
        match self.entries.insert(f.id, Entry::of(&f)) {
            None => {
                self.tree.insert(TreePoint::new(xy, f.id));
                self.clusters.add(xy, f.id, f.status);
                Ok(None)
            }
            Some(old) => {
                if old.lon == f.lon && old.lat == f.lat {
                    self.clusters.restatus(xy, f.id, old.status, f.status);
                } else {
                    let old_xy = to_local(old.lon, old.lat);
                    self.tree.remove(&TreePoint::new(old_xy, f.id));
                    self.tree.insert(TreePoint::new(xy, f.id));
                    self.clusters.relocate((old_xy, old.status), (xy, f.status), f.id);
                }
                Ok(Some(old.feature(f.id)))
            }
        }
    }

    /// Changes a feature's status class; returns the previous one.
    pub fn set_status(&mut self, id: u64, status: StatusClass) -> Result<StatusClass> {
        let entry = self.entries.get_mut(&id).ok_or(IndexError::UnknownId { id })?;
        let old = entry.status;
        entry.status = status;
        self.clusters.restatus(to_local(entry.lon, entry.lat), id, old, status);
        Ok(old)
    }

    /// Removes a feature; returns it if it was there.
    pub fn remove(&mut self, id: u64) -> Option<PointFeature> {
        let old = self.entries.remove(&id)?;
        let xy = to_local(old.lon, old.lat);
        self.tree.remove(&TreePoint::new(xy, id));
        self.clusters.remove(xy, id, old.status);
        Some(old.feature(id))
    }

    /// Features inside the box (edges included) that pass the filter, sorted by id.
    pub fn in_box(&self, bbox: &LonLatBox, filter: &PointFilter) -> Result<Vec<PointFeature>> {
        bbox.validate()?;
        let mut out: Vec<PointFeature> = self
            .candidates_in_box(bbox)
            .filter_map(|p| {
                let id = p.data;
                let e = self.entries.get(&id)?;
                (bbox.contains(e.lon, e.lat) && filter.accepts(id, e)).then(|| e.feature(id))
            })
            .collect();
        out.sort_unstable_by_key(|f| f.id);
        Ok(out)
    }

    /// R-tree candidates for a box: the box mapped to the local plane (the projection is affine per
    /// axis, so this is exact up to rounding), widened by a millimetre against that rounding.
    fn candidates_in_box(&self, bbox: &LonLatBox) -> impl Iterator<Item = &TreePoint> {
        let [x0, y0] = to_local(bbox.min_lon, bbox.min_lat);
        let [x1, y1] = to_local(bbox.max_lon, bbox.max_lat);
        let env = AABB::from_corners([x0 - 1e-3, y0 - 1e-3], [x1 + 1e-3, y1 + 1e-3]);
        self.tree.locate_in_envelope(&env)
    }

    /// Features within `radius_m` metres (great-circle) of the point that pass the filter, nearest
    /// first (ties by id). The point must lie in the extent.
    pub fn within(&self, lon: f64, lat: f64, radius_m: f64, filter: &PointFilter) -> Result<Vec<Neighbour>> {
        check_point(&self.config, lon, lat)?;
        if !(radius_m.is_finite() && radius_m >= 0.0) {
            return Err(IndexError::InvalidDistance(radius_m));
        }
        let xy = to_local(lon, lat);
        let planar = radius_m / self.bounds.0 + 1e-3;
        let origin = Point::new(lon, lat);
        let mut out: Vec<Neighbour> = self
            .tree
            .locate_within_distance(xy, planar * planar)
            .filter_map(|p| {
                let e = self.entries.get(&p.data)?;
                if !filter.accepts(p.data, e) {
                    return None;
                }
                let d = Haversine.distance(origin, Point::new(e.lon, e.lat));
                (d <= radius_m).then_some(Neighbour { id: p.data, distance_m: d })
            })
            .collect();
        sort_neighbours(&mut out);
        Ok(out)
    }

    /// The `k` features nearest (great-circle) to the point that pass the filter, nearest first
    /// (ties by id). Walks the R-tree in planar order and stops once the planar distance, scaled
    /// by the extent's lower scale bound, exceeds the k-th great-circle distance found: exact.
    pub fn nearest(&self, lon: f64, lat: f64, k: usize, filter: &PointFilter) -> Result<Vec<Neighbour>> {
        check_point(&self.config, lon, lat)?;
        let mut best: Vec<Neighbour> = Vec::with_capacity(k.min(1024) + 1);
        if k == 0 {
            return Ok(best);
        }
        let xy = to_local(lon, lat);
        let origin = Point::new(lon, lat);
        for (p, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&xy) {
            if best.len() == k && (d2.sqrt() - 1e-3) * self.bounds.0 > best[k - 1].distance_m {
                break;
            }
            let Some(e) = self.entries.get(&p.data) else { continue };
            if !filter.accepts(p.data, e) {
                continue;
            }
            let n =
                Neighbour { id: p.data, distance_m: Haversine.distance(origin, Point::new(e.lon, e.lat)) };
            let at = best.partition_point(|b| (b.distance_m, b.id) < (n.distance_m, n.id));
            if at < k {
                best.insert(at, n);
                best.truncate(k);
            }
        }
        Ok(best)
    }

    /// Duplicate candidates of feature `id`: other features with the same tag within `radius_m`
    /// metres, reported in the `window_s` seconds up to and including its time, any status. This is
    /// the dispatch-time check ("the 14th report on this block in 7 days").
    pub fn duplicate_candidates(&self, id: u64, radius_m: f64, window_s: i64) -> Result<Vec<Neighbour>> {
        let e = self.entries.get(&id).ok_or(IndexError::UnknownId { id })?;
        let filter = PointFilter {
            statuses: StatusFilter::ALL,
            tag: Some(e.tag),
            since: Some(e.time.saturating_sub(window_s.max(0))),
            until: Some(e.time),
            exclude: Some(id),
        };
        self.within(e.lon, e.lat, radius_m, &filter)
    }

    /// What the map shows of this layer in a viewport. Up to the layer's `max_cluster_zoom`: one
    /// item per non-empty cluster cell meeting the box clipped to the extent (a cell holding a single feature of the kept
    /// statuses is sent as that point, at its exact position; larger cells as a cluster at their
    /// members' centroid with their status mix). Above it: the raw points in the box, overdue
    /// first, then open, then closed, each by id, so a cut keeps the most urgent.
    /// Items come in a stable order; `max_items` cuts the answer.
    pub fn viewport(&self, layer: LayerKind, q: &ViewportQuery) -> Result<ViewportAnswer> {
        q.bbox.validate()?;
        let mut answer = ViewportAnswer::default();
        if q.zoom > self.config.max_cluster_zoom {
            let filter = PointFilter { statuses: q.statuses, ..PointFilter::default() };
            let mut points = self.in_box(&q.bbox, &filter)?;
            points.sort_by_key(|f| (urgency(f.status), f.id));
            for f in points {
                if answer.items.len() == q.max_items {
                    answer.truncated = true;
                    break;
                }
                answer.items.push(point_item(layer, &f));
            }
            return Ok(answer);
        }
        let mask = q.statuses.mask();
        // Nothing lies outside the extent: clip the box to it, so an over-wide request costs no
        // more than the whole extent.
        let e = &self.config.extent;
        let (min_lon, min_lat) = (q.bbox.min_lon.max(e.min_lon), q.bbox.min_lat.max(e.min_lat));
        let (max_lon, max_lat) = (q.bbox.max_lon.min(e.max_lon), q.bbox.max_lat.min(e.max_lat));
        if min_lon > max_lon || min_lat > max_lat {
            return Ok(answer);
        }
        let lo = to_local(min_lon, min_lat);
        let hi = to_local(max_lon, max_lat);
        let range = self.clusters.key_range(q.zoom, lo, hi);
        self.clusters.for_cells_in(q.zoom, range, |_, cell| {
            let (n, sx, sy, sid) = cell.filtered(mask);
            if n == 0 || answer.truncated {
                return;
            }
            if answer.items.len() == q.max_items {
                answer.truncated = true;
                return;
            }
            if n == 1 {
                if let Some(e) = self.entries.get(&sid) {
                    answer.items.push(point_item(layer, &e.feature(sid)));
                }
                return;
            }
            let count = n as f64 * 100.0;
            let [lon, lat] = to_lonlat(sx as f64 / count, sy as f64 / count);
            answer.items.push(MapItemDto::Cluster { layer, lon, lat, mix: cell.mix(mask) });
        });
        Ok(answer)
    }
}

/// Sort rank of a status for raw viewports: overdue first.
fn urgency(status: StatusClass) -> u8 {
    match status {
        StatusClass::Overdue => 0,
        StatusClass::Open => 1,
        StatusClass::Closed => 2,
    }
}

fn point_item(layer: LayerKind, f: &PointFeature) -> MapItemDto {
    MapItemDto::Point { layer, id: f.id, lon: f.lon, lat: f.lat, status: f.status }
}

fn sort_neighbours(v: &mut [Neighbour]) {
    v.sort_unstable_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.id.cmp(&b.id)));
}

/// A coordinate the layer accepts: finite and inside the extent.
pub(crate) fn check_point(config: &IndexConfig, lon: f64, lat: f64) -> Result<()> {
    if !(lon.is_finite() && lat.is_finite()) {
        return Err(IndexError::NonFinite { lon, lat });
    }
    if !config.extent.contains(lon, lat) {
        return Err(IndexError::OutsideExtent { lon, lat });
    }
    Ok(())
}
