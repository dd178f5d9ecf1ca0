//! TINA core library.
//!
//! - [`model`]: the domain types (ids, statuses, records); no I/O.
//! - [`store`]: the `Store` trait, the SQLite and Convex backends, the reference fold.
//! - [`claude_code`]: Claude Code's files and hook payloads (serde types, reading, writing).
//! - [`config`]: `TINA_HOME` / `CLAUDE_HOME` / `TINA_CONVEX_URL` resolution.
//! - [`lifecycle`]: init / start / advance / cleanup, the phase state machine, worktrees;
//!   the CLI and the MCP server both call these.
//! - [`paths`]: paths built from untrusted names, confirmed inside their root.
//! - [`dashboard`]: the web dashboard's views (list page with attention first, detail with
//!   phase history and slim task rows); tina-web only parses requests and serializes them.
//! - [`daemon`]: start / stop / status of the `tina-daemon` process (pid file, heartbeat).
//! - [`attention`]: transcript usage and cost, budgets, attention events (waiting, stalls).
//! - [`views`]: read use-cases every front end shares (filtered tasks, the orchestration
//!   summary); front ends only parse and format.
//! - [`report`]: an error with its causes as one line (what every front end prints).
//! - [`cli`]: the `tina-session` command, one module per subcommand.
//! - [`cli_common`]: what every TINA binary shares: home and store flags, tracing set-up,
//!   exit codes, `--json` errors.
//! - `test_support` (feature `test-support`): fixtures for the workspace's tests.
//!
//! Everything else in the workspace (daemon, harness, MCP server, web server) depends on
//! this crate and nothing here depends on them.

pub mod attention;
pub mod claude_code;
pub mod cli;
pub mod cli_common;
pub mod config;
pub mod daemon;
pub mod dashboard;
pub mod lifecycle;
pub mod model;
pub mod paths;
pub mod report;
pub mod store;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod views;

pub use config::Config;
pub use model::*;
pub use store::{Entity, Store, StoreError};
