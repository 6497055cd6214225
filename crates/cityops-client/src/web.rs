//! The wasm transports of the console: the browser's `fetch` against the service, or the desktop
//! shell's one `forward` command (Tauri IPC); and the live stream through the browser's
//! `EventSource` or the shell's `live`/`connection` events.

use cityops_api::{ApiError, LiveEvent};
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::{Body, ClientError, Request, Response, Transport};

fn js_err(v: JsValue) -> ClientError {
    // A JS Error's message, not its stack.
    let text = v
        .as_string()
        .or_else(|| v.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| "request failed".to_owned());
    ClientError::Network(text)
}

/// The service over the browser's fetch: base URL (empty = the page's origin) and token.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchTransport {
    /// Base URL without a trailing slash.
    pub server: String,
    /// Bearer token.
    pub token: String,
}

impl Transport for FetchTransport {
    async fn send(&self, request: Request) -> Result<Response, ClientError> {
        let window = web_sys::window().ok_or_else(|| ClientError::Network("no window".into()))?;
        let init = web_sys::RequestInit::new();
        init.set_method(request.info.method.as_str());
        let headers = web_sys::Headers::new().map_err(js_err)?;
        headers.set("Authorization", &format!("Bearer {}", self.token)).map_err(js_err)?;
        match &request.body {
            Some(Body::Json(v)) => {
                headers.set("Content-Type", "application/json").map_err(js_err)?;
                init.set_body(&JsValue::from_str(&v.to_string()));
            }
            Some(Body::Text(t, media)) => {
                headers.set("Content-Type", media).map_err(js_err)?;
                init.set_body(&JsValue::from_str(t));
            }
            None => {}
        }
        if let Some(k) = &request.idempotency_key {
            headers.set("Idempotency-Key", k).map_err(js_err)?;
        }
        init.set_headers(&headers);
        let url = format!("{}{}", self.server, request.url()?);
        let req = web_sys::Request::new_with_str_and_init(&url, &init).map_err(js_err)?;
        let resp: web_sys::Response = JsFuture::from(window.fetch_with_request(&req))
            .await
            .map_err(js_err)?
            .dyn_into()
            .map_err(js_err)?;
        let media_type = resp
            .headers()
            .get("content-type")
            .ok()
            .flatten()
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned());
        let buf = JsFuture::from(resp.array_buffer().map_err(js_err)?).await.map_err(js_err)?;
        let body = js_sys::Uint8Array::new(&buf).to_vec();
        Ok(Response { status: resp.status(), media_type, body })
    }
}

/// The service through the desktop shell: `invoke("forward", {endpoint, path, query, body})`.
/// The shell allows the console's endpoints only, decodes the arguments as the endpoint's types
/// and answers the endpoint's JSON (GeoJSON and SVG as text).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TauriTransport;

/// The shell's IPC bridge. The shell does not publish the global `window.__TAURI__` API
/// (`withGlobalTauri` is off); the bridge every Tauri page gets is `__TAURI_INTERNALS__`, and the
/// shell's capability decides which commands it may reach.
fn internals() -> Option<JsValue> {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("__TAURI_INTERNALS__")).ok())
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Whether the page runs inside the Tauri shell.
pub fn in_tauri() -> bool {
    internals().is_some()
}

/// Call `command` of the shell with `args` (a JS object): the IPC promise.
fn call(command: &str, args: &JsValue) -> Result<js_sys::Promise, ClientError> {
    let ipc = internals().ok_or_else(|| ClientError::Network("not inside the desktop shell".into()))?;
    let f: js_sys::Function =
        js_sys::Reflect::get(&ipc, &"invoke".into()).map_err(js_err)?.dyn_into().map_err(js_err)?;
    f.call2(&ipc, &command.into(), args).map_err(js_err)?.dyn_into().map_err(js_err)
}

