//! tina-daemon: syncs Claude Code agent-team files into the TINA store.
//!
//! - [`source`]: the Claude Code file layout, read into typed records (the only module
//!   that knows the layout).
//! - [`sync`]: the engine that turns records into team members and task events, once.
//! - [`state`]: what has been synced, persisted beside the store, so restarts and crashes
//!   neither duplicate nor lose events.
//! - [`run`]: the process around them: single-instance lock, pid file, heartbeat,
//!   watcher with debounce, signals, `--once`.
//! - [`usage`]: attention and spend: transcript usage, budgets, notify (own thread).
//! - [`issues`]: files that could not be read (rate-limited warnings, quick retries).
//! - [`health`]: whether writes succeed, published in the heartbeat.
//! - [`logging`]: stderr and `$TINA_HOME/logs/daemon.log`, rotated by size.
//!
//! `main.rs` only parses arguments and calls [`run::run`]; tests and benches call the
//! same functions.

pub mod health;
pub mod issues;
pub mod logging;
pub mod run;
pub mod source;
pub mod state;
pub mod sync;
pub mod usage;

pub use run::{Mode, RunError, run};
