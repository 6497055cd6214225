//! The live picture: load the map the way every holder does (`cityops_core::index::LiveMapLoader`:
//! open, parked and recently closed cases, the vehicles), then follow the service's event stream
//! (`cityops_client::native::follow_events`), applying every event to the live map in id order and
//! passing it on to the UI (Tauri event `live`). After a drop it resumes from the last event id it
//! applied, so it loses nothing; while disconnected the map keeps its last picture and the status
//! bar says so (Tauri event `connection`: `connecting`, `live`, `reconnecting`). With the embedded
//! service (in this process, with a live map of its own that answers the viewport) the shell
//! keeps no map and only passes the events on.

use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use cityops_api::endpoint::Empty;
use cityops_api::{HealthDto, LiveEvent, ServiceClock, ep};
use cityops_client::native::{LiveUpdate, follow_events};
use cityops_core::citypack::ops::{OpsLayers, OpsSources};
use cityops_core::index::{LiveMap, LiveMapLoader};
use tauri::{AppHandle, Emitter, Runtime};

use crate::service::{Desktop, Service};

/// Tell the UI the connection state.
pub fn emit_connection<R: Runtime>(app: &AppHandle<R>, state: &str) {
    let _ = app.emit("connection", state);
}

/// The service's clock as reckoned here from a health reading (the wire's one formula).
#[derive(Debug, Clone, Copy)]
struct Clock {
    clock: ServiceClock,
    since: Instant,
}

impl Clock {
    fn from_health(h: &HealthDto) -> Self {
        Clock { clock: ServiceClock::from_health(h, 0.0), since: Instant::now() }
    }

