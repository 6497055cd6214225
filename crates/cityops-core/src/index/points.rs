//! One point layer: the features in a table indexed by id ([`super::slots`]), their handles in
//! one bucket per finest cluster cell, and the layer's [`ClusterGrid`], whose levels nest like a
//! quadtree and so double as the spatial index: box and radius queries read the buckets in
//! range, kNN walks the levels best-first.
//!
//! Why not an R-tree: `rstar` keeps every leaf in a node enum at least as large as an inner node
//! (about 40 bytes for a 12-byte point), plus the inner nodes and an id map beside it; that alone
//! passes the 64-byte-per-point budget at 10 M points. The cluster grid had to exist anyway, and
//! its finest cells are small enough (60 px at z16, about 115 m) to serve as the buckets of a
//! spatial hash. A point costs its 32-byte slot, an 8-byte bucket member, and a share of the
//! cells.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use cityops_api::{LayerKind, MapItemDto, StatusClass, StatusMix};
use geo::{Distance, Haversine, Point};

use super::cluster::{Cell, ClusterGrid, quantise, visit_range};
use super::fxhash::FxHashMap;
use super::slots::{Slot, Slots};
use super::viewport::{
    IndexConfig, LonLatBox, StatusFilter, ViewportAnswer, ViewportQuery, group, slot_status, status_slot,
};
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
    fn accepts(&self, id: u64, e: &Slot) -> bool {
        self.statuses.allows(e.status())
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

/// A bucket member: the feature's handle (bits 0–31), status slot (bits 32–33) and position in
/// its cell to 1/32768 of the side per axis (bits 34–48 and 49–63, about 3.5 mm at z16), so
/// status filters, urgency sorts and most box edges need not read the feature.
fn member(h: u32, state: u8, at: u32) -> u64 {
    u64::from(h) | (u64::from(state) << 32) | (u64::from(at) << 34)
}

fn member_handle(m: u64) -> u32 {
    m as u32
}

fn member_state(m: u64) -> usize {
    ((m >> 32) & 3) as usize
}

fn with_state(m: u64, state: u8) -> u64 {
    (m & !(3 << 32)) | (u64::from(state) << 32)
}

fn with_handle(m: u64, h: u32) -> u64 {
    (m & !0xffff_ffff) | u64::from(h)
}

/// Steps of a member's position per axis.
const STEPS: f64 = 32768.0;

/// A member's quantised position (`x | y << 15`) in the finest cell `key` of side `m`.
fn cell_offset(m: f64, xy: [f64; 2], key: (i32, i32)) -> u32 {
    let q = |v: f64, k: i32| ((v - f64::from(k) * m) / m * STEPS).floor().clamp(0.0, STEPS - 1.0) as u32;
    q(xy[0], key.0) | (q(xy[1], key.1) << 15)
}

/// A member's quantised position in its cell, per axis.
fn member_quanta(m: u64) -> (u32, u32) {
    (((m >> 34) & 0x7fff) as u32, ((m >> 49) & 0x7fff) as u32)
}

/// Widening of a quantum's span against rounding, metres.
const QUANTUM_EPS: f64 = 1e-6;

/// The local span of quantum `q` along one axis of a cell starting at `origin`, widened.
fn quantum_span(origin: f64, step: f64, q: u32) -> (f64, f64) {
    let q = f64::from(q);
    (origin + q * step - QUANTUM_EPS, origin + (q + 1.0) * step + QUANTUM_EPS)
}

/// The local rectangle a member's quantised position stands for, widened against rounding.
fn member_rect(m: u64, origin: (f64, f64), step: f64) -> ([f64; 2], [f64; 2]) {
    let (qx, qy) = member_quanta(m);
    let ((ax, bx), (ay, by)) = (quantum_span(origin.0, step, qx), quantum_span(origin.1, step, qy));
    ([ax, ay], [bx, by])
}

/// Where a quantum lies against a box along one axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Across {
    Out,
    In,
    /// Its span meets the box's edge: the feature decides.
    Edge,
}

/// The quanta of one axis of a cell against a box's `[lo, hi]` on it: below `out_lo` or from
/// `out_hi` on they lie outside, from `in_lo` to below `in_hi` surely inside. The bounds come
/// from the very spans a member's rectangle is built from, which grow with the quantum, so a
/// member judged here is judged as [`member_rect`] would.
#[derive(Debug, Clone, Copy)]
struct Quanta {
    out_lo: u32,
    in_lo: u32,
    in_hi: u32,
    out_hi: u32,
}

impl Quanta {
    fn judge(&self, q: u32) -> Across {
        if q < self.out_lo || q >= self.out_hi {
            Across::Out
        } else if q >= self.in_lo && q < self.in_hi {
            Across::In
        } else {
            Across::Edge
        }
    }
}

/// [`Quanta`] of a cell axis starting at `origin` against `[lo, hi]`.
fn quanta_across(origin: f64, step: f64, lo: f64, hi: f64) -> Quanta {
    // The first quantum whose span passes the test (the tests only turn true as spans grow).
    let first = |test: &dyn Fn((f64, f64)) -> bool| {
        let (mut a, mut b) = (0u32, STEPS as u32);
        while a < b {
            let mid = a + (b - a) / 2;
            if test(quantum_span(origin, step, mid)) { b = mid } else { a = mid + 1 }
        }
        a
    };
    Quanta {
        out_lo: first(&|(_, end)| end >= lo),
        in_lo: first(&|(start, _)| start > lo),
        in_hi: first(&|(_, end)| end >= hi),
        out_hi: first(&|(start, _)| start > hi),
    }
}

fn slot_of(f: &PointFeature) -> Slot {
    Slot { lon: f.lon, lat: f.lat, time: f.time, tag: f.tag, state: status_slot(f.status) as u8 }
}

fn feature_of(id: u64, s: &Slot) -> PointFeature {
    PointFeature { id, lon: s.lon, lat: s.lat, status: s.status(), time: s.time, tag: s.tag }
}

/// An `f64` with a total order, for the kNN queue.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ord64(f64);

impl Eq for Ord64 {}

