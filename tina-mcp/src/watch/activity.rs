//! What `watch_orchestration` makes of team activity (Claude Code hooks recorded by
//! `tina-session hook`): a milestone per new lead session start or end, teammate idle
//! and notification, and the anomaly "a phase lead's session ended while its phase
//! executes" (nobody is left to drive the phase). Subagent and stop entries are not
//! reported: they are frequent and say nothing a watcher acts on.
//!
//! The cursor keeps a watermark of what was reported: the newest `recorded_at` and how
//! many entries carry it, so an entry is reported once even when several share a
//! millisecond.

use serde::{Deserialize, Serialize};
use tina_session::model::{ActivityKind, PhaseStatus, Team, TeamActivity, input};

use super::{Anomaly, AnomalyKind, Milestone, MilestoneKind, Snapshot, event, team_label};

/// The activity already reported: entries up to `at`, the first `at_count` of those at
/// exactly `at`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ActivitySeen {
    pub at: i64,
    pub at_count: u32,
}

/// Adds the milestones of activity newer than `seen`, and the anomalies that hold, and
/// returns the new watermark.
pub fn evaluate(
    seen: ActivitySeen,
    snap: &Snapshot,
    teams: &[&Team],
    milestones: &mut Vec<Milestone>,
    holding: &mut Vec<(String, Anomaly)>,
) -> ActivitySeen {
    let team_of = |a: &TeamActivity| teams.iter().copied().find(|t| t.id == a.team_id);
    let mut next = seen;
    let mut at_count = 0u32;
    for a in &snap.activity {
        // `snap.activity` is ordered by recorded_at (then arrival).
        if a.recorded_at < seen.at {
            continue;
        }
        at_count = if a.recorded_at == next.at {
            at_count + 1
        } else {
            1
        };
        let already = a.recorded_at == seen.at && at_count <= seen.at_count;
        if a.recorded_at > next.at || at_count > next.at_count {
            next = ActivitySeen {
                at: a.recorded_at,
                at_count,
            };
        }
        if already {
            continue;
        }
        let Some(team) = team_of(a) else { continue };
        if let Some(message) = describe(a, team) {
            milestones.push(event(
                MilestoneKind::TeamActivity,
                message,
                team.phase_number,
                Some(&team.team_name),
            ));
        }
    }
    for team in teams {
        let executing = team.phase_number.is_some_and(|n| {
            snap.phases
                .iter()
                .any(|p| p.phase_number == n && p.status == PhaseStatus::Executing)
        });
        if !executing {
            continue;
        }
        // The latest start or end of the team's lead session decides.
        let last = snap.activity.iter().rfind(|a| {
            a.team_id == team.id
                && matches!(
                    a.kind,
                    ActivityKind::SessionStart | ActivityKind::SessionEnd
                )
                && team
                    .lead_session_id
                    .as_deref()
                    .is_none_or(|lead| lead == a.session_id)
        });
        if let Some(end) = last.filter(|a| a.kind == ActivityKind::SessionEnd) {
            holding.push((
                format!("lead_session_ended:{}:{}", team.id, end.recorded_at),
                event(
                    AnomalyKind::LeadSessionEnded,
                    format!(
                        "{}: the lead's Claude Code session ended ({}) while the phase executes",
                        team_label(team),
                        detail(end).unwrap_or("no reason given")
                    ),
                    team.phase_number,
                    Some(&team.team_name),
                ),
            ));
        }
    }
    next
}

fn detail(a: &TeamActivity) -> Option<&str> {
    a.detail.as_deref().filter(|d| !d.is_empty())
}

/// The milestone line of an entry, `None` for kinds not reported.
fn describe(a: &TeamActivity, team: &Team) -> Option<String> {
    let who = team_label(team);
    let text = |d: Option<&str>| {
        d.map(|d| format!(" ({})", input::display_safe(d)))
            .unwrap_or_default()
    };
    Some(match a.kind {
        ActivityKind::SessionStart => format!("{who}: lead session started{}", text(detail(a))),
        ActivityKind::SessionEnd => format!("{who}: lead session ended{}", text(detail(a))),
        ActivityKind::TeammateIdle => format!(
            "{who}: teammate {} is idle",
            input::display_safe(a.agent_name.as_deref().unwrap_or("?"))
        ),
        ActivityKind::Notification => format!("{who}: notification{}", text(detail(a))),
        ActivityKind::Stop | ActivityKind::SubagentStart | ActivityKind::SubagentStop => {
            return None;
        }
    })
}
