// The demo orchestration (mirrors tina_web::fixture::seed_demo), typed with the generated
// types so a change to the Rust model breaks `tsc` here instead of passing silently.
import type { CurrentTask } from "../generated/CurrentTask";
import type { OrchestrationDetail } from "../generated/OrchestrationDetail";
import type { OrchestrationSummary } from "../generated/OrchestrationSummary";
import type { Team } from "../generated/Team";

export const ORCH_ID = "0195-orch";
const ROOT = "team-root";
const P1 = "team-p1";
const P2 = "team-p2";

export function team(id: string, name: string, phase: number | null, parent: string | null): Team {
  return {
    id,
    team_name: name,
    orchestration_id: ORCH_ID,
    parent_team_id: parent,
    phase_number: phase,
    lead_session_id: null,
    created_at: 1,
  };
}

export function task(
  teamId: string,
  teamName: string,
  phase: number | null,
  id: string,
  subject: string,
  status: string,
  owner: string | null,
): CurrentTask {
  return {
    orchestration_id: ORCH_ID,
    team_id: teamId,
    team_name: teamName,
    phase_number: phase,
    task_id: id,
    subject,
    description: "",
    status,
    owner,
    blocked_by: [],
    metadata: {},
    recorded_at: 1,
    sequence: 1,
  };
}

/** Mirrors tina_web::fixture::for_phase: the orchestrator task belongs to phase `n`. */
export function forPhase(t: CurrentTask, n: number): CurrentTask {
  return { ...t, metadata: { phase_number: n } };
}

export function demoDetail(): OrchestrationDetail {
  const o = "verbose-flag-orchestration";
  const t1 = "verbose-flag-phase-1";
  const t2 = "verbose-flag-phase-2";
  return {
    orchestration: {
      id: ORCH_ID,
      feature_name: "verbose-flag",
      design_doc: "docs/plans/verbose-flag-design.md",
      branch: "tina/verbose-flag",
      worktree_path: null,
      total_phases: 2,
      current_phase: 2,
      status: "executing",
      started_at: Date.now() - 5 * 60_000,
      completed_at: null,
      updated_at: Date.now(),
    },
    phases: [
      {
        orchestration_id: ORCH_ID,
        phase_number: 1,
        status: "complete",
        plan_path: null,
        blocked_reason: null,
        started_at: 1,
        completed_at: 2,
        updated_at: 2,
      },
      {
        orchestration_id: ORCH_ID,
        phase_number: 2,
        status: "executing",
        plan_path: null,
        blocked_reason: null,
        started_at: 3,
        completed_at: null,
        updated_at: 3,
      },
    ],
    orchestrator_tasks: [
      forPhase(task(ROOT, o, null, "1", "plan-phase-1", "completed", "team-lead"), 1),
      forPhase(task(ROOT, o, null, "2", "execute-phase-1", "completed", "team-lead"), 1),
      forPhase(task(ROOT, o, null, "3", "review-phase-1", "completed", "team-lead"), 1),
      forPhase(task(ROOT, o, null, "4", "plan-phase-2", "completed", "team-lead"), 2),
      forPhase(task(ROOT, o, null, "5", "execute-phase-2", "in_progress", "team-lead"), 2),
      task(ROOT, o, null, "6", "finish-orchestration", "pending", "team-lead"),
    ],
    phase_tasks: {
      "1": [
        task(P1, t1, 1, "1", "Implement --verbose flag", "completed", "implementer"),
        task(P1, t1, 1, "2", "Add tests", "completed", "tester"),
        task(P1, t1, 1, "3", "Update README", "completed", "implementer"),
        task(P1, t1, 1, "4", "Drop legacy logging shim", "deleted", "implementer"),
      ],
      "2": [
        task(P2, t2, 2, "1", "Wire flag into logger", "in_progress", "implementer"),
        task(P2, t2, 2, "2", "Add logger tests", "pending", null),
        task(P2, t2, 2, "10", "Document log levels", "pending", "reviewer"),
      ],
    },
    teams: [team(ROOT, o, null, null), team(P1, t1, 1, ROOT), team(P2, t2, 2, ROOT)],
    team_members: [
      { team_id: ROOT, agent_name: "team-lead", agent_type: "team-lead", model: "opus", joined_at: 1 },
      { team_id: P1, agent_name: "implementer", agent_type: "general-purpose", model: "sonnet", joined_at: 1 },
      { team_id: P1, agent_name: "team-lead", agent_type: "team-lead", model: "opus", joined_at: 1 },
      { team_id: P1, agent_name: "tester", agent_type: "general-purpose", model: "haiku", joined_at: 1 },
      { team_id: P2, agent_name: "implementer", agent_type: "general-purpose", model: "sonnet", joined_at: 1 },
      { team_id: P2, agent_name: "reviewer", agent_type: "code-reviewer", model: "opus", joined_at: 1 },
      { team_id: P2, agent_name: "team-lead", agent_type: "team-lead", model: "opus", joined_at: 1 },
    ],
  };
}

export function demoSummary(): OrchestrationSummary {
  return {
    orchestration: demoDetail().orchestration,
    task_counts: { completed: 7, in_progress: 2, pending: 3, deleted: 1 },
    task_total: 13,
  };
}
