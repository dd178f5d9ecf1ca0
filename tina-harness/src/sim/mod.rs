//! The `sim` agent runtime: a real process (`tina-harness sim`) that plays the
//! orchestrator team and every phase team from the scenario script.
//!
//! It does what the agents do under the orchestrate skill: calls the real
//! `tina-session` binary (`init`, `advance`, `start --parent-team-id`), writes Claude
//! Code team and task files over time, changes the worktree and runs its tests. Every
//! `tina-session` call is logged as one line to the run log, so the sequence can be
//! compared with the skill.
//!
//! Claude Code files go where the scenario's layout puts them (see [`files`]). In the
//! default 2.1.178+ layout the sim also plays the launcher's part: it chooses each
//! lead's session id (random, so two leads never share the 8 characters the folder is
//! named by) and records it on the team (`tina-session register-team
//! --lead-session-id`) right after `init` / `start` and before writing any file of the
//! team, so the daemon links the `session-<8>` folders by `leadSessionId`.
//!
//! The sim does `init` itself, as the orchestrator does in a real run; the
//! orchestrator team id comes from init's JSON output and is kept in the state file
//! (never looked up by name). The state file also records the next step, so after a
//! staged crash (exit code [`CRASH_EXIT_CODE`]) `--resume` continues where it stopped.

pub mod files;
pub mod plan;
pub mod session;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use tina_session::lifecycle::{InitOutcome, StartOutcome};

use crate::project;
use crate::scenario::{PhaseScript, Scenario};
use files::{ClaudeFiles, TaskFile};
use plan::{OrchTask, Step};

/// Exit code of a sim that staged its crash (EX_TEMPFAIL): the harness resumes it.
pub const CRASH_EXIT_CODE: i32 = 75;

/// Arguments of `tina-harness sim`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Folder holding the scenario folders.
    #[arg(long, value_name = "DIR")]
    pub scenarios_dir: PathBuf,
    /// Scenario folder name.
    #[arg(long)]
    pub scenario: String,
    /// The git repository (test project copy) that init branches the worktree from.
    #[arg(long, value_name = "DIR")]
    pub repo: PathBuf,
    /// The sim's state file (created if missing).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// Log file; one line per `tina-session` call is appended.
    #[arg(long, value_name = "FILE")]
    pub run_log: PathBuf,
    /// The `tina-session` binary to call.
    #[arg(long, value_name = "FILE")]
    pub tina_session: PathBuf,
    /// Where plans are written.
    #[arg(long, value_name = "DIR")]
    pub work_dir: PathBuf,
    /// CARGO_TARGET_DIR for the test project's `cargo test`.
    #[arg(long, value_name = "DIR")]
    pub cargo_target: PathBuf,
    /// Continue from the state file after a crash.
    #[arg(long)]
    pub resume: bool,
}

/// What survives a crash: ids from `init`/`start` and the next step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SimState {
    pub init: Option<InitOutcome>,
    /// Phase number -> the phase team `start` registered.
    pub phase_teams: BTreeMap<u32, StartOutcome>,
    pub next_step: usize,
    pub crashed: bool,
    pub created_at_ms: BTreeMap<String, i64>,
    pub lead_session_ids: BTreeMap<String, String>,
    /// Test runs, in order: (phase, passed).
    pub test_runs: Vec<(u32, bool)>,
}

