//! `verify`: checks a scenario's `expected.json` (and the invariants every run must
//! keep) against the store and the worktree.
//!
//! The orchestration is found by its exact feature name. Before judging, verify waits
//! (polling, with a deadline) until the daemon has synced what the script wrote: every
//! scripted task of every team at its final status and every scripted member. If the
//! deadline passes it judges anyway, and the missing records show up as `sync`
//! failures with what was observed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tina_session::{CurrentTask, Orchestration, OrchestrationDetail, Store, Team};

use crate::project;
use crate::report::{Assertion, Category};
use crate::scenario::{ChangeKind, Scenario};
use crate::sim::plan;

/// How verification runs.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// How long to wait for the daemon to sync the scripted files.
    pub sync_deadline: Duration,
    /// Check the worktree (tests, file changes); false when it was not kept.
    pub check_worktree: bool,
    /// CARGO_TARGET_DIR for the verification `cargo test`.
    pub cargo_target: PathBuf,
    /// The sim played the script: the store must hold exactly the scripted tasks and
    /// members. False for real agents, whose tasks are their own: then every team
    /// must have tasks, and `expected.json` is checked as usual.
    pub scripted: bool,
}

fn assertion(
    name: impl Into<String>,
    category: Category,
    passed: bool,
    expected: impl ToString,
    observed: impl ToString,
) -> Assertion {
    Assertion {
        name: name.into(),
        category,
        passed,
        expected: expected.to_string(),
        observed: observed.to_string(),
    }
}

/// What the store must hold once the daemon caught up, derived from the script.
struct ScriptedTeams {
    /// Orchestrator task id -> subject.
    orchestrator_tasks: BTreeMap<String, String>,
    /// Orchestrator task id -> the phase its `metadata.phase_number` must name.
    orchestrator_task_phases: BTreeMap<String, u32>,
    orchestrator_members: BTreeSet<String>,
    /// Phase -> task ids (regular and fix tasks).
    phase_tasks: BTreeMap<u32, BTreeSet<String>>,
    phase_members: BTreeMap<u32, BTreeSet<String>>,
}

impl ScriptedTeams {
    fn of(s: &Scenario) -> Self {
        let script = &s.script;
        let mut orchestrator_tasks = BTreeMap::new();
        let mut orchestrator_task_phases = BTreeMap::new();
        for t in plan::orchestrator_task_defs(script.total_phases) {
            orchestrator_task_phases.insert(t.id.clone(), t.phase);
            orchestrator_tasks.insert(t.id, t.subject);
        }
        Self {
            orchestrator_tasks,
            orchestrator_task_phases,
            orchestrator_members: script
                .orchestrator
                .members
                .iter()
                .map(|m| m.name.clone())
                .collect(),
            phase_tasks: script
                .phases
                .iter()
                .map(|p| {
                    let ids = p
                        .tasks
                        .iter()
                        .chain(p.failure.iter().flat_map(|f| f.fix_tasks.iter()))
                        .map(|t| t.id.clone())
                        .collect();
                    (p.number, ids)
                })
                .collect(),
            phase_members: script
                .phases
                .iter()
                .map(|p| (p.number, p.members.iter().map(|m| m.name.clone()).collect()))
                .collect(),
        }
    }
}

/// The store's view, split by team record (never by team name).
struct Observed {
    orch: Orchestration,
    detail: OrchestrationDetail,
    roots: Vec<Team>,
    /// Every phase the run must have: 1..=total_phases of the scenario, and any other
    /// phase the store has a record or team of. A phase never started is in here.
    phase_numbers: BTreeSet<u32>,
}

