//! Attention: is this orchestration blocked (on which phase, why, since when), who waits
//! on a person, what else is open (stalls, budget alerts), when did its tasks last change,
//! and is it stale (running, yet nothing changed for a while).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::open::{OpenItem, waiting_count};
use crate::model::*;

/// Why an orchestration is blocked, and since when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Blocked {
    pub phase_number: u32,
    /// As the lifecycle recorded it; `None` when no reason was given.
    pub reason: Option<String>,
    /// When the phase became blocked (the phase history), in ms since the epoch.
    #[ts(type = "number")]
    pub since: Millis,
}

/// What needs a person's eyes, computed from the records at read time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Attention {
    /// Set when a phase is blocked (the first blocked phase, by number).
    pub blocked: Option<Blocked>,
    /// Since when the orchestration has been in its present status (ms since the epoch).
    #[ts(type = "number")]
    pub status_since: Millis,
    /// The newest change of any of its tasks; `None` before its first task.
    #[ts(type = "number | null")]
    pub last_activity: Option<Millis>,
    /// Running (planning, executing or reviewing) with no task change and no status change
    /// for at least the stale threshold.
    pub stale: bool,
    /// Members waiting on a person (a permission, idle or elicitation prompt), each
    /// counted once: the "waiting on you" badge.
    pub waiting: u32,
    /// Open attention events (waiting, stall, budget), most urgent first.
    pub open: Vec<OpenItem>,
}

/// The inputs of [`attention`], so the list (which reads them in bulk) and the detail
/// (which reads them for one orchestration) decide the same way.
pub struct Facts<'a> {
    pub orchestration: &'a Orchestration,
    pub phases: &'a [Phase],
    pub history: &'a [PhaseChange],
    pub last_activity: Option<Millis>,
    pub now: Millis,
    pub stale_after: Millis,
    /// Its open attention events, placed ([`super::open::open_items`]).
    pub open: Vec<OpenItem>,
}

pub fn attention(f: Facts<'_>) -> Attention {
    let o = f.orchestration;
    let blocked = f
        .phases
        .iter()
        .filter(|p| p.status == PhaseStatus::Blocked)
        .min_by_key(|p| p.phase_number)
        .map(|p| Blocked {
            phase_number: p.phase_number,
            reason: p.blocked_reason.clone(),
            since: entered(f.history, p.phase_number, PhaseStatus::Blocked).unwrap_or(p.updated_at),
        });
    let status_since = match (&blocked, o.status) {
        (Some(b), _) => b.since,
        (None, OrchestrationStatus::Complete) => o.completed_at.unwrap_or(o.updated_at),
        // The latest phase change put it where it is (or its creation, before any phase).
        _ => f.history.iter().map(|c| c.at).max().unwrap_or(o.started_at),
    };
    Attention {
        stale: blocked.is_none()
            && is_stale(
                o,
                f.last_activity.max(Some(status_since)),
                f.now,
                f.stale_after,
            ),
        blocked,
        status_since,
        last_activity: f.last_activity,
        waiting: waiting_count(&f.open),
        open: f.open,
    }
}

/// The stale rule: running (planning, executing or reviewing) and nothing changed — no task,
/// no phase transition (`updated_at`), nothing in `quiet_since` — for `stale_after` ms.
/// The list applies it to every orchestration from bulk reads; [`attention`] to one.
pub fn is_stale(
    o: &Orchestration,
    quiet_since: Option<Millis>,
    now: Millis,
    stale_after: Millis,
) -> bool {
    let running = matches!(
        o.status,
        OrchestrationStatus::Planning
            | OrchestrationStatus::Executing
            | OrchestrationStatus::Reviewing
    );
    let quiet_since = quiet_since.unwrap_or(o.started_at).max(o.updated_at);
    running && now.saturating_sub(quiet_since) >= stale_after
}

/// When `phase` last entered `status`: the first change of the latest unbroken run of
/// that status in the history.
fn entered(history: &[PhaseChange], phase: u32, status: PhaseStatus) -> Option<Millis> {
    let mut since = None;
    for c in history.iter().filter(|c| c.phase_number == phase) {
        match (c.status == status, since) {
            (true, None) => since = Some(c.at),
            (false, _) => since = None,
            (true, Some(_)) => {}
        }
    }
    since
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orch(status: OrchestrationStatus) -> Orchestration {
        Orchestration {
            id: OrchestrationId("o".into()),
            feature_name: "f".into(),
            design_doc: "d".into(),
            branch: None,
            worktree_path: None,
            total_phases: 2,
            current_phase: Some(1),
            status,
            started_at: 1_000,
            completed_at: None,
            updated_at: 1_000,
        }
    }

    fn change(phase: u32, status: PhaseStatus, reason: Option<&str>, at: Millis) -> PhaseChange {
        PhaseChange {
            phase_number: phase,
            status,
            blocked_reason: reason.map(str::to_owned),
            at,
        }
    }

    fn phase(n: u32, status: PhaseStatus, reason: Option<&str>) -> Phase {
        Phase {
            orchestration_id: OrchestrationId("o".into()),
            phase_number: n,
            status,
            plan_path: None,
            blocked_reason: reason.map(str::to_owned),
            started_at: Some(1_000),
            completed_at: None,
            updated_at: 9_999,
        }
    }

    #[test]
    fn blocked_since_is_the_start_of_the_latest_block() {
        use PhaseStatus as P;
        let history = [
            change(1, P::Executing, None, 1_000),
            change(1, P::Blocked, Some("a"), 2_000),
            change(1, P::Executing, None, 3_000),
            change(1, P::Blocked, Some("b"), 4_000),
            change(1, P::Blocked, Some("b, again"), 5_000),
        ];
        let o = orch(OrchestrationStatus::Blocked);
        let phases = [phase(1, P::Blocked, Some("b, again"))];
        let a = attention(Facts {
            orchestration: &o,
            phases: &phases,
            history: &history,
            last_activity: Some(1_500),
            now: 1_000_000,
            stale_after: 10,
            open: Vec::new(),
        });
        let b = a.blocked.expect("blocked");
        assert_eq!(
            (b.phase_number, b.reason.as_deref(), b.since),
            (1, Some("b, again"), 4_000)
        );
        assert_eq!(a.status_since, 4_000);
        assert!(!a.stale, "a blocked orchestration is blocked, not stale");
    }

    #[test]
    fn stale_needs_a_running_orchestration_quiet_for_the_threshold() {
        use PhaseStatus as P;
        let history = [change(1, P::Executing, None, 1_000)];
        let phases = [phase(1, P::Executing, None)];
        let facts = |o: &Orchestration, last: Option<Millis>, now| {
            attention(Facts {
                orchestration: o,
                phases: &phases,
                history: &history,
                last_activity: last,
                now,
                stale_after: 600_000,
                open: Vec::new(),
            })
        };
        let running = orch(OrchestrationStatus::Executing);
        assert!(!facts(&running, Some(50_000), 649_999).stale);
        assert!(facts(&running, Some(50_000), 650_000).stale);
        // No task yet: quiet since the phase started.
        assert!(facts(&running, None, 601_000).stale);
        assert!(!facts(&running, None, 600_999).stale);
        let done = Orchestration {
            completed_at: Some(2_000),
            ..orch(OrchestrationStatus::Complete)
        };
        let a = facts(&done, Some(50_000), 10_000_000);
        assert!(!a.stale, "a finished orchestration is never stale");
        assert_eq!(a.status_since, 2_000);
    }
}
