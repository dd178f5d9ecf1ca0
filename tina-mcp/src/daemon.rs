//! The daemon's health, as `watch_orchestration` reports it.

use tina_session::Config;

use crate::watch::DaemonHealth;

/// `None` while this build cannot tell (no daemon status API in tina-session yet).
pub fn health(_config: &Config) -> Option<DaemonHealth> {
    None
}
