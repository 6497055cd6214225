//! The service the console talks to: the embedded one (started in this process on a loopback
//! port) or a remote one, reached through the one client (`cityops-client`, reqwest transport).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use cityops_api::endpoint::Empty;
use cityops_api::{ErrorCode, ep};
use cityops_client::Client;
use cityops_client::native::HttpTransport;
use cityops_core::index::LiveMap;
use serde_json::Value;

use crate::Args;
use crate::error::ShellError;

/// A reachable service.
#[derive(Debug, Clone)]
pub struct Service {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub base: String,
    /// Whether it runs inside this process.
    pub embedded: bool,
    /// The client, with the console's token.
    pub client: Client<HttpTransport>,
    /// The embedded service's stream ticket for the web view (None for a remote service).
    pub stream_ticket: Option<String>,
}

impl Service {
    fn new(base: &str, token: &str, embedded: bool) -> Result<Service, ServiceError> {
        let t = HttpTransport::new(base, token).map_err(|e| ServiceError::Http(e.to_string()))?;
        Ok(Service { base: t.base().to_owned(), embedded, client: Client::new(t), stream_ticket: None })
    }

    /// The bearer token.
    pub fn token(&self) -> &str {
        self.client.transport().token()
    }
}

/// The console's shared state.
///
/// The service can change while the console runs (the settings screen, through
/// [`Desktop::set_service`]): every switch bumps the generation, and a follower of an older
/// generation stops.
#[derive(Debug, Default)]
pub struct Desktop {
    service: RwLock<Option<Service>>,
    /// The embedded service once started (it keeps running when the console switches away).
    embedded: RwLock<Option<Service>>,
    failure: RwLock<Option<String>>,
    generation: AtomicU64,
    /// The live map (None until the first load).
    pub map: RwLock<Option<LiveMap>>,
    /// Connection state shown in the status bar: `connecting`, `live`, `reconnecting`, `failed`.
    pub connection: RwLock<String>,
    /// Actions waiting for an unreachable service (None without a data directory).
    pub outbox: RwLock<Option<Arc<crate::outbox::Outbox>>>,
    /// What became of queued actions sent since the UI last asked.
    pub sent: std::sync::Mutex<Vec<crate::outbox::Outcome>>,
}

impl Desktop {
    /// Make `s` the console's service (the first one, or a switch): clears the failure and the
    /// live map, and returns the new generation.
    pub fn set_service(&self, s: Service) -> u64 {
        if s.embedded
            && let Ok(mut e) = self.embedded.write()
        {
            *e = Some(s.clone());
        }
        if let Ok(mut f) = self.failure.write() {
            *f = None;
        }
        if let Ok(mut cur) = self.service.write() {
            *cur = Some(s);
        }
        self.set_connection("connecting");
        // The generation moves under the map's lock: a follower writes the map only while
        // holding it and only if its generation is still current.
        let mut map = self.map.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *map = None;
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Apply `f` to the live map if `generation` is still current (a follower of a service the
    /// console has switched away from changes nothing).
    pub fn with_map<T>(&self, generation: u64, f: impl FnOnce(&mut Option<LiveMap>) -> T) -> Option<T> {
        let mut map = self.map.write().ok()?;
        (self.generation() == generation).then(|| f(&mut map))
    }

    /// The current generation (bumped by every [`Desktop::set_service`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The embedded service, if this console started one.
    pub fn embedded(&self) -> Option<Service> {
        self.embedded.read().ok().and_then(|e| e.clone())
    }

    /// Record why no service could be had.
    pub fn set_failure(&self, why: String) {
        if let Ok(mut f) = self.failure.write() {
            *f = Some(why);
        }
        self.set_connection("failed");
    }

    fn failure(&self) -> Option<String> {
        self.failure.read().ok().and_then(|f| f.clone())
    }

    /// The service, or the error a command returns while there is none.
    pub fn service(&self) -> Result<Service, ShellError> {
        if let Some(s) = self.service.read().ok().and_then(|s| s.clone()) {
            return Ok(s);
        }
        Err(match self.failure() {
            Some(why) => ShellError::NoService(why),
            None => ShellError::NoService("connecting to the service".into()),
        })
    }

    /// The service, waiting for it while the embedded one starts (the window opens first), up to
    /// a minute; then the error a command returns.
    pub async fn ready(&self) -> Result<Service, ShellError> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            match self.service() {
                Ok(s) => return Ok(s),
                Err(e) if self.failure().is_some() || std::time::Instant::now() >= deadline => {
                    return Err(e);
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            }
        }
    }

    /// Set the connection state.
    pub fn set_connection(&self, s: &str) {
        if let Ok(mut c) = self.connection.write() {
            *c = s.to_owned();
        }
    }
}

/// Why the console could not get a service.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// `--server` without `--token`.
    #[error("--server needs --token (or CITYOPS_TOKEN)")]
    NoToken,
    /// No data directory could be derived.
    #[error("no data directory: set --data-dir, CITYOPS_DATA_DIR, XDG_DATA_HOME or HOME")]
    NoDataDir,
    /// The embedded service failed to start.
    #[error("embedded service: {0}")]
    Embedded(String),
    /// HTTP client setup failed.
    #[error("HTTP client: {0}")]
    Http(String),
    /// The service URL is not an absolute http(s) URL.
    #[error("service URL {0:?} is not an http:// or https:// address")]
    BadUrl(String),
    /// The service did not answer, or did not answer as a cityops service.
    #[error("no cityops service at {base}: {why}")]
    Unreachable {
        /// The URL tried.
        base: String,
        /// What went wrong.
        why: String,
    },
    /// The service refused the token.
    #[error("the service at {base} refused the token: {why}")]
    TokenRefused {
        /// The URL tried.
        base: String,
        /// The service's message.
        why: String,
    },
}

