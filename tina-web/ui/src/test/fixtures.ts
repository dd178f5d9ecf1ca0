// Dashboard data for the component tests (shaped like tina_web::fixture::triage's
// payments-retry), typed with the generated types so a change to the Rust model breaks
// `tsc` here instead of passing silently.
import type { DashboardDetail } from "../generated/DashboardDetail";
import type { ListPage } from "../generated/ListPage";
import type { ListRow } from "../generated/ListRow";
import type { OpenItem } from "../generated/OpenItem";
import type { Orchestration } from "../generated/Orchestration";
import type { Spend } from "../generated/Spend";
import type { TaskRow } from "../generated/TaskRow";
import type { Team } from "../generated/Team";

export const ORCH_ID = "0195-orch";
/** Times are relative to when the tests run: the page shows ages against the real clock. */
export const NOW = Date.now();
const MIN = 60_000;
export const ago = (m: number) => NOW - m * MIN;

export function team(id: string, name: string, phase: number | null): Team {
  return {
    id,
    team_name: name,
    orchestration_id: ORCH_ID,
    parent_team_id: phase === null ? null : "team-root",
    phase_number: phase,
    lead_session_id: null,
    created_at: 1,
  };
}

export function row(teamId: string, id: string, subject: string, status: string, owner: string | null, extra: Partial<TaskRow> = {}): TaskRow {
  return {
    team_id: teamId,
    task_id: id,
    subject,
    status,
    owner,
    blocked_by: [],
    open_blockers: [],
    orchestrator: teamId === "team-root",
    phase_number: teamId === "team-p1" ? 1 : teamId === "team-p2" ? 2 : null,
    active_form: null,
    has_description: false,
    recorded_at: ago(10),
    ...extra,
  };
}

export function orchestration(extra: Partial<Orchestration> = {}): Orchestration {
  return {
    id: ORCH_ID,
    feature_name: "payments-retry",
    design_doc: "docs/payments.md",
    branch: "tina/payments-retry",
    worktree_path: null,
    total_phases: 3,
    current_phase: 2,
    status: "blocked",
    started_at: ago(130),
    completed_at: null,
    updated_at: ago(12),
    ...extra,
  };
}

export function dashboard(): DashboardDetail {
  const members = (teamId: string) =>
    ["team-lead", "implementer", "tester"].map((agent_name) => ({
      team_id: teamId,
      agent_name,
      agent_type: "general-purpose",
      model: "claude-sonnet-4-5",
      joined_at: 1,
    }));
  return {
    revision: 40,
    orchestration: orchestration(),
    attention: {
      blocked: { phase_number: 2, reason: "Integration tests fail: sandbox answers 503", since: ago(12) },
      status_since: ago(12),
      last_activity: ago(14),
      stale: false,
      waiting: 0,
      open: [],
    },
    phases: [
      { orchestration_id: ORCH_ID, phase_number: 1, status: "complete", plan_path: null, blocked_reason: null, started_at: ago(125), completed_at: ago(64), updated_at: ago(64) },
      { orchestration_id: ORCH_ID, phase_number: 2, status: "blocked", plan_path: null, blocked_reason: "Integration tests fail: sandbox answers 503", started_at: ago(60), completed_at: null, updated_at: ago(12) },
    ],
    phase_history: [
      { phase_number: 1, status: "executing", blocked_reason: null, at: ago(125) },
      { phase_number: 1, status: "blocked", blocked_reason: "flaky", at: ago(100) },
      { phase_number: 1, status: "executing", blocked_reason: null, at: ago(92) },
      { phase_number: 1, status: "complete", blocked_reason: null, at: ago(64) },
      { phase_number: 2, status: "executing", blocked_reason: null, at: ago(60) },
      { phase_number: 2, status: "blocked", blocked_reason: "Integration tests fail: sandbox answers 503", at: ago(12) },
    ],
    teams: [team("team-root", "payments-retry-orchestration", null), team("team-p1", "payments-retry-phase-1", 1), team("team-p2", "payments-retry-phase-2", 2)],
    team_members: [...members("team-root").slice(0, 1), ...members("team-p1"), ...members("team-p2")],
    tasks: [
      row("team-root", "1", "Plan phase 2", "completed", "team-lead", { phase_number: 2 }),
      row("team-root", "5", "Open the pull request", "pending", "team-lead"),
      row("team-p1", "1", "Add retry policy type", "completed", "implementer"),
      row("team-p2", "1", "Refund retries", "completed", "implementer"),
      row("team-p2", "2", "Run integration suite", "in_progress", "tester", { active_form: "Running the integration suite" }),
      row("team-p2", "3", "Idempotency keys", "completed", "implementer", { blocked_by: ["1"] }),
      row("team-p2", "4", "Retry metrics", "pending", "implementer", { blocked_by: ["1", "2"], open_blockers: ["2"], has_description: true }),
    ],
    spend: {
      orchestration_id: ORCH_ID,
      total: spend(2_750_000, 1),
      orchestrator: spend(500_000),
      phases: { "2": spend(2_250_000, 1) },
      teams: [
        { team_id: "team-root", team_name: "payments-retry-orchestration", phase_number: null, spend: spend(500_000), members: [{ agent_name: "team-lead", spend: spend(500_000) }] },
        {
          team_id: "team-p2",
          team_name: "payments-retry-phase-2",
          phase_number: 2,
          spend: spend(2_250_000, 1),
          members: [
            { agent_name: "team-lead", spend: spend(1_250_000) },
            { agent_name: "tester", spend: spend(1_000_000, 1) },
          ],
        },
      ],
      budgets: [
        { phase_number: null, budget_micros: 5_000_000, spent_micros: 2_750_000, budget_usd: 5, spent_usd: 2.75, percent: 55, state: "ok" },
        { phase_number: 2, budget_micros: 2_500_000, spent_micros: 2_250_000, budget_usd: 2.5, spent_usd: 2.25, percent: 90, state: "warning" },
      ],
    },
    stale_after: 600_000,
  };
}

/** Spend of `micros` over a few messages (`unpriced` of them of a model without a price). */
export function spend(micros: number, unpriced = 0): Spend {
  return {
    tokens: { input: 1_000, output: 200, cache_creation: 300, cache_read: 5_000 },
    messages: 4,
    unpriced_messages: unpriced,
    cost_micros: micros,
    cost_usd: micros / 1e6,
  };
}

/** The tester of phase 2 waits on a person: a permission prompt, agent text included. */
export function waitingItem(extra: Partial<OpenItem> = {}): OpenItem {
  return {
    id: "waiting:team-p2:s-tester:1",
    kind: "waiting",
    message: "tester of team payments-retry-phase-2 is waiting on a person: Claude needs your permission to use <b>Bash</b>",
    since: ago(7),
    team_id: "team-p2",
    phase_number: 2,
    agent_name: "tester",
    notification_type: "permission_prompt",
    ...extra,
  };
}

export function listRow(extra: Partial<ListRow> = {}): ListRow {
  const d = dashboard();
  return {
    orchestration: d.orchestration,
    attention: d.attention,
    team_task_counts: { completed: 3, in_progress: 1, pending: 1 },
    orchestrator_task_counts: { completed: 1, pending: 1 },
    spend: d.spend.total,
    budgets: d.spend.budgets,
    ...extra,
  };
}

export function listPage(rows: ListRow[] = [listRow()], extra: Partial<ListPage> = {}): ListPage {
  return {
    rows,
    total: rows.length,
    page: 1,
    per_page: 50,
    facets: { all: rows.length, attention: 1, active: 1, blocked: 1 },
    stale_after: 600_000,
    ...extra,
  };
}
