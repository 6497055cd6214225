//! Configuration, loaded once at start: command-line flags, each with an environment variable,
//! over an optional TOML file, over defaults. Unknown keys in the file are an error naming them.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::NaiveDateTime;
use cityops_api::Role;
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

/// cityops platform service: the case workflow API, the live event stream, Open311 GeoReport v2
/// and feed ingest for Qingdao's city-operations platform (城市运行管理服务平台).
#[derive(Debug, Parser)]
#[command(name = "cityops-server", version, about, long_about = None)]
pub struct Cli {
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand shares.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Database: sqlite://PATH (embedded default; the file and directory are created) or
    /// postgres://USER@HOST:PORT/DB (PostgreSQL with PostGIS). Default: sqlite://DATA_DIR/cityops.sqlite.
    #[arg(long, env = "CITYOPS_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Data directory for the embedded SQLite database. Default: $XDG_DATA_HOME/cityops, else
    /// ~/.local/share/cityops.
    #[arg(long, env = "CITYOPS_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// TOML file with any of: database_url, data_dir, listen, log, time_scale, time_origin,
    /// simulate, sim_seed, ui_dir, cors_origins, history_days, snapshot_minutes.
    /// Flags and environment variables override it.
    #[arg(long, env = "CITYOPS_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Log filter in tracing's env-filter syntax, e.g. `info` or `cityops_server=debug`.
    #[arg(long, env = "CITYOPS_LOG", global = true)]
    pub log: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default).
    Serve(ServeArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The working calendar: load State Council holiday notices, show a year.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Write the leadership briefing of a period (A4, zh-CN) as a PDF, or its first page as a
    /// PNG, from the store (read only; the service may be running on it).
    Briefing {
        /// Period start, RFC 3339 with zone (e.g. 2026-03-02T00:00:00+08:00).
        #[arg(long)]
        from: String,
        /// Period end (exclusive), RFC 3339 with zone; at most 92 days after `from`.
        #[arg(long)]
        to: String,
        /// A district (6-digit code); default the whole city.
        #[arg(long)]
        district: Option<String>,
        /// Output file: `.pdf` (the document) or `.png` (its first page).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Calendar subcommands (they work on the store directly; a running service on the same
/// database picks a loaded notice up from its live event).
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Load a State Council holiday notice file (the format of assets/calendar/cn_workdays.toml:
    /// one or more [[year]] tables). It is validated whole first: a bad file is refused with the
    /// line at fault and changes nothing. Loaded notices replace the statutory rule (or an earlier
    /// notice) for their years; deadlines computed afterwards use them.
    Import {
        /// The notice file (TOML).
        file: PathBuf,
    },
    /// Print a year's working days, days off and make-up working days, and where they come from
    /// (`notice` or `statutory-provisional`).
    Show {
        /// The year, e.g. 2027.
        year: i32,
    },
}

/// Options of `serve`.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on, HOST:PORT. Default 127.0.0.1:8480.
    #[arg(long, env = "CITYOPS_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Run time this many times faster than the wall clock (simulation and load tests);
    /// 1 = real time. Workflow deadlines follow this clock.
    #[arg(long, env = "CITYOPS_TIME_SCALE")]
    pub time_scale: Option<f64>,
    /// Simulated start time (China Standard Time, `YYYY-MM-DDTHH:MM:SS`) when --time-scale is set.
    /// Default: now.
    #[arg(long, env = "CITYOPS_TIME_ORIGIN")]
    pub time_origin: Option<String>,
    /// Run the labelled-synthetic Qingdao (cityops-sim) in-process against this service over HTTP:
    /// one command gives a live city. Combine with --time-scale to run faster.
    #[arg(long, env = "CITYOPS_SIMULATE")]
    pub simulate: bool,
    /// Seed of the embedded simulation.
    #[arg(long, env = "CITYOPS_SIM_SEED", default_value_t = 7)]
    pub sim_seed: u64,
    /// The embedded simulation reads the 1,400 site sensors every this many simulated minutes
    /// (the city's cadence is 1; 0 turns them off).
    #[arg(long, env = "CITYOPS_SIM_SENSOR_MINUTES", default_value_t = 1)]
    pub sim_sensor_minutes: u32,
    /// Serve the console's browser build (ui/dist) from this directory at `/`.
    #[arg(long, env = "CITYOPS_UI_DIR")]
    pub ui_dir: Option<PathBuf>,
    /// A web origin (scheme://host[:port]) whose pages may call the API from a browser, e.g. a
    /// console served elsewhere during development. Repeat or separate with commas. Default:
    /// none — only pages of the service's own origin (its `--ui-dir`) and non-browser clients.
    #[arg(long = "cors-origin", env = "CITYOPS_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Days of history kept for replay and briefings (the picture at any instant since);
    /// older events and snapshots are pruned. Default 400.
    #[arg(long, env = "CITYOPS_HISTORY_DAYS")]
    pub history_days: Option<u32>,
    /// Service-time minutes between snapshots of the city (each past picture replays at most
    /// this much of the log). Default 60.
    #[arg(long, env = "CITYOPS_SNAPSHOT_MINUTES")]
    pub snapshot_minutes: Option<u32>,
}

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it as the last line (it is shown once; only its hash is stored).
    Create {
        /// Role: inspector, acceptor, shift_leader, dispatcher, department, leader, admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Limit the token to one district (6-digit GB/T 2260 code); default the whole city.
        #[arg(long)]
        district: Option<String>,
        /// Label recorded as the actor in the audit log. Default: the role.
        #[arg(long)]
        label: Option<String>,
    },
    /// Revoke every token with a label; a running service refuses them within two seconds.
    Revoke {
        /// The tokens' label.
        #[arg(long)]
        label: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    cityops_api::from_wire_name(s).ok_or_else(|| {
        format!("unknown role {s:?}: use inspector, acceptor, shift_leader, dispatcher, department, leader or admin")
    })
}

/// The file form of the configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    listen: Option<SocketAddr>,
    log: Option<String>,
    time_scale: Option<f64>,
    time_origin: Option<String>,
    simulate: Option<bool>,
    sim_seed: Option<u64>,
    ui_dir: Option<PathBuf>,
    cors_origins: Option<Vec<String>>,
    history_days: Option<u32>,
    snapshot_minutes: Option<u32>,
}

