//! All map layers in one place, fed by the service's live events.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cityops_api::{EventBody, LayerKind, LiveEvent, StatusClass, TypeKey};

use super::fence::{FenceEvent, FenceSet, FenceTracker, TrackerConfig};
use super::points::{PointFeature, PointLayer, check_point};
use super::viewport::{IndexConfig, ViewportAnswer, ViewportQuery};
use super::{IndexError, Result};

/// The point layers of the map.
pub const POINT_LAYERS: [LayerKind; 6] = [
    LayerKind::Cases,
    LayerKind::Trucks,
    LayerKind::Facilities,
    LayerKind::Cameras,
    LayerKind::Alerts,
    LayerKind::Enforcement,
];

/// Interned string keys: external ids (vehicle and alert ids) ↔ dense feature ids.
#[derive(Debug, Clone)]
struct Interner<K> {
    ids: HashMap<K, u64>,
    keys: Vec<K>,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Interner { ids: HashMap::new(), keys: Vec::new() }
    }
}

impl<K: Clone + Eq + std::hash::Hash> Interner<K> {
    fn intern(&mut self, key: &K) -> u64 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.keys.len() as u64;
        self.ids.insert(key.clone(), id);
        self.keys.push(key.clone());
        id
    }

    fn key(&self, id: u64) -> Option<&K> {
        self.keys.get(usize::try_from(id).ok()?)
    }
}

/// The live map: one [`PointLayer`] per point layer, the fences, the camera fields of view, and
/// the fence tracker of moving objects (trucks), updated from [`LiveEvent`]s.
///
/// Cases are keyed by their case id; vehicles and alerts by their string ids, interned to dense
/// feature ids ([`LiveIndex::external_id`] maps back). A case's problem type becomes its tag
/// ([`LiveIndex::tag_of`]), so duplicate checks compare types.
///
/// ```
/// use cityops_api::{EventBody, LayerKind, LiveEvent};
/// use cityops_core::index::{FenceSet, IndexConfig, LiveIndex, LonLatBox, StatusFilter, TrackerConfig, ViewportQuery};
///
/// let mut map = LiveIndex::new(IndexConfig::default(), FenceSet::new(), TrackerConfig::default())?;
/// let fix = LiveEvent {
///     id: 1,
///     at: chrono::DateTime::parse_from_rfc3339("2026-11-29T10:00:00+08:00").unwrap(),
///     body: EventBody::Vehicle { vehicle_id: "truck-1".into(), lon: 120.38, lat: 36.07, speed_kmh: 25.0, heading_deg: 0.0 },
/// };
/// map.apply(&fix)?;
/// let q = ViewportQuery {
///     bbox: LonLatBox::new(120.3, 36.0, 120.5, 36.2)?,
///     zoom: 12,
///     statuses: StatusFilter::ALL,
///     max_items: 10_000,
/// };
/// let answer = map.viewport(&q, &[LayerKind::Cases, LayerKind::Trucks])?;
/// assert_eq!(answer.items.len(), 1); // the truck, alone in its cell, sent as a point
/// # Ok::<(), cityops_core::index::IndexError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LiveIndex {
    config: IndexConfig,
    /// Shared between clones until one of them changes the layer (copy on write): the city's
    /// static layers (48,000 cameras) are held once by the live map and every replay frame built
    /// from the same loaded map.
    layers: BTreeMap<LayerKind, Arc<PointLayer>>,
    names: BTreeMap<LayerKind, Interner<String>>,
    tags: Interner<TypeKey>,
    fences: FenceSet,
    /// Camera fields of view: looked up, never tracked.
    cones: FenceSet,
    tracker: FenceTracker,
    /// Time of the latest applied event per layer (Unix seconds).
    last_event: BTreeMap<LayerKind, i64>,
}

impl LiveIndex {
    /// An empty live index: empty point layers, the given fences.
    pub fn new(config: IndexConfig, fences: FenceSet, tracker: TrackerConfig) -> Result<Self> {
        let layers = POINT_LAYERS
            .iter()
            .map(|&k| Ok((k, Arc::new(PointLayer::new(config)?))))
            .collect::<Result<BTreeMap<_, _>>>()?;
        Ok(LiveIndex {
            config,
            layers,
            names: BTreeMap::new(),
            tags: Interner::default(),
            fences,
            cones: FenceSet::new(),
            tracker: FenceTracker::new(tracker),
            last_event: BTreeMap::new(),
        })
    }

    /// The configuration shared by all layers.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// A point layer.
    pub fn layer(&self, kind: LayerKind) -> Result<&PointLayer> {
        self.layers.get(&kind).map(Arc::as_ref).ok_or(IndexError::NotAPointLayer(kind))
    }

    /// A point layer, for direct updates (e.g. loading cameras and facilities from the city pack);
    /// a layer this index shares with a clone is copied first.
    pub fn layer_mut(&mut self, kind: LayerKind) -> Result<&mut PointLayer> {
        self.layers.get_mut(&kind).map(Arc::make_mut).ok_or(IndexError::NotAPointLayer(kind))
    }

