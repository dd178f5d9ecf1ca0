//! Attention and spend: what TINA tells people about an orchestration beyond its tasks.
//!
//! - [`transcript`]: token usage read incrementally from Claude Code transcripts.
//! - [`prices`]: the model price table (dated defaults, overridable) and message cost.
//! - [`summary`]: the spend view per member, team, phase and orchestration, with budgets.
//! - [`budget`]: setting budgets, the 80 % warning, blocking at 100 % and resuming when
//!   raised, and the `TaskCreated` refusal.
//! - [`detect`]: members waiting on a person and stalled phases, from hook activity.
//! - [`settings`]: `notify_command`, timeouts, stall time and prices from config.toml.
//!
//! The daemon (`tina-daemon/src/usage.rs`) runs the reading, the checks and the notify
//! command; front ends only call [`summary::usage_view`] and word its result.

pub mod budget;
pub mod detect;
pub mod prices;
pub mod settings;
pub mod summary;
pub mod transcript;

pub use budget::{BUDGET_EXCEEDED_REASON, check_usd, enforce, set_budget, task_refusal};
pub use detect::detect;
pub use prices::PriceTable;
pub use settings::Settings;
pub use summary::{UsageView, usage_view};
