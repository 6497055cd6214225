//! The one client of the cityops service, typed by the endpoint table (`cityops_api::endpoint`)
//! and generic over its [`Transport`]:
//!
//! - `native` (feature): [`native::HttpTransport`] over reqwest, for the desktop shell, the
//!   simulator and the tests, and [`native::follow_events`], the live stream (Server-Sent Events
//!   parsed by `eventsource-stream`, reconnecting with a [`Backoff`] that resets after a healthy
//!   connection);
//! - `web` (feature, wasm32): `web::FetchTransport` (the browser's fetch), `web::TauriTransport`
//!   (the desktop shell's one allow-listed `forward` command) and the live stream through
//!   EventSource or the shell's events.
//!
//! A call names its endpoint type; the path, query and body it takes and the answer it gives are
//! that endpoint's types, so a client cannot ask for a route the service does not have, or read
//! an answer as the wrong type. Errors are one typed enum ([`ClientError`]) that crosses the Tauri
//! bridge as `{code, message}`.

#[cfg(feature = "native")]
pub mod native;
#[cfg(all(feature = "web", target_arch = "wasm32"))]
pub mod web;

use std::time::Duration;

use cityops_api::endpoint::{Endpoint, Format, Info};
use cityops_api::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The service (or the shell) answered with its `{code, message}`.
    #[error("{0}")]
    Api(ApiError),
    /// The request did not complete (network, service down, CORS).
    #[error("network: {0}")]
    Network(String),
    /// The answer could not be decoded as the endpoint's type.
    #[error("decode: {0}")]
    Decode(String),
    /// The request could not be built from its parameters.
    #[error("request: {0}")]
    Encode(String),
    /// No service is configured.
    #[error("no service configured")]
    NotConfigured,
}

impl ClientError {
    /// The error as the wire's `{code, message}`.
    pub fn to_api(&self) -> ApiError {
        match self {
            ClientError::Api(e) => e.clone(),
            ClientError::Network(m) => {
                ApiError::new(ErrorCode::Unavailable, format!("service unreachable: {m}"))
            }
            ClientError::Decode(m) => ApiError::new(ErrorCode::Internal, format!("bad answer: {m}")),
            ClientError::Encode(m) => ApiError::new(ErrorCode::MalformedRequest, m.clone()),
            ClientError::NotConfigured => ApiError::new(ErrorCode::Unavailable, "no service configured"),
        }
    }

    /// The service's error code, if it answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api(e) => Some(e.code),
            _ => None,
        }
    }
}

/// Across the Tauri bridge an error is `{code, message}`.
impl Serialize for ClientError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_api().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ClientError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ApiError::deserialize(d).map(ClientError::Api)
    }
}

/// A body on its way to the service.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A JSON document (the endpoint's `Request`).
    Json(Value),
    /// Text with its media type (a TOML notice file).
    Text(String, &'static str),
}

/// A request: the endpoint, its path parameters and query as JSON objects, and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The endpoint.
    pub info: Info,
    /// Path parameters (an object whose keys are the template's names).
    pub path: Value,
    /// Query parameters (an object of plain values).
    pub query: Value,
    /// Body, if any.
    pub body: Option<Body>,
    /// The write's `Idempotency-Key`, if the caller may retry it: the service applies it once and
    /// answers every retry with its first answer.
    pub idempotency_key: Option<String>,
}

impl Request {
    /// A request of endpoint `E` from its typed parts.
    pub fn of<E: Endpoint>(
        path: &E::Path,
        query: &E::Query,
        body: Option<Body>,
    ) -> Result<Request, ClientError> {
        let enc = |e: serde_json::Error| ClientError::Encode(format!("{}: {e}", E::INFO.name));
        Ok(Request {
            info: E::INFO,
            path: serde_json::to_value(path).map_err(enc)?,
            query: serde_json::to_value(query).map_err(enc)?,
            body,
            idempotency_key: None,
        })
    }

    /// Path and query of the URL (`/api/v1/cases/42?…`).
    pub fn url(&self) -> Result<String, ClientError> {
        self.info.url(&self.path, &self.query).map_err(|e| ClientError::Encode(e.to_string()))
    }
}

