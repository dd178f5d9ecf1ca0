//! The `tina-web` command: parse arguments, resolve configuration, serve until Ctrl-C.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tina_session::config::{Config, Overrides};
use tokio_util::sync::CancellationToken;

/// TINA live dashboard: JSON API, live updates and the web UI on one port.
#[derive(Debug, Parser)]
#[command(name = "tina-web", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the dashboard (default http://127.0.0.1:7410).
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Port to listen on (0 picks a free one; the chosen address is printed).
    #[arg(long, default_value_t = 7410)]
    port: u16,
    /// Address to bind. Loopback by default: the API has no authentication.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// TINA state directory (overrides TINA_HOME; the store is <dir>/tina.db).
    #[arg(long, value_name = "DIR")]
    tina_home: Option<PathBuf>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tina-web: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(Overrides {
        tina_home: args.tina_home,
        ..Overrides::default()
    })
    .context("cannot resolve the TINA configuration")?;
    let store = config.open_store().context("cannot open the TINA store")?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(args.host, args.port);
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen on {addr} (is another tina-web running? try --port)")
        })?;
        let local = listener
            .local_addr()
            .context("cannot read the bound address")?;
        if !tina_web::assets::ui_built() {
            tracing::warn!("the UI was not built into this binary; / explains how to build it");
        }
        tracing::info!(store = %store.describe(), "serving");
        // On stdout so scripts (and the e2e tests) can read the address chosen for --port 0.
        println!("tina-web listening on http://{local}");
        let shutdown = CancellationToken::new();
        tokio::spawn(cancel_on_signal(shutdown.clone()));
        tina_web::serve(listener, store, tina_web::ServeOptions::default(), shutdown)
            .await
            .context("server failed")
    })
}

/// Cancels `shutdown` on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn cancel_on_signal(shutdown: CancellationToken) {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = interrupt => tracing::info!("Ctrl-C: shutting down"),
        _ = terminate => tracing::info!("SIGTERM: shutting down"),
    }
    shutdown.cancel();
}
