//! The source of agent-team state, as typed records.
//!
//! The sync engine works with the records and the [`SourceFile`] keys defined here; the
//! only code that knows where Claude Code keeps its files and what they look like is
//! [`claude`]. When Claude Code changes its layout, that module changes and nothing else.

pub mod claude;
pub mod read;

use std::path::PathBuf;

use serde_json::Value;
use tina_session::{Millis, TaskStatus};

pub use claude::ClaudeSource;

/// One file the source knows how to read, identified by the team it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceFile {
    /// The team's configuration (its members).
    TeamConfig { team: String, path: PathBuf },
    /// One task of the team.
    Task { team: String, path: PathBuf },
}

impl SourceFile {
    pub fn team(&self) -> &str {
        match self {
            Self::TeamConfig { team, .. } | Self::Task { team, .. } => team,
        }
    }

    pub fn path(&self) -> &PathBuf {
        match self {
            Self::TeamConfig { path, .. } | Self::Task { path, .. } => path,
        }
    }
}

/// What a changed path means to the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// One file of a team changed (or was removed).
    File(SourceFile),
    /// A whole team's directory appeared or changed: every file of the team must be
    /// looked at (files created together with a new directory may have no events).
    Team(String),
}

/// A team's members, as the source reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRecord {
    pub team_name: String,
    /// The Claude Code session of the team lead, copied onto the team record.
    pub lead_session_id: Option<String>,
    pub members: Vec<MemberRecord>,
}

/// One member of a team.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRecord {
    pub agent_name: String,
    pub agent_type: Option<String>,
    pub model: Option<String>,
    pub joined_at: Millis,
}

/// One task, as the source reports it. `modified_at` is when the file last changed;
/// the rest is the task content that becomes a task event.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub team_name: String,
    pub task_id: String,
    pub subject: String,
    pub description: String,
    /// Claude Code's `activeForm`, when the file has one.
    pub active_form: Option<String>,
    pub status: TaskStatus,
    pub owner: Option<String>,
    pub blocked_by: Vec<String>,
    pub metadata: Value,
    pub modified_at: Millis,
}

/// Why a file could not be read into a record.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file does not exist (any more).
    #[error("{0} does not exist")]
    Missing(PathBuf),
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file exists but is not a valid record (half-written, or not the expected
    /// shape). It is retried shortly (it may be half-written) and when it changes again.
    #[error("malformed {path}: {reason}")]
    Malformed { path: PathBuf, reason: String },
    /// The path is not something the daemon reads (a FIFO, device, socket, symlink, or
    /// a path leading out of `$CLAUDE_HOME`). Looked at again only when it changes.
    #[error("not reading {path}: {reason}")]
    Refused { path: PathBuf, reason: String },
    /// The file is larger than the per-file read limit; it is not read.
    #[error("not reading {path}: {size} bytes, more than the limit of {max}")]
    TooLarge { path: PathBuf, size: u64, max: u64 },
}

impl ReadError {
    /// The file concerned.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Self::Missing(path)
            | Self::Io { path, .. }
            | Self::Malformed { path, .. }
            | Self::Refused { path, .. }
            | Self::TooLarge { path, .. } => path,
        }
    }
}