    /// Replaces a point layer's content in one bulk load (start-up, or a replay's first frame).
    pub fn load_layer(&mut self, kind: LayerKind, features: Vec<PointFeature>) -> Result<()> {
        if !self.layers.contains_key(&kind) {
            return Err(IndexError::NotAPointLayer(kind));
        }
        let layer = PointLayer::bulk_load(self.config, features)?;
        self.layers.insert(kind, Arc::new(layer));
        Ok(())
    }

    /// The fences.
    pub fn fences(&self) -> &FenceSet {
        &self.fences
    }

    /// The fences, for changes (a new construction site, a closed one). Objects inside a removed
    /// fence get their exit on their next update.
    pub fn fences_mut(&mut self) -> &mut FenceSet {
        &mut self.fences
    }

    /// Camera fields of view ([`super::Fence::view_cone`]). They are kept apart from the fences,
    /// so trucks crossing a camera's view raise no fence events.
    pub fn view_cones(&self) -> &FenceSet {
        &self.cones
    }

    /// Camera fields of view, for changes.
    pub fn view_cones_mut(&mut self) -> &mut FenceSet {
        &mut self.cones
    }

    /// Ids of the cameras whose field of view contains the point, sorted: "open the cameras that
    /// can see this case".
    pub fn cameras_seeing(&self, lon: f64, lat: f64) -> Vec<u64> {
        self.cones.containing(lon, lat).into_iter().map(|(_, id)| id).collect()
    }

    /// The fence tracker.
    pub fn tracker(&self) -> &FenceTracker {
        &self.tracker
    }

    /// The external id (vehicle or alert id) behind a feature id of a layer keyed by strings.
    pub fn external_id(&self, kind: LayerKind, id: u64) -> Option<&str> {
        self.names.get(&kind)?.key(id).map(String::as_str)
    }

    /// The feature id of an external id, if it has been seen.
    pub fn feature_id(&self, kind: LayerKind, external: &str) -> Option<u64> {
        self.names.get(&kind)?.ids.get(external).copied()
    }

    /// The tag cases of this problem type carry, if any has been seen.
    pub fn tag_of(&self, type_key: &TypeKey) -> Option<u32> {
        self.tags.ids.get(type_key).and_then(|&t| u32::try_from(t).ok())
    }

    /// Time (Unix seconds) of the latest event applied to a layer: the "data as of" a wall shows
    /// per feed, so a silent feed can be dimmed and alarmed. `None` before the first event.
    pub fn last_event_at(&self, kind: LayerKind) -> Option<i64> {
        self.last_event.get(&kind).copied()
    }

    fn touch(&mut self, kind: LayerKind, at: i64) {
        let t = self.last_event.entry(kind).or_insert(at);
        *t = (*t).max(at);
    }

    /// Applies one live event; events must be applied in their id order. Cases are upserted (or removed when cancelled), vehicles moved and
    /// run through the fences, alerts placed; sensor readings carry no position and change
    /// nothing. Returns the fence events the update caused. A rejected event changes nothing.
    pub fn apply(&mut self, event: &LiveEvent) -> Result<Vec<FenceEvent>> {
        let at = event.at.timestamp();
        match &event.body {
            EventBody::Case { .. } | EventBody::CaseMark { .. } => {
                let Some(case) = event.case_mark() else { return Ok(Vec::new()) };
                let id = u64::try_from(case.id).map_err(|_| IndexError::NegativeCaseId(case.id))?;
                match case.class() {
                    None => {
                        self.layer_mut(LayerKind::Cases)?.remove(id);
                    }
                    Some(status) => {
                        check_point(&self.config, case.lon, case.lat)?;
                        let tag = u32::try_from(self.tags.intern(&case.type_key)).unwrap_or(u32::MAX);
                        let feature = PointFeature {
                            id,
                            lon: case.lon,
                            lat: case.lat,
                            status,
                            time: case.created_at.timestamp(),
                            tag,
                        };
                        self.layer_mut(LayerKind::Cases)?.upsert(feature)?;
                    }
                }
                self.touch(LayerKind::Cases, at);
                Ok(Vec::new())
            }
            EventBody::Vehicle { vehicle_id, lon, lat, .. } => {
                check_point(&self.config, *lon, *lat)?;
                let names = self.names.entry(LayerKind::Trucks).or_default();
                let known = names.ids.get(vehicle_id).copied();
                let id = known.unwrap_or(names.keys.len() as u64);
                let events = self.tracker.update(&self.fences, id, *lon, *lat, at)?;
                let id = self.names.entry(LayerKind::Trucks).or_default().intern(vehicle_id);
                let feature =
                    PointFeature { id, lon: *lon, lat: *lat, status: StatusClass::Open, time: at, tag: 0 };
                self.layer_mut(LayerKind::Trucks)?.upsert(feature)?;
                self.touch(LayerKind::Trucks, at);
                Ok(events)
            }
            EventBody::Alert { alert_id, lon, lat, .. } => {
                check_point(&self.config, *lon, *lat)?;
                let id = self.names.entry(LayerKind::Alerts).or_default().intern(alert_id);
                let feature =
                    PointFeature { id, lon: *lon, lat: *lat, status: StatusClass::Open, time: at, tag: 0 };
                self.layer_mut(LayerKind::Alerts)?.upsert(feature)?;
                self.touch(LayerKind::Alerts, at);
                Ok(Vec::new())
            }
            EventBody::Enforcement { file } => {
                let id = u64::try_from(file.id).map_err(|_| IndexError::NegativeCaseId(file.id))?;
                if file.stage == cityops_api::EnfStage::Archived {
                    self.layer_mut(LayerKind::Enforcement)?.remove(id);
                } else {
                    check_point(&self.config, file.lon, file.lat)?;
                    let feature = PointFeature {
                        id,
                        lon: file.lon,
                        lat: file.lat,
                        status: file.class_at(event.at),
                        time: file.updated_at.timestamp(),
                        // The stage, in procedure order (the map labels and filters by it).
                        tag: cityops_api::EnfStage::ALL.iter().position(|s| *s == file.stage).unwrap_or(0)
                            as u32,
                    };
                    self.layer_mut(LayerKind::Enforcement)?.upsert(feature)?;
                }
                self.touch(LayerKind::Enforcement, at);
                Ok(Vec::new())
            }
            EventBody::Sensor { .. } | EventBody::Calendar { .. } | EventBody::Detection { .. } => {
                Ok(Vec::new())
            }
        }
    }

