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
}

pub fn run(args: CleanupArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let out = lifecycle::cleanup(
        &*store,
        &args.feature,
        args.worktree,
        &ctx.config.tina_home.join("worktrees"),
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
        s
    })?;
    Ok(ExitCode::SUCCESS)
}
