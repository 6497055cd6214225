//! The console's Tauri commands. The webview reaches the service through one command, [`forward`]:
//! allow-listed by endpoint ([`CONSOLE_ENDPOINTS`]), typed on the way through (the arguments are
//! decoded as the endpoint's path, query and body types, the answer as its response type) and
//! sent by the one client. Besides it: [`viewport`], answered by the native live map;
//! [`export_cases`] and [`export_briefing`], which save their files natively; and the shell's own [`connection_status`],
//! [`service_info`] and [`use_service`]. Errors are [`ShellError`], `{code, message}` on the wire.

use std::future::Future;
use std::pin::Pin;

use cityops_api::endpoint::{Endpoint, Format, Visitor, visit_named};
use cityops_api::query::{CaseExportQuery, ViewQuery};
use cityops_api::{MapViewDto, ep};
use cityops_core::index::MapViewError;
use serde_json::Value;
use tauri::State;

use crate::error::ShellError;
use crate::service::DesktopState;

/// The endpoints the webview may reach through the shell: the console's reads, its workflow
/// action and the penalty procedure's steps. Not tokens, notices, feeds, the audit log or
/// Open311.
pub const CONSOLE_ENDPOINTS: &[&str] = &[
    <ep::Health as Endpoint>::INFO.name,
    <ep::ListCases as Endpoint>::INFO.name,
    <ep::GetCase as Endpoint>::INFO.name,
    <ep::Queue as Endpoint>::INFO.name,
    <ep::Duplicates as Endpoint>::INFO.name,
    <ep::Merge as Endpoint>::INFO.name,
    <ep::Act as Endpoint>::INFO.name,
    <ep::AllowedActions as Endpoint>::INFO.name,
    <ep::DispatchProposal as Endpoint>::INFO.name,
    <ep::Catalogue as Endpoint>::INFO.name,
    <ep::Units as Endpoint>::INFO.name,
    <ep::Locate as Endpoint>::INFO.name,
    <ep::Layer as Endpoint>::INFO.name,
    <ep::CamerasInBox as Endpoint>::INFO.name,
    <ep::Vehicles as Endpoint>::INFO.name,
    <ep::CamerasVisible as Endpoint>::INFO.name,
    <ep::Camera as Endpoint>::INFO.name,
    <ep::CalendarYear as Endpoint>::INFO.name,
    <ep::EvaluationDrill as Endpoint>::INFO.name,
    <ep::EvaluationDistricts as Endpoint>::INFO.name,
    <ep::Summary as Endpoint>::INFO.name,
    <ep::EventLog as Endpoint>::INFO.name,
    <ep::EnfMatters as Endpoint>::INFO.name,
    <ep::EnfCreateFile as Endpoint>::INFO.name,
    <ep::EnfListFiles as Endpoint>::INFO.name,
    <ep::EnfSummary as Endpoint>::INFO.name,
    <ep::EnfGetFile as Endpoint>::INFO.name,
    <ep::EnfStep as Endpoint>::INFO.name,
    <ep::EnfAllowedSteps as Endpoint>::INFO.name,
];

type Answer = Pin<Box<dyn Future<Output = Result<Value, ShellError>> + Send>>;

/// One forwarded call: the webview's arguments, decoded as endpoint `E`'s types when visited.
struct Forward {
    client: cityops_client::Client<cityops_client::native::HttpTransport>,
    path: Value,
    query: Value,
    body: Value,
}

fn typed<T: serde::de::DeserializeOwned>(
    endpoint: &'static str,
    part: &'static str,
    v: Value,
) -> Result<T, ShellError> {
    serde_json::from_value(v).map_err(|e| ShellError::BadArguments { endpoint, part, message: e.to_string() })
}

impl Visitor for Forward {
    type Output = Answer;

    fn visit<E: Endpoint>(&mut self) -> Answer {
        let client = self.client.clone();
        let (path, query, body) = (self.path.take(), self.query.take(), self.body.take());
        Box::pin(async move {
            let name = E::INFO.name;
            let p: E::Path = typed(name, "path", or_empty(path))?;
            let q: E::Query = typed(name, "query", or_empty(query))?;
            match E::INFO.response {
                Format::Json => {
                    let b: E::Request = typed(name, "body", or_empty(body))?;
                    let answer = client.call::<E>(&p, &q, &b).await?;
                    serde_json::to_value(answer)
                        .map_err(|e| ShellError::Client(cityops_client::ClientError::Decode(e.to_string())))
                }
                // GeoJSON and SVG come back as text.
                Format::GeoJson | Format::Features | Format::Svg => {
                    let r = client.fetch::<E>(&p, &q).await?;
                    Ok(Value::String(String::from_utf8_lossy(&r.body).into_owned()))
                }
                _ => Err(ShellError::NotAllowed(name.to_owned())),
            }
        })
    }
}

