//! `tina-mcp`: the TINA MCP server. Stdio by default (`tina-mcp` or `tina-mcp serve`);
//! `--http 127.0.0.1:PORT` serves streamable HTTP on loopback instead.
//! Logs and errors go to stderr (level from `RUST_LOG`); stdout carries MCP protocol
//! messages only, so a failure to start prints nothing there. Exit codes follow
//! [`tina_session::cli_common`]: 0 served and stopped, 1 could not serve, 2 usage.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tina_mcp::{Context, TinaMcp, transport};
use tina_session::cli_common::{self, HomeArgs};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(
    name = "tina-mcp",
    version,
    about = "TINA MCP server (stdio by default)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    // Global, so they are accepted before or after `serve` and mean the same there.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve MCP (the default).
    Serve,
}

#[derive(Debug, Clone, clap::Args)]
struct ServeArgs {
    /// Serve streamable HTTP at http://ADDR/mcp instead of stdio (loopback only).
    #[arg(long, value_name = "ADDR", global = true)]
    http: Option<SocketAddr>,
    /// Scenario folders for run_scenario (default: $TINA_SCENARIOS_DIR, else the
    /// `scenarios/` folder of the workspace tina-mcp was built from).
    #[arg(long, value_name = "DIR", env = "TINA_SCENARIOS_DIR", global = true)]
    scenarios_dir: Option<PathBuf>,
    #[command(flatten)]
    home: HomeArgs,
}

fn main() -> ExitCode {
    cli_common::init_tracing("warn");
    let cli: Cli = cli_common::parse();
    // `serve` is the default: with or without it, the (global) flags are the same.
    let (None | Some(Command::Serve)) = cli.command;
    cli_common::finish(serve(cli.serve).map(|()| ExitCode::SUCCESS), false)
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.home.load()?;
    std::fs::create_dir_all(&config.tina_home)
        .with_context(|| format!("cannot create {}", config.tina_home.display()))?;
    let store = config.open_store()?;
    let scenarios_dir = args
        .scenarios_dir
        .unwrap_or_else(tina_harness::default_scenarios_dir);
    let server = TinaMcp::new(Context::new(config, store, scenarios_dir));
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let result = runtime.block_on(async move {
        let shutdown = CancellationToken::new();
        let on_signal = shutdown.clone();
        tokio::spawn(async move {
            stop_signal().await;
            on_signal.cancel();
        });
        match args.http {
            None => transport::serve_stdio(server, shutdown).await,
            Some(addr) => {
                let (bound, task) = transport::serve_http(server, addr, shutdown).await?;
                tracing::warn!("serving MCP at http://{bound}/mcp");
                task.await.context("HTTP server task failed")?
            }
        }
    });
    // Claude Code sends SIGINT at shutdown and SIGTERM 100 ms later: do not wait for a
    // blocked stdin reader or a long poll still parked on a blocking thread.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// How long, after the session ended, work still running may take before the process
/// exits anyway.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_millis(50);

/// Resolves on SIGINT (Ctrl-C) or SIGTERM, whichever comes first.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot listen for SIGTERM: {e}");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_flag_has_help() {
        assert_eq!(
            cli_common::undocumented(&Cli::command()),
            Vec::<String>::new()
        );
    }
}
