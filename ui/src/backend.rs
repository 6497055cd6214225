//! The only module that does IO. The service is reached through the one client
//! (`cityops-client`), typed by the endpoint table, over one of its web transports:
//!
//! - in the desktop shell (its IPC bridge `__TAURI_INTERNALS__` exists): the shell's one allow-listed `forward`
//!   command; the live events arrive as the shell's `live` and `connection` events, and the
//!   viewport is answered by the shell's native map (`viewport`);
//! - in a browser: `fetch` against the configured service with `Authorization: Bearer`, and an
//!   `EventSource` on `/api/v1/events`.
//!
//! Without a configured service the base layers come from the files shipped in `dist/data/`.

use cityops_api::endpoint::{Empty, Endpoint};
use cityops_api::query::{CaseExportQuery, LayerQuery, NamePath, ViewQuery};
use cityops_api::{LiveEvent, LiveSource, MapViewDto, ep};
use cityops_client::web::{
    FetchTransport, LiveState, Subscription, TauriTransport, WebTransport, in_tauri, invoke,
};
use cityops_client::{Client, ClientError};
use serde_json::json;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::state::{Connection, ServiceInfo, Settings};

/// Result of a backend call.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Where IO goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// The service, through the shell or over fetch.
    Service(Client<WebTransport>),
    /// Nothing configured: bundled base layers only.
    Offline,
}

impl Backend {
    /// Pick the transport: the shell if present, else fetch when a token is set, else offline.
    pub fn detect(settings: &Settings) -> Backend {
        if in_tauri() {
            Backend::Service(Client::new(WebTransport::Tauri(TauriTransport)))
        } else if settings.usable() {
            Backend::Service(Client::new(WebTransport::Fetch(FetchTransport {
                server: settings.server.clone(),
                token: settings.token.clone(),
            })))
        } else {
            Backend::Offline
        }
    }

    /// Whether the console runs in the desktop shell.
    pub fn in_shell(&self) -> bool {
        matches!(self, Backend::Service(c) if matches!(c.transport(), WebTransport::Tauri(_)))
    }

    /// Whether a service (or the shell) is reachable in principle.
    pub fn connected(&self) -> bool {
        !matches!(self, Backend::Offline)
    }

    fn client(&self) -> Result<&Client<WebTransport>> {
        match self {
            Backend::Service(c) => Ok(c),
            Backend::Offline => Err(ClientError::NotConfigured),
        }
    }

    /// Read a JSON endpoint.
    pub async fn get<E: Endpoint<Request = Empty>>(
        &self,
        path: &E::Path,
        query: &E::Query,
    ) -> Result<E::Response> {
        self.client()?.get::<E>(path, query).await
    }

    /// Call a JSON endpoint with a body.
    pub async fn call<E: Endpoint>(
        &self,
        path: &E::Path,
        query: &E::Query,
        body: &E::Request,
    ) -> Result<E::Response> {
        self.client()?.call::<E>(path, query, body).await
    }

    /// What a view draws: the shell's native map, or the service's viewport route.
    pub async fn viewport(&self, query: &ViewQuery) -> Result<MapViewDto> {
        if self.in_shell() {
            let text = invoke("viewport", json!({ "query": query })).await?;
            return serde_json::from_str(&text).map_err(|e| ClientError::Decode(format!("viewport: {e}")));
        }
        self.get::<ep::Viewport>(&Empty {}, query).await
    }

    /// A base layer's GeoJSON text (the files shipped with the page when offline).
    pub async fn layer_geojson(&self, name: &str, area: Option<&str>) -> Result<String> {
        match self {
            Backend::Service(c) => {
                let q = LayerQuery { area: area.map(str::to_owned), format: None };
                let r = c.fetch::<ep::Layer>(&NamePath { name: name.to_owned() }, &q).await?;
                Ok(String::from_utf8_lossy(&r.body).into_owned())
            }
            Backend::Offline => bundled_layer(name).await,
        }
    }

    /// Export the filtered cases: in the shell, saved to the download directory (answers the
    /// path); in a browser, downloaded as a file (answers its name).
    pub async fn export_cases(&self, query: &CaseExportQuery) -> Result<String> {
        if self.in_shell() {
            let text = invoke("export_cases", json!({ "query": query })).await?;
            return serde_json::from_str(&text).map_err(|e| ClientError::Decode(e.to_string()));
        }
        let r = self.client()?.fetch::<ep::ExportCases>(&Empty {}, query).await?;
        let format = query.format.unwrap_or_default();
        let name = format!("cityops-cases-{}.{}", now().format("%Y%m%dT%H%M%S"), format.extension());
        save_download(&r.body, format.media_type(), &name)?;
        Ok(name)
    }

    /// The leadership briefing of a period as a PDF: in the shell, saved to the download
    /// directory (answers the path); in a browser, downloaded (answers its name).
    pub async fn export_briefing(&self, query: &cityops_api::query::EvalQuery) -> Result<String> {
        if self.in_shell() {
            let text = invoke("export_briefing", json!({ "query": query })).await?;
            return serde_json::from_str(&text).map_err(|e| ClientError::Decode(e.to_string()));
        }
        let r = self.client()?.fetch::<ep::Briefing>(&Empty {}, query).await?;
        let name = format!(
            "cityops-briefing-{}-{}.pdf",
            query.from.format("%Y%m%dT%H%M"),
            query.to.format("%Y%m%dT%H%M")
        );
        save_download(&r.body, "application/pdf", &name)?;
        Ok(name)
    }

