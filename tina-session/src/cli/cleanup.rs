//! `tina-session cleanup`: remove every record of a feature, for re-runs.

use std::process::ExitCode;

use clap::Args;

use super::{Context, safe};
use crate::lifecycle;

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Exact feature name.
    #[arg(long)]
    pub feature: String,
    /// Also remove the feature's git worktree.
    #[arg(long)]
    pub worktree: bool,
    /// Also delete the feature's git branch (removes the worktree too, which uses it).
    #[arg(long)]
    pub branch: bool,
    /// Keep the Claude Code team and task folders linked to the feature's teams (by
    /// default they are removed from CLAUDE_HOME).
    #[arg(long)]
    pub keep_claude_dirs: bool,
}

pub fn run(args: CleanupArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let out = lifecycle::cleanup(
        &*store,
        &lifecycle::CleanupRequest {
            feature: args.feature,
            remove_worktree: args.worktree,
            remove_branch: args.branch,
            worktrees_dir: ctx.config.worktrees_dir(),
            claude_home: (!args.keep_claude_dirs).then(|| ctx.config.claude_home.clone()),
        },
    )?;
    ctx.emit(&out, || {
        if !out.removed {
            return format!(
                "Nothing to clean: no orchestration named '{}'.",
                safe(&out.feature_name)
            );
        }
        let mut s = format!("Removed every record of '{}'.", safe(&out.feature_name));
        if let Some(w) = &out.worktree_removed {
            s.push_str(&format!("\nRemoved worktree {}.", safe(w)));
        }
        if let Some(w) = &out.worktree_kept {
            s.push_str(&format!(
                "\nKept worktree {}: it is not TINA's own folder for this feature; remove it \
                 yourself (git worktree remove) if it is yours to remove.",
                safe(w)
            ));
        }
        if let Some(b) = &out.branch_removed {
            s.push_str(&format!("\nDeleted branch {}.", safe(b)));
        }
        for d in &out.claude_dirs_removed {
            s.push_str(&format!("\nRemoved Claude Code folder {}.", safe(d)));
        }
        for w in &out.warnings {
            s.push_str(&format!("\nwarning: {}", safe(w)));
        }
        s
    })?;
    Ok(ExitCode::SUCCESS)
}
