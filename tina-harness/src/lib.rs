//! TINA's scenario harness: proves a whole orchestration works end to end.
//!
//! - [`scenario`]: `scenarios/<NN-name>/` loading and validation.
//! - [`sim`]: the `sim` agent runtime (`tina-harness sim`), which plays the agents.
//! - [`claude`]: the `claude` runtime (`--full`), the real Claude Code CLI in tmux.
//! - [`binaries`]: where the binaries are, and [`rebuild_binaries`].
//! - [`daemon`]: a daemon syncing the run's store (started only when none runs).
//! - [`run`]: [`run_scenario`], the stages of one run; [`verify`]: the judging.
//! - [`report`]: [`RunReport`], persisted under `$TINA_HOME/runs/<run_id>/`.
//!
//! The public functions re-exported here are the API the MCP server uses.

pub mod binaries;
pub mod claude;
pub mod cli;
pub mod daemon;
pub mod locate;
pub mod model_double;
pub mod project;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod verify;

pub use binaries::{BuildReport, rebuild_binaries};
pub use report::{
    Assertion, Category, Progress, RunError, RunReport, RunStatus, Stage, StageTiming,
};
pub use run::{RunOptions, default_scenarios_dir, load_run, new_run_id, run_scenario};
pub use scenario::{ScenarioError, ScenarioSummary, list_scenarios, validate_scenario_name};
