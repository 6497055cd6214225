//! `cityops-sim`: run the synthetic Qingdao against a cityops service over HTTP.

use clap::Parser;

/// Labelled-synthetic Qingdao operations generator: files reports at the city's rates and plays
/// the centre's and departments' roles through the service's public API.
#[derive(Debug, Parser)]
#[command(name = "cityops-sim", version, about)]
struct Args {
    /// Service base URL.
    #[arg(long, env = "CITYOPS_SERVER", default_value = "http://127.0.0.1:8480")]
    server: String,
    /// Admin token (the simulator creates its role tokens with it).
    #[arg(long, env = "CITYOPS_TOKEN")]
    token: String,
    /// Seed of every random decision.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Expected time scale of the service: `--speed 60` = an hour a minute. The service must run
    /// with the same `--time-scale` (its clock is the simulation's clock).
    #[arg(long)]
    speed: Option<f64>,
    /// Stop after this many simulated hours (default: run until Ctrl-C).
    #[arg(long)]
    hours: Option<f64>,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 10)]
    progress: u64,
    /// Site sensors read every this many simulated minutes (the city's cadence is 1; 0 = off).
    #[arg(long, default_value_t = 1)]
    sensor_minutes: u32,
    /// Do not drive the waste trucks.
    #[arg(long)]
    no_trucks: bool,
    /// Writes per second the run may ask of the service; at high --speed the city is thinned to
    /// stay within it (and the summary says by how much).
    #[arg(long, default_value_t = cityops_sim::DEFAULT_MAX_WRITES_PER_SEC)]
    max_writes_per_second: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let a = Args::parse();
    let mut cfg = cityops_sim::SimConfig::new(a.server, a.token);
    cfg.seed = a.seed;
    cfg.speed = a.speed;
    cfg.duration = a.hours.map(|h| chrono::TimeDelta::seconds((h * 3600.0) as i64));
    cfg.progress_every = std::time::Duration::from_secs(a.progress.max(1));
    cfg.sensor_every_min = a.sensor_minutes;
    cfg.trucks = !a.no_trucks;
    cfg.max_writes_per_sec = a.max_writes_per_second.max(1.0);
    let summary = cityops_sim::run(cfg, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    // The summary is the command's output.
    #[allow(clippy::print_stdout, reason = "the run summary is this command's output")]
    {
        println!("{summary}");
    }
    Ok(())
}
