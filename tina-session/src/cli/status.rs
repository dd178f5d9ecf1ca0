//! `tina-session status`: one orchestration, its phases and task counts.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::{Context, or_dash, safe};
use crate::attention::summary::{Spend, UsageView};
use crate::lifecycle::launch::{LeadLink, lead_link};
use crate::lifecycle::{LaunchSettings, resolve_orchestration};
use crate::model::input::display_safe;
use crate::model::{AttentionEvent, Orchestration, Phase};
use crate::views::summarize;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Exact feature name (or orchestration id).
    #[arg(long)]
    pub feature: String,
}

/// `status --json`: the orchestration summary ([`crate::views::summary`]) with the
/// store it came from and the launched leads' links.
#[derive(Serialize)]
struct Status {
    store: String,
    orchestration: Orchestration,
    phases: Vec<Phase>,
    task_counts: BTreeMap<String, u32>,
    team_count: usize,
    /// Tokens and cost per member, team, phase and in total, with budgets.
    usage: UsageView,
    /// Attention events still holding (waiting, stall, blocked, budget), oldest first.
    attention: Vec<AttentionEvent>,
    /// Teams whose lead TINA launched: where its Claude Code team folder stands.
    leads: Vec<Lead>,
}

#[derive(Serialize)]
struct Lead {
    team_name: String,
    lead_session_id: Option<String>,
    link: LeadLink,
}

/// `$1.23 · 45.6k tokens · 12 messages` (and the unpriced count when there is one).
fn spend_line(s: &Spend) -> String {
    let mut line = format!(
        "${:.2} · {} tokens · {} messages",
        s.cost_usd,
        compact(s.tokens.total()),
        s.messages
    );
    if s.unpriced_messages > 0 {
        line.push_str(&format!(" ({} unpriced)", s.unpriced_messages));
    }
    line
}

fn compact(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

pub fn run(args: StatusArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let orch = resolve_orchestration(&*store, &args.feature)?;
    let summary = summarize(&*store, orch)?;
    let timeout = LaunchSettings::from_env()?.link_timeout;
    let now = crate::model::now_ms();
    let leads = summary
        .teams
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
        team_count: summary.teams.len(),
        leads,
        orchestration: summary.orchestration,
        phases: summary.phases,
        task_counts: summary.task_counts,
        usage: summary.usage,
        attention: summary.attention,
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
        let u = &status.usage;
        s.push_str(&format!("\n  spend:         {}", spend_line(&u.total)));
        for t in &u.teams {
            s.push_str(&format!(
                "\n    {}: {}",
                display_safe(&t.team_name),
                spend_line(&t.spend)
            ));
        }
        for b in &u.budgets {
            let scope = b.phase_number.map_or("orchestration".into(), |p| format!("phase {p}"));
            s.push_str(&format!(
                "\n  budget:        {scope} ${:.2}: ${:.2} spent ({} %, {})",
                b.budget_usd,
                b.spent_usd,
                b.percent,
                crate::cli_common::wire_name(&b.state)
            ));
        }
        for e in &status.attention {
            s.push_str(&format!(
                "\n  attention:     {}: {}",
                e.kind.as_str(),
                display_safe(&e.message)
            ));
        }
        s
    })?;
    Ok(ExitCode::SUCCESS)
}
