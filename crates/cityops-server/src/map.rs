//! The service's live map: a [`LiveMap`] of the whole city loaded from the store at start and fed
//! by the live hub in event order, answering viewport queries for browser clients (the desktop
//! shell keeps its own), and beside it one map per district holding that district's live layers
//! (cases, trucks, alerts) — what a district token's view draws, clusters included, so that no
//! neighbour's case is counted in them. A sweeper re-classes cases as overdue against the service
//! clock.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use cityops_api::query::{CommaList, ViewQuery};
use cityops_api::{LayerKind, LiveEvent, MapViewDto};
use cityops_core::calendar::to_timestamp;
use cityops_core::index::{LiveMap, LiveMapLoader, MapViewError};
use cityops_store::{CaseFilter, Store};
use tokio::sync::broadcast;

use crate::city::City;
use crate::clock::Clock;
use crate::live::Live;

/// How often overdue deadlines are swept.
const SWEEP: Duration = Duration::from_secs(5);

/// The layers whose features belong to a district (the others are the city's shared
/// infrastructure: cameras, facilities).
const DISTRICT_LAYERS: [LayerKind; 3] = [LayerKind::Cases, LayerKind::Trucks, LayerKind::Alerts];

/// The live maps shared by handlers.
#[derive(Debug, Clone)]
pub struct MapState {
    city: Arc<City>,
    whole: Arc<RwLock<LiveMap>>,
    districts: Arc<HashMap<String, RwLock<LiveMap>>>,
}

/// Errors building the map.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The index rejected its configuration.
    #[error("index: {0}")]
    Index(#[from] cityops_core::index::IndexError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] cityops_store::StoreError),
}