/// Invoke a shell command: the answer as JSON text, or the shell's `{code, message}`.
pub async fn invoke(command: &str, args: Value) -> Result<String, ClientError> {
    let args = js_sys::JSON::parse(&args.to_string()).map_err(js_err)?;
    let promise = call(command, &args)?;
    match JsFuture::from(promise).await {
        Ok(v) => Ok(js_sys::JSON::stringify(&v).map_err(js_err)?.as_string().unwrap_or_default()),
        Err(e) => {
            let text = js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()).unwrap_or_default();
            Err(match serde_json::from_str::<ApiError>(&text) {
                Ok(api) => ClientError::Api(api),
                Err(_) => ClientError::Network(text),
            })
        }
    }
}

impl Transport for TauriTransport {
    async fn send(&self, request: Request) -> Result<Response, ClientError> {
        let body = match request.body {
            Some(Body::Json(v)) => v,
            Some(Body::Text(..)) => {
                return Err(ClientError::Encode("the shell forwards JSON bodies only".into()));
            }
            None => Value::Null,
        };
        let args = json!({ "endpoint": request.info.name, "path": request.path, "query": request.query, "body": body });
        match invoke("forward", args).await {
            Ok(text) => {
                // Text answers (GeoJSON, SVG) arrive as a JSON string: hand over the text itself.
                let body = match serde_json::from_str::<Value>(&text) {
                    Ok(Value::String(s)) if !request.info.response.is_json() => s.into_bytes(),
                    _ => text.into_bytes(),
                };
                Ok(Response {
                    status: 200,
                    media_type: request.info.response.media_type().map(str::to_owned),
                    body,
                })
            }
            Err(ClientError::Api(e)) => Ok(Response {
                status: e.code.http_status(),
                media_type: Some("application/json".into()),
                body: serde_json::to_vec(&e).unwrap_or_default(),
            }),
            Err(other) => Err(other),
        }
    }
}

/// Either transport, chosen at start.
#[derive(Debug, Clone, PartialEq)]
pub enum WebTransport {
    /// The desktop shell.
    Tauri(TauriTransport),
    /// A service over fetch.
    Fetch(FetchTransport),
}

impl Transport for WebTransport {
    async fn send(&self, request: Request) -> Result<Response, ClientError> {
        match self {
            WebTransport::Tauri(t) => t.send(request).await,
            WebTransport::Fetch(t) => t.send(request).await,
        }
    }
}

/// State of the live connection as the browser or the shell reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    /// Opening the stream.
    Connecting,
    /// Receiving events.
    Live,
    /// The stream dropped; `gave_up` when the browser stopped retrying (re-subscribe).
    Reconnecting {
        /// Whether the browser's EventSource gave up.
        gave_up: bool,
    },
}

/// A live subscription; dropping it closes the stream.
pub struct Subscription {
    source: Option<web_sys::EventSource>,
    /// Each shell event listened to, with the promise of its listener id.
    unlisten: Vec<(&'static str, JsValue)>,
    _closures: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    _message: Option<Closure<dyn FnMut(web_sys::MessageEvent)>>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").field("event_source", &self.source.is_some()).finish()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(s) = &self.source {
            s.close();
        }
        for (event, p) in self.unlisten.drain(..) {
            if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
                let stop = Closure::<dyn FnMut(JsValue)>::new(move |id: JsValue| {
                    let args = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&args, &"event".into(), &event.into());
                    let _ = js_sys::Reflect::set(&args, &"eventId".into(), &id);
                    let _ = call("plugin:event|unlisten", &args);
                });
                let _ = p.then(&stop);
                stop.forget();
            }
        }
    }
}

