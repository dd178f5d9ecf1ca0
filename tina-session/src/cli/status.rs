//! `tina-session status`: one orchestration, its phases and task counts.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::{Context, or_dash, safe};
use crate::lifecycle::launch::{LeadLink, lead_link};
use crate::lifecycle::{LaunchSettings, resolve_orchestration};
use crate::model::{Orchestration, Phase, count_by_status};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Exact feature name (or orchestration id).
    #[arg(long)]
    pub feature: String,
}

#[derive(Serialize)]
struct Status {
    store: String,
    orchestration: Orchestration,
    phases: Vec<Phase>,
    task_counts: BTreeMap<String, u32>,
    team_count: usize,
    /// Teams whose lead TINA launched: where its Claude Code team folder stands.
    leads: Vec<Lead>,
}

#[derive(Serialize)]
struct Lead {
    team_name: String,
    lead_session_id: Option<String>,
    link: LeadLink,
}

pub fn run(args: StatusArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let orch = resolve_orchestration(&*store, &args.feature)?;
    let task_counts = count_by_status(&store.get_current_tasks(&orch.id)?);
    let teams = store.list_teams(&orch.id)?;
    let timeout = LaunchSettings::from_env()?.link_timeout;
    let now = crate::model::now_ms();
    let leads = teams
        .iter()
        .filter_map(|t| {
            Some(Lead {
                team_name: t.team_name.clone(),
                lead_session_id: t.lead_session_id.clone(),
                link: lead_link(t, &ctx.config.claude_home, now, timeout)?,
            })
        })
        .collect();
    let status = Status {
        store: store.describe(),
        phases: store.list_phases(&orch.id)?,
        team_count: teams.len(),
        leads,
        orchestration: orch,
        task_counts,
    };
    ctx.emit(&status, || {
        let o = &status.orchestration;
        let mut s = format!(
            "{} ({})\n  id:            {}\n  phase:         {} of {}\n  branch:        {}\n  worktree:      {}\n  teams:         {}\n  store:         {}\n",
            safe(&o.feature_name),
            o.status,
            o.id,
            or_dash(o.current_phase),
            o.total_phases,
            safe(&or_dash(o.branch.as_ref())),
            safe(&or_dash(o.worktree_path.as_ref())),
            status.team_count,
            safe(&status.store)
        );
        for p in &status.phases {
            s.push_str(&format!("  phase {}: {}", p.phase_number, p.status));
            if let Some(r) = &p.blocked_reason {
                s.push_str(&format!(" ({})", safe(r)));
            }
            s.push('\n');
        }
        for l in &status.leads {
            s.push_str(&format!(
                "  lead {}: {}\n",
                crate::model::input::display_safe(&l.team_name),
                l.link.describe(&l.team_name)
            ));
        }
        let counts: Vec<String> = status
            .task_counts
            .iter()
            .map(|(k, v)| format!("{v} {}", safe(k)))
            .collect();
        s.push_str(&format!(
            "  tasks:         {}",
            if counts.is_empty() { "none".into() } else { counts.join(", ") }
        ));
        s
    })?;
    Ok(ExitCode::SUCCESS)
}