/// An answer: status, media type and bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` without parameters, if given.
    pub media_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A 2xx answer's body, or the error it carries.
    pub fn ok(self) -> Result<Vec<u8>, ClientError> {
        if self.is_success() { Ok(self.body) } else { Err(self.error()) }
    }

    /// The error a non-2xx answer carries: its `{code, message}` when the service sent one.
    pub fn error(&self) -> ClientError {
        match serde_json::from_slice::<ApiError>(&self.body) {
            Ok(e) => ClientError::Api(e),
            Err(_) => ClientError::Api(ApiError::new(
                ErrorCode::Unavailable,
                format!(
                    "HTTP {}: {}",
                    self.status,
                    String::from_utf8_lossy(&self.body).chars().take(200).collect::<String>()
                ),
            )),
        }
    }
}

/// How requests reach the service.
#[allow(async_fn_in_trait, reason = "transports are used by concrete type; the wasm ones are not Send")]
pub trait Transport {
    /// Send a request and return the answer whatever its status.
    async fn send(&self, request: Request) -> Result<Response, ClientError>;
}

/// The client: calls endpoints through a transport.
#[derive(Debug, Clone, PartialEq)]
pub struct Client<T> {
    transport: T,
}

impl<T: Transport> Client<T> {
    /// A client over `transport`.
    pub fn new(transport: T) -> Self {
        Client { transport }
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Call a JSON endpoint.
    pub async fn call<E: Endpoint>(
        &self,
        path: &E::Path,
        query: &E::Query,
        body: &E::Request,
    ) -> Result<E::Response, ClientError> {
        let body = match E::INFO.request {
            Format::Json => Some(Body::Json(
                serde_json::to_value(body)
                    .map_err(|e| ClientError::Encode(format!("{}: {e}", E::INFO.name)))?,
            )),
            _ => None,
        };
        let bytes = self.transport.send(Request::of::<E>(path, query, body)?).await?.ok()?;
        decode::<E>(&bytes)
    }

    /// Call a JSON write that the caller may retry: sent with `key` as its `Idempotency-Key`, it
    /// is applied once however often it is sent.
    pub async fn call_once<E: Endpoint>(
        &self,
        path: &E::Path,
        query: &E::Query,
        body: &E::Request,
        key: &str,
    ) -> Result<E::Response, ClientError> {
        let json =
            serde_json::to_value(body).map_err(|e| ClientError::Encode(format!("{}: {e}", E::INFO.name)))?;
        let mut req = Request::of::<E>(path, query, Some(Body::Json(json)))?;
        req.idempotency_key = Some(key.to_owned());
        let bytes = self.transport.send(req).await?.ok()?;
        decode::<E>(&bytes)
    }

    /// Call a JSON endpoint that takes no body (every GET).
    pub async fn get<E: Endpoint<Request = cityops_api::endpoint::Empty>>(
        &self,
        path: &E::Path,
        query: &E::Query,
    ) -> Result<E::Response, ClientError> {
        self.call::<E>(path, query, &cityops_api::endpoint::Empty {}).await
    }

    /// Call an endpoint whose answer is not JSON (GeoJSON, FlatGeobuf, SVG): the raw answer.
    pub async fn fetch<E: Endpoint>(
        &self,
        path: &E::Path,
        query: &E::Query,
    ) -> Result<Response, ClientError> {
        self.raw::<E>(path, query, None).await
    }

    /// Call an endpoint with any body (a form for Open311, say): the raw 2xx answer.
    pub async fn raw<E: Endpoint>(
        &self,
        path: &E::Path,
        query: &E::Query,
        body: Option<Body>,
    ) -> Result<Response, ClientError> {
        let r = self.transport.send(Request::of::<E>(path, query, body)?).await?;
        if r.is_success() { Ok(r) } else { Err(r.error()) }
    }

    /// Call an endpoint whose request is text (a TOML notice file).
    pub async fn send_text<E: Endpoint>(
        &self,
        path: &E::Path,
        text: String,
    ) -> Result<E::Response, ClientError> {
        let media = E::INFO.request.media_type().unwrap_or("text/plain");
        let req = Request::of::<E>(path, &E::Query::default(), Some(Body::Text(text, media)))?;
        let bytes = self.transport.send(req).await?.ok()?;
        decode::<E>(&bytes)
    }
}

/// Decode a JSON answer of endpoint `E`.
pub fn decode<E: Endpoint>(bytes: &[u8]) -> Result<E::Response, ClientError> {
    serde_json::from_slice(bytes).map_err(|e| ClientError::Decode(format!("{}: {e}", E::INFO.name)))
}

/// Reconnect delays: doubling from `first` up to `max`, back to `first` after a healthy
/// connection (one that lasted [`Backoff::HEALTHY`] or delivered an event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_millis(500), Duration::from_secs(10))
    }
}

