//! The dashboard's views: what a person triaging agent teams reads first. The web server
//! only parses a request into these inputs and serializes the result, so the rules (what
//! is "stale", which orchestrations come first, where an orchestrator task belongs) live
//! once, here.
//!
//! - [`list`]: the orchestration list, filtered by status and feature, attention first,
//!   one page at a time.
//! - [`detail`]: one orchestration with its phase history, attention summary and slim task
//!   rows (no descriptions: a task's description and history are read one task at a time).
//! - [`attention`]: blocked reason and since when, last activity, the stale rule, and
//!   the triage rank.
//! - [`open`]: open attention events (waiting on a person, stalls, budget alerts) placed
//!   on their phase and member.
//!
//! Spend (tokens, cost, budgets) comes from [`crate::attention::summary`], the one spend
//! view the CLI and MCP use too; the list reads it for a whole page at once.

pub mod attention;
pub mod detail;
pub mod list;
pub mod open;

pub use attention::{Attention, Blocked};
pub use detail::{DashboardDetail, TaskDetail, TaskRow, dashboard_detail, task_detail};
pub use list::{ListPage, ListQuery, ListRow, StatusFilter, list_page};
pub use open::OpenItem;
