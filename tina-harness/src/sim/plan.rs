//! Compiles a scenario script into the flat list of steps the simulated agents take.
//!
//! The list is a pure function of the script, so a resumed sim (after a staged crash)
//! recomputes it and continues from the step its state file names. The order follows
//! the orchestrate protocol: for each phase the orchestrator plans (`advance plan`,
//! plan file), starts the phase team (`start --parent-team-id`), the team joins and
//! works through its tasks (code changes, tests), the orchestrator reviews
//! (`advance review`, tests again) and completes the phase.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::scenario::{ScenarioScript, TaskScript};

/// Which orchestrator task of a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrchTask {
    Plan,
    Execute,
    Review,
}

impl OrchTask {
    const ALL: [OrchTask; 3] = [Self::Plan, Self::Execute, Self::Review];

    /// Claude Code numbers a team's tasks "1", "2", ...: three per phase, in order.
    pub fn task_id(self, phase: u32) -> String {
        let offset = match self {
            Self::Plan => 1,
            Self::Execute => 2,
            Self::Review => 3,
        };
        ((phase - 1) * 3 + offset).to_string()
    }

    pub fn subject(self, phase: u32) -> String {
        let verb = match self {
            Self::Plan => "plan",
            Self::Execute => "execute",
            Self::Review => "review",
        };
        format!("{verb}-phase-{phase}")
    }
}

/// One task of the orchestrator team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrchTaskDef {
    pub id: String,
    pub subject: String,
    pub blocked_by: Vec<String>,
    /// The phase the task belongs to; written as `metadata.phase_number` (the dashboard
    /// places orchestrator tasks by it, never by the subject).
    pub phase: u32,
}

impl OrchTaskDef {
    /// The task file's `metadata`.
    pub fn metadata(&self) -> Value {
        json!({ "phase_number": self.phase })
    }
}

/// The orchestrator team's tasks for a script, in id order, each blocked by the previous.
pub fn orchestrator_task_defs(total_phases: u32) -> Vec<OrchTaskDef> {
    let mut out = Vec::new();
    let mut previous: Option<String> = None;
    for phase in 1..=total_phases {
        for kind in OrchTask::ALL {
            let id = kind.task_id(phase);
            out.push(OrchTaskDef {
                id: id.clone(),
                subject: kind.subject(phase),
                blocked_by: previous.iter().cloned().collect(),
                phase,
            });
            previous = Some(id);
        }
    }
    out
}

/// One step of the simulated agents.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `tina-session init`; its JSON output is kept in the state file.
    Init,
    /// Write the orchestrator team's config.json and its (pending) task files.
    OrchestratorTeam,
    /// Write an orchestrator task with a new status.
    OrchTaskStatus {
        phase: u32,
        task: OrchTask,
        status: &'static str,
    },
    /// `tina-session advance`.
    Advance {
        phase: u32,
        event: &'static str,
        reason: Option<String>,
    },
    /// Write the phase plan file.
    WritePlan { phase: u32 },
    /// `tina-session start --parent-team-id <orchestrator team id from init>`.
    Start { phase: u32 },
    /// Write the phase team's config.json with its first `count` members.
    TeamMembers { phase: u32, count: usize },
    /// Write the given phase tasks as `pending`.
    CreateTasks { phase: u32, ids: Vec<String> },
    /// Write a phase task with a new status.
    TaskStatus {
        phase: u32,
        task: String,
        status: String,
    },
    /// The staged crash: start writing the task's next status and die halfway.
    Crash {
        phase: u32,
        task: String,
        status: String,
    },
    /// Apply a task's code changes to the worktree.
    ApplyChanges { phase: u32, task: String },
    /// `cargo test` in the worktree; `expect_pass` false for a staged failure.
    RunTests { phase: u32, expect_pass: bool },
    /// Commit the phase's changes in the worktree.
    Commit { phase: u32 },
}

/// Finds a task of a phase (regular or fix task) by id.
pub fn find_task<'a>(script: &'a ScenarioScript, phase: u32, id: &str) -> Option<&'a TaskScript> {
    let p = script.phases.iter().find(|p| p.number == phase)?;
    p.tasks
        .iter()
        .chain(p.failure.iter().flat_map(|f| f.fix_tasks.iter()))
        .find(|t| t.id == id)
}

