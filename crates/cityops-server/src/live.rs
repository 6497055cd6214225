//! Live fan-out: one tailer follows the committed log in id order and broadcasts it; Server-Sent
//! Events clients catch up from the store from their `Last-Event-ID`, then follow the broadcast.
//! The tailer takes this process's events from the store's writer as each transaction commits
//! (no read back), and reads the log itself when the next id is not the one it expects (another
//! instance on the same PostgreSQL wrote in between, or it fell behind) and once a second for
//! other instances' writes. So what a client receives is exactly the committed log: nothing is
//! lost across a disconnect or a service restart, and nothing is sent twice.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use cityops_api::LiveEvent;
use cityops_store::Store;
use futures_util::Stream;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

/// Page size of catch-up reads.
const CATCH_UP_PAGE: u32 = 500;
/// How often the tailer reads the log for other instances' events.
const POLL: Duration = Duration::from_millis(1000);

/// The live hub.
#[derive(Debug, Clone)]
pub struct Live {
    tx: broadcast::Sender<LiveEvent>,
}

impl Live {
    /// Start the tailer on `store`, beginning after the last event already committed.
    pub async fn start(store: Arc<dyn Store>) -> Result<Self, cityops_store::StoreError> {
        let (tx, _) = broadcast::channel(4096);
        // `None` once the store's writer has stopped: from then on the log is polled only.
        let mut committed = Some(store.committed());
        let mut last = store.last_event_id().await?;
        let t = tx.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    r = async {
                        match committed.as_mut() {
                            Some(rx) => rx.recv().await,
                            None => std::future::pending().await,
                        }
                    } => match r {
                        // The next event, straight from the transaction that committed it.
                        Ok(e) if e.id == last + 1 => {
                            last = e.id;
                            // No receivers is fine: nobody is listening right now.
                            let _ = t.send(e);
                            continue;
                        }
                        Ok(e) if e.id <= last => continue,
                        // A gap (another instance wrote in between) or a lag: read the log.
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => {
                            tracing::warn!("the store stopped committing; the live stream polls the log");
                            committed = None;
                        }
                    },
                    // Other instances' events (one PostgreSQL for several services).
                    _ = tokio::time::sleep(POLL) => {}
                }
                loop {
                    match store.events_after(last, CATCH_UP_PAGE).await {
                        Ok(batch) if batch.is_empty() => break,
                        Ok(batch) => {
                            for e in batch {
                                last = e.id;
                                let _ = t.send(e);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "live tailer cannot read events; retrying");
                            break;
                        }
                    }
                }
            }
        });
        Ok(Self { tx })
    }

    /// Follow the committed events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }
}

/// One SSE frame: `id` is the event id; no `event:` name, so browsers' `EventSource.onmessage`
/// receives every kind (the kind is inside the JSON).
fn sse_event(e: &LiveEvent) -> Event {
    Event::default()
        .id(e.id.to_string())
        .json_data(e)
        .unwrap_or_else(|_| Event::default().id(e.id.to_string()).comment("event could not be encoded"))
}

/// Which events a client sees (its token's scope).
pub type Visible = Arc<dyn Fn(&LiveEvent) -> bool + Send + Sync>;

/// The event stream for one client that has seen everything up to `after`, holding only the
/// events `visible` lets through (the others advance the position silently; ids stay
/// increasing, not contiguous).
pub fn stream(
    store: Arc<dyn Store>,
    live: &Live,
    after: u64,
    visible: Visible,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let mut rx = live.subscribe();
    let (out, client) = mpsc::channel::<Result<Event, Infallible>>(256);
    tokio::spawn(async move {
        let mut last = after;
        // Catch up from the store; the subscription taken above buffers what commits meanwhile.
        if catch_up(&*store, &mut last, &out, &visible).await.is_err() {
            return;
        }
        loop {
            match rx.recv().await {
                Ok(e) if e.id <= last => {}
                Ok(e) => {
                    last = e.id;
                    if visible(&e) && out.send(Ok(sse_event(&e))).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!(skipped = n, "slow live client; catching up from the store");
                    if catch_up(&*store, &mut last, &out, &visible).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    Sse::new(ReceiverStream::new(client)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Send every stored event after `last`; Err when the client went away.
async fn catch_up(
    store: &dyn Store,
    last: &mut u64,
    out: &mpsc::Sender<Result<Event, Infallible>>,
    visible: &Visible,
) -> Result<(), ()> {
    loop {
        let batch = match store.events_after(*last, CATCH_UP_PAGE).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "catch-up read failed");
                return Ok(());
            }
        };
        if batch.is_empty() {
            return Ok(());
        }
        for e in batch {
            *last = e.id;
            if visible(&e) {
                out.send(Ok(sse_event(&e))).await.map_err(|_| ())?;
            }
        }
    }
}