/// Errors of configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("config file {path}: {source}")]
    Parse {
        /// File.
        path: String,
        /// Cause.
        source: Box<toml::de::Error>,
    },
    /// A value is out of range.
    #[error("invalid {field}: {message}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// No data directory can be derived.
    #[error("no data directory: set --data-dir, CITYOPS_DATA_DIR, XDG_DATA_HOME or HOME")]
    NoDataDir,
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Database URL.
    pub database_url: String,
    /// Listen address.
    pub listen: SocketAddr,
    /// Log filter.
    pub log: String,
    /// Time scale (1 = real time).
    pub time_scale: f64,
    /// Simulated origin when scaled.
    pub time_origin: Option<NaiveDateTime>,
    /// Run the embedded simulation.
    pub simulate: bool,
    /// Its seed.
    pub sim_seed: u64,
    /// Directory of the browser UI to serve at `/`.
    pub ui_dir: Option<PathBuf>,
    /// Sensor cadence of the embedded simulation, simulated minutes (0 = off).
    pub sim_sensor_minutes: u32,
    /// Web origins allowed to call the API from a browser (CORS); empty: same origin only.
    pub cors_origins: Vec<String>,
    /// Retention and snapshot cadence of the history.
    pub history: crate::history::HistoryConfig,
}

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8480";

impl Config {
    /// A service embedded in another process (the desktop console, tests) on `database_url`:
    /// loopback on any free port, real time, no simulation, no browser origins, default history.
    pub fn embedded(database_url: String) -> Self {
        Config {
            database_url,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: "info".into(),
            time_scale: 1.0,
            time_origin: None,
            simulate: false,
            sim_seed: 7,
            ui_dir: None,
            sim_sensor_minutes: 1,
            cors_origins: Vec::new(),
            history: crate::history::HistoryConfig::default(),
        }
    }

