//! The flags `init` and `start` share for launching a Claude Code lead.

use std::path::PathBuf;

use clap::Args;

use crate::lifecycle::{LaunchSettings, Launcher};

#[derive(Debug, Clone, Args)]
pub struct LaunchArgs {
    /// Permission mode of the lead (default: $TINA_CLAUDE_PERMISSION_MODE, else
    /// acceptEdits; `auto` stops at a dialog behind a gateway or local model server).
    #[arg(long, value_name = "MODE")]
    pub permission_mode: Option<String>,
    /// Model of the lead (default: $TINA_CLAUDE_MODEL, else Claude Code's default).
    #[arg(long)]
    pub model: Option<String>,
    /// Pre-accept Claude Code's trust dialog for the worktree (sets only that key in
    /// `.claude.json`, after a backup to `.claude.json.tina-backup`).
    #[arg(long)]
    pub trust: bool,
    /// The Claude Code executable (default: $TINA_CLAUDE_BIN, else `claude` on PATH).
    #[arg(long, value_name = "PATH")]
    pub claude_bin: Option<PathBuf>,
}

impl LaunchArgs {
    /// Settings from the environment with these flags on top.
    pub fn launcher(&self, config: &crate::config::Config) -> anyhow::Result<Launcher> {
        let mut settings = LaunchSettings::from_env()?;
        if let Some(mode) = &self.permission_mode {
            settings.permission_mode = mode.clone();
            settings.check_mode()?;
        }
        if let Some(model) = &self.model {
            settings.model = Some(model.clone());
        }
        if let Some(bin) = &self.claude_bin {
            settings.claude_bin = bin.clone();
        }
        settings.trust = self.trust;
        Ok(Launcher {
            config: config.clone(),
            settings,
        })
    }
}