impl PartialOrd for Ord64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ord64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Largest key range (cells) a bulk load groups with a counting sort; wider ranges sort.
const COUNTING_CELLS: u64 = 1 << 22;

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
    /// The features, by id.
    slots: Slots,
    /// Members of each finest cluster cell (same keys as the finest level of `clusters`).
    buckets: FxHashMap<(i32, i32), Vec<u64>>,
    clusters: ClusterGrid,
}

impl PointLayer {
    /// An empty layer.
    pub fn new(config: IndexConfig) -> Result<Self> {
        config.validate()?;
        Ok(PointLayer {
            bounds: config.scale_bounds(),
            slots: Slots::default(),
            buckets: FxHashMap::default(),
            clusters: ClusterGrid::new(&config),
            config,
        })
    }

    /// A layer built from all its features at once: the features are grouped by finest cell
    /// (a counting sort on the cell key, or a sort when the keys span too many cells), each
    /// group becomes a bucket and a finest cluster cell, and the coarser levels are folded
    /// upwards. Fails on the first invalid coordinate or repeated id.
    pub fn bulk_load(config: IndexConfig, features: Vec<PointFeature>) -> Result<Self> {
        config.validate()?;
        let grid = ClusterGrid::new(&config);
        let fs = &features[..];
        // Two threads: one stores the features (and finds the first bad one, in input order), the
        // other computes the cell keys and groups them.
        let (stored, groups) = std::thread::scope(|scope| {
            let keys = scope.spawn(|| {
                let keys: Vec<(i32, i32)> =
                    fs.iter().map(|f| grid.finest_key(to_local(f.lon, f.lat))).collect();
                group_by_key(&keys)
            });
            let stored = store_all(&config, fs);
            (stored, join(keys))
        });
        let (slots, handles) = stored?;
        let finest_m = grid.finest_m();
        // Buckets and finest cells. Filling them straight from the input would scatter writes
        // over all the cells; instead each thread first sorts its half of the input into
        // stripes of consecutive cells (a radix partition, 64 sequential write streams), then
        // each thread fills the cells of half of the stripes, whose cells and members fit in
        // the caches.
        let g = groups.keys.len();
        let stripes = stripe_groups(&groups.starts, fs.len());
        let n_stripes = stripes.len() - 1;
        let mut stripe_of = vec![0u8; g];
        for (s, w) in stripes.windows(2).enumerate() {
            stripe_of[w[0]..w[1]].fill(s as u8);
        }
        let partition = |range: std::ops::Range<usize>| {
            let mut out: Vec<Vec<Staged>> = vec![Vec::new(); n_stripes];
            for i in range {
                let f = &fs[i];
                let group = groups.of_point[i];
                let xy = to_local(f.lon, f.lat);
                let off = cell_offset(finest_m, xy, groups.keys[group as usize]);
                out[usize::from(stripe_of[group as usize])].push(Staged {
                    group,
                    handle: handles[i],
                    packed: status_slot(f.status) as u32 | (off << 2),
                    xy,
                });
            }
            out
        };
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| partition(fs.len() / 2..fs.len()));
            (partition(0..fs.len() / 2), join(second))
        });
        drop(stripe_of);
        let mut members = vec![0u64; fs.len()];
        let mut cells = vec![Cell::default(); g];
        {
            let mid = n_stripes / 2;
            let (g_mid, m_mid) = (stripes[mid], groups.starts.get(stripes[mid]).copied().unwrap_or(fs.len()));
            let (m_lo, m_hi) = members.split_at_mut(m_mid);
            let (c_lo, c_hi) = cells.split_at_mut(g_mid);
            let fill = |range: std::ops::Range<usize>, m_out: &mut [u64], c_out: &mut [Cell]| {
                let (g0, g1) = (stripes[range.start], stripes[range.end]);
                let base = groups.starts.get(g0).copied().unwrap_or(fs.len());
                let mut next: Vec<usize> = groups.starts[g0..g1].iter().map(|s| s - base).collect();
                for s in range {
                    for st in first[s].iter().chain(&second[s]) {
                        let at = st.group as usize - g0;
                        let state = (st.packed & 3) as usize;
                        let id = slots.id(st.handle);
                        c_out[at].add([quantise(st.xy[0]), quantise(st.xy[1])], id, state);
                        m_out[next[at]] = member(st.handle, state as u8, st.packed >> 2);
                        next[at] += 1;
                    }
                }
            };
            std::thread::scope(|scope| {
                let other = scope.spawn(|| fill(mid..n_stripes, m_hi, c_hi));
                fill(0..mid, m_lo, c_lo);
                join(other);
            });
        }
        drop(first);
        drop(second);
        drop(handles);
        drop(features);
        // The bucket map and the cluster levels, side by side.
        let Groups { keys, starts, of_point } = groups;
        drop(of_point);
        let (buckets, clusters) = std::thread::scope(|scope| {
            let finest: Vec<((i32, i32), Cell)> = keys.iter().copied().zip(cells).collect();
            let clusters = scope.spawn(|| ClusterGrid::from_finest(&config, finest));
            let mut map: FxHashMap<(i32, i32), Vec<u64>> = FxHashMap::default();
            map.reserve(keys.len());
            let mut scratch = Vec::new();
            for (gi, &key) in keys.iter().enumerate() {
                let end = starts.get(gi + 1).copied().unwrap_or(members.len());
                let mut bucket = members[starts[gi]..end].to_vec();
                sort_bucket(&slots, &mut bucket, &mut scratch);
                map.insert(key, bucket);
            }
            (map, join(clusters))
        });
        Ok(PointLayer { bounds: config.scale_bounds(), slots, buckets, clusters, config })
    }

    /// The layer's configuration.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the layer is empty.
    pub fn is_empty(&self) -> bool {
        self.slots.len() == 0
    }

    /// The feature with this id.
    pub fn get(&self, id: u64) -> Option<PointFeature> {
        self.slots.handle(id).map(|h| feature_of(id, self.slots.get(h)))
    }

    /// All features, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = PointFeature> + '_ {
        self.slots.iter().map(|(id, s)| feature_of(id, s))
    }

    /// Ids of the features whose time is before `before`, sorted: silent trucks, stale alerts.
    /// The caller decides what to do with them (dim with [`PointLayer::set_status`], or
    /// [`PointLayer::remove`]). A scan of the layer, meant for the small live layers.
    pub fn ids_older_than(&self, before: i64) -> Vec<u64> {
        let mut ids: Vec<u64> =
            self.slots.iter().filter(|(_, s)| s.time < before).map(|(id, _)| id).collect();
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

    /// Puts a member in its bucket, in the bucket's order (see [`rank`]).
    fn bucket_insert(&mut self, key: (i32, i32), m: u64) {
        let v = self.buckets.entry(key).or_default();
        let at = rank_at(&self.slots, v, rank(&self.slots, m));
        v.insert(at, m);
    }

    /// Takes the member of feature `id` (handle `h`, status slot `state`) out of its bucket,
    /// keeping the order; drops the bucket when it empties. Call it before the slot is freed.
    fn bucket_remove(&mut self, key: (i32, i32), (id, h, state): (u64, u32, u8)) {
        if let Some(v) = self.buckets.get_mut(&key) {
            if let Some(at) = find_member(&self.slots, v, (id, h, state)) {
                v.remove(at);
            }
            if v.is_empty() {
                self.buckets.remove(&key);
            }
        }
    }

    /// Changes a member's status slot and moves it to its new place in the bucket's order.
    fn bucket_restate(&mut self, key: (i32, i32), (id, h, old): (u64, u32, u8), state: u8) {
        let Some(v) = self.buckets.get_mut(&key) else { return };
        let Some(i) = find_member(&self.slots, v, (id, h, old)) else { return };
        let m = with_state(v[i], state);
        // The place among the others (the member itself ranks on the other side of it).
        let j = rank_at(&self.slots, v, (URGENCY[usize::from(state)], id));
        if j > i {
            v[i..j].rotate_left(1);
            v[j - 1] = m;
        } else {
            v[j..=i].rotate_right(1);
            v[j] = m;
        }
    }

    /// Sparse features the dense table took over: rename them in their buckets (their ids, and
    /// so their places, do not change).
    fn rehandle(&mut self, moved: &[(u32, u32)]) {
        for &(old, new) in moved {
            let s = *self.slots.get(new);
            let id = self.slots.id(new);
            let key = self.clusters.finest_key(to_local(s.lon, s.lat));
            if let Some(v) = self.buckets.get_mut(&key)
                && let Some(at) = find_member(&self.slots, v, (id, old, s.state))
            {
                v[at] = with_handle(v[at], new);
            }
        }
    }

    /// Whether every bucket is in its order (tests).
    #[cfg(test)]
    pub(crate) fn buckets_in_order(&self) -> bool {
        self.buckets.values().all(|v| v.windows(2).all(|w| rank(&self.slots, w[0]) < rank(&self.slots, w[1])))
    }

    /// Inserts a feature, or replaces the one with its id (moving it, re-tagging it or changing
    /// its status). Returns the previous version. Touches one bucket (two for a move across
    /// cells) and one cluster cell per zoom level.
    pub fn upsert(&mut self, f: PointFeature) -> Result<Option<PointFeature>> {
        check_point(&self.config, f.lon, f.lat)?;
        let xy = to_local(f.lon, f.lat);
        let new = slot_of(&f);
        let key = self.clusters.finest_key(xy);
        match self.slots.handle(f.id) {
            None => {
                let (h, moved) = self.slots.alloc(f.id, new);
                self.rehandle(&moved);
                let off = cell_offset(self.clusters.finest_m(), xy, key);
                self.bucket_insert(key, member(h, new.state, off));
                self.clusters.add(xy, f.id, f.status);
                Ok(None)
            }
            Some(h) => {
                let old = std::mem::replace(self.slots.get_mut(h), new);
                if old.lon == f.lon && old.lat == f.lat {
                    if old.state != new.state {
                        self.bucket_restate(key, (f.id, h, old.state), new.state);
                        self.clusters.restatus(xy, f.id, old.status(), f.status);
                    }
                } else {
                    let old_xy = to_local(old.lon, old.lat);
                    let old_key = self.clusters.finest_key(old_xy);
                    let moved = member(h, new.state, cell_offset(self.clusters.finest_m(), xy, key));
                    if old_key == key && old.state == new.state {
                        // Same cell and status: the member keeps its place, with its new position.
                        if let Some(v) = self.buckets.get_mut(&key)
                            && let Some(at) = find_member(&self.slots, v, (f.id, h, old.state))
                        {
                            v[at] = moved;
                        }
                    } else {
                        self.bucket_remove(old_key, (f.id, h, old.state));
                        self.bucket_insert(key, moved);
                    }
                    self.clusters.relocate((old_xy, old.status()), (xy, f.status), f.id);
                }
                Ok(Some(feature_of(f.id, &old)))
            }
        }
    }

    /// Changes a feature's status class; returns the previous one.
    pub fn set_status(&mut self, id: u64, status: StatusClass) -> Result<StatusClass> {
        let h = self.slots.handle(id).ok_or(IndexError::UnknownId { id })?;
        let slot = self.slots.get_mut(h);
        let old = slot.status();
        let state = status_slot(status) as u8;
        if slot.state != state {
            let old_state = std::mem::replace(&mut slot.state, state);
            let xy = to_local(slot.lon, slot.lat);
            self.bucket_restate(self.clusters.finest_key(xy), (id, h, old_state), state);
            self.clusters.restatus(xy, id, old, status);
        }
        Ok(old)
    }

    /// Removes a feature; returns it if it was there.
    pub fn remove(&mut self, id: u64) -> Option<PointFeature> {
        let h = self.slots.handle(id)?;
        let old = *self.slots.get(h);
        let xy = to_local(old.lon, old.lat);
        // Before the slot is freed: a bucket finds its member by id.
        self.bucket_remove(self.clusters.finest_key(xy), (id, h, old.state));
        self.slots.free(h);
        self.clusters.remove(xy, id, old.status());
        Some(feature_of(id, &old))
    }

    /// The buckets meeting a local rectangle: each one's origin, members, and whether it lies
    /// inside the rectangle. All are looked up before any is read: the lookups do not wait on
    /// one another, so the processor overlaps their cache misses (a dense view has ~300).
    fn buckets_in_rect(&self, lo: [f64; 2], hi: [f64; 2]) -> Vec<((f64, f64), &[u64], bool)> {
        let range = self.clusters.key_range(self.config.max_cluster_zoom, lo, hi);
        let m = self.clusters.finest_m();
        let mut found = Vec::new();
        visit_range(&self.buckets, range, |(kx, ky), members| {
            let (x0, y0) = (f64::from(kx) * m, f64::from(ky) * m);
            let inside =
                x0 >= lo[0] + 1e-3 && y0 >= lo[1] + 1e-3 && x0 + m <= hi[0] - 1e-3 && y0 + m <= hi[1] - 1e-3;
            found.push(((x0, y0), members.as_slice(), inside));
        });
        found
    }

    /// The box clipped to the extent (nothing lies outside it), in the local plane, widened by a
    /// millimetre against rounding; `None` when they do not meet.
    fn local_box(&self, bbox: &LonLatBox) -> Option<([f64; 2], [f64; 2])> {
        let e = &self.config.extent;
        let (min_lon, min_lat) = (bbox.min_lon.max(e.min_lon), bbox.min_lat.max(e.min_lat));
        let (max_lon, max_lat) = (bbox.max_lon.min(e.max_lon), bbox.max_lat.min(e.max_lat));
        if min_lon > max_lon || min_lat > max_lat {
            return None;
        }
        let [x0, y0] = to_local(min_lon, min_lat);
        let [x1, y1] = to_local(max_lon, max_lat);
        Some(([x0 - 1e-3, y0 - 1e-3], [x1 + 1e-3, y1 + 1e-3]))
    }

    /// Features inside the box (edges included) that pass the filter, sorted by id.
    pub fn in_box(&self, bbox: &LonLatBox, filter: &PointFilter) -> Result<Vec<PointFeature>> {
        bbox.validate()?;
        let mut out = Vec::new();
        if let Some((lo, hi)) = self.local_box(bbox) {
            for (_, members, _) in self.buckets_in_rect(lo, hi) {
                for &m in members {
                    let h = member_handle(m);
                    let (id, s) = (self.slots.id(h), self.slots.get(h));
                    if bbox.contains(s.lon, s.lat) && filter.accepts(id, s) {
                        out.push(feature_of(id, s));
                    }
                }
            }
        }
        out.sort_unstable_by_key(|f| f.id);
        Ok(out)
    }

    /// Features within `radius_m` metres (great-circle) of the point that pass the filter, nearest
    /// first (ties by id). The point must lie in the extent.
    pub fn within(&self, lon: f64, lat: f64, radius_m: f64, filter: &PointFilter) -> Result<Vec<Neighbour>> {
        check_point(&self.config, lon, lat)?;
        if !(radius_m.is_finite() && radius_m >= 0.0) {
            return Err(IndexError::InvalidDistance(radius_m));
        }
        let [x, y] = to_local(lon, lat);
        let planar = radius_m / self.bounds.0 + 1e-3;
        let origin = Point::new(lon, lat);
        let mask = filter.statuses.mask();
        let mut out = Vec::new();
        for (_, members, _) in self.buckets_in_rect([x - planar, y - planar], [x + planar, y + planar]) {
            for &m in members {
                if !mask[group(member_state(m))] {
                    continue;
                }
                let h = member_handle(m);
                let (id, s) = (self.slots.id(h), self.slots.get(h));
                if filter.accepts(id, s) {
                    let d = Haversine.distance(origin, Point::new(s.lon, s.lat));
                    if d <= radius_m {
                        out.push(Neighbour { id, distance_m: d });
                    }
                }
            }
        }
        sort_neighbours(&mut out);
        Ok(out)
    }

    /// The `k` features nearest (great-circle) to the point that pass the filter, nearest first
    /// (ties by id). A best-first walk down the cluster levels (a quadtree: each cell's four
    /// children are the next level's cells), skipping cells with no member of the kept statuses,
    /// in the order of the planar distance to the cell scaled by the extent's lower scale bound;
    /// it stops once that bound exceeds the k-th great-circle distance found: exact.
    pub fn nearest(&self, lon: f64, lat: f64, k: usize, filter: &PointFilter) -> Result<Vec<Neighbour>> {
        check_point(&self.config, lon, lat)?;
        let mut best: Vec<Neighbour> = Vec::with_capacity(k.min(1024) + 1);
        if k == 0 {
            return Ok(best);
        }
        let [x, y] = to_local(lon, lat);
        let origin = Point::new(lon, lat);
        let mask = filter.statuses.mask();
        let top = self.config.max_cluster_zoom;
        let finest_m = self.clusters.finest_m();
        let bound = |z: u8, (kx, ky): (i32, i32)| {
            let size = finest_m * f64::from(1u32 << (top - z));
            let (x0, y0) = (f64::from(kx) * size, f64::from(ky) * size);
            let dx = (x0 - x).max(x - (x0 + size)).max(0.0);
            let dy = (y0 - y).max(y - (y0 + size)).max(0.0);
            Ord64(((dx * dx + dy * dy).sqrt() - 1e-3).max(0.0) * self.bounds.0)
        };
        let mut queue = BinaryHeap::new();
        for (key, cell) in self.clusters.cells_at(0) {
            if cell.filtered(mask).0 > 0 {
                queue.push(Reverse((bound(0, key), 0u8, key)));
            }
        }
        while let Some(Reverse((Ord64(b), z, key))) = queue.pop() {
            if best.len() == k && b > best[k - 1].distance_m {
                break;
            }
            if z == top {
                for &m in self.buckets.get(&key).map_or(&[][..], Vec::as_slice) {
                    if !mask[group(member_state(m))] {
                        continue;
                    }
                    let h = member_handle(m);
                    let (id, s) = (self.slots.id(h), self.slots.get(h));
                    if best.len() == k {
                        // The planar bound first: a haversine costs several trigonometric calls.
                        let [px, py] = to_local(s.lon, s.lat);
                        let planar = ((px - x).powi(2) + (py - y).powi(2)).sqrt();
                        if (planar - 1e-3) * self.bounds.0 > best[k - 1].distance_m {
                            continue;
                        }
                    }
                    if !filter.accepts(id, s) {
                        continue;
                    }
                    let n =
                        Neighbour { id, distance_m: Haversine.distance(origin, Point::new(s.lon, s.lat)) };
                    let at = best.partition_point(|b| (b.distance_m, b.id) < (n.distance_m, n.id));
                    if at < k {
                        best.insert(at, n);
                        best.truncate(k);
                    }
                }
                continue;
            }
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let child = (key.0 * 2 + dx, key.1 * 2 + dy);
                if self.clusters.cell(z + 1, child).is_some_and(|c| c.filtered(mask).0 > 0) {
                    queue.push(Reverse((bound(z + 1, child), z + 1, child)));
                }
            }
        }
        Ok(best)
    }

    /// Duplicate candidates of feature `id`: other features with the same tag within `radius_m`
    /// metres, reported in the `window_s` seconds up to and including its time, any status. This is
    /// the dispatch-time check ("the 14th report on this block in 7 days").
    pub fn duplicate_candidates(&self, id: u64, radius_m: f64, window_s: i64) -> Result<Vec<Neighbour>> {
        let e = self.get(id).ok_or(IndexError::UnknownId { id })?;
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
    /// item per non-empty cluster cell meeting the box clipped to the extent (a cell holding a
    /// single feature of the kept statuses is sent as that point, at its exact position; larger
    /// cells as a cluster at their members' centroid with their status mix). Above it: the raw
    /// points in the box, overdue first, then due soon, then open, then closed, each by id, so a cut keeps the
    /// most urgent. Items come in a stable order; `max_items` cuts the answer.
    pub fn viewport(&self, layer: LayerKind, q: &ViewportQuery) -> Result<ViewportAnswer> {
        q.bbox.validate()?;
        let mut answer = ViewportAnswer::default();
        let Some((lo, hi)) = self.local_box(&q.bbox) else { return Ok(answer) };
        let mask = q.statuses.mask();
        if q.zoom > self.config.max_cluster_zoom {
            self.raw_viewport(layer, q, (lo, hi), &mut answer);
            return Ok(answer);
        }
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
                if let Some(f) = self.get(sid) {
                    answer.items.push(point_item(layer, &f));
                }
                return;
            }
            let count = n as f64 * 100.0;
            let [lon, lat] = to_lonlat(sx as f64 / count, sy as f64 / count);
            answer.items.push(MapItemDto::Cluster { layer, lon, lat, mix: cell.mix(mask) });
        });
        Ok(answer)
    }

    /// The raw points of a viewport, most urgent first, each class by id, up to the budget.
    ///
    /// Every bucket is sorted by urgency and id, so each class is one run of it, and the budget
    /// takes a prefix of each run. A class that fits what is left of the budget is taken whole.
    /// In the class where the budget ends, the cut is the id at or below which exactly the rest
    /// of the budget lies ([`PointLayer::id_cut`]). Buckets inside the box are read only as far
    /// as their runs go into the answer. Members of buckets on the box's edge are tested against
    /// the box only up to the id that the inside buckets alone would cut at (the true cut can
    /// only be lower): in a dense view most of an edge bucket is never read. Positions come from
    /// the members (the centre of their quantum, within [`RAW_POSITION_M`] of the feature), so
    /// a feature is read only for a point within a quantum of the box's edge.
    fn raw_viewport(
        &self,
        layer: LayerKind,
        q: &ViewportQuery,
        (lo, hi): ([f64; 2], [f64; 2]),
        answer: &mut ViewportAnswer,
    ) {
        let mask = q.statuses.mask();
        // Buffers kept from the last query: the records of edge members in the box, the answer's
        // records per urgency (overdue, due soon, open, closed), and the radix sort's.
        let [mut edge, mut l0, mut l1, mut l2, mut l3, mut tmp] =
            RAW_SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
        for v in [&mut edge, &mut l0, &mut l1, &mut l2, &mut l3] {
            v.clear();
        }
        // The buckets in view; a record names its bucket by its index here.
        let found = self.buckets_in_rect(lo, hi);
        // The buckets inside the box and on its edge (with its quanta against the box per axis).
        let mut inside: Vec<Bucket<'_>> = Vec::new();
        let mut edges: Vec<(Bucket<'_>, (Quanta, Quanta))> = Vec::new();
        // The box's exact edges in the local plane (the projection is monotonic per axis): a
        // member whose quantised cell lies strictly inside or outside them needs no feature read.
        let [bx0, by0] = to_local(q.bbox.min_lon, q.bbox.min_lat);
        let [bx1, by1] = to_local(q.bbox.max_lon, q.bbox.max_lat);
        let step = self.clusters.finest_m() / STEPS;
        // The front of every bucket first, loads that do not wait on one another, so that the
        // processor overlaps their cache misses; the searches below then find them cached.
        std::hint::black_box(
            found.iter().fold(0u64, |a, (_, v, _)| v.iter().step_by(8).take(8).fold(a, |a, &m| a ^ m)),
        );
        for (at, &(origin, members, whole)) in found.iter().enumerate() {
            let Ok(at) = u32::try_from(at) else { break };
            let bucket = Bucket { at, members, classes: class_starts(members) };
            if whole {
                inside.push(bucket);
            } else {
                let quanta =
                    (quanta_across(origin.0, step, bx0, bx1), quanta_across(origin.1, step, by0, by1));
                edges.push((bucket, quanta));
            }
        }
        // Whether a member of an edge bucket (with those quanta) lies in the box.
        let in_box = |quanta: &(Quanta, Quanta), m: u64| {
            let (qx, qy) = member_quanta(m);
            let (x, y) = (quanta.0.judge(qx), quanta.1.judge(qy));
            x != Across::Out
                && y != Across::Out
                && ((x == Across::In && y == Across::In) || {
                    let s = self.slots.get(member_handle(m));
                    q.bbox.contains(s.lon, s.lat)
                })
        };
        let id = |m: u64| self.slots.id(member_handle(m));
        let mut lists = [l0, l1, l2, l3];
        let mut left = q.max_items;
        let mut runs: Vec<(u32, &[u64])> = Vec::new();
        let mut edge_runs: Vec<(u32, &(Quanta, Quanta), &[u64])> = Vec::new();
        let mut record_at: Vec<(usize, usize)> = Vec::new();
        for (r, list) in lists.iter_mut().enumerate() {
            if !mask[group(RANKED[r])] {
                continue;
            }
            runs.clear();
            runs.extend(inside.iter().map(|b| (b.at, b.run(r))).filter(|(_, run)| !run.is_empty()));
            edge_runs.clear();
            edge_runs
                .extend(edges.iter().map(|(b, quanta)| (b.at, quanta, b.run(r))).filter(|e| !e.2.is_empty()));
            let in_count: usize = runs.iter().map(|(_, run)| run.len()).sum();
            // Whether an edge member of this class above `id` lies in the box.
            let edge_beyond = |bound: Option<u64>| {
                edge_runs.iter().any(|&(_, quanta, run)| {
                    let from = bound.map_or(0, |b| front_partition(run, |&m| id(m) <= b));
                    run[from..].iter().any(|&m| in_box(quanta, m))
                })
            };
            if left == 0 {
                if in_count > 0 || edge_beyond(None) {
                    answer.truncated = true;
                    break;
                }
                continue;
            }
            // The inside buckets alone bound the cut from above.
            let bound = (in_count >= left).then(|| self.id_cut(&runs, &[], left, None));
            record_at.clear();
            for &(at, quanta, run) in &edge_runs {
                let n = bound.map_or(run.len(), |b| front_partition(run, |&m| id(m) <= b));
                let start = edge.len();
                edge.extend(
                    run[..n].iter().filter(|&&m| in_box(quanta, m)).map(|&m| (id(m), with_handle(m, at))),
                );
                if edge.len() > start {
                    record_at.push((start, edge.len()));
                }
            }
            let records: Vec<&[(u64, u64)]> = record_at.iter().map(|&(a, b)| &edge[a..b]).collect();
            let counted =
                bound.map_or(in_count, |_| left) + records.iter().map(|run| run.len()).sum::<usize>();
            let cut = if counted > left { Some(self.id_cut(&runs, &records, left, bound)) } else { bound };
            let below = |i: u64| cut.is_none_or(|c| i <= c);
            for run in &records {
                list.extend_from_slice(&run[..front_partition(run, |e| below(e.0))]);
            }
            let mut taken_inside = 0;
            for &(at, run) in &runs {
                let n = front_partition(run, |&m| below(id(m)));
                taken_inside += n;
                list.extend(run[..n].iter().map(|&m| (id(m), with_handle(m, at))));
            }
            radix_sort(list, &mut tmp);
            left -= list.len();
            if let Some(c) = cut {
                // Whether anything of this class was left out.
                if counted > list.len() || taken_inside < in_count || edge_beyond(Some(c)) {
                    answer.truncated = true;
                    break;
                }
            }
        }
        answer.items.reserve(q.max_items - left);
        for list in &lists {
            for &(id, m) in list {
                let status = slot_status(member_state(m));
                // The centre of the member's quantum.
                let origin = found[member_handle(m) as usize].0;
                let (a, b) = member_rect(m, origin, step);
                let [lon, lat] = to_lonlat((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0);
                answer.items.push(MapItemDto::Point { layer, id, lon, lat, status });
            }
        }
        let [l0, l1, l2, l3] = lists;
        if edge.capacity() <= RAW_SCRATCH_KEEP && tmp.capacity() <= RAW_SCRATCH_KEEP {
            RAW_SCRATCH.with(|s| *s.borrow_mut() = [edge, l0, l1, l2, l3, tmp]);
        }
    }

    /// The `want`-th smallest id (from 1) among sorted runs of bucket members and of records,
    /// which hold at least `want` ids in all (at or below `upper`, when given), none twice. A
    /// search over the ids that aims where the `want`-th would be if ids spread evenly, and
    /// halves the range every other step when aiming did not; each run is searched only between
    /// the places the last bounds left in it.
    fn id_cut(
        &self,
        runs: &[(u32, &[u64])],
        records: &[&[(u64, u64)]],
        want: usize,
        upper: Option<u64>,
    ) -> u64 {
        let id = |m: u64| self.slots.id(member_handle(m));
        let firsts = runs.iter().map(|(_, r)| id(r[0])).chain(records.iter().map(|r| r[0].0));
        let mut lo = firsts.min().unwrap_or(0);
        // The runs' last ids are cold in a dense view: read them only when no bound is known.
        let mut hi = upper.unwrap_or_else(|| {
            let lasts = runs.iter().map(|(_, r)| id(r[r.len() - 1]));
            lasts.chain(records.iter().map(|r| r[r.len() - 1].0)).max().unwrap_or(0)
        });
        // Per run (members first, then records): how many lie below `lo`, and how many at or
        // below `hi`; and the same summed.
        let mut bounds: Vec<(usize, usize)> =
            runs.iter().map(|(_, r)| (0, r.len())).chain(records.iter().map(|r| (0, r.len()))).collect();
        let (mut below_lo, mut upto_hi) = (0usize, bounds.iter().map(|b| b.1).sum::<usize>());
        let mut at = vec![0usize; bounds.len()];
        let mut halve = false;
        while lo < hi {
            if upto_hi - below_lo <= FEW_CANDIDATES {
                // Few ids left between the bounds: select among them.
                let mut ids: Vec<u64> = Vec::with_capacity(upto_hi - below_lo);
                for (i, &(a, b)) in bounds.iter().enumerate() {
                    match runs.get(i) {
                        Some((_, run)) => ids.extend(run[a..b].iter().map(|&m| id(m))),
                        None => ids.extend(records[i - runs.len()][a..b].iter().map(|r| r.0)),
                    }
                }
                // The ids below `lo` are `below_lo`; those at or below `hi` are all here.
                let k = (want - below_lo - 1).min(ids.len() - 1);
                return *ids.select_nth_unstable(k).1;
            }
            let mid = if halve {
                lo + (hi - lo) / 2
            } else {
                let share = (want - below_lo) as f64 / (upto_hi - below_lo) as f64;
                // At most `hi - 1` however the float rounds, without overflow near `u64::MAX`.
                lo + (((hi - lo) as f64 * share) as u64).min(hi - 1 - lo)
            };
            let mut count = 0;
            for (i, &(a, b)) in bounds.iter().enumerate() {
                let n = match runs.get(i) {
                    Some((_, run)) => front_partition(&run[a..b], |&m| id(m) <= mid),
                    None => front_partition(&records[i - runs.len()][a..b], |r| r.0 <= mid),
                };
                at[i] = a + n;
                count += a + n;
            }
            let width = hi - lo;
            if count >= want {
                (hi, upto_hi) = (mid, count);
                bounds.iter_mut().zip(&at).for_each(|(bd, &c)| bd.1 = c);
            } else {
                (lo, below_lo) = (mid + 1, count);
                bounds.iter_mut().zip(&at).for_each(|(bd, &c)| bd.0 = c);
            }
            halve = !halve && hi - lo > width / 2;
        }
        lo
    }
}

/// How few ids between its bounds the search for a raw viewport's cut selects among.
const FEW_CANDIDATES: usize = 512;

/// A bucket in a raw viewport: its index among the buckets in view, its members, and where each
/// urgency class starts among them.
struct Bucket<'a> {
    at: u32,
    members: &'a [u64],
    classes: [usize; 5],
}

