//! The native transport (reqwest, rustls with compiled-in roots) and the live stream.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use cityops_api::LiveEvent;
use cityops_api::endpoint::Method;
use cityops_api::query::EventsQuery;
use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};

use crate::{Backoff, Body, ClientError, Request, Response, Transport};

/// A cityops service over HTTP(S): its base URL and bearer token.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// An error with its causes (`error sending request: … : connection refused`), so an operator
/// sees why a service could not be reached, not only that it could not.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

impl HttpTransport {
    /// A transport to `base` (e.g. `http://127.0.0.1:8480`, no trailing slash needed) with a
    /// bearer token (may be empty for public endpoints).
    pub fn new(base: &str, token: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(8)
            .build()
            .map_err(|e| ClientError::Network(error_chain(&e)))?;
        Ok(HttpTransport {
            base: base.trim().trim_end_matches('/').to_owned(),
            token: token.trim().to_owned(),
            http,
        })
    }

    /// The same service with another token (sharing the connection pool).
    pub fn with_token(&self, token: &str) -> Self {
        HttpTransport { base: self.base.clone(), token: token.trim().to_owned(), http: self.http.clone() }
    }

    /// Base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Bearer token.
    pub fn token(&self) -> &str {
        &self.token
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{url}", self.base);
        let b = match method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
        };
        if self.token.is_empty() { b } else { b.bearer_auth(&self.token) }
    }
}

impl Transport for HttpTransport {
    async fn send(&self, request: Request) -> Result<Response, ClientError> {
        let mut b = self.request(request.info.method, &request.url()?);
        match request.body {
            Some(Body::Json(v)) => b = b.json(&v),
            Some(Body::Text(t, media)) => b = b.header(reqwest::header::CONTENT_TYPE, media).body(t),
            None => {}
        }
        if let Some(k) = &request.idempotency_key {
            b = b.header("Idempotency-Key", k);
        }
        let resp = b.send().await.map_err(|e| ClientError::Network(error_chain(&e)))?;
        let status = resp.status().as_u16();
        let media_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned());
        let body = resp.bytes().await.map_err(|e| ClientError::Network(error_chain(&e)))?.to_vec();
        Ok(Response { status, media_type, body })
    }
}

/// Live events from a byte stream of Server-Sent Events (the `data:` of each frame is one
/// [`LiveEvent`]; comments and keep-alives are skipped). The frames are parsed by
/// `eventsource-stream`, which decodes UTF-8 across chunk boundaries.
pub fn decode_events<S, B, E>(bytes: S) -> impl Stream<Item = Result<LiveEvent, ClientError>>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    bytes.eventsource().filter_map(|frame| async move {
        match frame {
            Err(e) => Some(Err(ClientError::Network(e.to_string()))),
            Ok(f) if f.data.trim().is_empty() => None,
            Ok(f) => Some(
                serde_json::from_str::<LiveEvent>(&f.data)
                    .map_err(|e| ClientError::Decode(format!("event {}: {e}", f.id))),
            ),
        }
    })
}

/// What following the live stream reports.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveUpdate {
    /// Opening a connection.
    Connecting,
    /// The stream is open.
    Live,
    /// An event (in id order, none twice).
    Event(Box<LiveEvent>),
    /// Nothing arrived for a while (a chance to stop).
    Quiet,
    /// The connection dropped or could not be opened; the next attempt is after `retry_in`.
    Dropped {
        /// Why.
        error: String,
        /// When the next attempt is.
        retry_in: Duration,
    },
}

/// How [`follow_events_with`] waits.
#[derive(Debug, Clone, Copy)]
pub struct Follow {
    /// A quiet stream reports [`LiveUpdate::Quiet`] after this long (a chance to stop).
    pub quiet: Duration,
    /// A connection from which not a byte arrived for this long — no event, no keep-alive — is
    /// taken for half-open (a dead peer behind a NAT, a cable pulled) and reopened. The service
    /// sends a keep-alive every 15 s; the default is three of them.
    pub read_deadline: Duration,
    /// The reconnect delays.
    pub backoff: Backoff,
}

impl Default for Follow {
    fn default() -> Self {
        Follow {
            quiet: Duration::from_secs(2),
            read_deadline: Duration::from_secs(45),
            backoff: Backoff::default(),
        }
    }
}

