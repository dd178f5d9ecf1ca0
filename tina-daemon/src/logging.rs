//! Logging: `tracing` to `$TINA_HOME/logs/daemon.log` and, unless detached, to stderr.
//! The level comes from `RUST_LOG` (default `info`).

use std::fs::OpenOptions;
use std::sync::Mutex;

use tina_session::Config;
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber. `to_stderr` is off for a detached daemon, whose
/// stderr already goes to the same log file.
pub fn init(config: &Config, to_stderr: bool) -> std::io::Result<()> {
    std::fs::create_dir_all(config.logs_dir())?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(tina_session::daemon::log_path(config))?;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(tina_session::config::default_log_filter("info")));
    let file = Mutex::new(file);
    let result = if to_stderr {
        fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(file.and(std::io::stderr))
            .try_init()
    } else {
        fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(file)
            .try_init()
    };
    // Already installed (tests running several daemons in one process): keep that one.
    let _ = result;
    Ok(())
}