/// The console's data directory: `--data-dir`, else `$XDG_DATA_HOME/cityops`, else
/// `~/.local/share/cityops`.
pub fn data_dir(args: &Args) -> Result<PathBuf, ServiceError> {
    args.data_dir
        .clone()
        .or_else(|| {
            std::env::var("XDG_DATA_HOME")
                .ok()
                .filter(|s| !s.is_empty())
                .map(|x| PathBuf::from(x).join("cityops"))
        })
        .or_else(|| std::env::var("HOME").ok().map(|h| PathBuf::from(h).join(".local/share/cityops")))
        .ok_or(ServiceError::NoDataDir)
}

/// A remote service, not checked (the follower retries until it answers).
pub fn remote_unchecked(base: &str, token: &str) -> Result<Service, ServiceError> {
    let base = base.trim().trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) || base.len() <= "https://".len() {
        return Err(ServiceError::BadUrl(base.to_owned()));
    }
    if token.trim().is_empty() {
        return Err(ServiceError::NoToken);
    }
    Service::new(base, token, false)
}

/// A remote service, checked: it answers `/api/health` as a cityops service and accepts the
/// token (an authenticated read of the catalogue). Used when the operator switches service in
/// the settings screen, so a typo is reported there rather than as an endless reconnect.
pub async fn remote_checked(base: &str, token: &str) -> Result<Service, ServiceError> {
    let svc = remote_unchecked(base, token)?;
    let unreachable = |why: String| ServiceError::Unreachable { base: svc.base.clone(), why };
    // A cityops service answers its health document (anything else fails to decode as one).
    let health = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        svc.client.get::<ep::Health>(&Empty {}, &Empty {}),
    )
    .await
    .map_err(|_| unreachable("no answer within 10 s".into()))?;
    if let Err(e) = health {
        return Err(unreachable(match e {
            cityops_client::ClientError::Decode(m) => {
                format!("/api/health is not a cityops health document ({m})")
            }
            other => other.to_string(),
        }));
    }
    match svc.client.get::<ep::Units>(&Empty {}, &Empty {}).await {
        Ok(_) => Ok(svc),
        Err(e) if matches!(e.code(), Some(ErrorCode::Unauthenticated | ErrorCode::Forbidden)) => {
            Err(ServiceError::TokenRefused { base: svc.base.clone(), why: e.to_api().message })
        }
        Err(e) => Err(unreachable(e.to_string())),
    }
}

