//! The service's live map: a [`LiveMap`] loaded from the store at start and fed by the live hub
//! in event order, answering viewport queries for browser clients (the desktop shell keeps its
//! own). A sweeper re-classes cases as overdue against the service clock.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use cityops_api::LiveEvent;
use cityops_core::calendar::to_timestamp;
use cityops_core::index::{LiveMap, LiveMapLoader};
use cityops_store::{CaseFilter, Store};
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::live::Live;

/// How often overdue deadlines are swept.
const SWEEP: Duration = Duration::from_secs(5);

/// The live map shared by handlers.
#[derive(Debug, Clone)]
pub struct MapState {
    inner: Arc<RwLock<LiveMap>>,
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
    /// Load the map the way every holder does ([`LiveMapLoader`]: open, parked and recently
    /// closed cases, the vehicles), from the store, then follow the live hub.
    pub async fn start(
        store: Arc<dyn Store>,
        live: &Live,
        clock: Arc<dyn Clock>,
        ops: &cityops_core::citypack::ops::OpsLayers,
    ) -> Result<Self, MapError> {
        // Subscribe first so nothing committed during the load is missed; events the load already
        // reflects are skipped by id.
        let mut rx = live.subscribe();
        let last = store.last_event_id().await?;
        let mut map = LiveMap::new()?;
        map.load_ops(ops)?;
        let now = clock.now();
        let mut loader = LiveMapLoader::new(map, now);
        while let Some(q) = loader.next_query() {
            let page = store.list_cases(&CaseFilter::from_query(&q, to_timestamp(now))).await?;
            for (id, e) in loader.accept_page(&page.items) {
                tracing::warn!(case = id, error = %e, "case left off the map");
            }
        }
        for (id, e) in loader.accept_vehicles(&store.vehicles().await?) {
            tracing::warn!(vehicle = id, error = %e, "vehicle left off the map");
        }
        let map = loader.finish(last);
        let state = Self { inner: Arc::new(RwLock::new(map)) };
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
                    _ = sweep.tick() => {
                        if let Ok(mut m) = s.inner.write() {
                            m.sweep(clock.now());
                        }
                    }
                }
            }
        });
        Ok(state)
    }

    fn apply(&self, e: &LiveEvent) {
        let Ok(mut m) = self.inner.write() else { return };
        if let Err(err) = m.apply(e) {
            tracing::warn!(event = e.id, error = %err, "event not applied to the map");
        }
    }

    async fn catch_up(&self, store: &dyn Store) {
        loop {
            let last = self.inner.read().map(|m| m.last_event_id()).unwrap_or_default();
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

    /// Run `f` on the map.
    pub fn with<T>(&self, f: impl FnOnce(&LiveMap) -> T) -> Option<T> {
        self.inner.read().ok().map(|m| f(&m))
    }
}
