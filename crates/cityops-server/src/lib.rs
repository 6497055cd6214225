//! The cityops platform service: the case workflow API (`/api/v1`), the live event stream
//! (Server-Sent Events), feed ingest, Open311 GeoReport v2 (`/open311/v2`) and the OpenAPI
//! document, over a [`cityops_store::Store`] (SQLite by default, PostgreSQL + PostGIS at scale).
//!
//! Layers: `routes` (thin HTTP adapters) → [`app`] (validation, core calls, one store write) →
//! `cityops-core` (rules) and `cityops-store` (persistence). [`app()`]-style construction via
//! [`router`] lets tests drive the whole service without a socket.

pub mod admin_cli;
pub mod app;
pub mod auth;
pub mod calendar;
pub mod city;
pub mod clock;
pub mod config;
pub mod error;
pub mod http;
pub mod layers;
pub mod live;
pub mod map;
pub mod routes;
pub mod scenario;
pub mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;

use crate::clock::{Clock, ScaledClock, SystemClock};
use crate::config::Config;
use crate::state::{AppState, City};

/// How long in-flight requests get after a shutdown signal.
const GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// The whole HTTP surface of the service.
pub fn router(state: AppState) -> Router {
    router_with_ui(state, None)
}

fn not_found() -> error::AppError {
    error::AppError::new(cityops_api::ErrorCode::NotFound, "no such endpoint (see /api/openapi.json)")
}

/// The service, also serving the console's browser build from `ui_dir` at `/` when given.
pub fn router_with_ui(state: AppState, ui_dir: Option<&std::path::Path>) -> Router {
    let api = routes::api().into_router();
    let api = match ui_dir {
        Some(dir) => api.fallback_service(
            tower_http::services::ServeDir::new(dir)
                .not_found_service(axum::routing::any(|| async { not_found() })),
        ),
        None => api.fallback(|| async { not_found() }),
    };
    api.layer(TraceLayer::new_for_http())
        // The console's browser build may be served from another origin during development.
        .layer(CorsLayer::permissive())
        .with_state(state)
}

/// Build the state from a configuration: open the store, load the city, start the live hub.
pub async fn state_from(config: &Config) -> anyhow::Result<AppState> {
    let store = cityops_store::open(&config.database_url).await?;
    let city = Arc::new(tokio::task::spawn_blocking(City::qingdao).await??);
    let clock: Arc<dyn Clock> =
        if (config.time_scale - 1.0).abs() > f64::EPSILON || config.time_origin.is_some() {
            let origin = config.time_origin.unwrap_or_else(|| SystemClock.now());
            Arc::new(ScaledClock::new(origin, config.time_scale))
        } else {
            Arc::new(SystemClock)
        };
    Ok(start_state(store, city, clock).await?)
}

/// Assemble the state and start the application's background work (what a running service
/// has; tests that drive the router use this too).
pub async fn start_state(
    store: Arc<dyn cityops_store::Store>,
    city: Arc<City>,
    clock: Arc<dyn Clock>,
) -> Result<AppState, state::StateError> {
    let state = AppState::new(store, city, clock).await?;
    app::start_background(&state);
    Ok(state)
}

/// Serve until Ctrl-C or SIGTERM, then finish in-flight requests and return.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let state = state_from(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, store = %cityops_store::redact(&config.database_url), scale = config.time_scale, "cityops-server listening");
    let sim = if config.simulate { Some(start_simulation(&state, addr, &config).await?) } else { None };
    if let Some(dir) = &config.ui_dir {
        tracing::info!(dir = %dir.display(), "serving the console's browser build at /");
    }
    // Graceful: stop accepting, let requests finish; live streams never finish on their own, so
    // the process leaves at most GRACE after the signal.
    let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
    let s = stopping.clone();
    let server = axum::serve(
        listener,
        router_with_ui(state, config.ui_dir.as_deref()).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown().await;
        s.notify_one();
    });
    tokio::select! {
        r = server => r?,
        () = async {
            stopping.notified().await;
            tokio::time::sleep(GRACE).await;
        } => tracing::info!("open streams closed after the grace period"),
    }
    if let Some(sim) = sim {
        sim.abort();
    }
    tracing::info!("cityops-server stopped");
    Ok(())
}

/// A service running inside another process (the desktop console's embedded default).
#[derive(Debug)]
pub struct Embedded {
    /// Where it listens (loopback).
    pub addr: SocketAddr,
    /// An admin token for the embedding process (created at start, never printed).
    pub token: String,
    /// The serving task.
    pub task: tokio::task::JoinHandle<()>,
}

/// Start the service in this process: open the store, listen on `config.listen` (use port 0 for
/// any free port), create an admin token for the caller, start the simulation if configured.
pub async fn start_embedded(config: Config, label: &str) -> anyhow::Result<Embedded> {
    let state = state_from(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let token = admin_token(&state, label).await?;
    let sim = if config.simulate { Some(start_simulation(&state, addr, &config).await?) } else { None };
    tracing::info!(%addr, store = %cityops_store::redact(&config.database_url), "embedded cityops service listening");
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "embedded service stopped");
        }
        if let Some(sim) = sim {
            sim.abort();
        }
    });
    Ok(Embedded { addr, token, task })
}

/// A new admin token for a component of this process (stored hashed, never printed).
async fn admin_token(state: &AppState, label: &str) -> anyhow::Result<String> {
    let token = auth::new_token()?;
    state
        .store
        .create_token(cityops_store::NewToken {
            hash: auth::hash_token(&token),
            role: cityops_api::Role::Admin,
            district_code: None,
            label: label.to_owned(),
            created_at: cityops_core::calendar::to_timestamp(state.clock.now()),
        })
        .await?;
    Ok(token)
}

/// Start the embedded simulation: it talks to this service over loopback HTTP with an admin token
/// of its own (created here, never shown).
async fn start_simulation(
    state: &AppState,
    addr: SocketAddr,
    config: &Config,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let seed = config.sim_seed;
    let token = admin_token(state, "embedded-sim").await?;
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_owned() } else { addr.ip().to_string() };
    let mut cfg = cityops_sim::SimConfig::new(format!("http://{host}:{}", addr.port()), token);
    cfg.seed = seed;
    cfg.sensor_every_min = config.sim_sensor_minutes;
    tracing::info!(seed, "embedded simulation of Qingdao starting (synthetic data)");
    Ok(tokio::spawn(async move {
        match cityops_sim::run(cfg, std::future::pending()).await {
            Ok(summary) => tracing::info!("{summary}"),
            Err(e) => tracing::error!(error = %e, "embedded simulation stopped"),
        }
    }))
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