    /// Resolve flags/env over the file over defaults. `env_home` and `env_xdg` are HOME and
    /// XDG_DATA_HOME (passed in so tests need not touch the process environment).
    pub fn resolve(
        common: &CommonArgs,
        serve: &ServeArgs,
        env_home: Option<String>,
        env_xdg: Option<String>,
    ) -> Result<Self, ConfigError> {
        let file = match &common.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
                toml::from_str::<FileConfig>(&text).map_err(|e| ConfigError::Parse {
                    path: path.display().to_string(),
                    source: Box::new(e),
                })?
            }
            None => FileConfig::default(),
        };
        let database_url = match common.database_url.clone().or(file.database_url) {
            Some(u) => u,
            None => {
                let dir = common
                    .data_dir
                    .clone()
                    .or(file.data_dir)
                    .or_else(|| env_xdg.filter(|s| !s.is_empty()).map(|x| PathBuf::from(x).join("cityops")))
                    .or_else(|| env_home.map(|h| PathBuf::from(h).join(".local/share/cityops")))
                    .ok_or(ConfigError::NoDataDir)?;
                format!("sqlite://{}", dir.join("cityops.sqlite").display())
            }
        };
        let listen = match serve.listen.or(file.listen) {
            Some(l) => l,
            None => DEFAULT_LISTEN
                .parse()
                .map_err(|_| ConfigError::Invalid { field: "listen", message: DEFAULT_LISTEN.into() })?,
        };
        let time_scale = serve.time_scale.or(file.time_scale).unwrap_or(1.0);
        if !(time_scale.is_finite() && (0.01..=100_000.0).contains(&time_scale)) {
            return Err(ConfigError::Invalid {
                field: "time_scale",
                message: format!("{time_scale} is outside 0.01..=100000"),
            });
        }
        let time_origin = serve
            .time_origin
            .clone()
            .or(file.time_origin)
            .map(|s| {
                NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S").map_err(|e| ConfigError::Invalid {
                    field: "time_origin",
                    message: format!("{s:?}: {e} (expected YYYY-MM-DDTHH:MM:SS, China Standard Time)"),
                })
            })
            .transpose()?;
        let cors_origins = if serve.cors_origins.is_empty() {
            file.cors_origins.unwrap_or_default()
        } else {
            serve.cors_origins.clone()
        };
        for o in &cors_origins {
            check_origin(o)?;
        }
        let defaults = crate::history::HistoryConfig::default();
        let history = crate::history::HistoryConfig {
            retention_days: serve.history_days.or(file.history_days).unwrap_or(defaults.retention_days),
            snapshot_minutes: serve
                .snapshot_minutes
                .or(file.snapshot_minutes)
                .unwrap_or(defaults.snapshot_minutes),
            keep: true,
        };
        if !(1..=36_500).contains(&history.retention_days) {
            return Err(ConfigError::Invalid {
                field: "history_days",
                message: format!("{} is outside 1..=36500", history.retention_days),
            });
        }
        if !(1..=10_080).contains(&history.snapshot_minutes) {
            return Err(ConfigError::Invalid {
                field: "snapshot_minutes",
                message: format!("{} is outside 1..=10080 (a week)", history.snapshot_minutes),
            });
        }
        Ok(Self {
            database_url,
            listen,
            log: common.log.clone().or(file.log).unwrap_or_else(|| "info".into()),
            time_scale,
            time_origin,
            simulate: serve.simulate || file.simulate.unwrap_or(false),
            sim_seed: if serve.sim_seed != 7 {
                serve.sim_seed
            } else {
                file.sim_seed.unwrap_or(serve.sim_seed)
            },
            ui_dir: serve.ui_dir.clone().or(file.ui_dir),
            sim_sensor_minutes: serve.sim_sensor_minutes,
            cors_origins,
            history,
        })
    }
}

/// A web origin as browsers send it: `http(s)://host[:port]`, nothing after.
fn check_origin(o: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| ConfigError::Invalid { field: "cors_origin", message: format!("{o:?}: {why}") };
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ', '*']) {
        return Err(bad("an origin is scheme://host[:port], without a path or wildcard"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common() -> CommonArgs {
        CommonArgs { database_url: None, data_dir: None, config: None, log: None }
    }

    #[test]
    fn defaults_use_the_xdg_data_dir_then_home() {
        let c = Config::resolve(&common(), &ServeArgs::default(), Some("/home/u".into()), Some("/x".into()))
            .unwrap();
        assert_eq!(c.database_url, "sqlite:///x/cityops/cityops.sqlite");
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        let c = Config::resolve(&common(), &ServeArgs::default(), Some("/home/u".into()), None).unwrap();
        assert_eq!(c.database_url, "sqlite:///home/u/.local/share/cityops/cityops.sqlite");
        assert!(matches!(
            Config::resolve(&common(), &ServeArgs::default(), None, None),
            Err(ConfigError::NoDataDir)
        ));
    }

    #[test]
    fn flags_override_the_file_and_unknown_keys_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\ndatabase_url = \"sqlite://a.db\"\n").unwrap();
        let mut args = common();
        args.config = Some(path.clone());
        let serve = ServeArgs { listen: Some("127.0.0.1:9100".parse().unwrap()), ..Default::default() };
        let c = Config::resolve(&args, &serve, None, None).unwrap();
        assert_eq!((c.listen.port(), c.database_url.as_str()), (9100, "sqlite://a.db"));
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let e = Config::resolve(&args, &ServeArgs::default(), None, None).unwrap_err().to_string();
        assert!(e.contains("lisen"), "{e}");
        let bad = ServeArgs { time_scale: Some(0.0), ..Default::default() };
        let e = Config::resolve(&common(), &bad, Some("/h".into()), None).unwrap_err().to_string();
        assert!(e.contains("time_scale"), "{e}");
    }

    #[test]
    fn roles_parse_by_their_wire_names() {
        assert_eq!(parse_role("shift_leader"), Ok(Role::ShiftLeader));
        assert!(parse_role("boss").unwrap_err().contains("boss"));
    }
}
