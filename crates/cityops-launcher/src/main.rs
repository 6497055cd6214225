//! `cityops-server`: parse the configuration once, then serve (with the simulated city beside the
//! service when `--simulate`) or run a subcommand.

use cityops_server::config::{CalendarCommand, Cli, Command, Config, ServeArgs, TokenCommand};
use clap::Parser;

/// The service's allocator, as in the desktop: with glibc's malloc the HTTP path's allocations
/// (request, JSON, answer) cost about a fifth of its throughput at 32 clients (BENCHMARKS.md,
/// "Ingest"), and each busy thread's arena keeps what it frees. Off without the `jemalloc` feature,
/// for heap profilers that hook the system's malloc.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let serve_args = match &cli.command {
        Some(Command::Serve(a)) => a.clone(),
        _ => ServeArgs::default(),
    };
    let config = Config::resolve(
        &cli.common,
        &serve_args,
        std::env::var("HOME").ok(),
        std::env::var("XDG_DATA_HOME").ok(),
    )?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log)?)
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        None | Some(Command::Serve(_)) => cityops_launcher::serve(config).await,
        Some(Command::Token(TokenCommand::Create { role, district, label })) => {
            let token = cityops_server::admin_cli::create_token(&config, role, district, label).await?;
            // The token is shown once, as the last line, for scripts: `tail -n1`.
            #[allow(clippy::print_stdout, reason = "printing the new token is this command's output")]
            {
                println!("{token}");
            }
            Ok(())
        }
        Some(Command::Token(TokenCommand::Revoke { label })) => {
            let n = cityops_server::admin_cli::revoke_tokens(&config, &label).await?;
            tracing::info!(label, revoked = n, "tokens revoked");
            if n == 0 {
                anyhow::bail!("no live token is labelled {label:?}");
            }
            Ok(())
        }
        Some(Command::Calendar(cmd)) => {
            let out = match cmd {
                CalendarCommand::Import { file } => {
                    cityops_server::admin_cli::calendar_import(&config, &file).await?
                }
                CalendarCommand::Show { year } => {
                    cityops_server::admin_cli::calendar_show(&config, year).await?
                }
            };
            #[allow(clippy::print_stdout, reason = "the report is this command's output")]
            {
                print!("{out}");
            }
            Ok(())
        }
        Some(Command::Briefing { from, to, district, out }) => {
            let written = cityops_server::admin_cli::briefing(&config, &from, &to, district, &out).await?;
            #[allow(clippy::print_stdout, reason = "the file written is this command's output")]
            {
                print!("{written}");
            }
            Ok(())
        }
    }
}
