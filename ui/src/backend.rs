//! The only module that does IO. Two transports behind one API:
//!
//! - **Tauri** (`window.__TAURI__` exists): `window.__TAURI__.core.invoke(command, args)`; live
//!   events arrive as the Tauri event `live` (payload: one [`LiveEvent`]) and the connection state
//!   as the Tauri event `connection` (payload: `"live"`, `"connecting"` or `"reconnecting"`).
//! - **HTTP** (a browser): `fetch` against the configured service with `Authorization: Bearer`,
//!   and an `EventSource` on `/api/v1/events?access_token=…` for the live stream.
//!
//! Commands the desktop shell is expected to implement (names and argument objects; every
//! command returns the same JSON as the HTTP route it mirrors, errors as `{code, message}`):
//!
//! | command | args | HTTP route |
//! | --- | --- | --- |
//! | `viewport` | `{query}` (the viewport query string, see [`crate::state::viewport_query`]) | `GET /api/v1/map/viewport?…` |
//! | `layer_geojson` | `{name, area}` (`area` may be null) | `GET /api/v1/layers/{name}?area=` → GeoJSON text |
//! | `list_cases` | `{query}` (see [`crate::state::CaseFilter::query`]) | `GET /api/v1/cases?…` |
//! | `get_case` | `{id}` | `GET /api/v1/cases/{id}` |
//! | `allowed_actions` | `{id}` | `GET /api/v1/cases/{id}/actions` |
//! | `act` | `{id, request}` ([`ActionRequest`]) | `POST /api/v1/cases/{id}/actions` |
//! | `dispatch_proposal` | `{id}` | `GET /api/v1/cases/{id}/dispatch-proposal` |
//! | `catalogue` | `{}` | `GET /api/v1/catalogue` |
//! | `units` | `{}` | `GET /api/v1/units` |
//! | `locate` | `{lon, lat}` | `GET /api/v1/locate` |
//! | `cameras_visible` | `{lon, lat}` | `GET /api/v1/cameras/visible` |
//! | `camera` | `{id}` | `GET /api/v1/cameras/{id}` |
//! | `cameras_in_box` | `{bbox}` (`west,south,east,north`) | `GET /api/v1/cameras?bbox=` |
//! | `health` | `{}` | `GET /api/health` (`{now, time_scale, last_event_id}`: the service clock) |
//! | `connection_status` | `{}` | — (returns `"live"`, `"connecting"` or `"reconnecting"`) |
//! | `service_info` | `{}` | — (`{server, embedded}`: the service the shell follows) |
//! | `use_service` | `{server, token}` (`server` null = the embedded service) | — (switch service; answers like `service_info`) |
//!
//! Without a configured service the base layers come from the files shipped in `dist/data/`.

use cityops_api::{
    Action, ActionRequest, ApiError, CaseDto, CasePageDto, CategoryDto, DispatchProposalDto, LiveEvent,
    LocationDto, MapViewDto, UnitDto,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::state::{Connection, Settings, enc};

/// Why a backend call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum BackendError {
    /// The service answered with an error document.
    Api(ApiError),
    /// The request did not complete (network, CORS, service down).
    Network(String),
    /// The answer could not be decoded.
    Decode(String),
    /// No service is configured.
    NotConfigured,
}

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackendError::Api(e) => write!(f, "{e}"),
            BackendError::Network(m) => write!(f, "network: {m}"),
            BackendError::Decode(m) => write!(f, "decode: {m}"),
            BackendError::NotConfigured => write!(f, "no service configured"),
        }
    }
}

impl std::error::Error for BackendError {}

/// Result of a backend call.
pub type Result<T, E = BackendError> = std::result::Result<T, E>;

fn js_err(v: JsValue) -> BackendError {
    // A JS Error's message, not its stack.
    let text = v
        .as_string()
        .or_else(|| v.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| "request failed".to_owned());
    BackendError::Network(text)
}

/// Where IO goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// The desktop shell.
    Tauri,
    /// A service over HTTP.
    Http(Settings),
    /// Nothing configured: bundled base layers only.
    Offline,
}

/// Whether the page runs inside the Tauri shell.
pub fn in_tauri() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("__TAURI__")).ok())
        .is_some_and(|v| !v.is_undefined() && !v.is_null())
}

impl Backend {
    /// Pick the transport: Tauri if present, else HTTP when a token is set, else offline.
    pub fn detect(settings: &Settings) -> Backend {
        if in_tauri() {
            Backend::Tauri
        } else if settings.usable() {
            Backend::Http(settings.clone())
        } else {
            Backend::Offline
        }
    }

