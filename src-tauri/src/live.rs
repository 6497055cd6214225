//! The live picture: load the open cases (and the last day's closures) once, then follow the
//! service's event stream, applying every event to the live map in id order and passing it on to
//! the UI (Tauri event `live`). After a drop it resumes from the last event id it applied, so it
//! loses nothing; while disconnected the map keeps its last picture and the status bar says so
//! (Tauri event `connection`: `connecting`, `live`, `reconnecting`).

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::{CasePageDto, LiveEvent};
use cityops_core::citypack::ops::{OpsLayers, OpsSources};
use cityops_core::index::LiveMap;
use futures_util::StreamExt;
use tauri::{AppHandle, Emitter, Runtime};

use crate::service::{Desktop, Service};

/// Tell the UI the connection state.
pub fn emit_connection<R: Runtime>(app: &AppHandle<R>, state: &str) {
    let _ = app.emit("connection", state);
}

/// The service's clock as seen from here (it may run scaled).
#[derive(Debug, Clone, Copy)]
struct ServiceClock {
    at: NaiveDateTime,
    since: Instant,
    scale: f64,
}

impl ServiceClock {
    fn now(&self) -> NaiveDateTime {
        self.at + TimeDelta::milliseconds((self.since.elapsed().as_secs_f64() * self.scale * 1000.0) as i64)
    }
}

async fn health(svc: &Service) -> Result<(ServiceClock, u64), String> {
    let h = svc.get("/api/health").await.map_err(|e| e.message)?;
    let at = h["now"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(cityops_core::calendar::from_timestamp)
        .ok_or("health without a time")?;
    let scale = h["time_scale"].as_f64().unwrap_or(1.0);
    let last = h["last_event_id"].as_u64().unwrap_or(0);
    Ok((ServiceClock { at, since: Instant::now(), scale }, last))
}

/// The city's operations layers, parsed once per process (a retried first load and every switch
/// of service reuse them).
fn ops() -> Result<&'static OpsLayers, String> {
    static OPS: OnceLock<OpsLayers> = OnceLock::new();
    if let Some(ops) = OPS.get() {
        return Ok(ops);
    }
    let parsed = OpsLayers::from_sources(&OpsSources::qingdao()).map_err(|e| e.to_string())?;
    Ok(OPS.get_or_init(|| parsed))
}

/// Load the picture: every active case and the last 24 hours' closures.
async fn load(svc: &Service, clock: &ServiceClock) -> Result<LiveMap, String> {
    let mut map = LiveMap::new().map_err(|e| e.to_string())?;
    // Cameras and waste facilities: the city's static point layers (compiled in).
    map.load_ops(ops()?).map_err(|e| e.to_string())?;
    let day_ago = cityops_core::calendar::to_timestamp(clock.now() - TimeDelta::hours(24));
    let since = crate::service::enc(&day_ago.to_rfc3339());
    for filter in
        ["status=active".to_owned(), "status=suspended".to_owned(), format!("status=closed&from={since}")]
    {
        let mut offset = 0;
        loop {
            let v = svc
                .get(&format!("/api/v1/cases?{filter}&limit=1000&offset={offset}"))
                .await
                .map_err(|e| e.message)?;
            let page: CasePageDto = serde_json::from_value(v).map_err(|e| e.to_string())?;
            for c in &page.items {
                if let Err(e) = map.load_case(c) {
                    tracing::debug!(case = c.id, error = %e, "case left off the map");
                }
            }
            if page.items.len() < 1000 {
                break;
            }
            offset += 1000;
        }
    }
    Ok(map)
}

/// Make `svc` the console's service and follow it (the first service, or a switch from the
/// settings screen). The follower of the previous service stops at its next step.
pub fn start<R: Runtime>(app: AppHandle<R>, desk: Arc<Desktop>, svc: Service) {
    let generation = desk.set_service(svc.clone());
    emit_connection(&app, "connecting");
    tauri::async_runtime::spawn(follow(app, desk, svc, generation));
}