    /// A document of a penalty file as PDF: in the shell, saved to the download directory
    /// (answers the path); in a browser, downloaded (answers its name).
    pub async fn export_document(
        &self,
        id: i64,
        kind: cityops_api::DocKind,
        query: &cityops_api::query::DocQuery,
    ) -> Result<String> {
        if self.in_shell() {
            let args = json!({ "id": id, "kind": kind.slug(), "query": query });
            let text = invoke("export_document", args).await?;
            return serde_json::from_str(&text).map_err(|e| ClientError::Decode(e.to_string()));
        }
        let path = cityops_api::query::DocPath { id, kind: kind.slug().to_owned() };
        let r = self.client()?.fetch::<ep::EnfDocument>(&path, query).await?;
        let name = format!("cityops-{}-{}-{}.pdf", id, kind.slug(), query.n.unwrap_or(0));
        save_download(&r.body, "application/pdf", &name)?;
        Ok(name)
    }

    /// The desktop shell's outbox: what waits, what was sent since the last ask (shell only).
    pub async fn outbox(&self) -> Result<crate::state::OutboxStatus> {
        shell_only(self, "outbox", json!({})).await
    }

    /// The service the desktop shell follows (shell only).
    pub async fn service_info(&self) -> Result<ServiceInfo> {
        shell_only(self, "service_info", json!({})).await
    }

    /// Switch the desktop shell to a remote service (`server` and `token`, checked by the shell
    /// before it switches) or, with `server` None, to its embedded service (shell only).
    pub async fn use_service(&self, server: Option<&str>, token: &str) -> Result<ServiceInfo> {
        shell_only(self, "use_service", json!({ "server": server, "token": token })).await
    }

    /// Where the desktop shell's web view follows the live stream itself: its embedded service
    /// and a stream ticket (shell only; None for a remote service).
    pub async fn live_source(&self) -> Result<Option<LiveSource>> {
        shell_only(self, "live_source", json!({})).await
    }

    /// Subscribe to the live stream, resuming after `after`: from `direct` (the shell's
    /// [`Backend::live_source`]) when given, else from the backend's own transport.
    pub fn subscribe(
        &self,
        after: Option<u64>,
        direct: Option<LiveSource>,
        on_event: impl Fn(LiveEvent) + 'static,
        on_state: impl Fn(Connection, bool) + 'static,
    ) -> Result<Option<Subscription>> {
        match self {
            Backend::Offline => {
                on_state(Connection::NoServer, false);
                Ok(None)
            }
            Backend::Service(c) => {
                let stream =
                    direct.map(|s| WebTransport::Fetch(FetchTransport { server: s.server, token: s.ticket }));
                let transport = stream.as_ref().unwrap_or(c.transport());
                cityops_client::web::subscribe(transport, after, on_event, move |s| match s {
                    LiveState::Connecting => on_state(Connection::Connecting, false),
                    LiveState::Live => on_state(Connection::Live, false),
                    LiveState::Reconnecting { gave_up } => on_state(Connection::Reconnecting, gave_up),
                })
                .map(Some)
            }
        }
    }
}

async fn shell_only<T: serde::de::DeserializeOwned>(
    b: &Backend,
    command: &str,
    args: serde_json::Value,
) -> Result<T> {
    if !b.in_shell() {
        return Err(ClientError::NotConfigured);
    }
    let text = invoke(command, args).await?;
    serde_json::from_str(&text).map_err(|e| ClientError::Decode(format!("{command}: {e}")))
}

fn js_err(v: wasm_bindgen::JsValue) -> ClientError {
    ClientError::Network(v.as_string().unwrap_or_else(|| "browser call failed".into()))
}

/// Hand bytes to the browser as a downloaded file.
fn save_download(bytes: &[u8], media_type: &str, name: &str) -> Result<()> {
    let window = web_sys::window().ok_or_else(|| ClientError::Network("no window".into()))?;
    let document = window.document().ok_or_else(|| ClientError::Network("no document".into()))?;
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(media_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(js_err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_err)?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| ClientError::Network("cannot create a download link".into()))?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// A base layer shipped with the UI (`data/<name>.geojson` next to `index.html`).
async fn bundled_layer(name: &str) -> Result<String> {
    let window = web_sys::window().ok_or_else(|| ClientError::Network("no window".into()))?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&format!("data/{name}.geojson")))
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    if !resp.ok() {
        return Err(ClientError::Network(format!("data/{name}.geojson: HTTP {}", resp.status())));
    }
    Ok(JsFuture::from(resp.text().map_err(js_err)?).await.map_err(js_err)?.as_string().unwrap_or_default())
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

/// A monotonic clock in milliseconds, finer than [`now_ms`] (for measurements).
pub fn perf_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}

/// The current time as a wire timestamp in China Standard Time.
pub fn now() -> cityops_api::Timestamp {
    let ms = now_ms() as i64;
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&cityops_api::CST)
}
