//! The `tina-web` command: parse arguments, resolve configuration, serve until Ctrl-C.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tina_session::config::{Config, DeploymentKey, Overrides};
use tokio_util::sync::CancellationToken;

/// TINA live dashboard: JSON API, live updates and the web UI on one port.
///
/// `tina-web` alone serves; the flags may follow it directly or `serve`.
#[derive(Debug, Parser)]
#[command(name = "tina-web", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The flags of `serve`, given without the subcommand.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the dashboard (default http://127.0.0.1:7410). The default command.
    Serve(ServeArgs),
}

impl Cli {
    /// The command to run: `serve` with its flags, or the top-level flags when no
    /// subcommand was given.
    fn command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
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
    /// Read the Convex deployment at this URL instead of SQLite (overrides TINA_CONVEX_URL
    /// and config.toml).
    #[arg(long, value_name = "URL")]
    convex_url: Option<String>,
    /// The Convex deployment key (overrides TINA_CONVEX_KEY and config.toml). It stays in
    /// this server: browsers never see it. Prefer the environment: a flag shows in the
    /// process list.
    #[arg(long, value_name = "KEY", value_parser = parse_key)]
    convex_key: Option<DeploymentKey>,
    /// Mark a running orchestration stale after this many seconds without a task or phase
    /// change.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=30 * 24 * 3600))]
    stale_after: u64,
}

impl ServeArgs {
    /// The configuration these flags set; the rest comes from env, config.toml, defaults.
    fn overrides(&self) -> Overrides {
        Overrides {
            tina_home: self.tina_home.clone(),
            convex_url: self.convex_url.clone(),
            convex_key: self.convex_key.clone(),
            ..Overrides::default()
        }
    }
}

/// `--convex-key`: held as a [`DeploymentKey`] from the start, so it never prints.
fn parse_key(key: &str) -> Result<DeploymentKey, String> {
    if key.is_empty() {
        return Err("the deployment key is empty".into());
    }
    Ok(DeploymentKey::new(key))
}

fn main() -> ExitCode {
    // `warn` unless RUST_LOG says otherwise, as for every TINA binary; the address line
    // is printed on stdout, not logged, so it shows at any level.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(tina_session::config::default_log_filter("warn"))
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command() {
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
    let config = Config::load(args.overrides()).context("cannot resolve the TINA configuration")?;
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
        let options = tina_web::ServeOptions {
            stale_after: std::time::Duration::from_secs(args.stale_after),
            ..tina_web::ServeOptions::default()
        };
        tina_web::serve(listener, store, options, shutdown)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn serve_args(argv: &[&str]) -> ServeArgs {
        let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
        match cli.command() {
            Command::Serve(args) => args,
        }
    }

    #[test]
    fn no_subcommand_serves_with_defaults() {
        let args = serve_args(&["tina-web"]);
        assert_eq!(args.port, 7410);
        assert_eq!(args.host, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(args.tina_home, None);
        assert_eq!(args.convex_url, None);
    }

    #[test]
    fn flags_work_with_and_without_serve() {
        let flags = [
            "--port",
            "9000",
            "--host",
            "::1",
            "--tina-home",
            "/tmp/th",
            "--convex-url",
            "https://x.convex.cloud",
            "--convex-key",
            "secret-key",
        ];
        for argv in [
            [&["tina-web"][..], &flags[..]].concat(),
            [&["tina-web", "serve"][..], &flags[..]].concat(),
        ] {
            let args = serve_args(&argv);
            assert_eq!(args.port, 9000, "{argv:?}");
            assert_eq!(args.host, "::1".parse::<IpAddr>().expect("ip"), "{argv:?}");
            let o = args.overrides();
            assert_eq!(o.tina_home, Some(PathBuf::from("/tmp/th")), "{argv:?}");
            assert_eq!(o.convex_url.as_deref(), Some("https://x.convex.cloud"));
            assert_eq!(o.convex_key, Some(DeploymentKey::new("secret-key")));
            assert!(
                !format!("{o:?}").contains("secret-key"),
                "the key never prints"
            );
        }
    }

    #[test]
    fn flags_before_serve_are_an_error_not_dropped() {
        let err = Cli::try_parse_from(["tina-web", "--port", "1", "serve"])
            .expect_err("flags on both sides of `serve` are ambiguous");
        assert_eq!(err.exit_code(), 2, "{err}");
    }

    #[test]
    fn convex_url_flag_selects_the_store() {
        // Whatever TINA_CONVEX_URL the test runs under, the flag wins (tests/cli.rs checks
        // the binary with both set).
        let home = tempfile::tempdir().expect("temp dir");
        let with_flag = serve_args(&[
            "tina-web",
            "--tina-home",
            home.path().to_str().expect("utf-8 temp path"),
            "--convex-url",
            "https://flag.convex.cloud",
        ]);
        let config = Config::load(with_flag.overrides()).expect("config");
        assert_eq!(
            config.convex_url.as_deref(),
            Some("https://flag.convex.cloud")
        );
        assert_eq!(config.tina_home, home.path());
    }
}