impl Backoff {
    /// A connection at least this long counts as healthy.
    pub const HEALTHY: Duration = Duration::from_secs(10);

    /// Delays from `first`, doubling, at most `max`.
    pub fn new(first: Duration, max: Duration) -> Self {
        Backoff { first, max, next: first }
    }

    /// The delay before the next attempt (and double the one after).
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        d
    }

    /// A connection ended: if it was healthy, start again from the first delay.
    pub fn connection_ended(&mut self, lasted: Duration, delivered_events: bool) {
        if delivered_events || lasted >= Self::HEALTHY {
            self.next = self.first;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cityops_api::endpoint::Empty;
    use cityops_api::ep;
    use cityops_api::query::{CaseQuery, IdPath};

    /// A transport that answers from a closure (what the service would), recording the URL.
    struct Canned<F: Fn(&Request) -> Response>(F, std::cell::RefCell<Vec<String>>);

    impl<F: Fn(&Request) -> Response> Transport for Canned<F> {
        async fn send(&self, request: Request) -> Result<Response, ClientError> {
            self.1.borrow_mut().push(format!("{} {}", request.info.method.as_str(), request.url()?));
            Ok(self.0(&request))
        }
    }

    fn json(status: u16, v: Value) -> Response {
        Response { status, media_type: Some("application/json".into()), body: v.to_string().into_bytes() }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn calls_build_urls_from_the_table_and_decode_the_endpoints_types() {
        let t = Canned(
            |r: &Request| match r.info.name {
                "allowed_actions" => json(200, serde_json::json!(["dispatch", "supervise"])),
                "list_cases" => json(
                    400,
                    serde_json::json!({"code": "invalid_field", "message": "q=\"\" must be 1 to 100"}),
                ),
                _ => json(200, serde_json::json!({"unexpected": true})),
            },
            Default::default(),
        );
        let c = Client::new(t);
        let a = block_on(c.get::<ep::AllowedActions>(&IdPath { id: 7 }, &Empty {})).unwrap();
        assert_eq!(a, vec![cityops_api::Action::Dispatch, cityops_api::Action::Supervise]);
        let e = block_on(
            c.get::<ep::ListCases>(&Empty {}, &CaseQuery { q: Some(String::new()), ..Default::default() }),
        )
        .unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::InvalidField));
        // An answer of the wrong shape is a decode error naming the endpoint.
        let e = block_on(c.get::<ep::Units>(&Empty {}, &Empty {})).unwrap_err();
        assert!(matches!(&e, ClientError::Decode(m) if m.starts_with("units:")), "{e:?}");
        assert_eq!(
            *c.transport().1.borrow(),
            ["GET /api/v1/cases/7/actions", "GET /api/v1/cases?q=", "GET /api/v1/units"]
        );
    }

    #[test]
    fn errors_cross_the_bridge_as_code_and_message() {
        let e = ClientError::Network("connection refused".into());
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "unavailable");
        assert!(v["message"].as_str().unwrap().contains("connection refused"));
        let back: ClientError = serde_json::from_value(v).unwrap();
        assert_eq!(back.code(), Some(ErrorCode::Unavailable));
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_resets_after_a_healthy_connection() {
        let mut b = Backoff::default();
        let delays: Vec<u64> = (0..7).map(|_| b.next_delay().as_millis() as u64).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        b.connection_ended(Duration::from_secs(2), false);
        assert_eq!(b.next_delay(), Duration::from_secs(10), "a short silent connection does not reset");
        b.connection_ended(Duration::from_secs(2), true);
        assert_eq!(b.next_delay(), Duration::from_millis(500));
        b.next_delay();
        b.connection_ended(Backoff::HEALTHY, false);
        assert_eq!(b.next_delay(), Duration::from_millis(500));
    }
}