/// The whole run as steps.
pub fn compile(script: &ScenarioScript) -> Vec<Step> {
    let mut steps = vec![Step::Init, Step::OrchestratorTeam];
    for phase in &script.phases {
        let n = phase.number;
        let orch = |task, status| Step::OrchTaskStatus {
            phase: n,
            task,
            status,
        };
        steps.push(orch(OrchTask::Plan, "in_progress"));
        steps.push(Step::Advance {
            phase: n,
            event: "plan",
            reason: None,
        });
        steps.push(Step::WritePlan { phase: n });
        steps.push(orch(OrchTask::Plan, "completed"));
        steps.push(orch(OrchTask::Execute, "in_progress"));
        steps.push(Step::Start { phase: n });
        for count in 1..=phase.members.len() {
            steps.push(Step::TeamMembers { phase: n, count });
        }
        steps.push(Step::CreateTasks {
            phase: n,
            ids: phase.tasks.iter().map(|t| t.id.clone()).collect(),
        });
        let mut failure_pending = phase.failure.is_some();
        for task in &phase.tasks {
            let last = task.progression.len() - 1;
            for (k, status) in task.progression.iter().enumerate() {
                if k == last && task.run_tests {
                    steps.push(Step::RunTests {
                        phase: n,
                        expect_pass: !failure_pending,
                    });
                    if failure_pending {
                        failure_pending = false;
                        push_fix(&mut steps, script, n);
                    }
                }
                steps.push(Step::TaskStatus {
                    phase: n,
                    task: task.id.clone(),
                    status: status.clone(),
                });
                if k == 0 && !task.changes.is_empty() {
                    steps.push(Step::ApplyChanges {
                        phase: n,
                        task: task.id.clone(),
                    });
                }
                if let Some(crash) = &phase.crash
                    && crash.task == task.id
                    && &crash.status == status
                    && k < last
                {
                    steps.push(Step::Crash {
                        phase: n,
                        task: task.id.clone(),
                        status: task.progression[k + 1].clone(),
                    });
                }
            }
        }
        steps.push(Step::Commit { phase: n });
        steps.push(orch(OrchTask::Execute, "completed"));
        steps.push(orch(OrchTask::Review, "in_progress"));
        steps.push(Step::Advance {
            phase: n,
            event: "review",
            reason: None,
        });
        steps.push(Step::RunTests {
            phase: n,
            expect_pass: true,
        });
        steps.push(Step::Advance {
            phase: n,
            event: "complete",
            reason: None,
        });
        steps.push(orch(OrchTask::Review, "completed"));
    }
    steps
}

/// After the staged failing test run: block, create and play the fix tasks, resume.
fn push_fix(steps: &mut Vec<Step>, script: &ScenarioScript, n: u32) {
    let Some(failure) = script
        .phases
        .iter()
        .find(|p| p.number == n)
        .and_then(|p| p.failure.as_ref())
    else {
        return;
    };
    steps.push(Step::Advance {
        phase: n,
        event: "block",
        reason: Some(failure.reason.clone()),
    });
    steps.push(Step::CreateTasks {
        phase: n,
        ids: failure.fix_tasks.iter().map(|t| t.id.clone()).collect(),
    });
    for task in &failure.fix_tasks {
        let last = task.progression.len() - 1;
        for (k, status) in task.progression.iter().enumerate() {
            if k == last && task.run_tests {
                steps.push(Step::RunTests {
                    phase: n,
                    expect_pass: true,
                });
            }
            steps.push(Step::TaskStatus {
                phase: n,
                task: task.id.clone(),
                status: status.clone(),
            });
            if k == 0 && !task.changes.is_empty() {
                steps.push(Step::ApplyChanges {
                    phase: n,
                    task: task.id.clone(),
                });
            }
        }
    }
    steps.push(Step::Advance {
        phase: n,
        event: "resume",
        reason: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orchestrator_tasks_are_numbered_per_team_and_chained() {
        let tasks = orchestrator_task_defs(2);
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3", "4", "5", "6"]);
        assert_eq!(tasks[3].subject, "plan-phase-2");
        assert_eq!(tasks[3].blocked_by, vec!["3".to_owned()]);
        assert!(tasks[0].blocked_by.is_empty());
    }

    #[test]
    fn orchestrator_tasks_carry_their_phase_in_metadata() {
        let defs = orchestrator_task_defs(2);
        let tagged: Vec<(&str, &str, Value)> = defs
            .iter()
            .map(|t| (t.id.as_str(), t.subject.as_str(), t.metadata()))
            .collect();
        assert_eq!(
            tagged,
            [
                ("1", "plan-phase-1", json!({"phase_number": 1})),
                ("2", "execute-phase-1", json!({"phase_number": 1})),
                ("3", "review-phase-1", json!({"phase_number": 1})),
                ("4", "plan-phase-2", json!({"phase_number": 2})),
                ("5", "execute-phase-2", json!({"phase_number": 2})),
                ("6", "review-phase-2", json!({"phase_number": 2})),
            ]
        );
    }
}