/// Subscribe to the live stream of `transport`, resuming after `after` when given. The
/// browser's EventSource reconnects by itself with `Last-Event-ID`; if it gives up, `on_state`
/// says so and the caller re-subscribes with the last id it applied. In the shell the events are
/// the ones it applied to its own map.
pub fn subscribe(
    transport: &WebTransport,
    after: Option<u64>,
    on_event: impl Fn(LiveEvent) + 'static,
    on_state: impl Fn(LiveState) + 'static,
) -> Result<Subscription, ClientError> {
    match transport {
        WebTransport::Tauri(_) => subscribe_tauri(on_event, on_state),
        WebTransport::Fetch(s) => {
            let info = <cityops_api::ep::Events as cityops_api::Endpoint>::INFO;
            let q = cityops_api::query::EventsQuery { after, access_token: Some(s.token.clone()) };
            let url = info
                .url(&cityops_api::endpoint::Empty {}, &q)
                .map_err(|e| ClientError::Encode(e.to_string()))?;
            let source = web_sys::EventSource::new(&format!("{}{url}", s.server)).map_err(js_err)?;
            on_state(LiveState::Connecting);
            let message =
                Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
                    if let Some(text) = m.data().as_string()
                        && let Ok(ev) = serde_json::from_str::<LiveEvent>(&text)
                    {
                        on_event(ev);
                    }
                });
            source
                .add_event_listener_with_callback("message", message.as_ref().unchecked_ref())
                .map_err(js_err)?;
            let on_state = std::rc::Rc::new(on_state);
            let st = on_state.clone();
            let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| st(LiveState::Live));
            source.set_onopen(Some(open.as_ref().unchecked_ref()));
            let src = source.clone();
            let st = on_state.clone();
            let error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                // readyState 2 = CLOSED: the browser gave up; the caller re-subscribes.
                st(LiveState::Reconnecting { gave_up: src.ready_state() == 2 });
            });
            source.set_onerror(Some(error.as_ref().unchecked_ref()));
            Ok(Subscription {
                source: Some(source),
                _closures: vec![open, error],
                _message: Some(message),
                unlisten: vec![],
            })
        }
    }
}

fn subscribe_tauri(
    on_event: impl Fn(LiveEvent) + 'static,
    on_state: impl Fn(LiveState) + 'static,
) -> Result<Subscription, ClientError> {
    let ipc = internals().ok_or_else(|| ClientError::Network("not inside the desktop shell".into()))?;
    let transform: js_sys::Function = js_sys::Reflect::get(&ipc, &"transformCallback".into())
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    // What @tauri-apps/api's `listen` does: register the handler, then ask the event plugin.
    let listen = |event: &'static str, handler: &JsValue| -> Result<(&'static str, JsValue), ClientError> {
        let id = transform.call1(&ipc, handler).map_err(js_err)?;
        let target = js_sys::Object::new();
        js_sys::Reflect::set(&target, &"kind".into(), &"Any".into()).map_err(js_err)?;
        let args = js_sys::Object::new();
        js_sys::Reflect::set(&args, &"event".into(), &event.into()).map_err(js_err)?;
        js_sys::Reflect::set(&args, &"target".into(), &target).map_err(js_err)?;
        js_sys::Reflect::set(&args, &"handler".into(), &id).map_err(js_err)?;
        Ok((event, call("plugin:event|listen", &args)?.into()))
    };
    let payload = |e: &web_sys::Event| -> Option<String> {
        let p = js_sys::Reflect::get(e, &"payload".into()).ok()?;
        js_sys::JSON::stringify(&p).ok()?.as_string()
    };
    // The shell emits the events in batches, in order.
    let live = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        if let Some(batch) = payload(&e).and_then(|t| serde_json::from_str::<Vec<LiveEvent>>(&t).ok()) {
            for ev in batch {
                on_event(ev);
            }
        }
    });
    let conn = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let state = match payload(&e).as_deref() {
            Some("\"live\"") => LiveState::Live,
            Some("\"connecting\"") => LiveState::Connecting,
            _ => LiveState::Reconnecting { gave_up: false },
        };
        on_state(state);
    });
    // `listen` resolves to the listener's id; keep the promises to unlisten on drop.
    let unlisten = vec![listen("live", live.as_ref())?, listen("connection", conn.as_ref())?];
    Ok(Subscription { source: None, _closures: vec![live, conn], _message: None, unlisten })
}
