//! The daemon's health, as `watch_orchestration` reports it: the local daemon's, and
//! only when the store is the local SQLite file.

use tina_session::Config;
use tina_session::daemon::{self, DaemonState};

use crate::watch::DaemonHealth;

/// Reads the daemon's pid and heartbeat files (read-only). `None` when they cannot be
/// read, so an unreadable `TINA_HOME` is not misreported as a dead daemon.
///
/// Only the local SQLite store is fed by the local daemon; a Convex store is fed by
/// daemons on other machines, whose health this machine cannot see.
pub fn health(config: &Config) -> Option<DaemonHealth> {
    if config.convex_url.is_some() {
        return Some(DaemonHealth::RemoteStore);
    }
    match daemon::status(config) {
        Ok(st) => Some(match st.state {
            DaemonState::Stopped | DaemonState::Stale => DaemonHealth::NotRunning,
            // A running process without a heartbeat yet has just started; an
            // unresponsive one without a heartbeat never wrote one in time.
            DaemonState::Running | DaemonState::Starting => DaemonHealth::Heartbeat {
                age_ms: st.heartbeat_age_ms.unwrap_or(0),
            },
            DaemonState::Unhealthy => match st.problem {
                Some(p) => DaemonHealth::Unhealthy { problem: p.kind },
                None => DaemonHealth::Heartbeat {
                    age_ms: st.heartbeat_age_ms.unwrap_or(0),
                },
            },
            DaemonState::Unresponsive => DaemonHealth::Heartbeat {
                age_ms: st.heartbeat_age_ms.unwrap_or(daemon::HEARTBEAT_STALE_MS),
            },
        }),
        Err(e) => {
            tracing::debug!("daemon status unreadable: {e}");
            None
        }
    }
}