impl<'a> Bucket<'a> {
    /// The members of urgency class `r`.
    fn run(&self, r: usize) -> &'a [u64] {
        &self.members[self.classes[r]..self.classes[r + 1]]
    }
}

/// Where each urgency class starts in a bucket, with its end last. The urgent classes are short
/// runs at the front of a bucket, so a dense bucket is not read all over to find them.
fn class_starts(v: &[u64]) -> [usize; 5] {
    let mut at = [0, 0, 0, 0, v.len()];
    for r in 0..3 {
        at[r + 1] = at[r] + front_partition(&v[at[r]..], |&m| URGENCY[member_state(m)] <= r);
    }
    at
}

/// `v.partition_point(pred)`, found by galloping from the front: the probes stay near the front
/// when the point is, as the cuts of a dense raw view are, and read the lines the answer reads
/// anyway instead of cold ones all over the bucket.
fn front_partition<T>(v: &[T], pred: impl Fn(&T) -> bool) -> usize {
    let (mut lo, mut step) = (0, 1);
    while lo + step <= v.len() && pred(&v[lo + step - 1]) {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step).min(v.len());
    lo + v[lo..hi].partition_point(pred)
}

thread_local! {
    /// The gather lists of raw viewports, kept between queries on this thread, so that a dense
    /// view (tens of thousands of records) does not allocate and regrow them every time.
    static RAW_SCRATCH: std::cell::RefCell<[Vec<(u64, u64)>; 6]> = Default::default();
}