impl MapState {
    /// Load the maps the way every holder does ([`LiveMapLoader`]: open, parked and recently
    /// closed cases, the vehicles), from the store, then follow the live hub.
    pub async fn start(
        store: Arc<dyn Store>,
        live: &Live,
        clock: Arc<dyn Clock>,
        city: Arc<City>,
    ) -> Result<Self, MapError> {
        // Subscribe first so nothing committed during the load is missed; events the load already
        // reflects are skipped by id.
        let mut rx = live.subscribe();
        let last = store.last_event_id().await?;
        let now = clock.now();
        // The static layers shared with the city's loaded map, not copied.
        let mut loader = LiveMapLoader::new(city.statics.clone(), now);
        let mut parts: HashMap<String, LiveMapLoader> = HashMap::new();
        for d in city.pack.organisation.districts() {
            parts.insert(d.code.clone(), LiveMapLoader::new(LiveMap::new()?, now));
        }
        while let Some(q) = loader.next_query() {
            let page = store.list_cases(&CaseFilter::from_query(&q, to_timestamp(now))).await?;
            for (id, e) in loader.accept_page(&page.items) {
                tracing::warn!(case = id, error = %e, "case left off the map");
            }
            for (code, part) in &mut parts {
                let mine: Vec<_> = page.items.iter().filter(|c| &c.district_code == code).cloned().collect();
                part.accept_page(&mine);
            }
        }
        let vehicles = store.vehicles().await?;
        for (id, e) in loader.accept_vehicles(&vehicles) {
            tracing::warn!(vehicle = id, error = %e, "vehicle left off the map");
        }
        for (code, part) in &mut parts {
            let mine: Vec<_> = vehicles
                .iter()
                .filter(|v| city.truck_district(&v.id) == Some(code.as_str()))
                .cloned()
                .collect();
            part.accept_vehicles(&mine);
        }
        // Penalty files still being handled.
        let mut offset = 0;
        loop {
            let filter = cityops_store::EnfFilter {
                open: Some(true),
                limit: Some(1000),
                offset: Some(offset),
                ..Default::default()
            };
            let page = store.list_enf_files(&filter).await?;
            for (id, e) in loader.accept_files(&page.items) {
                tracing::warn!(file = id, error = %e, "penalty file left off the map");
            }
            for (code, part) in &mut parts {
                let mine: Vec<_> = page.items.iter().filter(|f| &f.district_code == code).cloned().collect();
                part.accept_files(&mine);
            }
            let n = page.items.len() as u32;
            offset += n;
            if n < 1000 {
                break;
            }
        }
        let state = Self {
            city,
            whole: Arc::new(RwLock::new(loader.finish(last))),
            districts: Arc::new(parts.into_iter().map(|(c, l)| (c, RwLock::new(l.finish(last)))).collect()),
        };
        let s = state.clone();
        tokio::spawn(async move {
            let mut sweep = tokio::time::interval(SWEEP);
            loop {
                tokio::select! {
                    e = rx.recv() => match e {
                        Ok(e) => s.apply(&e),
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!(skipped = n, "map fell behind the live hub; catching up from the store");
                            s.catch_up(&*store).await;
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = sweep.tick() => s.sweep(clock.now()),
                }
            }
        });
        Ok(state)
    }

    fn apply(&self, e: &LiveEvent) {
        if let Ok(mut m) = self.whole.write()
            && let Err(err) = m.apply(e)
        {
            tracing::warn!(event = e.id, error = %err, "event not applied to the map");
        }
        if let Some(d) = self.city.district_of(&e.body)
            && let Some(part) = self.districts.get(&d)
            && let Ok(mut m) = part.write()
        {
            // Already reported by the whole map if it fails.
            let _ = m.apply(e);
        }
    }

    fn sweep(&self, now: chrono::NaiveDateTime) {
        if let Ok(mut m) = self.whole.write() {
            m.sweep(now);
        }
        for part in self.districts.values() {
            if let Ok(mut m) = part.write() {
                m.sweep(now);
            }
        }
    }

    async fn catch_up(&self, store: &dyn Store) {
        loop {
            let last = self.whole.read().map(|m| m.last_event_id()).unwrap_or_default();
            match store.events_after(last, 1000).await {
                Ok(batch) if batch.is_empty() => return,
                Ok(batch) => batch.iter().for_each(|e| self.apply(e)),
                Err(e) => {
                    tracing::warn!(error = %e, "map catch-up failed");
                    return;
                }
            }
        }
    }

    /// Counts by status class of one layer, on the whole city's map or one district's.
    pub fn mix(&self, layer: LayerKind, district: Option<&str>) -> Option<cityops_api::StatusMix> {
        let count = |m: &LiveMap| m.index().layer(layer).ok().map(|l| l.status_mix());
        match district {
            None => self.whole.read().ok().and_then(|m| count(&m)),
            Some(d) => self.districts.get(d)?.read().ok().and_then(|m| count(&m)),
        }
    }

    /// Run `f` on the whole city's map.
    pub fn with<T>(&self, f: impl FnOnce(&LiveMap) -> T) -> Option<T> {
        self.whole.read().ok().map(|m| f(&m))
    }

    /// A view for a caller limited to `district` (None: the whole city): the district's own
    /// layers from its map, the shared infrastructure from the whole map. None if a map is
    /// unavailable (a poisoned lock).
    pub fn view(&self, q: &ViewQuery, district: Option<&str>) -> Option<Result<MapViewDto, MapViewError>> {
        let Some(d) = district else { return self.with(|m| m.view(q)) };
        let asked = q.layers.as_ref().map_or_else(|| vec![LayerKind::Cases], |l| l.0.clone());
        let (own, shared): (Vec<_>, Vec<_>) = asked.into_iter().partition(|k| DISTRICT_LAYERS.contains(k));
        let part = |layers: Vec<LayerKind>| ViewQuery { layers: Some(CommaList(layers)), ..q.clone() };
        let mut out = MapViewDto { items: Vec::new(), truncated: false, as_of: Default::default() };
        let mut add = |v: Result<MapViewDto, MapViewError>| -> Result<(), MapViewError> {
            let v = v?;
            out.items.extend(v.items);
            out.truncated |= v.truncated;
            out.as_of.extend(v.as_of);
            Ok(())
        };
        if !own.is_empty() {
            // A district code that is not one of the city's (a token made before a boundary
            // change): nothing of its own to show.
            if let Some(part_map) = self.districts.get(d) {
                let v = part_map.read().ok()?.view(&part(own));
                if let Err(e) = add(v) {
                    return Some(Err(e));
                }
            }
        }
        if !shared.is_empty() {
            let v = self.whole.read().ok()?.view(&part(shared));
            if let Err(e) = add(v) {
                return Some(Err(e));
            }
        }
        Some(Ok(out))
    }
}
