//! The city at a past instant (replay, the briefing): a keeper follows the live hub with a
//! [`Frame`] and writes it as a snapshot every `snapshot_minutes` of service time; the picture at
//! `at` is the latest snapshot at or before `at` plus the events since, aged to `at`
//! ([`cityops_core::history`]). History older than the retention is pruned (the latest snapshot
//! before the horizon stays, so the horizon itself can still be shown); an instant outside what
//! is kept is refused with the span that is.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::Timestamp;
use cityops_core::calendar::{from_timestamp, to_timestamp};
use cityops_core::history::Frame;
use cityops_core::index::LiveMap;
use cityops_store::{Store, StoredSnapshot};
use tokio::sync::broadcast;

use crate::city::City;
use crate::clock::Clock;
use crate::live::Live;

/// Retention and snapshot cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryConfig {
    /// How many days of history are kept (the picture at any instant since).
    pub retention_days: u32,
    /// Service-time minutes between snapshots (bounds the events replayed per picture).
    pub snapshot_minutes: u32,
    /// Whether this process keeps the history (writes snapshots, prunes): the service does; a
    /// command that only reads it (`briefing`) does not.
    pub keep: bool,
}

impl Default for HistoryConfig {
    /// 400 days (a year back from any day, with room), a snapshot an hour.
    fn default() -> Self {
        HistoryConfig { retention_days: 400, snapshot_minutes: 60, keep: true }
    }
}

impl HistoryConfig {
    /// The earliest instant kept at `now`.
    pub fn horizon(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - TimeDelta::days(i64::from(self.retention_days))
    }
}

/// Why the picture at an instant cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// After the service's now.
    #[error("at={at} is after the service's current time {now}")]
    Future {
        /// Asked.
        at: Timestamp,
        /// The service clock.
        now: Timestamp,
    },
    /// Before what is kept.
    #[error(
        "at={at} is before the history kept (retention {days} days; the earliest instant kept is {earliest})"
    )]
    Retention {
        /// Asked.
        at: Timestamp,
        /// Retention.
        days: u32,
        /// The earliest instant that can be shown.
        earliest: Timestamp,
    },
    /// A snapshot could not be read back.
    #[error("snapshot of event {event_id} is unreadable: {message}")]
    Corrupt {
        /// Its event.
        event_id: u64,
        /// Why.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] cityops_store::StoreError),
}

/// Encode a frame for the store: JSON, deflate-compressed.
pub fn encode(frame: &Frame) -> Vec<u8> {
    use std::io::Write;
    let json = serde_json::to_vec(frame).unwrap_or_default();
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(&json);
    z.finish().unwrap_or_default()
}

/// Decode a stored frame.
pub fn decode(s: &StoredSnapshot) -> Result<Frame, HistoryError> {
    use std::io::Read;
    let corrupt = |message: String| HistoryError::Corrupt { event_id: s.event_id, message };
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(s.body.as_slice())
        .read_to_end(&mut json)
        .map_err(|e| corrupt(e.to_string()))?;
    serde_json::from_slice(&json).map_err(|e| corrupt(e.to_string()))
}

/// The replay service shared by handlers.
#[derive(Debug, Clone)]
pub struct History {
    config: HistoryConfig,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// The city; every rebuilt map starts from a clone of its static layers
    /// ([`City::statics`]), which shares them.
    city: Arc<City>,
    /// The last snapshot decoded (scrubbing asks for nearby instants, which share it).
    decoded: Arc<Mutex<Option<Arc<Frame>>>>,
}

/// The picture at an instant.
#[derive(Debug)]
pub struct Picture {
    /// The instant.
    pub at: NaiveDateTime,
    /// The frame at `at` (aged).
    pub frame: Frame,
}

impl History {
    /// The replay service over `store`, and its keeper (snapshots, pruning) following `live`.
    pub fn start(
        config: HistoryConfig,
        store: Arc<dyn Store>,
        live: &Live,
        clock: Arc<dyn Clock>,
        city: Arc<City>,
    ) -> Self {
        let h = Self::reader(config, store, clock, city);
        if config.keep {
            let rx = live.subscribe();
            let keeper = h.clone();
            tokio::spawn(async move { keeper.keep(rx).await });
        }
        h
    }

    /// The replay service alone, reading what a keeper wrote (tools and benchmarks).
    pub fn reader(
        config: HistoryConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        city: Arc<City>,
    ) -> Self {
        History { config, store, clock, city, decoded: Arc::new(Mutex::new(None)) }
    }

    /// The configuration in force.
    pub fn config(&self) -> HistoryConfig {
        self.config
    }

