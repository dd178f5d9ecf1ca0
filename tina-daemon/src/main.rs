//! `tina-daemon`: sync Claude Code agent-team files into the TINA store.
//!
//! `tina-daemon` watches until SIGTERM/SIGINT; `tina-daemon --once` syncs and exits.
//! Usually started through `tina-session daemon start`. Exit codes follow
//! [`tina_session::cli_common`] (0 done, 1 failed, 2 usage), plus
//! [`tina_session::daemon::EXIT_ALREADY_RUNNING`] (3) when another daemon holds the lock.

use std::process::ExitCode;

use clap::Parser;
use tina_daemon::Mode;
use tina_daemon::logging::{LOG_KEEP, LOG_MAX_BYTES, LogOptions};
use tina_daemon::run::{Options, run_with};
use tina_session::cli_common::{self, HomeArgs};

#[derive(Debug, Parser)]
#[command(
    name = "tina-daemon",
    version,
    about = "Sync agent-team files into the TINA store"
)]
struct Args {
    /// Scan and sync once, then exit (non-zero if anything could not be recorded).
    #[arg(long)]
    once: bool,
    /// Started by `tina-session daemon start`: log to the log file only (stderr already
    /// goes there).
    #[arg(long, hide = true)]
    detached: bool,
    /// Largest agent-written file read, in bytes; larger ones are reported, not read.
    #[arg(long, env = "TINA_DAEMON_FILE_READ_MAX", value_name = "BYTES",
          default_value_t = tina_session::model::input::FILE_READ_MAX)]
    file_read_max: u64,
    /// Size at which daemon.log rotates, in bytes.
    #[arg(long, env = "TINA_DAEMON_LOG_MAX_BYTES", value_name = "BYTES",
          default_value_t = LOG_MAX_BYTES)]
    log_max_bytes: u64,
    /// Rotated logs kept (daemon.log.1 .. daemon.log.N).
    #[arg(long, env = "TINA_DAEMON_LOG_KEEP", value_name = "N", default_value_t = LOG_KEEP)]
    log_keep: usize,
    #[command(flatten)]
    home: HomeArgs,
}

fn main() -> ExitCode {
    let args: Args = cli_common::parse();
    let config = match args.home.load() {
        Ok(config) => config,
        Err(e) => return cli_common::finish(Err(e.into()), false),
    };
    let log = LogOptions {
        max_bytes: args.log_max_bytes,
        keep: args.log_keep,
    };
    if let Err(e) = tina_daemon::logging::init(&config, !args.detached, log) {
        let e = anyhow::Error::new(e).context(format!(
            "cannot open the log in {}",
            config.logs_dir().display()
        ));
        return cli_common::finish(Err(e), false);
    }
    let mode = if args.once { Mode::Once } else { Mode::Watch };
    let options = Options {
        file_read_max: args.file_read_max,
    };
    match run_with(&config, mode, &options) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(cli_common::EXIT_FAILURE))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_flag_has_help() {
        assert_eq!(
            cli_common::undocumented(&Args::command()),
            Vec::<String>::new()
        );
    }
}
