//! `tina-session cleanup`: remove every record of a feature, for re-runs.

use std::process::ExitCode;

use clap::Args;

use super::Context;
use crate::lifecycle;

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Exact feature name.
    #[arg(long)]
    pub feature: String,
    /// Also remove the feature's git worktree.
    #[arg(long)]
    pub worktree: bool,
}

pub fn run(args: CleanupArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let out = lifecycle::cleanup(&*store, &args.feature, args.worktree)?;
    ctx.emit(&out, || {
        if !out.removed {
            return format!(
                "Nothing to clean: no orchestration named '{}'.",
                out.feature_name
            );
        }
        let mut s = format!("Removed every record of '{}'.", out.feature_name);
        if let Some(w) = &out.worktree_removed {
            s.push_str(&format!("\nRemoved worktree {w}."));
        }
        s
    })?;
    Ok(ExitCode::SUCCESS)
}