    /// Follow the hub: apply every event to the frame, write it every `snapshot_minutes` of
    /// service time, prune what is older than the retention.
    async fn keep(self, mut rx: broadcast::Receiver<cityops_api::LiveEvent>) {
        let every = TimeDelta::minutes(i64::from(self.config.snapshot_minutes.max(1)));
        let now = self.clock.now();
        let (mut frame, mut last_at) = match self.store.snapshot_before(to_timestamp(now), u64::MAX).await {
            Ok(Some(s)) => match decode(&s) {
                Ok(f) => (f, from_timestamp(s.at)),
                Err(e) => {
                    tracing::warn!(error = %e, "latest snapshot unreadable; replaying the whole log");
                    (Frame::default(), NaiveDateTime::MIN)
                }
            },
            Ok(None) => (Frame::default(), NaiveDateTime::MIN),
            Err(e) => {
                tracing::warn!(error = %e, "history keeper could not start");
                return;
            }
        };
        // Catch up with what was committed since the snapshot (the hub's events after it are
        // skipped by id).
        let started = std::time::Instant::now();
        let mut replayed = 0usize;
        loop {
            match self.store.events_after(frame.last_event_id, 5000).await {
                Ok(batch) if batch.is_empty() => break,
                Ok(batch) => {
                    replayed += batch.len();
                    batch.iter().for_each(|e| _ = frame.apply(e));
                    if replayed % 100_000 < 5000 {
                        tracing::info!(replayed, last = frame.last_event_id, "history keeper catching up");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "history keeper could not read the log");
                    return;
                }
            }
        }
        tracing::info!(replayed, elapsed_ms = started.elapsed().as_millis() as u64, "history keeper ready");
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut pruned_at = NaiveDateTime::MIN;
        loop {
            tokio::select! {
                e = rx.recv() => match e {
                    Ok(e) => _ = frame.apply(&e),
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        while let Ok(batch) = self.store.events_after(frame.last_event_id, 5000).await {
                            if batch.is_empty() { break; }
                            batch.iter().for_each(|e| _ = frame.apply(e));
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick() => {
                    let now = self.clock.now();
                    if now - last_at >= every {
                        frame.age(now);
                        self.snapshot(&frame, now).await;
                        last_at = now;
                    }
                    if now - pruned_at >= TimeDelta::hours(1) {
                        self.prune(now).await;
                        pruned_at = now;
                    }
                }
            }
        }
    }

    async fn snapshot(&self, frame: &Frame, now: NaiveDateTime) {
        let body = encode(frame);
        let size = body.len();
        let s = StoredSnapshot { event_id: frame.last_event_id, at: to_timestamp(now), body };
        match self.store.put_snapshot(&s).await {
            Ok(_) => {
                tracing::debug!(event = s.event_id, bytes = size, cases = frame.cases.len(), "snapshot kept")
            }
            Err(e) => tracing::warn!(error = %e, "snapshot not kept"),
        }
    }

    async fn prune(&self, now: NaiveDateTime) {
        match self.store.prune_history(to_timestamp(self.config.horizon(now))).await {
            Ok(p) if p.events > 0 || p.snapshots > 0 => {
                tracing::info!(
                    events = p.events,
                    snapshots = p.snapshots,
                    "history older than the retention pruned"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "history not pruned"),
        }
    }

    /// The frame at `at`: the latest snapshot at or before it, the events since (up to the last
    /// one at or before `at`), aged to `at`.
    pub async fn picture(&self, at: Timestamp) -> Result<Picture, HistoryError> {
        let now = self.clock.now();
        let t = from_timestamp(at);
        if t > now {
            return Err(HistoryError::Future { at, now: to_timestamp(now) });
        }
        let horizon = self.config.horizon(now);
        let span = self.store.history_span().await?;
        // With the log whole (its first event kept; pruning always keeps the event of the
        // snapshot it keeps) any instant can be rebuilt from the start.
        let whole = span.first_event_id.is_none_or(|f| f <= 1);
        let earliest = match (whole, span.earliest_snapshot) {
            (true, _) | (false, None) => horizon,
            (false, Some((_, s))) => from_timestamp(s).max(horizon),
        };
        if t < earliest {
            return Err(HistoryError::Retention {
                at,
                days: self.config.retention_days,
                earliest: to_timestamp(earliest),
            });
        }
        let until = self.store.last_event_until(at).await?.unwrap_or(0);
        let mut frame = match self.store.snapshot_before(at, until).await? {
            Some(s) => self.decoded(&s)?,
            None if whole => Frame::default(),
            None => {
                return Err(HistoryError::Retention {
                    at,
                    days: self.config.retention_days,
                    earliest: to_timestamp(earliest),
                });
            }
        };
        'read: while frame.last_event_id < until {
            let batch = self.store.events_after(frame.last_event_id, 5000).await?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                if e.id > until {
                    break 'read;
                }
                frame.apply(e);
            }
        }
        frame.age(t);
        Ok(Picture { at: t, frame })
    }

    fn decoded(&self, s: &StoredSnapshot) -> Result<Frame, HistoryError> {
        if let Ok(cache) = self.decoded.lock()
            && let Some(f) = cache.as_ref()
            && f.last_event_id == s.event_id
        {
            return Ok(Frame::clone(f));
        }
        let f = decode(s)?;
        if let Ok(mut cache) = self.decoded.lock() {
            *cache = Some(Arc::new(f.clone()));
        }
        Ok(f)
    }

    /// The live map of a picture, limited to `district` (its cases, trucks and alerts; the
    /// shared operations layers in full).
    pub fn map_of(&self, p: &Picture, district: Option<&str>) -> LiveMap {
        let frame = match district {
            None => std::borrow::Cow::Borrowed(&p.frame),
            Some(d) => {
                let mut f = p.frame.clone();
                f.cases.retain(|_, c| c.district_code == d);
                f.vehicles.retain(|_, e| self.city.district_of(&e.body).as_deref() == Some(d));
                f.alerts.retain(|_, e| self.city.district_of(&e.body).as_deref() == Some(d));
                std::borrow::Cow::Owned(f)
            }
        };
        let (map, refused) = frame.map(LiveMap::clone(&self.city.statics), p.at);
        for (what, e) in refused {
            tracing::warn!(%what, error = %e, "left off the rebuilt map");
        }
        map
    }
}