fn or_empty(v: Value) -> Value {
    if v.is_null() { Value::Object(Default::default()) } else { v }
}

/// Call an endpoint of the service for the webview (see [`CONSOLE_ENDPOINTS`]).
#[tauri::command]
pub async fn forward<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, DesktopState>,
    endpoint: String,
    path: Option<Value>,
    query: Option<Value>,
    body: Option<Value>,
) -> Result<Value, ShellError> {
    if !CONSOLE_ENDPOINTS.contains(&endpoint.as_str()) {
        return Err(ShellError::NotAllowed(endpoint));
    }
    let svc = state.ready().await?;
    if endpoint == <ep::Act as Endpoint>::INFO.name {
        let name = <ep::Act as Endpoint>::INFO.name;
        let p: cityops_api::query::IdPath = typed(name, "path", or_empty(path.unwrap_or_default()))?;
        let b: cityops_api::ActionRequest = typed(name, "body", or_empty(body.unwrap_or_default()))?;
        if b.action.needs_confirmation() {
            // The dialog names the case as the service has it (if it can be read now).
            let case = svc.client.get::<ep::GetCase>(&p, &cityops_api::endpoint::Empty {}).await.ok();
            if let Some(q) = crate::confirm::for_action(b.action, p.id, case.as_ref())
                && !crate::confirm::ask(&app, q.clone()).await
            {
                return Err(ShellError::NotConfirmed(q.title));
            }
        }
        return act_or_queue(&state, &svc, p, b).await;
    }
    if endpoint == <ep::Merge as Endpoint>::INFO.name {
        // A merge ends the duplicate: the person confirms, seeing both cases.
        let name = <ep::Merge as Endpoint>::INFO.name;
        let p: cityops_api::query::IdPath = typed(name, "path", or_empty(path.clone().unwrap_or_default()))?;
        let b: cityops_api::MergeRequest = typed(name, "body", or_empty(body.clone().unwrap_or_default()))?;
        let empty = cityops_api::endpoint::Empty {};
        let dup = svc.client.get::<ep::GetCase>(&p, &empty).await.ok();
        let main =
            svc.client.get::<ep::GetCase>(&cityops_api::query::IdPath { id: b.into }, &empty).await.ok();
        let q = crate::confirm::for_merge(p.id, dup.as_ref(), b.into, main.as_ref());
        if !crate::confirm::ask(&app, q.clone()).await {
            return Err(ShellError::NotConfirmed(q.title));
        }
    }
    let mut f = Forward {
        client: svc.client,
        path: path.unwrap_or_default(),
        query: query.unwrap_or_default(),
        body: body.unwrap_or_default(),
    };
    let call = visit_named(&endpoint, &mut f).ok_or_else(|| ShellError::NotAllowed(endpoint.clone()))?;
    call.await
}

/// A workflow action, sent with an `Idempotency-Key` of its own; if the service cannot be
/// reached, kept in the outbox with that key (and answered [`ShellError::Queued`]) to be sent when
/// it answers again — once, even if this first attempt did reach it.
async fn act_or_queue(
    state: &DesktopState,
    svc: &crate::service::Service,
    p: cityops_api::query::IdPath,
    b: cityops_api::ActionRequest,
) -> Result<Value, ShellError> {
    let key = crate::outbox::new_key();
    match svc.client.call_once::<ep::Act>(&p, &cityops_api::endpoint::Empty {}, &b, &key).await {
        Ok(case) => serde_json::to_value(case)
            .map_err(|e| ShellError::Client(cityops_client::ClientError::Decode(e.to_string()))),
        Err(cityops_client::ClientError::Network(why)) => {
            let outbox = state
                .outbox
                .read()
                .ok()
                .and_then(|o| o.clone())
                .ok_or_else(|| ShellError::Client(cityops_client::ClientError::Network(why.clone())))?;
            let queued = crate::outbox::Queued {
                key,
                service: svc.base.clone(),
                case_id: p.id,
                request: b,
                queued_at: chrono::Utc::now().to_rfc3339(),
            };
            tracing::warn!(case = p.id, error = %why, "service unreachable: action queued in the outbox");
            let place = outbox.push(queued).await.map_err(|e| ShellError::Outbox(e.to_string()))?;
            Err(ShellError::Queued(place))
        }
        Err(e) => Err(e.into()),
    }
}