impl Observed {
    fn load(store: &dyn Store, feature: &str, total_phases: u32) -> anyhow::Result<Option<Self>> {
        let orch = match store.get_orchestration_by_feature(feature) {
            Ok(o) => o,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let detail = store.get_orchestration_detail(&orch.id)?;
        Ok(Some(Self::new(orch, detail, total_phases)))
    }

    fn new(orch: Orchestration, detail: OrchestrationDetail, total_phases: u32) -> Self {
        let roots = detail
            .teams
            .iter()
            .filter(|t| t.parent_team_id.is_none() && t.phase_number.is_none())
            .cloned()
            .collect();
        let phase_numbers = (1..=total_phases)
            .chain(detail.phases.iter().map(|p| p.phase_number))
            .chain(detail.teams.iter().filter_map(|t| t.phase_number))
            .collect();
        Self {
            orch,
            detail,
            roots,
            phase_numbers,
        }
    }

    fn phase_teams(&self, phase: u32) -> Vec<&Team> {
        self.detail
            .teams
            .iter()
            .filter(|t| t.phase_number == Some(phase))
            .collect()
    }

    fn tasks_of(&self, team: &Team) -> Vec<&CurrentTask> {
        self.detail
            .orchestrator_tasks
            .iter()
            .chain(self.detail.phase_tasks.values().flatten())
            .filter(|t| t.team_id == team.id)
            .collect()
    }

    fn members_of(&self, team: &Team) -> BTreeSet<String> {
        self.detail
            .team_members
            .iter()
            .filter(|m| m.team_id == team.id)
            .map(|m| m.agent_name.clone())
            .collect()
    }

    /// Every scripted task present and completed, every scripted member present;
    /// without a script, every team has tasks.
    fn synced(&self, want: Option<&ScriptedTeams>) -> bool {
        let [root] = self.roots.as_slice() else {
            return false;
        };
        let Some(want) = want else {
            return !self.tasks_of(root).is_empty()
                && self.phase_numbers.iter().all(|n| {
                    let teams = self.phase_teams(*n);
                    teams.len() == 1 && !self.tasks_of(teams[0]).is_empty()
                });
        };
        let done = |tasks: Vec<&CurrentTask>, ids: &BTreeSet<String>| {
            ids.iter().all(|id| {
                tasks
                    .iter()
                    .any(|t| &t.task_id == id && t.status.as_str() == "completed")
            })
        };
        let orch_ids: BTreeSet<String> = want.orchestrator_tasks.keys().cloned().collect();
        if !done(self.tasks_of(root), &orch_ids)
            || !self
                .members_of(root)
                .is_superset(&want.orchestrator_members)
        {
            return false;
        }
        want.phase_tasks.iter().all(|(phase, ids)| {
            let teams = self.phase_teams(*phase);
            let [team] = teams.as_slice() else {
                return false;
            };
            done(self.tasks_of(team), ids)
                && want
                    .phase_members
                    .get(phase)
                    .is_none_or(|m| self.members_of(team).is_superset(m))
        })
    }
}

/// Verifies `scenario` against the store and the worktree.
pub fn verify(
    store: &dyn Store,
    scenario: &Scenario,
    opts: &VerifyOptions,
) -> anyhow::Result<Vec<Assertion>> {
    let feature = &scenario.script.feature_name;
    let expected = &scenario.expected;
    let want = opts.scripted.then(|| ScriptedTeams::of(scenario));
    let want = want.as_ref();
    let mut out = Vec::new();
    let deadline = Instant::now() + opts.sync_deadline;
    let observed = loop {
        let observed = Observed::load(store, feature, scenario.script.total_phases)?;
        let settled = match &observed {
            None => !expected.has_orchestration,
            Some(o) => o.synced(want) || !expected.has_orchestration,
        };
        if settled || Instant::now() >= deadline {
            break observed;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    out.push(assertion(
        "has orchestration",
        Category::Orchestration,
        observed.is_some() == expected.has_orchestration,
        format!(
            "has_orchestration = {} (feature '{feature}', exact)",
            expected.has_orchestration
        ),
        match &observed {
            Some(o) => format!("orchestration {} found", o.orch.id),
            None => "no orchestration with that exact feature name".into(),
        },
    ));
    let Some(o) = observed else {
        return Ok(out);
    };
    let sync_timed_out = !o.synced(want);
    check_orchestration(&o, scenario, &mut out);
    check_sync(store, &o, want, scenario, &mut out)?;
    if sync_timed_out {
        out.push(assertion(
            "daemon synced the scripted files before the deadline",
            Category::Sync,
            false,
            format!(
                "the agents' tasks and members in the store within {:?}",
                opts.sync_deadline
            ),
            "still missing at the deadline (see the failed sync assertions)",
        ));
    }
    check_worktree(&o.orch, scenario, opts, &mut out);
    Ok(out)
}

fn check_orchestration(o: &Observed, s: &Scenario, out: &mut Vec<Assertion>) {
    let e = &s.expected;
    out.push(assertion(
        "final status",
        Category::Orchestration,
        o.orch.status == e.final_status,
        e.final_status,
        o.orch.status,
    ));
    let completed = o
        .detail
        .phases
        .iter()
        .filter(|p| p.status == tina_session::PhaseStatus::Complete)
        .count();
    out.push(assertion(
        "phases completed",
        Category::Orchestration,
        completed == e.phases_completed as usize,
        e.phases_completed,
        completed,
    ));
    out.push(assertion(
        "min phases",
        Category::Orchestration,
        o.detail.phases.len() >= e.min_phases as usize,
        format!(">= {}", e.min_phases),
        o.detail.phases.len(),
    ));
    out.push(assertion(
        "exactly one orchestrator team",
        Category::Orchestration,
        o.roots.len() == 1,
        "1 team without parent and phase",
        format!(
            "{} ({})",
            o.roots.len(),
            o.roots
                .iter()
                .map(|t| t.team_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ));
    let root_id = o.roots.first().map(|t| t.id.clone());
    for &n in &o.phase_numbers {
        let teams = o.phase_teams(n);
        let linked = teams.len() == 1 && teams[0].parent_team_id == root_id;
        out.push(assertion(
            format!("phase {n}: one phase team linked to the orchestrator team"),
            Category::Orchestration,
            linked,
            format!(
                "1 team with phase_number {n} and parent_team_id {}",
                root_id.as_ref().map_or("-".into(), |i| i.to_string())
            ),
            if teams.is_empty() {
                "no phase team".to_owned()
            } else {
                teams
                    .iter()
                    .map(|t| {
                        format!(
                            "{} (parent {})",
                            t.team_name,
                            t.parent_team_id
                                .as_ref()
                                .map_or("-".into(), |i| i.to_string())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ));
    }
    let stray: Vec<&str> = o
        .detail
        .teams
        .iter()
        .filter(|t| {
            let is_root = t.parent_team_id.is_none() && t.phase_number.is_none();
            let is_phase = t.phase_number.is_some() && t.parent_team_id == root_id;
            !is_root && !is_phase
        })
        .map(|t| t.team_name.as_str())
        .collect();
    out.push(assertion(
        "no team outside the hierarchy",
        Category::Orchestration,
        stray.is_empty(),
        "every team is the orchestrator team or one of its phase teams",
        if stray.is_empty() {
            "none".into()
        } else {
            stray.join(", ")
        },
    ));
}

fn check_sync(
    store: &dyn Store,
    o: &Observed,
    want: Option<&ScriptedTeams>,
    s: &Scenario,
    out: &mut Vec<Assertion>,
) -> anyhow::Result<()> {
    match want {
        Some(want) => check_scripted(o, want, out),
        None => check_unscripted(o, out),
    }
    check_counts_and_events(store, o, s, out)
}

/// Real agents: each team of the hierarchy has tasks.
fn check_unscripted(o: &Observed, out: &mut Vec<Assertion>) {
    if let [root] = o.roots.as_slice() {
        let n = o.tasks_of(root).len();
        out.push(assertion(
            "orchestrator tasks present",
            Category::Sync,
            n > 0,
            "> 0 tasks",
            n,
        ));
    }
    for &phase in &o.phase_numbers {
        let n: usize = o
            .phase_teams(phase)
            .iter()
            .map(|t| o.tasks_of(t).len())
            .sum();
        out.push(assertion(
            format!("phase {phase}: team has tasks"),
            Category::Sync,
            n > 0,
            "> 0 tasks",
            n,
        ));
    }
}

/// The sim: exactly the scripted tasks and members, per team record.
fn check_scripted(o: &Observed, want: &ScriptedTeams, out: &mut Vec<Assertion>) {
    if let [root] = o.roots.as_slice() {
        let tasks = o.tasks_of(root);
        let seen: BTreeMap<String, String> = tasks
            .iter()
            .map(|t| (t.task_id.clone(), format!("{} ({})", t.subject, t.status)))
            .collect();
        let present = want.orchestrator_tasks.iter().all(|(id, subject)| {
            tasks.iter().any(|t| {
                &t.task_id == id && &t.subject == subject && t.status.as_str() == "completed"
            })
        });
        out.push(assertion(
            "orchestrator tasks present and completed",
            Category::Sync,
            present && tasks.len() == want.orchestrator_tasks.len(),
            format!("{:?}, all completed", want.orchestrator_tasks),
            format!("{seen:?}"),
        ));
        // The dashboard places orchestrator tasks by metadata.phase_number.
        let phases: BTreeMap<String, Option<u64>> = tasks
            .iter()
            .map(|t| (t.task_id.clone(), t.metadata["phase_number"].as_u64()))
            .collect();
        let wanted: BTreeMap<String, Option<u64>> = want
            .orchestrator_task_phases
            .iter()
            .map(|(id, p)| (id.clone(), Some(u64::from(*p))))
            .collect();
        out.push(assertion(
            "orchestrator tasks carry their phase in metadata",
            Category::Sync,
            phases == wanted,
            format!("{wanted:?}"),
            format!("{phases:?}"),
        ));
        let members = o.members_of(root);
        out.push(assertion(
            "orchestrator team members",
            Category::Sync,
            members == want.orchestrator_members,
            format!("{:?}", want.orchestrator_members),
            format!("{members:?}"),
        ));
    }
    for (phase, ids) in &want.phase_tasks {
        let teams = o.phase_teams(*phase);
        let Some(team) = teams.first() else {
            out.push(assertion(
                format!("phase {phase}: team has tasks"),
                Category::Sync,
                false,
                "a phase team with tasks",
                "no phase team",
            ));
            continue;
        };
        let tasks = o.tasks_of(team);
        out.push(assertion(
            format!("phase {phase}: team has tasks"),
            Category::Sync,
            !tasks.is_empty(),
            "> 0 tasks",
            tasks.len(),
        ));
        let got: BTreeMap<String, String> = tasks
            .iter()
            .map(|t| (t.task_id.clone(), t.status.to_string()))
            .collect();
        let exact = got.keys().cloned().collect::<BTreeSet<_>>() == *ids
            && got.values().all(|s| s == "completed");
        out.push(assertion(
            format!("phase {phase}: every scripted task, none lost or extra, all completed"),
            Category::Sync,
            exact,
            format!("{ids:?} all completed"),
            format!("{got:?}"),
        ));
        let members = o.members_of(team);
        let want_members = want.phase_members.get(phase).cloned().unwrap_or_default();
        out.push(assertion(
            format!("phase {phase}: team members"),
            Category::Sync,
            members == want_members,
            format!("{want_members:?}"),
            format!("{members:?}"),
        ));
    }
}

fn check_counts_and_events(
    store: &dyn Store,
    o: &Observed,
    s: &Scenario,
    out: &mut Vec<Assertion>,
) -> anyhow::Result<()> {
    let e = &s.expected;
    let total_tasks = o.detail.orchestrator_tasks.len()
        + o.detail.phase_tasks.values().map(Vec::len).sum::<usize>();
    out.push(assertion(
        "min tasks",
        Category::Sync,
        total_tasks >= e.min_tasks as usize,
        format!(">= {}", e.min_tasks),
        total_tasks,
    ));
    out.push(assertion(
        "min team members",
        Category::Sync,
        o.detail.team_members.len() >= e.min_team_members as usize,
        format!(">= {}", e.min_team_members),
        o.detail.team_members.len(),
    ));
    // Events of one task, in order: two neighbours with the same content mean the same
    // file state was recorded twice (e.g. re-read after a daemon restart).
    let events = store.list_task_events(&o.orch.id)?;
    let mut by_task: BTreeMap<(String, String), Vec<&tina_session::TaskEvent>> = BTreeMap::new();
    for ev in &events {
        by_task
            .entry((ev.team_id.to_string(), ev.task_id.clone()))
            .or_default()
            .push(ev);
    }
    let duplicated: Vec<String> = by_task
        .iter()
        .filter(|(_, evs)| evs.windows(2).any(|w| w[0].same_content(w[1])))
        .map(|((team, task), _)| format!("team {team} task {task}"))
        .collect();
    out.push(assertion(
        "no duplicated events for the same content",
        Category::Sync,
        duplicated.is_empty(),
        "consecutive events of a task always differ in content",
        if duplicated.is_empty() {
            format!("{} events, none duplicated", events.len())
        } else {
            duplicated.join("; ")
        },
    ));
    Ok(())
}

fn check_worktree(
    orch: &Orchestration,
    s: &Scenario,
    opts: &VerifyOptions,
    out: &mut Vec<Assertion>,
) {
    let e = &s.expected;
    if !opts.check_worktree {
        return;
    }
    let Some(wt) = orch
        .worktree_path
        .as_deref()
        .map(Path::new)
        .filter(|p| p.is_dir())
    else {
        out.push(assertion(
            "worktree exists",
            Category::Verification,
            false,
            "the orchestration's worktree on disk",
            orch.worktree_path
                .as_deref()
                .unwrap_or("no worktree recorded"),
        ));
        return;
    };
    match project::run_tests(wt, &opts.cargo_target) {
        Ok(run) => out.push(assertion(
            "tests pass",
            Category::Verification,
            run.passed == e.tests_pass,
            format!("cargo test passes = {}", e.tests_pass),
            if run.passed {
                "cargo test passed".to_owned()
            } else {
                format!("cargo test failed: {}", run.output_tail)
            },
        )),
        Err(err) => out.push(assertion(
            "tests pass",
            Category::Verification,
            false,
            format!("cargo test passes = {}", e.tests_pass),
            format!("{err:#}"),
        )),
    }
    let changes = project::git(wt, &["rev-list", "--max-parents=0", "HEAD"])
        .and_then(|base| project::changed_files(wt, base.lines().next().unwrap_or_default()));
    let changes: BTreeMap<String, String> = match changes {
        Ok(c) => c.into_iter().collect(),
        Err(err) => {
            out.push(assertion(
                "file changes readable",
                Category::Verification,
                false,
                "git diff against the base commit",
                format!("{err:#}"),
            ));
            return;
        }
    };
    for f in &e.file_changes {
        let observed = changes.get(&f.path).map_or("unchanged", String::as_str);
        let mut missing = Vec::new();
        if f.change != ChangeKind::Deleted {
            let text = std::fs::read_to_string(wt.join(&f.path)).unwrap_or_default();
            missing = f
                .contains
                .iter()
                .filter(|c| !text.contains(c.as_str()))
                .cloned()
                .collect();
        }
        out.push(assertion(
            format!("file {} {}", f.path, f.change),
            Category::Verification,
            observed == f.change.as_str() && missing.is_empty(),
            if f.contains.is_empty() {
                f.change.to_string()
            } else {
                format!("{} containing {:?}", f.change, f.contains)
            },
            if missing.is_empty() {
                observed.to_owned()
            } else {
                format!("{observed}, missing {missing:?}")
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A two-phase orchestration in which only phase 1 was ever started.
    fn phase_two_never_started() -> Observed {
        let orch = "o1";
        let team = |id: &str, name: &str, parent: Option<&str>, phase: Option<u32>| {
            json!({
                "id": id, "team_name": name, "orchestration_id": orch,
                "parent_team_id": parent, "phase_number": phase,
                "lead_session_id": null, "created_at": 1
            })
        };
        let task = |team_id: &str, team_name: &str, phase: Option<u32>| {
            json!({
                "orchestration_id": orch, "team_id": team_id, "team_name": team_name,
                "phase_number": phase, "task_id": "1", "subject": "s", "description": "",
                "status": "completed", "owner": null, "blocked_by": [], "metadata": {},
                "recorded_at": 1, "sequence": 0
            })
        };
        let detail: OrchestrationDetail = serde_json::from_value(json!({
            "orchestration": {
                "id": orch, "feature_name": "f", "design_doc": "d", "branch": null,
                "worktree_path": null, "total_phases": 2, "current_phase": 1,
                "status": "blocked", "started_at": 1, "completed_at": null, "updated_at": 1
            },
            "phases": [{
                "orchestration_id": orch, "phase_number": 1, "status": "blocked",
                "plan_path": null, "blocked_reason": "tests", "started_at": 1,
                "completed_at": null, "updated_at": 1
            }],
            "orchestrator_tasks": [task("t0", "f-orchestration", None)],
            "phase_tasks": { "1": [task("t1", "f-phase-1", Some(1))] },
            "teams": [
                team("t0", "f-orchestration", None, None),
                team("t1", "f-phase-1", Some("t0"), Some(1)),
            ],
            "team_members": []
        }))
        .expect("detail");
        Observed::new(detail.orchestration.clone(), detail, 2)
    }

    #[test]
    fn a_phase_without_any_record_fails_the_unscripted_checks() {
        let o = phase_two_never_started();
        assert!(!o.synced(None), "phase 2 has no team: not synced");
        let mut out = Vec::new();
        check_unscripted(&o, &mut out);
        let by_name = |n: &str| out.iter().find(|a| a.name == n).map(|a| a.passed);
        assert_eq!(by_name("orchestrator tasks present"), Some(true));
        assert_eq!(by_name("phase 1: team has tasks"), Some(true));
        assert_eq!(by_name("phase 2: team has tasks"), Some(false));
    }
}
