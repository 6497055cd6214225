//! The cityops platform service: the case workflow API (`/api/v1`), the live event stream
//! (Server-Sent Events), feed ingest, Open311 GeoReport v2 (`/open311/v2`) and the OpenAPI
//! document, over a [`cityops_store::Store`] (SQLite by default, PostgreSQL + PostGIS at scale).
//!
//! Layers: `routes` (thin HTTP adapters, mounted by endpoint type through [`http::ApiRouter`]) →
//! [`app`] (validation, core calls, one store write) → [`state`] → `cityops-core` (rules) and
//! `cityops-store` (persistence); routes depend on app, app on state, never back. [`router`]
//! lets tests drive the whole service without a socket; [`bind`] gives a running service
//! ([`Bound`]). Deliberately absent: the simulated city (the launcher, `cityops-launcher`, runs it
//! beside the service as an HTTP client).

// Input reaches these crates from the network: no indexing or string slicing that could panic
// (`get` instead). Internal tables are indexed in the core, which validates at its edge.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

pub mod admin_cli;
pub mod app;
pub mod auth;
pub mod calendar;
pub mod city;
pub mod clock;
pub mod config;
pub mod error;
pub mod history;
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
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::clock::{Clock, ScaledClock, SystemClock};
use crate::config::Config;
pub use crate::history::HistoryConfig;
use crate::state::{AppState, City};

/// How long in-flight requests get after a shutdown signal.
const GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// The whole HTTP surface of the service (same-origin browsers only).
pub fn router(state: AppState) -> Router {
    router_with(state, None, &[])
}

fn not_found() -> error::AppError {
    error::AppError::new(cityops_api::ErrorCode::NotFound, "no such endpoint (see /api/openapi.json)")
}

/// The service, also serving the console's browser build from `ui_dir` at `/` when given, and
/// answering browsers of the `cors_origins` (CORS; none: same origin only).
pub fn router_with(state: AppState, ui_dir: Option<&std::path::Path>, cors_origins: &[String]) -> Router {
    let api = routes::api().into_router();
    let api = match ui_dir {
        Some(dir) => api.fallback_service(
            tower_http::services::ServeDir::new(dir)
                .not_found_service(axum::routing::any(|| async { not_found() })),
        ),
        None => api.fallback(|| async { not_found() }),
    };
    let origins: Vec<axum::http::HeaderValue> = cors_origins.iter().filter_map(|o| o.parse().ok()).collect();
    // Pages of other origins get no CORS headers (their browsers refuse the answer) unless
    // configured; the allowed ones may send the bearer token and the event stream's resume id.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("last-event-id"),
            axum::http::HeaderName::from_static("idempotency-key"),
        ]);
    // The state also rides on each request, for the idempotency layer of the writes.
    api.layer(axum::Extension(state.clone()))
        .layer(axum::extract::DefaultBodyLimit::max(http::MAX_BODY))
        .layer(TraceLayer::new_for_http())
        .layer(cors)
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
    Ok(start_state_with(store, city, clock, config.history).await?)
}

/// Assemble the state and start the application's background work (what a running service
/// has; tests that drive the router use this too).
pub async fn start_state(
    store: Arc<dyn cityops_store::Store>,
    city: Arc<City>,
    clock: Arc<dyn Clock>,
) -> Result<AppState, state::StateError> {
    start_state_with(store, city, clock, HistoryConfig::default()).await
}

/// [`start_state`] with a history configuration (retention, snapshot cadence).
pub async fn start_state_with(
    store: Arc<dyn cityops_store::Store>,
    city: Arc<City>,
    clock: Arc<dyn Clock>,
    history: HistoryConfig,
) -> Result<AppState, state::StateError> {
    let state = AppState::new(store, city, clock, history).await?;
    app::restore_rules(&state).await.map_err(|e| state::StateError::Restore(e.0.message))?;
    app::start_background(&state);
    Ok(state)
}

/// A service bound to its address with its state assembled, ready to serve. What runs beside it
/// (the simulated city) is composed one level up, by the launcher, through [`Bound::addr`] and
/// [`Bound::admin_token`].
#[derive(Debug)]
pub struct Bound {
    state: AppState,
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    ui_dir: Option<std::path::PathBuf>,
    cors_origins: Vec<String>,
}

/// Open the store, load the city, assemble the state and bind `config.listen` (port 0: any free
/// port).
pub async fn bind(config: &Config) -> anyhow::Result<Bound> {
    let state = state_from(config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, store = %cityops_store::redact(&config.database_url), scale = config.time_scale, "cityops-server listening");
    Ok(Bound {
        state,
        listener,
        addr,
        ui_dir: config.ui_dir.clone(),
        cors_origins: config.cors_origins.clone(),
    })
}

impl Bound {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A new admin token for a component of this process (stored hashed, never printed).
    pub async fn admin_token(&self, label: &str) -> anyhow::Result<String> {
        let token = auth::new_token()?;
        self.state
            .store
            .create_token(
                cityops_store::NewToken {
                    hash: auth::hash_token(&token),
                    role: cityops_api::Role::Admin,
                    district_code: None,
                    label: label.to_owned(),
                    created_at: cityops_core::calendar::to_timestamp(self.state.clock.now()),
                },
                &cityops_store::Author::cli(),
            )
            .await?;
        Ok(token)
    }

    /// A stream ticket for a page of this process (the desktop's web view): it opens the event
    /// stream of the whole city and nothing else, and is never stored (it ends with the process).
    pub fn stream_ticket(&self, label: &str) -> anyhow::Result<String> {
        Ok(self.state.tickets.mint(label, cityops_api::Role::Admin, None)?)
    }

    fn app(
        self,
    ) -> (Listening, axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, SocketAddr>) {
        if let Some(dir) = &self.ui_dir {
            tracing::info!(dir = %dir.display(), "serving the console's browser build at /");
        }
        let app = router_with(self.state, self.ui_dir.as_deref(), &self.cors_origins)
            .into_make_service_with_connect_info::<SocketAddr>();
        // Small writes (an event on a live stream, a short answer) leave at once instead of
        // waiting for the client's delayed ACK (Nagle).
        let nodelay: fn(&mut tokio::net::TcpStream) = |s| {
            if let Err(e) = s.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY not set");
            }
        };
        (axum::serve::ListenerExt::tap_io(self.listener, nodelay), app)
    }

    /// Serve until Ctrl-C or SIGTERM, then finish in-flight requests and return.
    pub async fn serve_until_shutdown(self) -> anyhow::Result<()> {
        let (listener, app) = self.app();
        // Graceful: stop accepting, let requests finish; live streams never finish on their own,
        // so the process leaves at most GRACE after the signal.
        let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
        let s = stopping.clone();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
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
        tracing::info!("cityops-server stopped");
        Ok(())
    }

    /// Serve in a background task (an embedded service).
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        let (listener, app) = self.app();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "embedded service stopped");
            }
        })
    }
}

/// The listener, with TCP_NODELAY set on every accepted connection.
type Listening = axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)>;

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