/// What the outbox holds and what became of the actions sent since the last ask.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxStatus {
    /// Actions waiting for their service.
    pub pending: usize,
    /// Queued actions sent since the UI last asked: applied or refused, with the reason.
    pub sent: Vec<crate::outbox::Outcome>,
}

/// The outbox's state (the status bar shows what waits; the toast what was sent).
#[tauri::command]
pub async fn outbox(state: State<'_, DesktopState>) -> Result<OutboxStatus, ShellError> {
    let ob = state.outbox.read().ok().and_then(|o| o.clone());
    let pending = match ob {
        Some(o) => o.pending().await.map_err(|e| ShellError::Outbox(e.to_string()))?.len(),
        None => 0,
    };
    let sent = state.sent.lock().map(|mut s| std::mem::take(&mut *s)).unwrap_or_default();
    Ok(OutboxStatus { pending, sent })
}

/// Points and clusters for a view, from the native live map (a past instant, `at`: from the
/// service's history). While the first picture loads it waits (up to 30 s) rather than failing.
#[tauri::command]
pub async fn viewport(state: State<'_, DesktopState>, query: ViewQuery) -> Result<MapViewDto, ShellError> {
    // The past is the service's: it rebuilds the picture from its history. So is the present of
    // the embedded service, whose live map is in this process (the shell keeps none of its own).
    if query.at.is_some() || state.service().is_ok_and(|s| s.embedded) {
        let svc = state.ready().await?;
        return Ok(svc.client.get::<ep::Viewport>(&cityops_api::endpoint::Empty {}, &query).await?);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        {
            let guard = state.map.read().map_err(|_| ShellError::MapLoading)?;
            if let Some(map) = guard.as_ref() {
                return map.view(&query).map_err(|e| match e {
                    MapViewError::Params(p) => ShellError::BadView(p.to_string()),
                    MapViewError::Index(i) => ShellError::BadView(i.to_string()),
                });
            }
        }
        if std::time::Instant::now() >= deadline {
            return Err(ShellError::MapLoading);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Export the filtered case list (GeoJSON or FlatGeobuf) into the user's download directory;
/// answers the file's path.
#[tauri::command]
pub async fn export_cases(
    state: State<'_, DesktopState>,
    query: CaseExportQuery,
) -> Result<String, ShellError> {
    let svc = state.ready().await?;
    let r = svc.client.fetch::<ep::ExportCases>(&cityops_api::endpoint::Empty {}, &query).await?;
    let format = query.format.unwrap_or_default();
    let dir = crate::service::download_dir();
    std::fs::create_dir_all(&dir).map_err(|e| ShellError::Export(format!("{}: {e}", dir.display())))?;
    let name =
        format!("cityops-cases-{}.{}", chrono::Local::now().format("%Y%m%dT%H%M%S"), format.extension());
    let path = dir.join(name);
    std::fs::write(&path, &r.body).map_err(|e| ShellError::Export(format!("{}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), bytes = r.body.len(), "cases exported");
    Ok(path.display().to_string())
}

/// Make the leadership briefing of a period (the service renders it) and save the PDF into the
/// user's download directory; answers the file's path.
#[tauri::command]
pub async fn export_briefing(
    state: State<'_, DesktopState>,
    query: cityops_api::query::EvalQuery,
) -> Result<String, ShellError> {
    let svc = state.ready().await?;
    let r = svc.client.fetch::<ep::Briefing>(&cityops_api::endpoint::Empty {}, &query).await?;
    let dir = crate::service::download_dir();
    std::fs::create_dir_all(&dir).map_err(|e| ShellError::Export(format!("{}: {e}", dir.display())))?;
    let name = format!(
        "cityops-briefing-{}-{}.pdf",
        query.from.format("%Y%m%dT%H%M"),
        query.to.format("%Y%m%dT%H%M")
    );
    let path = dir.join(name);
    std::fs::write(&path, &r.body).map_err(|e| ShellError::Export(format!("{}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), bytes = r.body.len(), "briefing saved");
    Ok(path.display().to_string())
}

/// Save a document of a penalty file (the service renders it) into the user's download
/// directory; answers the file's path.
#[tauri::command]
pub async fn export_document(
    state: State<'_, DesktopState>,
    id: i64,
    kind: String,
    query: cityops_api::query::DocQuery,
) -> Result<String, ShellError> {
    let svc = state.ready().await?;
    let path = cityops_api::query::DocPath { id, kind: kind.clone() };
    let r = svc.client.fetch::<ep::EnfDocument>(&path, &query).await?;
    let dir = crate::service::download_dir();
    std::fs::create_dir_all(&dir).map_err(|e| ShellError::Export(format!("{}: {e}", dir.display())))?;
    let name = format!("cityops-file-{id}-{kind}-{}.pdf", query.n.unwrap_or(0));
    let path = dir.join(name);
    std::fs::write(&path, &r.body).map_err(|e| ShellError::Export(format!("{}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), bytes = r.body.len(), "document saved");
    Ok(path.display().to_string())
}

/// `connecting`, `live`, `reconnecting` or `failed`.
#[tauri::command]
pub fn connection_status(state: State<'_, DesktopState>) -> String {
    state
        .connection
        .read()
        .map(|c| if c.is_empty() { "connecting".to_owned() } else { c.clone() })
        .unwrap_or_default()
}

/// Which service the console follows (never the token).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServiceInfo {
    /// Base URL.
    pub server: String,
    /// Whether it is the console's embedded service.
    pub embedded: bool,
}

/// Where the console's service is and whether it is embedded.
#[tauri::command]
pub fn service_info(state: State<'_, DesktopState>) -> Result<ServiceInfo, ShellError> {
    let s = state.service()?;
    Ok(ServiceInfo { server: s.base, embedded: s.embedded })
}

/// Where the web view follows the live stream itself: the embedded service and its stream ticket
/// (None for a remote service, whose events the shell passes on as `live`). Straight from the
/// service, an event skips the hop through the shell's main thread into the web view.
/// Waits while the embedded service starts (the window opens first).
#[tauri::command]
pub async fn live_source(
    state: State<'_, DesktopState>,
) -> Result<Option<cityops_api::LiveSource>, ShellError> {
    let s = state.ready().await?;
    Ok(s.stream_ticket.map(|ticket| cityops_api::LiveSource { server: s.base, ticket }))
}

/// Switch the console to another service (settings screen): `server` and `token` for a remote
/// one, checked before the switch (it must answer as a cityops service and accept the token); no
/// `server` for the embedded one, started now if the console began on a remote service. The live
/// map reloads from the new service, and the choice is remembered for the next start. Answers
/// like [`service_info`].
#[tauri::command]
pub async fn use_service<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, DesktopState>,
    start: State<'_, crate::StartArgs>,
    server: Option<String>,
    token: Option<String>,
) -> Result<ServiceInfo, ShellError> {
    let refused = |e: crate::service::ServiceError| ShellError::Refused(e.to_string());
    let svc = match server.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(base) => crate::service::remote_checked(base, token.as_deref().unwrap_or_default())
            .await
            .map_err(refused)?,
        None => match state.embedded() {
            Some(svc) => svc,
            None => {
                // Not `connect`: that would go to the service named or remembered.
                crate::connect(start.0.clone(), true)
                    .await
                    .map_err(|e| ShellError::NoService(e.to_string()))?
            }
        },
    };
    // Following another service (and remembering it) needs the person's word; the embedded
    // service is the console's own.
    if !svc.embedded {
        let q = crate::confirm::for_switch(&svc.base);
        if !crate::confirm::ask(&app, q.clone()).await {
            return Err(ShellError::NotConfirmed(q.title));
        }
    }
    tracing::info!(base = %svc.base, embedded = svc.embedded, "console switching service");
    // The next start opens on the same service (unless `--server` says otherwise).
    crate::service::remember_remote(&start.0, (!svc.embedded).then_some(&svc));
    crate::live::start(app, state.inner().clone(), svc);
    service_info(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list_names_endpoints_of_the_table_and_keeps_writes_out() {
        for name in CONSOLE_ENDPOINTS {
            assert!(cityops_api::endpoint::ALL.iter().any(|i| i.name == *name), "{name}");
        }
        for forbidden in ["create_token", "import_notices", "feed_gps", "audit", "open311_post", "events"] {
            assert!(!CONSOLE_ENDPOINTS.contains(&forbidden), "{forbidden}");
        }
    }
}