/// Records (16 bytes each) of the gather buffer kept per thread; a larger one is freed.
const RAW_SCRATCH_KEEP: usize = 1 << 18;

/// How far a raw viewport point may lie from its feature: half a member quantum (1/32768 of a
/// finest cluster cell, about 3.5 mm at the default 60 px at z16) and a millimetre of rounding.
pub const RAW_POSITION_M: f64 = 0.005;

/// Sorts records by id ascending, stably: an LSD radix sort on the id's bytes, as many passes as the
/// largest id has bytes (three for ten million cases), which beats a comparison sort on the
/// thousands of records of a raw viewport. One read counts every byte's digits; a byte whose
/// digits are all the same is not moved on.
fn radix_sort(v: &mut Vec<(u64, u64)>, tmp: &mut Vec<(u64, u64)>) {
    if v.len() < 256 {
        v.sort_by_key(|r| r.0);
        return;
    }
    let max = v.iter().map(|r| r.0).max().unwrap_or(0);
    let bytes = (64 - max.leading_zeros() as usize).div_ceil(8);
    let mut counts = [[0usize; 256]; 8];
    for r in v.iter() {
        for (b, count) in counts.iter_mut().enumerate().take(bytes) {
            count[((r.0 >> (8 * b)) & 0xff) as usize] += 1;
        }
    }
    tmp.clear();
    tmp.resize(v.len(), (0, 0));
    for (b, count) in counts.iter().enumerate().take(bytes) {
        if count.contains(&v.len()) {
            continue;
        }
        let shift = 8 * b;
        let mut at = [0usize; 256];
        for i in 1..256 {
            at[i] = at[i - 1] + count[i - 1];
        }
        for r in v.iter() {
            let d = ((r.0 >> shift) & 0xff) as usize;
            tmp[at[d]] = *r;
            at[d] += 1;
        }
        std::mem::swap(v, tmp);
    }
}