/// Connect to the remote service named on the command line, else to the one chosen last in the
/// settings screen, else start the embedded one.
pub async fn connect(args: &Args) -> Result<Service, ServiceError> {
    if let Some(base) = &args.server {
        let token = args.token.clone().ok_or(ServiceError::NoToken)?;
        tracing::info!(%base, "console connecting to a remote service");
        return remote_unchecked(base, &token);
    }
    if let Some((base, token)) = remembered_remote(args) {
        tracing::info!(%base, "console connecting to the remote service chosen in its settings (设置 switches back)");
        return remote_unchecked(&base, &token);
    }
    start_embedded(args).await
}

/// Where the console keeps the remote service chosen in its settings screen (owner-only file).
fn remote_file(args: &Args) -> Option<PathBuf> {
    data_dir(args).ok().map(|d| d.join("console-remote.json"))
}

/// The remote service chosen last in the settings screen, if any.
pub fn remembered_remote(args: &Args) -> Option<(String, String)> {
    let text = std::fs::read_to_string(remote_file(args)?).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    Some((v["server"].as_str()?.to_owned(), v["token"].as_str()?.to_owned()))
}

/// Remember a remote service for the next start (or, with `None`, forget it: the next start runs
/// the embedded service again). Failing to write is logged, not fatal.
pub fn remember_remote(args: &Args, remote: Option<&Service>) {
    let Some(path) = remote_file(args) else { return };
    let done = match remote {
        Some(s) => std::fs::create_dir_all(path.parent().unwrap_or(&path)).and_then(|()| {
            write_private(&path, &serde_json::json!({ "server": s.base, "token": s.token() }).to_string())
        }),
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        },
    };
    if let Err(e) = done {
        tracing::warn!(error = %e, path = %path.display(), "cannot remember the console's service");
    }
}

/// Start the embedded service (SQLite in the data directory, the synthetic city running).
pub async fn start_embedded(args: &Args) -> Result<Service, ServiceError> {
    let dir = data_dir(args)?;
    let config = cityops_launcher::Config {
        time_scale: args.time_scale.unwrap_or(1.0),
        time_origin: args
            .time_origin
            .as_deref()
            .map(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
            .transpose()
            .map_err(|e| ServiceError::Embedded(format!("--time-origin: {e}")))?,
        simulate: !args.no_simulation,
        sim_sensor_minutes: std::env::var("CITYOPS_SIM_SENSOR_MINUTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1),
        // The web view's origin (WebKitGTK; WebView2 on Windows), for its EventSource on the
        // stream (`commands::live_source`).
        cors_origins: vec!["tauri://localhost".into(), "http://tauri.localhost".into()],
        ..cityops_launcher::Config::embedded(format!("sqlite://{}", dir.join("cityops.sqlite").display()))
    };
    let embedded = cityops_launcher::start_embedded(config, "desktop-console")
        .await
        .map_err(|e| ServiceError::Embedded(format!("{e:#}")))?;
    let base = format!("http://{}", embedded.addr);
    // For the operator's other tools (and the end-to-end tests): where the embedded service is.
    let info = serde_json::json!({ "server": base, "token": embedded.token });
    let path = dir.join("console-service.json");
    if let Err(e) = write_private(&path, &info.to_string()) {
        tracing::warn!(error = %e, path = %path.display(), "cannot record the embedded service address");
    }
    tracing::info!(%base, data = %dir.display(), "console started the embedded service");
    let mut svc = Service::new(&base, &embedded.token, true)?;
    svc.stream_ticket = Some(embedded.stream_ticket);
    Ok(svc)
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

/// Shared handle.
pub type DesktopState = Arc<Desktop>;

/// Where exports are saved: `$XDG_DOWNLOAD_DIR`, else `~/Downloads`, else the temporary directory.
pub fn download_dir() -> PathBuf {
    std::env::var("XDG_DOWNLOAD_DIR")
        .ok()
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var("HOME").ok().map(|h| PathBuf::from(h).join("Downloads")))
        .unwrap_or_else(std::env::temp_dir)
}
