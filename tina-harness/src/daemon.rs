//! Making sure a daemon syncs the store a run uses, through `tina_session::daemon`
//! (pid file and heartbeat under `$TINA_HOME`).
//!
//! The daemon must be the `tina-daemon` of the binaries the run uses ([`Binaries`]),
//! not whichever one `tina_session::daemon::find_binary` finds next to this process.
//! That lookup honours only the `TINA_DAEMON_BIN` environment variable, and setting it
//! in this process is not possible without `unsafe`; so starts go through the run's
//! `tina-session daemon start`, with `TINA_DAEMON_BIN` set on that child alone. Status
//! and stop need no binary and are called in process.
//!
//! A [`DaemonGuard`] starts a daemon only when none runs for the configuration, and
//! stops on drop only a daemon it started itself: a daemon the user runs is left
//! running (it is restarted, never stopped for good, by the crash scenario).

use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use tina_session::Config;
use tina_session::daemon::{self, StartOutcome};

use crate::locate::Binaries;

/// Starts the daemon of `config` unless it runs, on `bins.tina_daemon`.
pub fn start(config: &Config, bins: &Binaries) -> anyhow::Result<StartOutcome> {
    std::fs::create_dir_all(&config.tina_home)
        .with_context(|| format!("cannot create {}", config.tina_home.display()))?;
    std::fs::create_dir_all(&config.claude_home)
        .with_context(|| format!("cannot create {}", config.claude_home.display()))?;
    let mut cmd = Command::new(&bins.tina_session);
    cmd.args(["daemon", "start", "--json"])
        .env(daemon::BIN_ENV, &bins.tina_daemon)
        .env("TINA_HOME", &config.tina_home)
        .env("CLAUDE_HOME", &config.claude_home)
        .stdin(Stdio::null());
    for (name, value) in config.store_env() {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
    // The daemon writes to its log file, not to these pipes, so output() returns as
    // soon as `tina-session` does.
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", bins.tina_session.display()))?;
    if !out.status.success() {
        bail!(
            "tina-session daemon start (TINA_DAEMON_BIN={}) failed: {}",
            bins.tina_daemon.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "tina-session daemon start printed no start outcome: {}",
            String::from_utf8_lossy(&out.stdout).trim()
        )
    })
}

/// Restarts the configuration's daemon on `bins` if one runs (after a rebuild); true
/// if it did.
pub fn restart_if_running(config: &Config, bins: &Binaries) -> anyhow::Result<bool> {
    let st = daemon::status(config)?;
    if st.running {
        daemon::stop(config)?;
        start(config, bins)?;
        Ok(true)
    } else {
        Ok(false)
    }
}

/// Keeps a daemon running for the duration of a run.
#[derive(Debug)]
pub struct DaemonGuard {
    config: Config,
    bins: Binaries,
    /// We started it, so we stop it.
    started: bool,
    pub pid: Option<u32>,
}

impl DaemonGuard {
    /// Uses the running daemon, or starts one on `bins.tina_daemon`.
    pub fn ensure(config: &Config, bins: &Binaries) -> anyhow::Result<Self> {
        let outcome = start(config, bins)?;
        let started = matches!(outcome, StartOutcome::Started { .. });
        Ok(Self {
            config: config.clone(),
            bins: bins.clone(),
            started,
            pid: outcome.status().pid,
        })
    }

    /// True when this guard started the daemon (and will stop it).
    pub fn started_here(&self) -> bool {
        self.started
    }

    /// Stops the daemon (for the crash scenario); [`Self::start_again`] brings it back.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        daemon::stop(&self.config)?;
        self.pid = None;
        Ok(())
    }

    pub fn start_again(&mut self) -> anyhow::Result<()> {
        let outcome = start(&self.config, &self.bins)?;
        self.pid = outcome.status().pid;
        Ok(())
    }
}

impl Drop for DaemonGuard {
    fn drop(&mut self) {
        if self.started
            && let Err(e) = daemon::stop(&self.config)
        {
            tracing::warn!("could not stop the daemon this run started: {e}");
        }
    }
}
