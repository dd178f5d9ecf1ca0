//! Read use-cases every front end shares: the CLI, the MCP server and the web server
//! parse their input into these requests and format what comes back, so a filter or a
//! summary means the same thing whichever front end asks.
//!
//! - [`tasks`]: an orchestration's current tasks, filtered by phase, team and status.
//! - [`summary`]: one orchestration at a glance (phases, teams, task counts, spend,
//!   open attention).
//!
//! The web dashboard's list and detail pages have their own views in
//! [`crate::dashboard`].

pub mod summary;
pub mod tasks;

pub use summary::{OrchestrationSummary, summarize};
pub use tasks::{TaskFilter, filter_tasks};