/// Follow the service's live stream after event `after`, until `on` breaks: events in id order,
/// none twice; after a drop it reconnects (with `Last-Event-ID`) after a [`Backoff`] delay that
/// resets once a connection was healthy. An event the stream repeats (at or below the last one
/// handed on) is skipped.
pub async fn follow_events(t: &HttpTransport, after: u64, on: impl FnMut(LiveUpdate) -> ControlFlow<()>) {
    follow_events_with(t, after, Follow::default(), on).await;
}

/// [`follow_events`] with its waits chosen.
pub async fn follow_events_with(
    t: &HttpTransport,
    mut after: u64,
    how: Follow,
    mut on: impl FnMut(LiveUpdate) -> ControlFlow<()>,
) {
    let mut backoff = how.backoff;
    loop {
        if on(LiveUpdate::Connecting).is_break() {
            return;
        }
        let started = Instant::now();
        let mut delivered = false;
        let error = match open(t, after).await {
            Err(e) => e.to_string(),
            Ok(resp) => {
                if on(LiveUpdate::Live).is_break() {
                    return;
                }
                // Every chunk of bytes (keep-alives included) proves the connection alive.
                let heard = std::sync::Arc::new(std::sync::Mutex::new(Instant::now()));
                let h = heard.clone();
                let bytes = resp.bytes_stream().inspect(move |_| {
                    if let Ok(mut t) = h.lock() {
                        *t = Instant::now();
                    }
                });
                let mut events = Box::pin(decode_events(bytes));
                loop {
                    match tokio::time::timeout(how.quiet.min(how.read_deadline), events.next()).await {
                        Err(_) => {
                            let silent = heard.lock().map(|t| t.elapsed()).unwrap_or_default();
                            if silent >= how.read_deadline {
                                break format!(
                                    "nothing heard for {} s (not even a keep-alive): the connection is taken for dead",
                                    silent.as_secs()
                                );
                            }
                            if on(LiveUpdate::Quiet).is_break() {
                                return;
                            }
                        }
                        Ok(None) => break "the service closed the stream".to_owned(),
                        Ok(Some(Err(ClientError::Decode(m)))) => {
                            // One undecodable event is skipped, not a reason to drop the stream.
                            if on(LiveUpdate::Dropped { error: m, retry_in: Duration::ZERO }).is_break() {
                                return;
                            }
                        }
                        Ok(Some(Err(e))) => break e.to_string(),
                        Ok(Some(Ok(e))) if e.id <= after => {}
                        Ok(Some(Ok(e))) => {
                            after = e.id;
                            delivered = true;
                            if on(LiveUpdate::Event(Box::new(e))).is_break() {
                                return;
                            }
                        }
                    }
                }
            }
        };
        backoff.connection_ended(started.elapsed(), delivered);
        let retry_in = backoff.next_delay();
        if on(LiveUpdate::Dropped { error, retry_in }).is_break() {
            return;
        }
        tokio::time::sleep(retry_in).await;
    }
}

async fn open(t: &HttpTransport, after: u64) -> Result<reqwest::Response, ClientError> {
    let info = <cityops_api::ep::Events as cityops_api::Endpoint>::INFO;
    let url = info
        .url(&cityops_api::endpoint::Empty {}, &EventsQuery::default())
        .map_err(|e| ClientError::Encode(e.to_string()))?;
    let resp = t
        .request(info.method, &url)
        .header("Last-Event-ID", after.to_string())
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .map_err(|e| ClientError::Network(error_chain(&e)))?;
    if !resp.status().is_success() {
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        return Err(Response { status, media_type: None, body }.error());
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_decode_across_chunks_that_split_a_chinese_character() {
        let ev = r#"{"id":5,"at":"2027-01-01T00:00:05+08:00","body":{"kind":"alert","alert_id":"a","rule":"dust","message":"工地扬尘超标","lon":120.38,"lat":36.07}}"#;
        let frame = format!(": keep-alive\n\nid: 5\ndata: {ev}\n\n");
        let bytes = frame.as_bytes();
        // Split inside the three bytes of 扬.
        let cut = frame.find('扬').unwrap() + 1;
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            vec![Ok(bytes[..cut].to_vec()), Ok(bytes[cut..cut + 1].to_vec()), Ok(bytes[cut + 1..].to_vec())];
        let out: Vec<_> = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(decode_events(futures_util::stream::iter(chunks)).collect::<Vec<_>>());
        assert_eq!(out.len(), 1, "{out:?}");
        let e = out[0].clone().unwrap();
        assert_eq!(e.id, 5);
        assert!(
            matches!(&e.body, cityops_api::EventBody::Alert { message, .. } if message == "工地扬尘超标")
        );
    }
}
