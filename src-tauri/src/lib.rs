//! The cityops desktop console: a Tauri 2 window around the Leptos UI (`ui/`, compiled to wasm).
//!
//! The native side owns the connection to the platform service — an embedded one by default
//! (SQLite in the user's data directory, the synthetic city running), or a remote one with
//! `--server URL --token T` — and holds the live map: a [`cityops_core::index::LiveMap`] fed by
//! the service's event stream, answering the UI's viewport queries so the webview receives only
//! what it draws. Everything else the UI asks goes through one allow-listed, typed forward to the
//! service's API (`commands::forward`), by the one client (`cityops-client`).
//!
//! Modules: [`service`] (embedded or remote service), [`live`] (event stream → live map → UI
//! events), [`commands`] (the thin Tauri commands), [`error`] (the shell's typed error).

pub mod commands;
pub mod confirm;
pub mod error;
pub mod gpu;
pub mod live;
pub mod outbox;
pub mod service;

use std::sync::Arc;

use clap::Parser;
use tauri::{Builder, Manager, Runtime};

use crate::service::Desktop;

/// Command-line options of the console.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "cityops-desktop",
    version,
    about = "cityops command console (城市运行管理服务平台 一屏统览)"
)]
pub struct Args {
    /// Connect to this service instead of starting the embedded one.
    #[arg(long, env = "CITYOPS_SERVER")]
    pub server: Option<String>,
    /// Bearer token for --server.
    #[arg(long, env = "CITYOPS_TOKEN")]
    pub token: Option<String>,
    /// Data directory of the embedded service (default $XDG_DATA_HOME/cityops or ~/.local/share/cityops).
    #[arg(long, env = "CITYOPS_DATA_DIR")]
    pub data_dir: Option<std::path::PathBuf>,
    /// Time scale of the embedded service and simulation (60 = an hour a minute).
    #[arg(long, env = "CITYOPS_TIME_SCALE")]
    pub time_scale: Option<f64>,
    /// Start time of the embedded service's clock when scaled (YYYY-MM-DDTHH:MM:SS, CST).
    #[arg(long, env = "CITYOPS_TIME_ORIGIN")]
    pub time_origin: Option<String>,
    /// Do not run the synthetic city in the embedded service.
    #[arg(long, env = "CITYOPS_NO_SIMULATION")]
    pub no_simulation: bool,
    /// The command hall's wall: full screen, rotating scenes, no pointer needed.
    #[arg(long, env = "CITYOPS_WALL")]
    pub wall: bool,
    /// Seconds each wall scene shows (5–600).
    #[arg(long, env = "CITYOPS_SCENE_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(5..=600))]
    pub scene_seconds: u32,
    /// Draw the page with the GPU: auto (when the machine has a GPU render node), on or off.
    #[arg(long, env = "CITYOPS_GPU", value_enum, default_value_t = gpu::Gpu::Auto)]
    pub gpu: gpu::Gpu,
}

/// Start the console (parses the command line; logs to stderr).
pub fn run() {
    let args = Args::try_parse().unwrap_or_else(|e| e.exit());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CITYOPS_LOG")
                .unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    if let Err(e) = run_app(tauri::Builder::default(), args) {
        tracing::error!(error = %e, "the console stopped");
        std::process::exit(1);
    }
}

/// The command line the console started with (the settings screen starts the embedded service
/// with it when the console began on a remote one).
#[derive(Debug, Clone)]
pub struct StartArgs(pub Args);

/// Connect to the service `args` names (or the one remembered from the settings screen), or
/// start the embedded one; with `embedded_only`, start the embedded one whatever is named or
/// remembered. The embedded service's start-up future is not `Send` (sqlx's executor bounds), so
/// it runs on a blocking thread of the same runtime.
pub async fn connect(args: Args, embedded_only: bool) -> Result<service::Service, service::ServiceError> {
    tauri::async_runtime::spawn_blocking(move || {
        tauri::async_runtime::handle().block_on(async {
            if embedded_only { service::start_embedded(&args).await } else { service::connect(&args).await }
        })
    })
    .await
    .map_err(|e| service::ServiceError::Embedded(e.to_string()))
    .and_then(|r| r)
}

/// Make the window the wall: the whole monitor, no decorations, full screen, and the UI in wall
/// mode (`?wall=1&scene_seconds=N` on its own page).
fn wall_window<R: Runtime>(w: &tauri::WebviewWindow<R>, seconds: u32) {
    let _ = w.set_decorations(false);
    if let Ok(Some(m)) = w.current_monitor().or_else(|_| w.primary_monitor()) {
        let _ = w.set_position(*m.position());
        let _ = w.set_size(*m.size());
    }
    let _ = w.set_fullscreen(true);
    match w.url() {
        Ok(mut url) => {
            url.set_query(Some(&format!("wall=1&scene_seconds={seconds}")));
            if let Err(e) = w.navigate(url) {
                tracing::warn!(error = %e, "the wall page could not be opened");
            }
        }
        Err(e) => tracing::warn!(error = %e, "the window has no page to turn into the wall"),
    }
    tracing::info!(seconds, "wall mode");
}

/// Build and run the app on any Tauri runtime (tests use the mock runtime).
pub fn run_app<R: Runtime>(builder: Builder<R>, args: Args) -> tauri::Result<()> {
    let desktop = Arc::new(Desktop::default());
    if let Ok(dir) = service::data_dir(&args)
        && let Ok(mut o) = desktop.outbox.write()
    {
        *o = Some(Arc::new(outbox::Outbox::new(&dir)));
    }
    let d = desktop.clone();
    let wall = (args.wall, args.scene_seconds);
    let gpu = args.gpu;
    builder
        .plugin(tauri_plugin_dialog::init())
        .manage(desktop)
        .manage(StartArgs(args.clone()))
        .setup(move |app| {
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                match connect(args, false).await {
                    Ok(svc) => live::start(handle, d, svc),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot reach or start the service");
                        d.set_failure(e.to_string());
                        live::emit_connection(&handle, "failed");
                    }
                }
            });
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.set_title("cityops 城市运行管理服务平台 · 青岛 一屏统览");
                gpu::apply(&w, gpu);
                if wall.0 {
                    wall_window(&w, wall.1);
                }
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::forward,
            commands::viewport,
            commands::export_cases,
            commands::export_briefing,
            commands::export_document,
            commands::connection_status,
            commands::service_info,
            commands::live_source,
            commands::use_service,
            commands::outbox,
        ])
        .run(tauri::generate_context!())
}