/// Sort rank of a status slot (open, overdue, closed, due soon) for raw viewports: overdue first,
/// then due soon, open, closed.
const URGENCY: [usize; 4] = [2, 0, 3, 1];

/// The status slot of each urgency rank (the inverse of [`URGENCY`]).
const RANKED: [usize; 4] = [1, 3, 0, 2];

/// A member's place in its bucket: a bucket is kept sorted by urgency and then by id, the order
/// of a raw viewport's answer, so each class is one run and a budget's cut a prefix of it. Ids
/// do not change when a sparse feature is renamed, so neither does the order.
fn rank(slots: &Slots, m: u64) -> (usize, u64) {
    (URGENCY[member_state(m)], slots.id(member_handle(m)))
}

/// Where a member of rank `k` is, or belongs, in a bucket.
fn rank_at(slots: &Slots, v: &[u64], k: (usize, u64)) -> usize {
    v.partition_point(|&m| rank(slots, m) < k)
}

/// The index of the member of feature `id` (handle `h`, status slot `state`) in a bucket.
fn find_member(slots: &Slots, v: &[u64], (id, h, state): (u64, u32, u8)) -> Option<usize> {
    let at = rank_at(slots, v, (URGENCY[usize::from(state)], id));
    (v.get(at).map(|&m| member_handle(m)) == Some(h)).then_some(at)
}

