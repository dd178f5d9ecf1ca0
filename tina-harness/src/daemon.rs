//! Making sure a daemon syncs the store a run uses, through
//! `tina_session::daemon` (pid file and heartbeat under `$TINA_HOME`).
//!
//! A [`DaemonGuard`] starts a daemon only when none runs for the configuration, and
//! stops on drop only a daemon it started itself: a daemon the user runs is left
//! running (it is restarted, never stopped for good, by the crash scenario).

use tina_session::Config;
use tina_session::daemon::{self, StartOutcome};

use crate::binaries::Binaries;

/// Restarts the configuration's daemon if one runs (after a rebuild); true if it did.
pub fn restart_if_running(config: &Config, _bins: &Binaries) -> anyhow::Result<bool> {
    let st = daemon::status(config)?;
    if st.running {
        daemon::restart(config)?;
        Ok(true)
    } else {
        Ok(false)
    }
}

/// Keeps a daemon running for the duration of a run.
#[derive(Debug)]
pub struct DaemonGuard {
    config: Config,
    /// We started it, so we stop it.
    started: bool,
    pub pid: Option<u32>,
}

impl DaemonGuard {
    /// Uses the running daemon, or starts one.
    pub fn ensure(config: &Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.tina_home)?;
        std::fs::create_dir_all(&config.claude_home)?;
        let outcome = daemon::start(config)?;
        let started = matches!(outcome, StartOutcome::Started { .. });
        Ok(Self {
            config: config.clone(),
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
        let outcome = daemon::start(&self.config)?;
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