    /// Takes a vehicle off the map (end of shift, feed lost for good): removes it from the truck
    /// layer and the tracker, and returns its exits from the fences it was in, at `at`.
    pub fn forget_vehicle(&mut self, vehicle_id: &str, at: i64) -> Vec<FenceEvent> {
        let Some(id) = self.feature_id(LayerKind::Trucks, vehicle_id) else { return Vec::new() };
        if let Ok(layer) = self.layer_mut(LayerKind::Trucks) {
            layer.remove(id);
        }
        self.tracker.forget(id, at)
    }

    /// The viewport over several layers, in the order given, sharing one `max_items` budget.
    /// Layers that are not point layers are an error.
    pub fn viewport(&self, q: &ViewportQuery, layers: &[LayerKind]) -> Result<ViewportAnswer> {
        let mut answer = ViewportAnswer::default();
        for &kind in layers {
            let budget = q.max_items - answer.items.len();
            let part = self.layer(kind)?.viewport(kind, &ViewportQuery { max_items: budget, ..*q })?;
            answer.items.extend(part.items);
            if part.truncated {
                answer.truncated = true;
                break;
            }
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camera(id: u64, lon: f64) -> PointFeature {
        PointFeature { id, lon, lat: 36.07, status: StatusClass::Open, time: 0, tag: 0 }
    }

    #[test]
    fn clones_share_their_layers_until_one_changes_a_layer() {
        let mut base =
            LiveIndex::new(IndexConfig::default(), FenceSet::new(), TrackerConfig::default()).unwrap();
        base.load_layer(LayerKind::Cameras, (1..=500).map(|i| camera(i, 120.30 + i as f64 * 1e-4)).collect())
            .unwrap();
        let mut copy = base.clone();
        let shared = |a: &LiveIndex, b: &LiveIndex, k| Arc::ptr_eq(&a.layers[&k], &b.layers[&k]);
        assert!(POINT_LAYERS.iter().all(|&k| shared(&base, &copy, k)), "a clone copied a layer");

        // The clone changes its cameras: only that layer is copied, and only the clone sees it.
        copy.layer_mut(LayerKind::Cameras).unwrap().upsert(camera(9_999, 120.40)).unwrap();
        copy.layer_mut(LayerKind::Cameras).unwrap().remove(1);
        assert!(!shared(&base, &copy, LayerKind::Cameras));
        assert!(POINT_LAYERS.iter().filter(|&&k| k != LayerKind::Cameras).all(|&k| shared(&base, &copy, k)));
        let (b, c) = (base.layer(LayerKind::Cameras).unwrap(), copy.layer(LayerKind::Cameras).unwrap());
        assert_eq!((b.len(), c.len()), (500, 500));
        assert!(b.get(1).is_some() && b.get(9_999).is_none());
        assert!(c.get(1).is_none() && c.get(9_999).is_some());
        // And the original's clusters still count its own 500.
        let total = |l: &PointLayer| l.clusters().cells_at(0).map(|(_, cell)| cell.members()).sum::<u32>();
        assert_eq!((total(b), total(c)), (500, 500));
        assert_ne!(b.clusters(), c.clusters());
    }
}