/// Puts a bulk-loaded bucket in its order. Members come in input order, which is usually id
/// order: then a stable pass by urgency is enough.
fn sort_bucket(slots: &Slots, v: &mut [u64], scratch: &mut Vec<u64>) {
    let id = |m: u64| slots.id(member_handle(m));
    if v.windows(2).all(|w| id(w[0]) < id(w[1])) {
        let mut at = [0usize; 5];
        for &m in v.iter() {
            at[URGENCY[member_state(m)] + 1] += 1;
        }
        for r in 0..4 {
            at[r + 1] += at[r];
        }
        scratch.clear();
        scratch.resize(v.len(), 0);
        for &m in v.iter() {
            let r = URGENCY[member_state(m)];
            scratch[at[r]] = m;
            at[r] += 1;
        }
        v.copy_from_slice(scratch);
    } else {
        v.sort_unstable_by_key(|&m| rank(slots, m));
    }
}

/// Stores every feature in input order; fails on the first invalid coordinate or repeated id.
/// Returns the table and each feature's handle.
fn store_all(config: &IndexConfig, fs: &[PointFeature]) -> Result<(Slots, Vec<u32>)> {
    let mut slots = Slots::for_ids(fs.iter().map(|f| f.id), fs.len());
    let mut handles = Vec::with_capacity(fs.len());
    for f in fs {
        check_point(config, f.lon, f.lat)?;
        if slots.handle(f.id).is_some() {
            return Err(IndexError::DuplicateId { id: f.id });
        }
        let (h, moved) = slots.alloc(f.id, slot_of(f));
        debug_assert!(moved.is_empty(), "the dense table was sized for every dense id");
        handles.push(h);
    }
    Ok((slots, handles))
}

