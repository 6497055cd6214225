//! Live fan-out: one tailer follows the committed log in id order and broadcasts it; Server-Sent
//! Events clients catch up from the store from their `Last-Event-ID`, then follow the broadcast.
//! The tailer takes this process's events from the store's writer as each transaction commits
//! (no read back), and reads the log itself when the next id is not the one it expects (another
//! instance on the same PostgreSQL wrote in between, or it fell behind), when the database
//! announces another instance's commit (PostgreSQL `LISTEN`/`NOTIFY`), and once a second in any
//! case. So what a client receives is exactly the committed log: nothing is lost across a
//! disconnect or a service restart, and nothing is sent twice.
//!
//! Each event is encoded once, as its SSE frame, by the tailer; a client's task only chooses the
//! frames its scope sees and writes what has gathered since its last write in one piece. A busy
//! machine therefore writes fewer, larger pieces to each client instead of falling behind.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cityops_api::LiveEvent;
use cityops_store::Store;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

/// Page size of catch-up reads.
const CATCH_UP_PAGE: u32 = 500;
/// How often the tailer reads the log in any case (other instances' events whose announcement
/// was missed, e.g. while the listening connection reconnected).
pub const POLL: Duration = Duration::from_millis(1000);
/// Events buffered for the slowest follower before it must catch up from the store.
const HUB_BUFFER: usize = 4096;
/// A quiet stream sends a comment this often (proxies keep the connection).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One committed event and its SSE frame, encoded once for every client.
#[derive(Debug)]
pub struct Frame {
    /// The event (for the clients' scope).
    pub event: LiveEvent,
    /// `id: …\ndata: …\n\n`.
    pub bytes: Bytes,
}

impl Frame {
    fn new(event: LiveEvent) -> Arc<Self> {
        let bytes = Bytes::from(sse_frame(&event));
        Arc::new(Self { event, bytes })
    }
}

/// Writes a second the hub spreads over its clients: with more clients than this, each client's
/// writes are spaced `clients / WRITE_BUDGET` apart, the events in between gathered into the next
/// write. One client is written to at once; 10,000 every 250 ms. (Each write is a system call,
/// a wake-up of the client's connection and one on the reading side; this machine's two cores
/// manage about 100,000 a second in all, with nothing else to do.)
const WRITE_BUDGET: u32 = 40_000;

/// The live hub.
#[derive(Debug, Clone)]
pub struct Live {
    events: broadcast::Sender<LiveEvent>,
    frames: broadcast::Sender<Arc<Frame>>,
    /// SSE clients following now.
    clients: Arc<std::sync::atomic::AtomicUsize>,
}

/// One SSE client counted while its stream lives.
struct Follower(Arc<std::sync::atomic::AtomicUsize>);