/// Follow `svc` until the console switches to another service.
async fn follow<R: Runtime>(app: AppHandle<R>, desk: Arc<Desktop>, svc: Service, generation: u64) {
    let current = |d: &Desktop| d.generation() == generation;
    let mut backoff = Duration::from_millis(500);
    tracing::info!(base = %svc.base, embedded = svc.embedded, "following the service");
    // First picture.
    let clock = loop {
        if !current(&desk) {
            return;
        }
        desk.set_connection("connecting");
        emit_connection(&app, "connecting");
        match health(&svc).await {
            Ok((clock, last)) => match load(&svc, &clock).await {
                Ok(mut map) => {
                    map.resume_after(last);
                    if desk.with_map(generation, |m| *m = Some(map)).is_none() {
                        return;
                    }
                    break clock;
                }
                Err(e) => tracing::warn!(error = %e, "initial load failed; retrying"),
            },
            Err(e) => tracing::warn!(error = %e, "service not answering yet; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    };
    // Overdue sweeping against the service's clock, and the connection state repeated for a UI
    // that subscribed after the last change (the webview loads while the service starts).
    let d = desk.clone();
    let a = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            if d.with_map(generation, |m| m.as_mut().map(|map| map.sweep(clock.now()))).is_none() {
                return;
            }
            let state = d.connection.read().map(|c| c.clone()).unwrap_or_default();
            emit_connection(&a, &state);
        }
    });
    loop {
        let Some(last) = desk.with_map(generation, |m| m.as_ref().map(LiveMap::last_event_id).unwrap_or(0))
        else {
            return;
        };
        let ended = stream(&app, &desk, &svc, last, generation).await;
        if !current(&desk) {
            tracing::info!(base = %svc.base, "switched away from this service");
            return;
        }
        match ended {
            Ok(()) => tracing::info!("event stream ended; reconnecting"),
            Err(e) => tracing::warn!(error = %e, last, "event stream dropped; reconnecting"),
        }
        desk.set_connection("reconnecting");
        emit_connection(&app, "reconnecting");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// One connection of the stream, resuming after `last`.
async fn stream<R: Runtime>(
    app: &AppHandle<R>,
    desk: &Desktop,
    svc: &Service,
    last: u64,
    generation: u64,
) -> Result<(), String> {
    let resp = svc
        .http()
        .get(format!("{}/api/v1/events", svc.base))
        .bearer_auth(&svc.token)
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    if desk.generation() != generation {
        // Switched away while connecting: the status bar belongs to the new service.
        return Ok(());
    }
    desk.set_connection("live");
    emit_connection(app, "live");
    let mut body = resp.bytes_stream();
    let mut buf = String::new();
    loop {
        // Wake up now and then to notice a switch to another service even when this one is quiet.
        let chunk = match tokio::time::timeout(Duration::from_secs(2), body.next()).await {
            Err(_) if desk.generation() != generation => return Ok(()),
            Err(_) => continue,
            Ok(None) => return Ok(()),
            Ok(Some(chunk)) => chunk.map_err(|e| e.to_string())?,
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let data: String =
                frame.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect();
            if data.is_empty() {
                continue;
            }
            let event: LiveEvent = match serde_json::from_str(&data) {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %e, "undecodable event skipped");
                    continue;
                }
            };
            let Some(fresh) =
                desk.with_map(generation, |m| m.as_mut().map(|map| map.apply(&event)).unwrap_or(Ok(false)))
            else {
                return Ok(());
            };
            match fresh {
                // Sensor readings (1,400 a minute) stay native: the UI draws sites' state from
                // alerts and the map, not from every reading.
                Ok(true) if !matches!(event.body, cityops_api::EventBody::Sensor { .. }) => {
                    let _ = app.emit("live", &event);
                }
                Ok(_) => {}
                Err(e) => tracing::debug!(event = event.id, error = %e, "event not drawn"),
            }
        }
    }
}