/// A feature on its way into its bucket: its cell group, handle, status slot and quantised
/// position in the cell (`state | offset << 2`), and local position.
#[derive(Debug, Clone, Copy)]
struct Staged {
    group: u32,
    handle: u32,
    packed: u32,
    xy: [f64; 2],
}

/// Stripe boundaries over the groups (group indices, first 0, last the group count): up to 64
/// runs of consecutive groups with about the same number of points each.
fn stripe_groups(starts: &[usize], n: usize) -> Vec<usize> {
    let target = (n / 64).max(1 << 16);
    let mut bounds = vec![0];
    for (g, &start) in starts.iter().enumerate() {
        let last = bounds[bounds.len() - 1];
        if g > last && start - starts[last] >= target && bounds.len() < 64 {
            bounds.push(g);
        }
    }
    bounds.push(starts.len());
    bounds
}

/// Joins a scoped thread, passing its panic on.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The features grouped by finest cell key: each group's key and first position in the grouped
/// order, and each feature's group.
struct Groups {
    keys: Vec<(i32, i32)>,
    starts: Vec<usize>,
    of_point: Vec<u32>,
}

/// Groups the keys: a counting sort over the key range when it is small enough, a sort
/// otherwise. Either way no hashing per point.
fn group_by_key(keys: &[(i32, i32)]) -> Groups {
    let n = keys.len();
    let mut groups = Groups { keys: Vec::new(), starts: Vec::new(), of_point: vec![0; n] };
    if n == 0 {
        return groups;
    }
    let (mut lo, mut hi) = ((i32::MAX, i32::MAX), (i32::MIN, i32::MIN));
    for &k in keys {
        lo = (lo.0.min(k.0), lo.1.min(k.1));
        hi = (hi.0.max(k.0), hi.1.max(k.1));
    }
    let w = (i64::from(hi.0) - i64::from(lo.0) + 1) as u64;
    let h = (i64::from(hi.1) - i64::from(lo.1) + 1) as u64;
    let cells = w.saturating_mul(h);
    if cells <= COUNTING_CELLS.max(4 * n as u64) {
        let index = |k: (i32, i32)| ((k.1 - lo.1) as u64 * w + (k.0 - lo.0) as u64) as usize;
        // Counts per cell, then each non-empty cell's group number in the same array.
        let mut count = vec![0u32; cells as usize];
        for &k in keys {
            count[index(k)] += 1;
        }
        let mut at = 0usize;
        for (c, slot) in count.iter_mut().enumerate() {
            if *slot > 0 {
                groups.keys.push((lo.0 + (c as u64 % w) as i32, lo.1 + (c as u64 / w) as i32));
                groups.starts.push(at);
                at += *slot as usize;
                *slot = (groups.keys.len() - 1) as u32;
            }
        }
        for (g, &k) in groups.of_point.iter_mut().zip(keys) {
            *g = count[index(k)];
        }
    } else {
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by_key(|&i| keys[i as usize]);
        for (p, &i) in order.iter().enumerate() {
            let k = keys[i as usize];
            if groups.keys.last() != Some(&k) {
                groups.keys.push(k);
                groups.starts.push(p);
            }
            groups.of_point[i as usize] = (groups.keys.len() - 1) as u32;
        }
    }
    groups
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

#[cfg(test)]
mod radix_tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const SEED_1: u64 = 0x5eed_0101;

    #[test]
    fn radix_sort_agrees_with_a_comparison_sort() {
        let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
        // Spread ids, one id repeated, and ids whose high bytes are all alike (passes skipped).
        let cases = [(0, 0, 1), (10, 0, 100), (300, 0, 1_000), (5_000, 0, 10_000_000), (3_000, 0, u64::MAX)];
        let more = [(400, 7, 1), (4_000, 1 << 40, 5_000), (4_000, (1 << 40) + (3 << 16), 1 << 24)];
        for (n, base, max) in cases.into_iter().chain(more) {
            let mut ids: Vec<u64> = (0..n).map(|_| base + rng.random_range(0..max)).collect();
            ids.extend_from_slice(&ids.clone()[..n / 10]);
            // The payload is the input position: equal ids keep their order.
            let mut v: Vec<(u64, u64)> = ids.into_iter().zip(0..).collect();
            let mut want = v.clone();
            want.sort_by_key(|r| r.0);
            super::radix_sort(&mut v, &mut Vec::new());
            assert_eq!(v, want, "{n} ids from {base} below {base} + {max}");
        }
    }
}