    fn now(&self) -> NaiveDateTime {
        cityops_core::calendar::from_timestamp(self.clock.now(self.since.elapsed().as_secs_f64() * 1000.0))
    }
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

/// Load the picture through the service's API, as the loader says.
async fn load(svc: &Service, clock: &Clock) -> Result<LiveMap, String> {
    let mut map = LiveMap::new().map_err(|e| e.to_string())?;
    // Cameras and waste facilities: the city's static point layers (compiled in).
    map.load_ops(ops()?).map_err(|e| e.to_string())?;
    let mut loader = LiveMapLoader::new(map, clock.now());
    while let Some(q) = loader.next_query() {
        let page = svc.client.get::<ep::ListCases>(&Empty {}, &q).await.map_err(|e| e.to_string())?;
        for (id, e) in loader.accept_page(&page.items) {
            tracing::debug!(case = id, error = %e, "case left off the map");
        }
    }
    let vehicles = svc.client.get::<ep::Vehicles>(&Empty {}, &Empty {}).await.map_err(|e| e.to_string())?;
    for (id, e) in loader.accept_vehicles(&vehicles) {
        tracing::debug!(vehicle = id, error = %e, "vehicle left off the map");
    }
    // Open penalty files, when the console's role may list them (else the stream brings them).
    let mut offset = 0;
    loop {
        let q = cityops_api::query::EnfFileQuery {
            open: Some(true),
            limit: Some(1000),
            offset: Some(offset),
            ..Default::default()
        };
        let Ok(page) = svc.client.get::<ep::EnfListFiles>(&Empty {}, &q).await else { break };
        for (id, e) in loader.accept_files(&page.items) {
            tracing::debug!(file = id, error = %e, "penalty file left off the map");
        }
        let n = page.items.len() as u32;
        offset += n;
        if n < 1000 {
            break;
        }
    }
    Ok(loader.finish(0))
}

/// Make `svc` the console's service and follow it (the first service, or a switch from the
/// settings screen). The follower of the previous service stops at its next step.
pub fn start<R: Runtime>(app: AppHandle<R>, desk: Arc<Desktop>, svc: Service) {
    let generation = desk.set_service(svc.clone());
    emit_connection(&app, "connecting");
    tauri::async_runtime::spawn(follow(app, desk, svc, generation));
}

/// The most events one emit to the web view carries.
const UI_BATCH_MAX: usize = 1024;

/// Follow `svc` until the console switches to another service.
async fn follow<R: Runtime>(app: AppHandle<R>, desk: Arc<Desktop>, svc: Service, generation: u64) {
    let current = |d: &Desktop| d.generation() == generation;
    let mut backoff = cityops_client::Backoff::default();
    // Without a map of its own (the embedded service), the last event passed on to the UI.
    let mut resume_from = 0;
    tracing::info!(base = %svc.base, embedded = svc.embedded, "following the service");
    // First picture. The embedded service runs in this process with its own live map, which
    // answers the console's viewport (`commands::viewport`): a second copy here would only double
    // the memory and the work, so with it the shell follows the stream for the UI alone.
    let clock = loop {
        if !current(&desk) {
            return;
        }
        desk.set_connection("connecting");
        emit_connection(&app, "connecting");
        match svc.client.get::<ep::Health>(&Empty {}, &Empty {}).await {
            Ok(h) if svc.embedded => {
                if desk.with_map(generation, |m| *m = None).is_none() {
                    return;
                }
                resume_from = h.last_event_id;
                break Clock::from_health(&h);
            }
            Ok(h) => {
                let clock = Clock::from_health(&h);
                match load(&svc, &clock).await {
                    Ok(mut map) => {
                        map.resume_after(h.last_event_id);
                        if desk.with_map(generation, |m| *m = Some(map)).is_none() {
                            return;
                        }
                        break clock;
                    }
                    Err(e) => tracing::warn!(error = %e, "initial load failed; retrying"),
                }
            }
            Err(e) => tracing::warn!(error = %e, "service not answering yet; retrying"),
        }
        tokio::time::sleep(backoff.next_delay()).await;
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
    let Some(after) = desk.with_map(generation, |m| m.as_ref().map_or(resume_from, LiveMap::last_event_id))
    else {
        return;
    };
    let mut passed_on = after;
    let transport = svc.client.transport().clone();
    // Events go to the web view in batches: what arrived while the last batch was emitted is
    // one emit (one script evaluation in the web view), not one each.
    let (to_ui, mut queued) = tokio::sync::mpsc::unbounded_channel::<LiveEvent>();
    let a = app.clone();
    tokio::spawn(async move {
        let mut batch = Vec::new();
        while let Some(e) = queued.recv().await {
            batch.push(e);
            while batch.len() < UI_BATCH_MAX {
                match queued.try_recv() {
                    Ok(e) => batch.push(e),
                    Err(_) => break,
                }
            }
            let _ = a.emit("live", &batch);
            batch.clear();
        }
    });
    follow_events(&transport, after, |update| {
        if !current(&desk) {
            tracing::info!(base = %svc.base, "switched away from this service");
            return ControlFlow::Break(());
        }
        match update {
            LiveUpdate::Connecting | LiveUpdate::Quiet => {}
            LiveUpdate::Live => {
                desk.set_connection("live");
                emit_connection(&app, "live");
                // The service answers: send what waited for it, in order.
                if let Some(ob) = desk.outbox.read().ok().and_then(|o| o.clone()) {
                    let (d, s) = (desk.clone(), svc.clone());
                    tauri::async_runtime::spawn(async move {
                        match ob.flush(&s.client, &s.base).await {
                            Ok(sent) if !sent.is_empty() => {
                                if let Ok(mut all) = d.sent.lock() {
                                    all.extend(sent);
                                }
                            }
                            Ok(_) => {}
                            Err(e) => tracing::error!(error = %e, "outbox could not be sent"),
                        }
                    });
                }
            }
            LiveUpdate::Dropped { error, retry_in } if retry_in.is_zero() => {
                tracing::warn!(%error, "undecodable event skipped");
            }
            LiveUpdate::Dropped { error, retry_in } => {
                tracing::warn!(%error, ?retry_in, "event stream dropped; reconnecting");
                desk.set_connection("reconnecting");
                emit_connection(&app, "reconnecting");
            }
            LiveUpdate::Event(event) => {
                // Fresh: applied to the map, or (without one) newer than the last passed on.
                let Some(fresh) = desk.with_map(generation, |m| match m.as_mut() {
                    Some(map) => map.apply(&event),
                    None => Ok(event.id > passed_on),
                }) else {
                    return ControlFlow::Break(());
                };
                if matches!(fresh, Ok(true)) {
                    passed_on = passed_on.max(event.id);
                }
                match fresh {
                    // Sensor readings (1,400 a minute) stay native: the UI draws sites' state from
                    // alerts and the map, not from every reading.
                    Ok(true) if !matches!(event.body, cityops_api::EventBody::Sensor { .. }) => {
                        let _ = to_ui.send(*event);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!(event = event.id, error = %e, "event not drawn"),
                }
            }
        }
        ControlFlow::Continue(())
    })
    .await;
}
