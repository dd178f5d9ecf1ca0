//! `tina-session init`: create the orchestration, worktree and orchestrator team.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::launch_args::LaunchArgs;
use super::{Context, or_dash, safe};
use crate::lifecycle::{self, InitRequest, Runtime};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Exact feature name; it names the orchestration, branch and worktree.
    #[arg(long)]
    pub feature: String,
    /// The design document the orchestration implements.
    #[arg(long, value_name = "PATH")]
    pub design_doc: PathBuf,
    /// Git repository to branch from (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Branch for the feature (default: tina/<feature>).
    #[arg(long)]
    pub branch: Option<String>,
    /// Number of phases in the design.
    #[arg(long, default_value_t = 1)]
    pub total_phases: u32,
    /// Do not create a git worktree and branch.
    #[arg(long)]
    pub no_worktree: bool,
    /// Replace an orchestration of the same feature that is running or blocked (its
    /// records go; a complete one is replaced without asking).
    #[arg(long)]
    pub replace: bool,
    /// Spending limit for the whole orchestration, in US dollars (see `budget`).
    #[arg(long, value_name = "USD", value_parser = crate::attention::budget::parse_usd)]
    pub budget_usd: Option<f64>,
    /// Who plays the orchestrator: none (you drive it; the default), claude (launch the
    /// orchestrator lead in tmux, following the orchestrate skill).
    #[arg(long, default_value = "none")]
    pub runtime: Runtime,
    #[command(flatten)]
    pub launch: LaunchArgs,
}

pub fn run(args: InitArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    // The one command that may create a new store where a deleted one was.
    let store = ctx.store_for_init()?;
    let repo = match args.repo {
        Some(r) => Some(r),
        None if args.no_worktree => None,
        None => Some(std::env::current_dir()?),
    };
    let launcher = match args.runtime {
        Runtime::Claude => Some(args.launch.launcher(&ctx.config)?),
        Runtime::None => None,
        Runtime::Sim => anyhow::bail!(
            "--runtime sim is for phase teams the harness plays; use claude or none for init"
        ),
    };
    let out = lifecycle::init_with(
        &*store,
        &InitRequest {
            feature: args.feature,
            design_doc: args.design_doc,
            repo,
            branch: args.branch,
            total_phases: args.total_phases,
            no_worktree: args.no_worktree,
            replace: args.replace,
            worktrees_dir: ctx.config.worktrees_dir(),
        },
        launcher.as_ref(),
    )?;
    if let Some(usd) = args.budget_usd {
        crate::attention::set_budget(&*store, out.orchestration_id.as_str(), None, Some(usd))?;
    }
    ctx.emit(&out, || {
        format!(
            "Initialized '{}' ({} phases)\n  orchestration id:      {}\n  orchestrator team:     {}\n  orchestrator team id:  {}\n  branch:                {}\n  worktree:              {}\n\nStart phase 1 with:\n  tina-session start --feature {} --phase 1 --plan <plan.md> --parent-team-id {}",
            safe(&out.feature_name),
            out.total_phases,
            out.orchestration_id,
            safe(&out.team_name),
            out.team_id,
            safe(&or_dash(out.branch.as_ref())),
            safe(&or_dash(out.worktree_path.as_ref())),
            safe(&out.feature_name),
            out.team_id
        ) + &match &out.tmux_session {
            Some(t) => format!(
                "\n\nThe orchestrator lead runs in tmux (session id {}); watch it with:\n  {}",
                or_dash(out.lead_session_id.as_ref()),
                lifecycle::launch::attach_hint(t)
            ),
            None => String::new(),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