impl SimState {
    pub fn load(path: &Path) -> anyhow::Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(serde_json::from_str(&text).with_context(|| {
                format!("sim state {} is not valid", path.display())
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Atomic (write then rename): the state must survive the crash it records.
    fn save(&self, path: &Path) -> anyhow::Result<()> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

/// Appends one line to the run log.
pub fn log_line(run_log: &Path, line: &str) {
    let opened = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(run_log);
    if let Ok(mut f) = opened {
        let _ = writeln!(f, "{} {line}", crate::report::now_rfc3339());
    }
}

struct Sim<'a> {
    args: &'a SimArgs,
    scenario: Scenario,
    state: SimState,
    files: ClaudeFiles,
}

/// Runs (or resumes) the simulated agents; returns the process exit code.
pub fn run(args: &SimArgs) -> anyhow::Result<i32> {
    let scenario = Scenario::load(&args.scenarios_dir, &args.scenario)?;
    let state = match SimState::load(&args.state)? {
        Some(s) if args.resume => s,
        Some(_) => bail!(
            "sim state {} exists; pass --resume to continue it",
            args.state.display()
        ),
        None if args.resume => bail!("--resume given but {} does not exist", args.state.display()),
        None => SimState::default(),
    };
    let claude_home = tina_session::Config::load(Default::default())?.claude_home;
    let layout = scenario.script.claude_layout;
    let mut sim = Sim {
        args,
        scenario,
        state,
        files: ClaudeFiles::new(claude_home, layout),
    };
    let steps = plan::compile(&sim.scenario.script);
    if args.resume {
        log_line(
            &args.run_log,
            &format!(
                "[sim] resuming at step {} of {}",
                sim.state.next_step,
                steps.len()
            ),
        );
    }
    while sim.state.next_step < steps.len() {
        let step = &steps[sim.state.next_step];
        if let Step::Crash {
            phase,
            task,
            status,
        } = step
        {
            if !sim.state.crashed {
                sim.state.crashed = true;
                sim.state.next_step += 1;
                sim.state.save(&args.state)?;
                sim.crash(*phase, task, status)?;
                log_line(
                    &args.run_log,
                    &format!("[sim] staged crash: phase {phase} task {task} half-written, exiting"),
                );
                return Ok(CRASH_EXIT_CODE);
            }
        } else {
            sim.step(step)
                .with_context(|| format!("sim step {} ({step:?})", sim.state.next_step))?;
        }
        sim.state.next_step += 1;
        sim.state.save(&args.state)?;
    }
    log_line(&args.run_log, "[sim] all steps done");
    Ok(0)
}

impl Sim<'_> {
    fn pause(&self) {
        std::thread::sleep(Duration::from_millis(self.scenario.script.step_delay_ms));
    }

    fn init(&self) -> anyhow::Result<&InitOutcome> {
        self.state
            .init
            .as_ref()
            .context("the sim state has no init outcome (init did not run)")
    }

    fn phase(&self, n: u32) -> anyhow::Result<&PhaseScript> {
        self.scenario
            .script
            .phases
            .iter()
            .find(|p| p.number == n)
            .with_context(|| format!("no phase {n} in the script"))
    }

    fn phase_team(&self, n: u32) -> anyhow::Result<&StartOutcome> {
        self.state
            .phase_teams
            .get(&n)
            .with_context(|| format!("phase {n} was not started"))
    }

    fn worktree(&self) -> anyhow::Result<PathBuf> {
        self.init()?
            .worktree_path
            .as_ref()
            .map(PathBuf::from)
            .context("init made no worktree")
    }

    /// Runs `tina-session <args> --json`, logs the call, returns its stdout.
    fn session(&self, args: &[String]) -> anyhow::Result<String> {
        let out = Command::new(&self.args.tina_session)
            .args(args)
            .arg("--json")
            .output()
            .with_context(|| format!("cannot run {}", self.args.tina_session.display()))?;
        log_line(
            &self.args.run_log,
            &format!(
                "[sim] tina-session {} --json -> exit {}",
                args.join(" "),
                out.status.code().unwrap_or(-1)
            ),
        );
        if !out.status.success() {
            bail!(
                "tina-session {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn team_meta(&mut self, team: &str) -> (i64, String) {
        let created = *self
            .state
            .created_at_ms
            .entry(team.to_owned())
            .or_insert_with(crate::report::now_ms);
        let session = self
            .state
            .lead_session_ids
            .entry(team.to_owned())
            .or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone();
        (created, session)
    }

    /// The Claude Code folder of a team in the scenario's layout.
    fn folder(&mut self, team: &str) -> String {
        let (_, session) = self.team_meta(team);
        self.files.folder(team, &session)
    }

    /// The launcher's part (2.1.178+ layout): records the lead session id chosen for
    /// the team on its record before the lead writes anything. Logged apart from the
    /// agents' own `tina-session` calls.
    fn record_lead_session(
        &mut self,
        orchestration_id: &str,
        team: &str,
        parent_and_phase: Option<(String, u32)>,
    ) -> anyhow::Result<()> {
        if self.files.layout != tina_session::claude_code::Layout::Session {
            return Ok(());
        }
        let (_, session) = self.team_meta(team);
        let mut args: Vec<String> = vec![
            "register-team".into(),
            "--orchestration-id".into(),
            orchestration_id.into(),
            "--team".into(),
            team.into(),
            "--lead-session-id".into(),
            session.clone(),
        ];
        if let Some((parent, phase)) = parent_and_phase {
            args.extend([
                "--parent-team-id".into(),
                parent,
                "--phase-number".into(),
                phase.to_string(),
            ]);
        }
        let out = Command::new(&self.args.tina_session)
            .args(&args)
            .arg("--json")
            .output()
            .with_context(|| format!("cannot run {}", self.args.tina_session.display()))?;
        log_line(
            &self.args.run_log,
            &format!(
                "[sim launcher] lead session {session} recorded on team {team} -> exit {}",
                out.status.code().unwrap_or(-1)
            ),
        );
        if !out.status.success() {
            bail!(
                "tina-session {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    fn step(&mut self, step: &Step) -> anyhow::Result<()> {
        match step {
            Step::Init => self.do_init(),
            Step::OrchestratorTeam => self.orchestrator_team(),
            Step::OrchTaskStatus {
                phase,
                task,
                status,
            } => self.orch_task(*phase, *task, status),
            Step::Advance {
                phase,
                event,
                reason,
            } => {
                let feature = self.scenario.script.feature_name.clone();
                let mut args = vec![
                    "advance".into(),
                    "--feature".into(),
                    feature,
                    "--phase".into(),
                    phase.to_string(),
                    "--event".into(),
                    (*event).to_owned(),
                ];
                if let Some(r) = reason {
                    args.extend(["--reason".into(), r.clone()]);
                }
                self.session(&args).map(|_| ())
            }
            Step::WritePlan { phase } => {
                let path = self.plan_path(*phase);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, &self.phase(*phase)?.plan)
                    .with_context(|| format!("cannot write plan {}", path.display()))
            }
            Step::Start { phase } => self.start(*phase),
            Step::TeamMembers { phase, count } => {
                let team = self.phase_team(*phase)?.team_name.clone();
                let members = self.phase(*phase)?.members[..*count].to_vec();
                let cwd = self.worktree()?.display().to_string();
                let (created, session) = self.team_meta(&team);
                let folder = self.folder(&team);
                let desc = format!("Phase {phase} of {}", self.scenario.script.feature_name);
                self.files
                    .write_team_config(&folder, &desc, created, &session, &cwd, &members)?;
                self.pause();
                Ok(())
            }
            Step::CreateTasks { phase, ids } => {
                for id in ids {
                    self.write_phase_task(*phase, id, "pending", false)?;
                    self.pause();
                }
                Ok(())
            }
            Step::TaskStatus {
                phase,
                task,
                status,
            } => {
                self.write_phase_task(*phase, task, status, false)?;
                self.pause();
                Ok(())
            }
            Step::Crash { .. } => Ok(()),
            Step::ApplyChanges { phase, task } => {
                let t = plan::find_task(&self.scenario.script, *phase, task)
                    .with_context(|| format!("no task {task} in phase {phase}"))?;
                project::apply_changes(&self.worktree()?, &t.changes)
            }
            Step::RunTests { phase, expect_pass } => self.tests(*phase, *expect_pass),
            Step::Commit { phase } => {
                let wt = self.worktree()?;
                project::git(&wt, &["add", "-A"])?;
                let msg = self
                    .phase(*phase)?
                    .commit_message
                    .clone()
                    .unwrap_or_else(|| format!("phase {phase}"));
                project::git(&wt, &["commit", "-q", "--allow-empty", "-m", &msg])?;
                Ok(())
            }
        }
    }

    fn plan_path(&self, phase: u32) -> PathBuf {
        self.args.work_dir.join("plans").join(format!(
            "{}-phase-{phase}.md",
            self.scenario.script.feature_name
        ))
    }

    fn do_init(&mut self) -> anyhow::Result<()> {
        let s = &self.scenario.script;
        let out = self.session(&[
            "init".into(),
            "--feature".into(),
            s.feature_name.clone(),
            "--design-doc".into(),
            self.scenario.design_doc.display().to_string(),
            "--repo".into(),
            self.args.repo.display().to_string(),
            "--total-phases".into(),
            s.total_phases.to_string(),
        ])?;
        let init: InitOutcome = serde_json::from_str(&out)
            .context("tina-session init --json printed no InitOutcome")?;
        if init.feature_name != s.feature_name {
            bail!(
                "init answered for feature '{}' but the scenario's feature is '{}'",
                init.feature_name,
                s.feature_name
            );
        }
        let (orchestration_id, team) = (init.orchestration_id.to_string(), init.team_name.clone());
        self.state.init = Some(init);
        self.record_lead_session(&orchestration_id, &team, None)
    }

    fn orchestrator_team(&mut self) -> anyhow::Result<()> {
        let team = self.init()?.team_name.clone();
        let cwd = self.worktree()?.display().to_string();
        let (created, session) = self.team_meta(&team);
        let folder = self.folder(&team);
        let members = self.scenario.script.orchestrator.members.clone();
        let desc = format!("Orchestration of {}", self.scenario.script.feature_name);
        self.files
            .write_team_config(&folder, &desc, created, &session, &cwd, &members)?;
        self.pause();
        let total = self.scenario.script.total_phases;
        let lead = members.first().map(|m| m.name.clone());
        let tasks = plan::orchestrator_task_defs(total);
        for task in &tasks {
            self.files.write_task(
                &folder,
                &TaskFile {
                    id: &task.id,
                    subject: &task.subject,
                    description: &task.subject,
                    status: "pending",
                    owner: lead.as_deref(),
                    blocks: blocks_of(&tasks, &task.id),
                    blocked_by: &task.blocked_by,
                    metadata: task.metadata(),
                },
            )?;
        }
        self.pause();
        Ok(())
    }

    fn orch_task(&mut self, phase: u32, kind: OrchTask, status: &str) -> anyhow::Result<()> {
        let team = self.init()?.team_name.clone();
        let folder = self.folder(&team);
        let id = kind.task_id(phase);
        let tasks = plan::orchestrator_task_defs(self.scenario.script.total_phases);
        let Some(task) = tasks.iter().find(|t| t.id == id) else {
            bail!("no orchestrator task {id}");
        };
        let lead = self
            .scenario
            .script
            .orchestrator
            .members
            .first()
            .map(|m| m.name.clone());
        self.files.write_task(
            &folder,
            &TaskFile {
                id: &id,
                subject: &task.subject,
                description: &task.subject,
                status,
                owner: lead.as_deref(),
                blocks: blocks_of(&tasks, &id),
                blocked_by: &task.blocked_by,
                metadata: task.metadata(),
            },
        )?;
        self.pause();
        Ok(())
    }

    fn start(&mut self, phase: u32) -> anyhow::Result<()> {
        let parent = self.init()?.team_id.to_string();
        let out = self.session(&[
            "start".into(),
            "--feature".into(),
            self.scenario.script.feature_name.clone(),
            "--phase".into(),
            phase.to_string(),
            "--plan".into(),
            self.plan_path(phase).display().to_string(),
            "--parent-team-id".into(),
            parent.clone(),
            "--runtime".into(),
            "sim".into(),
        ])?;
        let started: StartOutcome = serde_json::from_str(&out)
            .context("tina-session start --json printed no StartOutcome")?;
        if started.parent_team_id.as_str() != parent || started.phase_number != phase {
            bail!(
                "start registered team {} under parent {} for phase {}, asked parent {parent} phase {phase}",
                started.team_name,
                started.parent_team_id,
                started.phase_number
            );
        }
        let orchestration_id = self.init()?.orchestration_id.to_string();
        let team = started.team_name.clone();
        self.state.phase_teams.insert(phase, started);
        self.record_lead_session(&orchestration_id, &team, Some((parent, phase)))
    }

    fn write_phase_task(
        &mut self,
        phase: u32,
        id: &str,
        status: &str,
        half: bool,
    ) -> anyhow::Result<()> {
        let team = self.phase_team(phase)?.team_name.clone();
        let folder = self.folder(&team);
        let script = &self.scenario.script;
        let t = plan::find_task(script, phase, id)
            .with_context(|| format!("no task {id} in phase {phase}"))?;
        let p = self.phase(phase)?;
        let blocks: Vec<String> = p
            .tasks
            .iter()
            .chain(p.failure.iter().flat_map(|f| f.fix_tasks.iter()))
            .filter(|o| o.blocked_by.iter().any(|b| b == id))
            .map(|o| o.id.clone())
            .collect();
        let file = TaskFile {
            id,
            subject: &t.subject,
            description: &t.description,
            status,
            owner: Some(&t.owner),
            blocks,
            blocked_by: &t.blocked_by,
            metadata: serde_json::json!({}),
        };
        if half {
            self.files.write_task_half(&folder, &file)?;
        } else {
            self.files.write_task(&folder, &file)?;
        }
        Ok(())
    }

    fn crash(&mut self, phase: u32, task: &str, status: &str) -> anyhow::Result<()> {
        self.write_phase_task(phase, task, status, true)
    }

    fn tests(&mut self, phase: u32, expect_pass: bool) -> anyhow::Result<()> {
        let wt = self.worktree()?;
        let run = project::run_tests(&wt, &self.args.cargo_target)?;
        self.state.test_runs.push((phase, run.passed));
        log_line(
            &self.args.run_log,
            &format!(
                "[sim] cargo test (phase {phase}): {} in {} ms",
                if run.passed { "passed" } else { "FAILED" },
                run.duration_ms
            ),
        );
        match (run.passed, expect_pass) {
            (true, true) | (false, false) => Ok(()),
            (true, false) => {
                bail!("phase {phase}: the scenario stages a test failure but the tests passed")
            }
            (false, true) => {
                let feature = self.scenario.script.feature_name.clone();
                // Do what an agent would: report the phase blocked, then stop.
                let _ = self.session(&[
                    "advance".into(),
                    "--feature".into(),
                    feature,
                    "--phase".into(),
                    phase.to_string(),
                    "--event".into(),
                    "block".into(),
                    "--reason".into(),
                    "tests fail and the script has no fix".into(),
                ]);
                bail!("phase {phase}: tests failed:\n{}", run.output_tail)
            }
        }
    }
}

/// The ids of the orchestrator tasks that wait on `id` (Claude Code's `blocks`).
fn blocks_of(tasks: &[plan::OrchTaskDef], id: &str) -> Vec<String> {
    tasks
        .iter()
        .filter(|t| t.blocked_by.iter().any(|b| b == id))
        .map(|t| t.id.clone())
        .collect()
}