    /// Whether a service (or the shell) is reachable in principle.
    pub fn connected(&self) -> bool {
        !matches!(self, Backend::Offline)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        command: &str,
        args: Value,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<T> {
        let text = match self {
            Backend::Tauri => invoke(command, args).await?,
            Backend::Http(s) => fetch_text(s, method, path, body).await?,
            Backend::Offline => return Err(BackendError::NotConfigured),
        };
        serde_json::from_str(&text).map_err(|e| BackendError::Decode(format!("{command}: {e}")))
    }

    /// Map items and "as of" times for a viewport.
    pub async fn viewport(&self, query: &str) -> Result<MapViewDto> {
        self.call(
            "viewport",
            json!({ "query": query }),
            "GET",
            &format!("/api/v1/map/viewport?{query}"),
            None,
        )
        .await
    }

    /// A base layer's GeoJSON text.
    pub async fn layer_geojson(&self, name: &str, area: Option<&str>) -> Result<String> {
        match self {
            Backend::Tauri => {
                let v: Value = serde_json::from_str(
                    &invoke("layer_geojson", json!({ "name": name, "area": area })).await?,
                )
                .map_err(|e| BackendError::Decode(e.to_string()))?;
                // The shell may return the text or the parsed document.
                Ok(match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
            }
            Backend::Http(s) => {
                let q = area.map(|a| format!("?area={}", enc(a))).unwrap_or_default();
                fetch_text(s, "GET", &format!("/api/v1/layers/{name}{q}"), None).await
            }
            Backend::Offline => bundled_layer(name).await,
        }
    }

    /// A page of cases.
    pub async fn list_cases(&self, query: &str) -> Result<CasePageDto> {
        self.call("list_cases", json!({ "query": query }), "GET", &format!("/api/v1/cases?{query}"), None)
            .await
    }

    /// One case with its history.
    pub async fn get_case(&self, id: i64) -> Result<CaseDto> {
        self.call("get_case", json!({ "id": id }), "GET", &format!("/api/v1/cases/{id}"), None).await
    }

    /// The actions the caller's role may take on a case now.
    pub async fn allowed_actions(&self, id: i64) -> Result<Vec<Action>> {
        self.call("allowed_actions", json!({ "id": id }), "GET", &format!("/api/v1/cases/{id}/actions"), None)
            .await
    }

    /// Take a workflow action; returns the updated case.
    pub async fn act(&self, id: i64, request: &ActionRequest) -> Result<CaseDto> {
        let body = serde_json::to_string(request).map_err(|e| BackendError::Decode(e.to_string()))?;
        self.call(
            "act",
            json!({ "id": id, "request": request }),
            "POST",
            &format!("/api/v1/cases/{id}/actions"),
            Some(body),
        )
        .await
    }

    /// The proposed unit and deadline for dispatching a case.
    pub async fn dispatch_proposal(&self, id: i64) -> Result<DispatchProposalDto> {
        self.call(
            "dispatch_proposal",
            json!({ "id": id }),
            "GET",
            &format!("/api/v1/cases/{id}/dispatch-proposal"),
            None,
        )
        .await
    }

    /// The type catalogue.
    pub async fn catalogue(&self) -> Result<Vec<CategoryDto>> {
        self.call("catalogue", json!({}), "GET", "/api/v1/catalogue", None).await
    }

    /// All units.
    pub async fn units(&self) -> Result<Vec<UnitDto>> {
        self.call("units", json!({}), "GET", "/api/v1/units", None).await
    }

    /// Grid, community, street, district and responsible unit of a point.
    pub async fn locate(&self, lon: f64, lat: f64) -> Result<LocationDto> {
        self.call(
            "locate",
            json!({ "lon": lon, "lat": lat }),
            "GET",
            &format!("/api/v1/locate?lon={lon}&lat={lat}"),
            None,
        )
        .await
    }

    /// The service's health and clock (`GET /api/health`; Tauri command `health`).
    pub async fn health(&self) -> Result<crate::state::HealthDto> {
        self.call("health", json!({}), "GET", "/api/health", None).await
    }

    /// The cameras whose view cone may reach into a box (at most 2000, by id).
    pub async fn cameras_in_box(&self, b: &crate::geo::Bounds) -> Result<cityops_api::CameraListDto> {
        let bbox = b.query_value();
        self.call(
            "cameras_in_box",
            json!({ "bbox": bbox }),
            "GET",
            &format!("/api/v1/cameras?bbox={bbox}"),
            None,
        )
        .await
    }

    /// One camera by id.
    pub async fn camera(&self, id: &str) -> Result<cityops_api::CameraViewDto> {
        self.call("camera", json!({ "id": id }), "GET", &format!("/api/v1/cameras/{}", enc(id)), None).await
    }

    /// The service the desktop shell follows (Tauri only).
    pub async fn service_info(&self) -> Result<crate::state::ServiceInfo> {
        self.shell_only("service_info", json!({})).await
    }

    /// Switch the desktop shell to a remote service (`server` and `token`, checked by the shell
    /// before it switches) or, with `server` None, to its embedded service (Tauri only).
    pub async fn use_service(&self, server: Option<&str>, token: &str) -> Result<crate::state::ServiceInfo> {
        self.shell_only("use_service", json!({ "server": server, "token": token })).await
    }

    async fn shell_only<T: DeserializeOwned>(&self, command: &str, args: Value) -> Result<T> {
        match self {
            Backend::Tauri => {
                let text = invoke(command, args).await?;
                serde_json::from_str(&text).map_err(|e| BackendError::Decode(format!("{command}: {e}")))
            }
            _ => Err(BackendError::NotConfigured),
        }
    }

    /// Cameras whose view cone contains a point.
    pub async fn cameras_visible(&self, lon: f64, lat: f64) -> Result<Vec<cityops_api::CameraViewDto>> {
        self.call(
            "cameras_visible",
            json!({ "lon": lon, "lat": lat }),
            "GET",
            &format!("/api/v1/cameras/visible?lon={lon}&lat={lat}"),
            None,
        )
        .await
    }
}

/// `window.__TAURI__.core.invoke(command, args)`, answer as JSON text.
async fn invoke(command: &str, args: Value) -> Result<String> {
    let window = web_sys::window().ok_or_else(|| BackendError::Network("no window".into()))?;
    let tauri = js_sys::Reflect::get(&window, &"__TAURI__".into()).map_err(js_err)?;
    let core = js_sys::Reflect::get(&tauri, &"core".into()).map_err(js_err)?;
    let f: js_sys::Function =
        js_sys::Reflect::get(&core, &"invoke".into()).map_err(js_err)?.dyn_into().map_err(js_err)?;
    let args = js_sys::JSON::parse(&args.to_string()).map_err(js_err)?;
    let promise: js_sys::Promise =
        f.call2(&core, &command.into(), &args).map_err(js_err)?.dyn_into().map_err(js_err)?;
    match JsFuture::from(promise).await {
        Ok(v) => Ok(js_sys::JSON::stringify(&v).map_err(js_err)?.as_string().unwrap_or_default()),
        Err(e) => {
            let text = js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()).unwrap_or_default();
            Err(match serde_json::from_str::<ApiError>(&text) {
                Ok(api) => BackendError::Api(api),
                Err(_) => BackendError::Network(text),
            })
        }
    }
}

/// Fetch a path of the service; the body text on 2xx, the decoded `{code, message}` otherwise.
async fn fetch_text(s: &Settings, method: &str, path: &str, body: Option<String>) -> Result<String> {
    let window = web_sys::window().ok_or_else(|| BackendError::Network("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(js_err)?;
    headers.set("Authorization", &format!("Bearer {}", s.token)).map_err(js_err)?;
    headers.set("Accept", "application/json").map_err(js_err)?;
    if let Some(b) = &body {
        headers.set("Content-Type", "application/json").map_err(js_err)?;
        init.set_body(&JsValue::from_str(b));
    }
    init.set_headers(&headers);
    let url = format!("{}{}", s.server, path);
    let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(js_err)?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    let text =
        JsFuture::from(resp.text().map_err(js_err)?).await.map_err(js_err)?.as_string().unwrap_or_default();
    if resp.ok() {
        Ok(text)
    } else {
        Err(match serde_json::from_str::<ApiError>(&text) {
            Ok(e) => BackendError::Api(e),
            Err(_) => BackendError::Network(format!("HTTP {} {}", resp.status(), resp.status_text())),
        })
    }
}

/// A base layer shipped with the UI (`data/<name>.geojson` next to `index.html`).
async fn bundled_layer(name: &str) -> Result<String> {
    let window = web_sys::window().ok_or_else(|| BackendError::Network("no window".into()))?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&format!("data/{name}.geojson")))
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    if !resp.ok() {
        return Err(BackendError::Network(format!("data/{name}.geojson: HTTP {}", resp.status())));
    }
    Ok(JsFuture::from(resp.text().map_err(js_err)?).await.map_err(js_err)?.as_string().unwrap_or_default())
}

/// A live subscription; dropping it closes the stream.
pub struct Subscription {
    source: Option<web_sys::EventSource>,
    unlisten: Vec<JsValue>,
    _closures: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    _message: Option<Closure<dyn FnMut(web_sys::MessageEvent)>>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(s) = &self.source {
            s.close();
        }
        for p in self.unlisten.drain(..) {
            if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
                let call = Closure::<dyn FnMut(JsValue)>::new(|f: JsValue| {
                    if let Ok(f) = f.dyn_into::<js_sys::Function>() {
                        let _ = f.call0(&JsValue::NULL);
                    }
                });
                let _ = p.then(&call);
                call.forget();
            }
        }
    }
}

