//! `tina-session daemon start|stop|status|restart`: control the background sync daemon.
//!
//! `status` exits 1 when the daemon is not running, so scripts can test it.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{Context, or_dash};
use crate::daemon::{self, DaemonStatus, StartOutcome, StopOutcome};

#[derive(Debug, Args)]
pub struct DaemonArgs {
    #[command(subcommand)]
    pub action: DaemonAction,
}

#[derive(Debug, Subcommand)]
pub enum DaemonAction {
    /// Start the daemon in the background (does nothing if it already runs).
    Start,
    /// Stop the daemon and wait until it has exited.
    Stop,
    /// Show whether the daemon runs and is healthy; exits 1 when it does not run or
    /// cannot write (unhealthy).
    Status,
    /// Stop the daemon if it runs, then start it.
    Restart,
}

pub fn run(args: DaemonArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = &ctx.config;
    match args.action {
        DaemonAction::Start => {
            let outcome = daemon::start(config)?;
            emit_start(ctx, &outcome)?;
        }
        DaemonAction::Restart => {
            let outcome = daemon::restart(config)?;
            emit_start(ctx, &outcome)?;
        }
        DaemonAction::Stop => {
            let outcome = daemon::stop(config)?;
            ctx.emit(&outcome, || match &outcome {
                StopOutcome::Stopped { pid, forced: false } => {
                    format!("daemon stopped (pid {pid})")
                }
                StopOutcome::Stopped { pid, forced: true } => {
                    format!("daemon killed (pid {pid}): it did not stop after SIGTERM")
                }
                StopOutcome::NotRunning {
                    cleaned_stale_pid_file: true,
                } => "daemon was not running (removed a stale pid file)".into(),
                StopOutcome::NotRunning { .. } => "daemon was not running".into(),
            })?;
        }
        DaemonAction::Status => {
            let st = daemon::status(config)?;
            ctx.emit(&st, || describe(&st))?;
            if !st.running || st.state == daemon::DaemonState::Unhealthy {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn emit_start(ctx: &Context, outcome: &StartOutcome) -> anyhow::Result<()> {
    ctx.emit(outcome, || {
        let st = outcome.status();
        let what = match outcome {
            StartOutcome::Started { .. } => "daemon started",
            StartOutcome::AlreadyRunning { .. } => "daemon already running",
        };
        format!(
            "{what} (pid {}); log: {}",
            or_dash(st.pid),
            st.log_file.display()
        )
    })
}

fn describe(st: &DaemonStatus) -> String {
    let state = match st.state {
        daemon::DaemonState::Running => "running",
        daemon::DaemonState::Stopped => "not running",
        daemon::DaemonState::Stale => "not running (stale pid file; `daemon start` cleans it)",
        daemon::DaemonState::Unresponsive => {
            "unresponsive (process alive, heartbeat stale; `daemon restart` replaces it)"
        }
        daemon::DaemonState::Starting => "starting (start-up scan under way)",
        daemon::DaemonState::Unhealthy => "unhealthy (running, but cannot record what it reads)",
    };
    let problem = st.problem.as_ref().map_or(String::new(), |p| {
        format!(
            "\n  problem:       {} since {} ms ago: {}",
            crate::cli_common::wire_name(&p.kind),
            (crate::model::now_ms() - p.since).max(0),
            crate::model::input::display_safe(&p.detail)
        )
    });
    format!(
        "daemon: {state}{problem}\n  pid:           {}\n  heartbeat age: {}\n  pid file:      {}\n  log:           {}",
        or_dash(st.pid),
        or_dash(st.heartbeat_age_ms.map(|ms| format!("{ms} ms"))),
        st.pid_file.display(),
        st.log_file.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn status_exits_one_when_not_running_and_stop_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Context {
            config: Config::at(dir.path().join("tina"), dir.path().join("claude")),
            json: true,
        };
        let status = DaemonArgs {
            action: DaemonAction::Status,
        };
        assert_eq!(run(status, &ctx).unwrap(), ExitCode::from(1));
        let stop = DaemonArgs {
            action: DaemonAction::Stop,
        };
        assert_eq!(run(stop, &ctx).unwrap(), ExitCode::SUCCESS);
    }
}
