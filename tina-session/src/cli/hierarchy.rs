//! `tina-session hierarchy`: the team tree, as text by default.

use std::process::ExitCode;

use clap::Args;

use super::Context;
use crate::lifecycle::resolve_orchestration;
use crate::model::input::display_safe;
use crate::model::{TeamHierarchy, TeamNode};

#[derive(Debug, Args)]
pub struct HierarchyArgs {
    /// Exact feature name (or orchestration id).
    #[arg(long)]
    pub feature: String,
}

pub fn run(args: HierarchyArgs, ctx: &Context) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let orch = resolve_orchestration(&*store, &args.feature)?;
    let tree = store.get_team_hierarchy(&orch.id)?;
    ctx.emit(&tree, || render(&tree, &orch.status.to_string()))?;
    Ok(ExitCode::SUCCESS)
}

/// Renders the tree with box-drawing lines.
pub fn render(tree: &TeamHierarchy, status: &str) -> String {
    let mut out = format!(
        "Orchestration: {} ({})\n",
        display_safe(&tree.feature_name),
        display_safe(status)
    );
    for (i, node) in tree.teams.iter().enumerate() {
        render_node(node, "", i + 1 == tree.teams.len(), &mut out);
    }
    out.trim_end().to_owned()
}

fn render_node(node: &TeamNode, prefix: &str, last: bool, out: &mut String) {
    let branch = if last { "└── " } else { "├── " };
    let label = match node.team.phase_number {
        Some(p) => format!("phase {p}"),
        None => "orchestrator".to_owned(),
    };
    let members: Vec<String> = node
        .members
        .iter()
        .map(|m| display_safe(&m.agent_name).into_owned())
        .collect();
    let counts: Vec<String> = node
        .task_counts
        .iter()
        .map(|(k, v)| format!("{v} {}", display_safe(k)))
        .collect();
    out.push_str(&format!(
        "{prefix}{branch}{} [{label}] id={} members: {} | tasks: {}\n",
        display_safe(&node.team.team_name),
        node.team.id,
        if members.is_empty() {
            "-".to_owned()
        } else {
            members.join(", ")
        },
        if counts.is_empty() {
            "none".to_owned()
        } else {
            counts.join(", ")
        },
    ));
    let child_prefix = format!("{prefix}{}", if last { "    " } else { "│   " });
    for (i, child) in node.children.iter().enumerate() {
        render_node(child, &child_prefix, i + 1 == node.children.len(), out);
    }
}
