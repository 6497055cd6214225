//! The service's live map: one [`LiveIndex`] over every point layer, loaded from the store at
//! start and fed by the live hub in event order, answering viewport queries for browser clients
//! (the desktop shell holds its own). Cases turn overdue when their deadline passes without any
//! event, so a sweeper re-classes them against the service clock.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::NaiveDateTime;
use cityops_api::{CaseDto, CaseStatus, EventBody, LayerKind, LiveEvent, StatusClass};
use cityops_core::calendar::from_timestamp;
use cityops_core::index::{IndexConfig, LiveIndex, TrackerConfig};
use cityops_store::{CaseFilter, Store};
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::live::Live;

/// How often overdue deadlines are swept.
const SWEEP: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
struct Inner {
    index: Option<LiveIndex>,
    /// Active, not yet overdue cases by deadline.
    deadlines: BTreeSet<(NaiveDateTime, u64)>,
    /// Last event applied.
    last: u64,
}

/// The live map shared by handlers.
#[derive(Debug, Clone)]
pub struct MapState {
    inner: Arc<RwLock<Inner>>,
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

fn track_deadline(inner: &mut Inner, case: &CaseDto) {
    let id = u64::try_from(case.id).unwrap_or_default();
    inner.deadlines.retain(|(_, c)| *c != id);
    if case.status == CaseStatus::Active
        && !case.overdue
        && let Some(d) = case.deadline
    {
        inner.deadlines.insert((from_timestamp(d), id));
    }
}

impl MapState {
    /// Load every case from the store, then follow the live hub from the last event seen.
    pub async fn start(store: Arc<dyn Store>, live: &Live, clock: Arc<dyn Clock>) -> Result<Self, MapError> {
        // Subscribe first so nothing committed during the load is missed; duplicates are skipped
        // by event id.
        let mut rx = live.subscribe();
        let last = store.last_event_id().await?;
        let mut index =
            LiveIndex::new(IndexConfig::default(), Default::default(), TrackerConfig { dwell_s: None })?;
        let mut inner = Inner { last, ..Default::default() };
        let mut offset = 0;
        loop {
            let page = store
                .list_cases(&CaseFilter {
                    limit: Some(cityops_store::MAX_PAGE),
                    offset: Some(offset),
                    ..Default::default()
                })
                .await?;
            let n = page.items.len() as u32;
            for case in page.items {
                let at = case.updated_at;
                if let Err(e) = index.apply(&LiveEvent {
                    id: 0,
                    at,
                    body: EventBody::Case { case: Box::new(case.clone()) },
                }) {
                    tracing::warn!(case = case.id, error = %e, "case left off the map");
                }
                track_deadline(&mut inner, &case);
            }
            if n < cityops_store::MAX_PAGE {
                break;
            }
            offset += n;
        }
        // Vehicles: their latest fixes.
        for v in store.vehicles().await? {
            let body = EventBody::Vehicle {
                vehicle_id: v.id,
                lon: v.lon,
                lat: v.lat,
                speed_kmh: v.speed_kmh,
                heading_deg: v.heading_deg,
            };
            let _ = index.apply(&LiveEvent { id: 0, at: v.at, body });
        }
        inner.index = Some(index);
        let state = Self { inner: Arc::new(RwLock::new(inner)) };
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
        let Ok(mut inner) = self.inner.write() else { return };
        if e.id <= inner.last {
            return;
        }
        inner.last = e.id;
        if let EventBody::Case { case } = &e.body {
            track_deadline(&mut inner, case);
        }
        if let Some(index) = inner.index.as_mut()
            && let Err(err) = index.apply(e)
        {
            tracing::warn!(event = e.id, error = %err, "event not applied to the map");
        }
    }

    async fn catch_up(&self, store: &dyn Store) {
        loop {
            let last = self.inner.read().map(|i| i.last).unwrap_or_default();
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

    /// Re-class cases whose deadline passed as overdue.
    pub fn sweep(&self, now: NaiveDateTime) {
        let Ok(mut inner) = self.inner.write() else { return };
        while let Some(&(d, id)) = inner.deadlines.first() {
            if d >= now {
                break;
            }
            inner.deadlines.pop_first();
            if let Some(index) = inner.index.as_mut()
                && let Ok(layer) = index.layer_mut(LayerKind::Cases)
            {
                let _ = layer.set_status(id, StatusClass::Overdue);
            }
        }
    }

    /// Run `f` on the index.
    pub fn with<T>(&self, f: impl FnOnce(&LiveIndex) -> T) -> Option<T> {
        self.inner.read().ok().and_then(|i| i.index.as_ref().map(f))
    }
}
