//! JSON Schemas of the `tina-session` records the tools return.
//!
//! The domain types serialize with serde but do not derive `JsonSchema` (the core crate
//! does not depend on schemars). These mirrors describe the same JSON shapes for the
//! tools' `outputSchema`; outputs keep serializing the real types and only borrow the
//! schema through `#[schemars(with = ...)]`. A test deserializes real records into the
//! mirrors with `deny_unknown_fields` and compares, so a mirror that drifts from the
//! record fails the build's tests.

use std::collections::BTreeMap;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One feature implementation run.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Orchestration {
    pub id: String,
    /// Unique, matched exactly.
    pub feature_name: String,
    pub design_doc: String,
    pub branch: Option<String>,
    pub worktree_path: Option<String>,
    pub total_phases: u32,
    pub current_phase: Option<u32>,
    /// planning | executing | reviewing | complete | blocked
    pub status: String,
    /// Milliseconds since the Unix epoch.
    pub started_at: i64,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

/// One phase of an orchestration.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub orchestration_id: String,
    pub phase_number: u32,
    /// planning | executing | reviewing | complete | blocked
    pub status: String,
    pub plan_path: Option<String>,
    pub blocked_reason: Option<String>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

/// An agent team. Phase and parent come from the record, never from the name.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: String,
    pub team_name: String,
    pub orchestration_id: String,
    /// Null for the orchestrator team.
    pub parent_team_id: Option<String>,
    /// Null for the orchestrator team.
    pub phase_number: Option<u32>,
    pub lead_session_id: Option<String>,
    pub created_at: i64,
}

/// One agent of a team.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMember {
    pub team_id: String,
    pub agent_name: String,
    pub agent_type: Option<String>,
    pub model: Option<String>,
    pub joined_at: i64,
}

/// The current state of one task of one team (tasks are identified by team + task_id).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrentTask {
    pub orchestration_id: String,
    pub team_id: String,
    pub team_name: String,
    /// Null for orchestrator-team tasks.
    pub phase_number: Option<u32>,
    pub task_id: String,
    pub subject: String,
    pub description: String,
    /// pending | in_progress | completed | any other status the agent reported.
    pub status: String,
    pub owner: Option<String>,
    pub blocked_by: Vec<String>,
    pub metadata: Value,
    pub recorded_at: i64,
    pub sequence: i64,
}

/// Everything about one orchestration, tasks grouped by phase.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrchestrationDetail {
    pub orchestration: Orchestration,
    pub phases: Vec<Phase>,
    /// Tasks of the orchestrator team.
    pub orchestrator_tasks: Vec<CurrentTask>,
    /// Tasks of phase teams keyed by phase number ("1", "2", ...).
    pub phase_tasks: BTreeMap<String, Vec<CurrentTask>>,
    pub teams: Vec<Team>,
    pub team_members: Vec<TeamMember>,
}

/// The team tree of one orchestration.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamHierarchy {
    pub orchestration_id: String,
    pub feature_name: String,
    /// Root teams (normally one: the orchestrator team) with their children.
    pub teams: Vec<TeamNode>,
}

/// One team with its members, task counts by status, and child teams.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamNode {
    pub team: Team,
    pub members: Vec<TeamMember>,
    /// Current tasks by status; every reported status is a key.
    pub task_counts: BTreeMap<String, u32>,
    pub task_total: u32,
    pub children: Vec<TeamNode>,
}

/// Mirrors of the `tina-harness` report types.
pub mod harness {
    use super::*;

    /// One scenario folder.
    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ScenarioSummary {
        /// The name to pass to run_scenario.
        pub name: String,
        pub feature_name: Option<String>,
        pub description: Option<String>,
        pub total_phases: Option<u32>,
        /// Why the scenario does not load, when it does not.
        pub error: Option<String>,
    }

    /// Everything a run did and found.
    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RunReport {
        pub run_id: String,
        pub scenario: String,
        pub feature_name: Option<String>,
        /// sim | claude
        pub runtime: String,
        /// running | passed | failed | error
        pub status: String,
        /// RFC 3339 UTC.
        pub started_at: String,
        pub finished_at: Option<String>,
        pub duration_ms: u64,
        pub timings: Vec<StageTiming>,
        /// Every checked expectation; `passed: false` ones explain the failure.
        pub assertions: Vec<Assertion>,
        /// What stopped the run before it could be judged.
        pub error: Option<RunError>,
        /// The team hierarchy at the end of the run, as text.
        pub hierarchy: Option<String>,
        pub run_dir: String,
        /// The run's log file.
        pub log_path: String,
        /// The kept worktree (with keep).
        pub worktree: Option<String>,
    }

    /// The time one stage took.
    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct StageTiming {
        /// build | daemon | cleanup | setup | run | verify | teardown | done
        pub stage: String,
        pub duration_ms: u64,
    }

    /// One checked expectation.
    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Assertion {
        pub name: String,
        /// setup | orchestration | sync | verification
        pub category: String,
        pub passed: bool,
        pub expected: String,
        pub observed: String,
    }