impl Follower {
    fn new(count: &Arc<std::sync::atomic::AtomicUsize>) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self(count.clone())
    }

    /// How far apart this client's writes are spaced now.
    fn gap(&self) -> Duration {
        let n = self.0.load(std::sync::atomic::Ordering::Relaxed);
        Duration::from_secs(1) * u32::try_from(n).unwrap_or(u32::MAX) / WRITE_BUDGET
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Live {
    /// Start the tailer on `store`, beginning after the last event already committed, reading
    /// the log every `poll` in any case.
    pub async fn start(store: Arc<dyn Store>, poll: Duration) -> Result<Self, cityops_store::StoreError> {
        let (events, _) = broadcast::channel(HUB_BUFFER);
        let (frames, _) = broadcast::channel(HUB_BUFFER);
        let live = Self { events, frames, clients: Default::default() };
        // `None` once the store's writer has stopped: from then on the log is read only.
        let mut committed = Some(store.committed());
        let mut announced = store.announced();
        let mut last = store.last_event_id().await?;
        let hub = live.clone();
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
                            hub.publish(e);
                            continue;
                        }
                        Ok(e) if e.id <= last => continue,
                        // A gap (another instance wrote in between) or a lag: read the log.
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => {
                            tracing::warn!("the store stopped committing; the live stream reads the log");
                            committed = None;
                        }
                    },
                    // The database announced a commit (any instance's, this one's included).
                    r = async {
                        match announced.as_mut() {
                            Some(rx) => rx.changed().await.map(|()| *rx.borrow_and_update()),
                            None => std::future::pending().await,
                        }
                    } => match r {
                        Ok(id) if id <= last => continue,
                        Ok(_) => {}
                        Err(_) => announced = None,
                    },
                    _ = tokio::time::sleep(poll) => {}
                }
                loop {
                    match store.events_after(last, CATCH_UP_PAGE).await {
                        Ok(batch) if batch.is_empty() => break,
                        Ok(batch) => {
                            for e in batch {
                                last = e.id;
                                hub.publish(e);
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
        Ok(live)
    }

    /// Hand one event to the followers in this process and, encoded, to the clients. Nobody
    /// listening is fine.
    fn publish(&self, e: LiveEvent) {
        if self.frames.receiver_count() > 0 {
            let _ = self.frames.send(Frame::new(e.clone()));
        }
        let _ = self.events.send(e);
    }

    /// Follow the committed events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.events.subscribe()
    }

    /// Follow the committed events' SSE frames from now on.
    fn frames(&self) -> broadcast::Receiver<Arc<Frame>> {
        self.frames.subscribe()
    }
}

/// One SSE frame: `id` is the event id; no `event:` name, so browsers' `EventSource.onmessage`
/// receives every kind (the kind is inside the JSON, which holds no newline). A case event goes
/// out as the case's mark ([`LiveEvent::for_wire`]).
fn sse_frame(e: &LiveEvent) -> String {
    match serde_json::to_string(&e.for_wire()) {
        Ok(json) => format!("id: {}\ndata: {json}\n\n", e.id),
        Err(_) => format!("id: {}\n: event could not be encoded\n\n", e.id),
    }
}

/// Which events a client sees (its token's scope).
pub type Visible = Arc<dyn Fn(&LiveEvent) -> bool + Send + Sync>;

/// The most bytes one write to a client gathers.
const WRITE_MAX: usize = 64 * 1024;

/// The event stream for one client that has seen everything up to `after`, holding only the
/// events `visible` lets through (the others advance the position silently; ids stay
/// increasing, not contiguous).
pub fn stream(store: Arc<dyn Store>, live: &Live, after: u64, visible: Visible) -> Response {
    let mut rx = live.frames();
    let me = Follower::new(&live.clients);
    let (out, client) = mpsc::channel::<Result<Bytes, Infallible>>(4);
    tokio::spawn(async move {
        let mut last = after;
        let mut written = tokio::time::Instant::now();
        // Catch up from the store; the subscription taken above buffers what commits meanwhile.
        if catch_up(&*store, &mut last, &out, &visible).await.is_err() {
            return;
        }
        let mut piece = Vec::new();
        loop {
            let first = match tokio::time::timeout(KEEP_ALIVE, rx.recv()).await {
                Ok(r) => r,
                Err(_) => {
                    if out.send(Ok(Bytes::from_static(b": keep-alive\n\n"))).await.is_err() {
                        return;
                    }
                    continue;
                }
            };
            // Spaced from the previous write when many follow; then this frame and every one
            // waiting, in one write.
            let gap = me.gap();
            if gap >= Duration::from_millis(1) {
                tokio::time::sleep_until(written + gap).await;
            }
            let mut next = Some(first);
            while let Some(r) = next.take() {
                match r {
                    Ok(f) if f.event.id <= last => {}
                    Ok(f) => {
                        last = f.event.id;
                        if visible(&f.event) {
                            piece.extend_from_slice(&f.bytes);
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::debug!(skipped = n, "slow live client; catching up from the store");
                        if !piece.is_empty()
                            && out.send(Ok(Bytes::from(std::mem::take(&mut piece)))).await.is_err()
                        {
                            return;
                        }
                        if catch_up(&*store, &mut last, &out, &visible).await.is_err() {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
                if piece.len() < WRITE_MAX {
                    next = match rx.try_recv() {
                        Ok(f) => Some(Ok(f)),
                        Err(broadcast::error::TryRecvError::Lagged(n)) => {
                            Some(Err(broadcast::error::RecvError::Lagged(n)))
                        }
                        Err(_) => None,
                    };
                }
            }
            if !piece.is_empty() {
                if out.send(Ok(Bytes::from(std::mem::take(&mut piece)))).await.is_err() {
                    return;
                }
                written = tokio::time::Instant::now();
            }
        }
    });
    (
        [(header::CONTENT_TYPE, "text/event-stream"), (header::CACHE_CONTROL, "no-cache")],
        Body::from_stream(ReceiverStream::new(client)),
    )
        .into_response()
}

/// Send every stored event after `last`; Err when the client went away.
async fn catch_up(
    store: &dyn Store,
    last: &mut u64,
    out: &mpsc::Sender<Result<Bytes, Infallible>>,
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
        let mut piece = String::new();
        for e in batch {
            *last = e.id;
            if visible(&e) {
                piece.push_str(&sse_frame(&e));
            }
        }
        if !piece.is_empty() {
            out.send(Ok(Bytes::from(piece))).await.map_err(|_| ())?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_spaced_only_when_many_follow() {
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let one = Follower::new(&count);
        // One client (or a few hundred) is written to as each event arrives.
        assert!(one.gap() < Duration::from_millis(1));
        let many: Vec<_> = (1..10_000).map(|_| Follower::new(&count)).collect();
        assert_eq!(one.gap(), Duration::from_millis(250));
        drop(many);
        assert_eq!(count.load(std::sync::atomic::Ordering::Relaxed), 1, "a closed stream stops counting");
        assert!(one.gap() < Duration::from_millis(1));
    }

    #[test]
    fn a_frame_is_one_sse_event_with_the_id() {
        let e = LiveEvent {
            id: 42,
            at: chrono::DateTime::parse_from_rfc3339("2027-01-01T08:00:00+08:00").unwrap(),
            body: cityops_api::EventBody::Calendar { years: vec![2027] },
        };
        let f = Frame::new(e.clone());
        let text = std::str::from_utf8(&f.bytes).unwrap();
        assert!(text.starts_with("id: 42\ndata: {"), "{text}");
        assert!(text.ends_with("}\n\n"), "{text}");
        let data = text.lines().nth(1).and_then(|l| l.strip_prefix("data: ")).unwrap();
        assert_eq!(serde_json::from_str::<LiveEvent>(data).unwrap(), e);
    }

    #[test]
    fn a_case_event_goes_out_as_the_cases_mark() {
        let mut case = cityops_test_support::case(7);
        case.deadline = Some(cityops_test_support::ts("2026-11-30T09:00:00+08:00"));
        case.media = vec!["photo/7-1.jpg".into()];
        let e = cityops_test_support::event(
            9,
            "2026-11-29T09:05:00+08:00",
            cityops_test_support::case_event(case.clone()),
        );
        let whole = serde_json::to_string(&e).unwrap();
        let f = Frame::new(e.clone());
        let text = std::str::from_utf8(&f.bytes).unwrap();
        let data = text.lines().nth(1).and_then(|l| l.strip_prefix("data: ")).unwrap();
        let sent: LiveEvent = serde_json::from_str(data).unwrap();
        assert_eq!((sent.id, sent.at), (e.id, e.at));
        // Where, which class, which stage, against which deadline; nothing of the document.
        assert_eq!(sent.body, cityops_api::EventBody::CaseMark { mark: Box::new(case.mark()) });
        for word in ["description", "address", "media", "case_no", "grid_code", "五四广场"] {
            assert!(!data.contains(word), "{word} in {data}");
        }
        assert!(data.len() * 10 < whole.len() * 6, "{} of {} bytes: {data}", data.len(), whole.len());
        // The hub's followers in this process get the event whole.
        assert_eq!(f.event, e);
    }
}
