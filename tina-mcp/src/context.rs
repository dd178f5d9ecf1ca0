//! The state every tool call shares: configuration, the store, the scenario runs and
//! the watch cursors. Its own module, so the tools (`server`) and the harness
//! tools (`harness`) both depend on it rather than on each other.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tina_session::Config;
use tina_session::lifecycle::LaunchSettings;
use tina_session::lifecycle::launch::DEFAULT_LINK_TIMEOUT;
use tina_session::store::Store;

use crate::runs::RunRegistry;
use crate::watch::Cursors;

/// What every tool call needs: configuration, the store, the scenario runs.
pub struct Context {
    pub config: Config,
    pub store: Arc<dyn Store>,
    /// Where `run_scenario` looks for scenario folders.
    pub scenarios_dir: PathBuf,
    /// How often a watch re-reads the store's revision while waiting.
    pub watch_poll: Duration,
    /// Scenario runs started by this server.
    pub runs: RunRegistry,
    /// The states behind the watch cursors this server handed out.
    pub cursors: Cursors,
    /// How long a launched lead may take to create its team folder before a watch
    /// reports it: the launcher's `TINA_CLAUDE_LINK_TIMEOUT_SECS`, read at start-up.
    pub lead_folder_timeout: Duration,
}

impl Context {
    pub fn new(config: Config, store: Arc<dyn Store>, scenarios_dir: PathBuf) -> Self {
        Self {
            config,
            store,
            scenarios_dir,
            watch_poll: Duration::from_millis(250),
            runs: RunRegistry::default(),
            cursors: Cursors::default(),
            // A malformed setting is refused by the launcher itself (`start_phase`);
            // the watch then keeps the default rather than refusing to watch.
            lead_folder_timeout: LaunchSettings::from_env()
                .map(|s| s.link_timeout)
                .unwrap_or(DEFAULT_LINK_TIMEOUT),
        }
    }
}