    /// The error that stopped a run.
    #[derive(Debug, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RunError {
        /// setup | orchestration | sync | verification
        pub category: String,
        pub message: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use std::collections::BTreeMap as Map;
    use tina_session::model as m;

    /// Serializes the real record, reads it as the mirror (unknown fields refused) and
    /// checks nothing was lost on the way back.
    fn same_shape<Real: Serialize, Mirror: DeserializeOwned + Serialize>(real: &Real) {
        let json = serde_json::to_value(real).expect("serialize real");
        let mirror: Mirror = serde_json::from_value(json.clone())
            .unwrap_or_else(|e| panic!("mirror rejects {json}: {e}"));
        assert_eq!(
            serde_json::to_value(&mirror).expect("serialize mirror"),
            json
        );
    }

    fn orch() -> m::Orchestration {
        m::Orchestration {
            id: "o1".into(),
            feature_name: "f".into(),
            design_doc: "/d.md".into(),
            branch: Some("tina/f".into()),
            worktree_path: None,
            total_phases: 2,
            current_phase: Some(1),
            status: m::OrchestrationStatus::Executing,
            started_at: 1,
            completed_at: None,
            updated_at: 2,
        }
    }

    fn team() -> m::Team {
        m::Team {
            id: "t1".into(),
            team_name: "f-phase-1".into(),
            orchestration_id: "o1".into(),
            parent_team_id: Some("t0".into()),
            phase_number: Some(1),
            lead_session_id: None,
            created_at: 3,
        }
    }

    fn member() -> m::TeamMember {
        m::TeamMember {
            team_id: "t1".into(),
            agent_name: "a".into(),
            agent_type: Some("coder".into()),
            model: None,
            joined_at: 4,
        }
    }

    fn task() -> m::CurrentTask {
        m::CurrentTask {
            orchestration_id: "o1".into(),
            team_id: "t1".into(),
            team_name: "f-phase-1".into(),
            phase_number: Some(1),
            task_id: "1".into(),
            subject: "s".into(),
            description: "d".into(),
            status: m::TaskStatus::Other("weird".into()),
            owner: Some("a".into()),
            blocked_by: vec!["2".into()],
            metadata: serde_json::json!({"k": 1}),
            recorded_at: 5,
            sequence: 6,
        }
    }

    fn phase() -> m::Phase {
        m::Phase {
            orchestration_id: "o1".into(),
            phase_number: 1,
            status: m::PhaseStatus::Blocked,
            plan_path: Some("/p.md".into()),
            blocked_reason: Some("r".into()),
            started_at: Some(1),
            completed_at: None,
            updated_at: 2,
        }
    }

    #[test]
    fn harness_mirrors_match_the_reports() {
        use tina_harness as h;
        same_shape::<_, harness::ScenarioSummary>(&h::ScenarioSummary {
            name: "01-x".into(),
            feature_name: Some("x".into()),
            description: None,
            total_phases: Some(1),
            error: None,
        });
        same_shape::<_, harness::RunReport>(&h::RunReport {
            run_id: "run-1".into(),
            scenario: "01-x".into(),
            feature_name: Some("x".into()),
            runtime: "sim".into(),
            status: h::RunStatus::Failed,
            started_at: "2026-01-01T00:00:00.000Z".into(),
            finished_at: None,
            duration_ms: 5,
            timings: vec![h::StageTiming {
                stage: h::Stage::Verify,
                duration_ms: 1,
            }],
            assertions: vec![h::Assertion {
                name: "a".into(),
                category: h::Category::Sync,
                passed: false,
                expected: "1".into(),
                observed: "2".into(),
            }],
            error: Some(h::RunError {
                category: h::Category::Setup,
                message: "m".into(),
            }),
            hierarchy: Some("h".into()),
            run_dir: "/r".into(),
            log_path: "/r/run.log".into(),
            worktree: None,
        });
    }

    #[test]
    fn mirrors_match_the_records() {
        same_shape::<_, Orchestration>(&orch());
        same_shape::<_, Phase>(&phase());
        same_shape::<_, Team>(&team());
        same_shape::<_, TeamMember>(&member());
        same_shape::<_, CurrentTask>(&task());
        let mut phase_tasks = Map::new();
        phase_tasks.insert("1".to_owned(), vec![task()]);
        same_shape::<_, OrchestrationDetail>(&m::OrchestrationDetail {
            orchestration: orch(),
            phases: vec![phase()],
            orchestrator_tasks: vec![task()],
            phase_tasks,
            teams: vec![team()],
            team_members: vec![member()],
        });
        let mut counts = Map::new();
        counts.insert("completed".to_owned(), 1);
        same_shape::<_, TeamHierarchy>(&m::TeamHierarchy {
            orchestration_id: "o1".into(),
            feature_name: "f".into(),
            teams: vec![m::TeamNode {
                team: team(),
                members: vec![member()],
                task_counts: counts.clone(),
                task_total: 1,
                children: vec![m::TeamNode {
                    team: team(),
                    members: vec![],
                    task_counts: counts,
                    task_total: 1,
                    children: vec![],
                }],
            }],
        });
    }
}
