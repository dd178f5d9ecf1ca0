//! The `tina-web` command: parse arguments, resolve configuration, serve until Ctrl-C.
//! Exit codes follow [`tina_session::cli_common`]: 0 served and stopped, 1 could not
//! serve (port taken, store unreadable), 2 usage.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tina_session::cli_common::{self, HomeArgs};
use tina_session::config::{Config, Overrides};
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
    /// Print the listening address as JSON (`{"url": ...}`), and errors as JSON on stderr.
    #[arg(long)]
    json: bool,
    /// Mark a running orchestration stale after this many seconds without a task or phase
    /// change.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=30 * 24 * 3600))]
    stale_after: u64,
    // The store to serve; a Convex key stays in this server: browsers never see it.
    #[command(flatten)]
    home: HomeArgs,
}

impl ServeArgs {
    /// The configuration these flags set; the rest comes from env, config.toml, defaults.
    fn overrides(&self) -> Overrides {
        self.home.overrides()
    }
}

fn main() -> ExitCode {
    // `warn` unless RUST_LOG says otherwise, as for every TINA binary; the address line
    // is printed on stdout, not logged, so it shows at any level.
    cli_common::init_tracing("warn");
    let cli: Cli = cli_common::parse();
    match cli.command() {
        Command::Serve(args) => {
            let json = args.json;
            cli_common::finish(serve(args).map(|()| ExitCode::SUCCESS), json)
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
        let url = format!("http://{local}");
        if args.json {
            cli_common::print_line(&serde_json::json!({ "url": url }).to_string())?;
        } else {
            cli_common::print_line(&format!("tina-web listening on {url}"))?;
        }
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
        assert_eq!(args.home.tina_home, None);
        assert_eq!(args.home.convex_url, None);
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
            assert_eq!(
                o.tina_home,
                Some(std::path::PathBuf::from("/tmp/th")),
                "{argv:?}"
            );
            assert_eq!(o.convex_url.as_deref(), Some("https://x.convex.cloud"));
            assert_eq!(
                o.convex_key,
                Some(tina_session::config::DeploymentKey::new("secret-key"))
            );
            assert!(
                !format!("{o:?}").contains("secret-key"),
                "the key never prints"
            );
        }
    }

    #[test]
    fn every_flag_has_help() {
        assert_eq!(
            cli_common::undocumented(&<Cli as clap::CommandFactory>::command()),
            Vec::<String>::new()
        );
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