/// Subscribe to the live stream, resuming after `after` when given. `on_event` receives each
/// event; `on_state` the connection state. The browser's EventSource reconnects by itself and
/// sends `Last-Event-ID`; if it gives up (state CLOSED) `on_state(Reconnecting)` is called and the
/// caller re-subscribes with the last id it applied.
pub fn subscribe(
    backend: &Backend,
    after: Option<u64>,
    on_event: impl Fn(LiveEvent) + 'static,
    on_state: impl Fn(Connection, bool) + 'static,
) -> Result<Subscription> {
    match backend {
        Backend::Offline => {
            on_state(Connection::NoServer, false);
            Ok(Subscription { source: None, _closures: vec![], _message: None, unlisten: vec![] })
        }
        Backend::Tauri => subscribe_tauri(on_event, on_state),
        Backend::Http(s) => {
            let mut url = format!("{}/api/v1/events?access_token={}", s.server, enc(&s.token));
            if let Some(a) = after {
                url.push_str(&format!("&after={a}"));
            }
            let source = web_sys::EventSource::new(&url).map_err(js_err)?;
            on_state(Connection::Connecting, false);
            let message =
                Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
                    if let Some(text) = m.data().as_string()
                        && let Ok(ev) = serde_json::from_str::<LiveEvent>(&text)
                    {
                        on_event(ev);
                    }
                });
            // The service names its events by kind (`event: case`, …); unnamed ones are `message`.
            for kind in ["message", "case", "vehicle", "sensor", "alert"] {
                source
                    .add_event_listener_with_callback(kind, message.as_ref().unchecked_ref())
                    .map_err(js_err)?;
            }
            let on_state = std::rc::Rc::new(on_state);
            let st = on_state.clone();
            let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| st(Connection::Live, false));
            source.set_onopen(Some(open.as_ref().unchecked_ref()));
            let src = source.clone();
            let st = on_state.clone();
            let error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                // readyState 2 = CLOSED: the browser gave up; the caller re-subscribes.
                st(Connection::Reconnecting, src.ready_state() == 2);
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
    on_state: impl Fn(Connection, bool) + 'static,
) -> Result<Subscription> {
    let window = web_sys::window().ok_or_else(|| BackendError::Network("no window".into()))?;
    let tauri = js_sys::Reflect::get(&window, &"__TAURI__".into()).map_err(js_err)?;
    let event = js_sys::Reflect::get(&tauri, &"event".into()).map_err(js_err)?;
    let listen: js_sys::Function =
        js_sys::Reflect::get(&event, &"listen".into()).map_err(js_err)?.dyn_into().map_err(js_err)?;
    let payload = |e: &web_sys::Event| -> Option<String> {
        let p = js_sys::Reflect::get(e, &"payload".into()).ok()?;
        js_sys::JSON::stringify(&p).ok()?.as_string()
    };
    let live = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        if let Some(ev) = payload(&e).and_then(|t| serde_json::from_str::<LiveEvent>(&t).ok()) {
            on_event(ev);
        }
    });
    let conn = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let state = match payload(&e).as_deref() {
            Some("\"live\"") => Connection::Live,
            Some("\"connecting\"") => Connection::Connecting,
            _ => Connection::Reconnecting,
        };
        on_state(state, false);
    });
    // `listen` resolves to an unlisten function; keep the promises to unlisten on drop.
    let unlisten = vec![
        listen.call2(&event, &"live".into(), live.as_ref().unchecked_ref()).map_err(js_err)?,
        listen.call2(&event, &"connection".into(), conn.as_ref().unchecked_ref()).map_err(js_err)?,
    ];
    Ok(Subscription { source: None, _closures: vec![live, conn], _message: None, unlisten })
}

/// Serialise for display in error messages and logs.
pub fn describe<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The page's query string (`?server=…&token=…`).
pub fn page_query() -> String {
    web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

/// Read a value from `localStorage`.
pub fn load_setting(key: &str) -> Option<String> {
    web_sys::window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Write a value to `localStorage` (best effort).
pub fn save_setting(key: &str, value: &str) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The current time as a wire timestamp in China Standard Time.
pub fn now() -> cityops_api::Timestamp {
    let ms = now_ms() as i64;
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&cityops_api::CST)
}
