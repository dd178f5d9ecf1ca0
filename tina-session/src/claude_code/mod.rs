//! Claude Code's outside formats, in one place: the agent-team files it writes under
//! `$CLAUDE_HOME` ([`files`]) and the hook payloads it pipes to hook commands
//! ([`hooks`]).
//!
//! These are serde types for what Claude Code writes, not a format TINA defines: they
//! tolerate unknown fields, keep them when a value is written back, and accept both the
//! 2.1.178+ layout (one implicit team per lead session, named `session-<8>`, linked by
//! `leadSessionId`) and the older layout (teams named by the lead). The daemon, the
//! `tina-session hook` ingest, the harness's simulated agents, the benches and the tests
//! all read and write through this module, so a change in Claude Code is one change here.
//! Samples of what Claude Code 2.1.332 really wrote are in
//! `tests/fixtures/claude-code-2.1.332/` and parsed by `tests/claude_code_format.rs`.

pub mod files;
pub mod hooks;
pub mod ingest;

pub use files::{
    ClaudeHome, ConfigMember, FormatError, IdValue, Layout, TaskFile, TeamConfig, is_side_file,
    is_task_file_name, session_team_name,
};
pub use hooks::{HookError, HookEvent, HookPayload, TaskHook, TeammateIdleHook};
pub use ingest::{HookOutcome, ingest};
