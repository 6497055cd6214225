//! The one place where the platform service and the simulated city meet. The service
//! (`cityops-server`, the library) knows nothing of the simulation; the simulation (`cityops-sim`)
//! talks to the service only over HTTP. This crate binds the one, starts the other beside it with
//! an admin token of its own, and stops it when the service stops. It is used by the
//! `cityops-server` binary (`serve --simulate`) and by the desktop console's embedded service.

use std::net::SocketAddr;

/// The service's configuration, the launcher's input.
pub use cityops_server::config::Config;

/// Serve until Ctrl-C or SIGTERM (with the simulated city beside it when `config.simulate`), then
/// finish in-flight requests, stop the simulation and return.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let bound = cityops_server::bind(&config).await?;
    let sim = if config.simulate { Some(start_simulation(&bound, &config).await?) } else { None };
    let served = bound.serve_until_shutdown().await;
    if let Some(sim) = sim {
        sim.abort();
    }
    served
}

/// A service running inside another process (the desktop console's embedded default).
#[derive(Debug)]
pub struct Embedded {
    /// Where it listens (loopback).
    pub addr: SocketAddr,
    /// An admin token for the embedding process (created at start, never printed).
    pub token: String,
    /// A stream ticket for the embedding process's page: the event stream and nothing else
    /// (`cityops_server::Bound::stream_ticket`).
    pub stream_ticket: String,
    /// The serving task; the simulation (if any) runs beside it until the process ends.
    pub task: tokio::task::JoinHandle<()>,
}

/// Start the service in this process: open the store, listen on `config.listen` (port 0: any free
/// port), create an admin token for the caller named `label`, and start the simulation if
/// configured.
pub async fn start_embedded(config: Config, label: &str) -> anyhow::Result<Embedded> {
    let bound = cityops_server::bind(&config).await?;
    let token = bound.admin_token(label).await?;
    let stream_ticket = bound.stream_ticket(label)?;
    let sim = if config.simulate { Some(start_simulation(&bound, &config).await?) } else { None };
    let addr = bound.addr();
    let serving = bound.spawn();
    let task = tokio::spawn(async move {
        // The service ends only on error; then the city it drove has nobody to talk to.
        if let Err(e) = serving.await {
            tracing::error!(error = %e, "embedded service task failed");
        }
        if let Some(sim) = sim {
            sim.abort();
        }
    });
    Ok(Embedded { addr, token, stream_ticket, task })
}

/// Start the simulated city against `bound` over loopback HTTP, with an admin token of its own
/// (created here, never shown).
async fn start_simulation(
    bound: &cityops_server::Bound,
    config: &Config,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let token = bound.admin_token("embedded-sim").await?;
    let addr = bound.addr();
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_owned() } else { addr.ip().to_string() };
    let mut cfg = cityops_sim::SimConfig::new(format!("http://{host}:{}", addr.port()), token);
    cfg.seed = config.sim_seed;
    cfg.sensor_every_min = config.sim_sensor_minutes;
    // The city the service parsed, shared: not parsed a second time for the simulator.
    let city = &bound.state().city;
    cfg.city = Some(cityops_sim::place::CityData {
        pack: city.pack.clone(),
        catalogue: city.catalogue.clone(),
        ops: city.ops.clone(),
    });
    tracing::info!(seed = cfg.seed, "simulation of Qingdao starting (synthetic data)");
    Ok(tokio::spawn(async move {
        match cityops_sim::run(cfg, std::future::pending()).await {
            Ok(summary) => tracing::info!("{summary}"),
            Err(e) => tracing::error!(error = %e, "simulation stopped"),
        }
    }))
}
