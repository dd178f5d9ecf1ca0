// Turns a DashboardDetail into what the page shows:
//   orchestrator team(s): members, and the orchestrator tasks of no phase
//   phase N: its record, timing, status counts, team(s) with members (each with the task
//            they are on now) and tasks (in progress first), and the orchestrator's tasks
//            for phase N (placed by the server from their metadata, never by subject)
// Tasks are keyed by (team, task id): the orchestrator's task "1" and a phase team's task
// "1" are distinct. Filters (text, status, owner, hide done) apply to the task lists; the
// counts and bars always describe every task.
import type { DashboardDetail } from "./generated/DashboardDetail";
import type { Phase } from "./generated/Phase";
import type { PhaseChange } from "./generated/PhaseChange";
import type { TaskRow } from "./generated/TaskRow";
import type { Team } from "./generated/Team";
import type { TeamMember } from "./generated/TeamMember";
import type { Counts } from "./format";

export type TaskFilter = {
  text: string;
  status: string;
  owner: string;
  hideDone: boolean;
};

export const NO_FILTER: TaskFilter = { text: "", status: "", owner: "", hideDone: false };

export function filterActive(f: TaskFilter): boolean {
  return f.text !== "" || f.status !== "" || f.owner !== "" || f.hideDone;
}

export type MemberView = {
  member: TeamMember;
  /** The tasks this agent has in progress (what it is doing now). */
  current: TaskRow[];
  /** How many tasks it owns in all. */
  owned: number;
};

export type TeamView = {
  team: Team;
  members: MemberView[];
  /** Tasks after the filter, in progress first. */
  tasks: TaskRow[];
  counts: Counts;
};

export type PhaseView = {
  number: number;
  phase: Phase | null;
  teams: TeamView[];
  /** Team tasks by status (every task, not only the filtered ones). */
  counts: Counts;
  orchestratorTasks: TaskRow[];
  orchestratorCounts: Counts;
  /** Spans of this phase's history, for the timeline. */
  spans: Span[];
};

export type Span = { status: string; from: number; to: number | null; reason: string | null };

export type BoardView = {
  /** Orchestrator teams; their `tasks` are the orchestrator tasks of no phase. */
  orchestratorTeams: TeamView[];
  phases: PhaseView[];
  teamCounts: Counts;
  orchestratorCounts: Counts;
  owners: string[];
  statuses: string[];
  /** Tasks shown after the filter, and in all. */
  shown: number;
  all: number;
};

/** Sort rank: what someone is working on first, then what waits, then unknown, then done. */
function rank(t: TaskRow): number {
  if (t.status === "in_progress") return 0;
  if (t.status === "pending") return t.open_blockers.length > 0 ? 2 : 1;
  if (t.status === "completed") return 4;
  return 3;
}

function numericId(id: string): number {
  return /^\d+$/.test(id) ? Number(id) : Number.MAX_SAFE_INTEGER;
}

export function sortTasks(tasks: TaskRow[]): TaskRow[] {
  return [...tasks].sort(
    (a, b) => rank(a) - rank(b) || numericId(a.task_id) - numericId(b.task_id) || a.task_id.localeCompare(b.task_id),
  );
}

function count(tasks: TaskRow[]): Counts {
  const c: Counts = {};
  for (const t of tasks) c[t.status] = (c[t.status] ?? 0) + 1;
  return c;
}

export function taskKey(t: { team_id: string; task_id: string }): string {
  return `${t.team_id}/${t.task_id}`;
}

export function matches(t: TaskRow, f: TaskFilter): boolean {
  if (f.hideDone && t.status === "completed") return false;
  if (f.status && t.status !== f.status) return false;
  if (f.owner && (t.owner ?? "") !== f.owner) return false;
  if (f.text) {
    const needle = f.text.toLowerCase();
    const hay = `#${t.task_id} ${t.subject} ${t.owner ?? ""} ${t.active_form ?? ""}`.toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

/** Each phase's history as spans (a status from one change to the next). */
export function phaseSpans(history: PhaseChange[], phase: number): Span[] {
  const own = history.filter((c) => c.phase_number === phase);
  return own.map((c, i) => ({
    status: c.status,
    from: c.at,
    to: own[i + 1]?.at ?? (c.status === "complete" ? c.at : null),
    reason: c.blocked_reason,
  }));
}

export function buildBoard(d: DashboardDetail, f: TaskFilter): BoardView {
  const membersByTeam = new Map<string, TeamMember[]>();
  for (const m of d.team_members) {
    const list = membersByTeam.get(m.team_id);
    if (list) list.push(m);
    else membersByTeam.set(m.team_id, [m]);
  }
  const tasksByTeam = new Map<string, TaskRow[]>();
  for (const t of d.tasks) {
    const list = tasksByTeam.get(t.team_id);
    if (list) list.push(t);
    else tasksByTeam.set(t.team_id, [t]);
  }
  let shown = 0;
  const teamView = (team: Team, tasks: TaskRow[]): TeamView => {
    const all = tasksByTeam.get(team.id) ?? [];
    const members = (membersByTeam.get(team.id) ?? []).map((member) => {
      const mine = all.filter((t) => t.owner === member.agent_name);
      return { member, owned: mine.length, current: mine.filter((t) => t.status === "in_progress") };
    });
    const filtered = tasks.filter((t) => matches(t, f));
    shown += filtered.length;
    return { team, members, tasks: sortTasks(filtered), counts: count(tasks) };
  };
  const orchestratorTeams = d.teams.filter((t) => t.phase_number === null);
  const orchestratorIds = new Set(orchestratorTeams.map((t) => t.id));
  const orchestratorTasks = d.tasks.filter((t) => orchestratorIds.has(t.team_id) || t.orchestrator);
  const unphased = orchestratorTasks.filter((t) => t.phase_number === null);
  const orchestratorTeamViews = orchestratorTeams.map((team) =>
    teamView(
      team,
      unphased.filter((t) => t.team_id === team.id),
    ),
  );
  const numbers = new Set<number>();
  for (let n = 1; n <= d.orchestration.total_phases; n++) numbers.add(n);
  for (const p of d.phases) numbers.add(p.phase_number);
  for (const t of d.teams) if (t.phase_number !== null) numbers.add(t.phase_number);
  const phases = [...numbers]
    .sort((a, b) => a - b)
    .map((n): PhaseView => {
      const teams = d.teams.filter((t) => t.phase_number === n);
      const teamViews = teams.map((team) => teamView(team, tasksByTeam.get(team.id) ?? []));
      const orch = orchestratorTasks.filter((t) => t.phase_number === n);
      const orchShown = sortTasks(orch.filter((t) => matches(t, f)));
      shown += orchShown.length;
      const counts: Counts = {};
      for (const tv of teamViews) for (const [s, c] of Object.entries(tv.counts)) counts[s] = (counts[s] ?? 0) + (c ?? 0);
      return {
        number: n,
        phase: d.phases.find((p) => p.phase_number === n) ?? null,
        teams: teamViews,
        counts,
        orchestratorTasks: orchShown,
        orchestratorCounts: count(orch),
        spans: phaseSpans(d.phase_history, n),
      };
    });
  const teamTasks = d.tasks.filter((t) => !orchestratorIds.has(t.team_id) && !t.orchestrator);
  return {
    orchestratorTeams: orchestratorTeamViews,
    phases,
    teamCounts: count(teamTasks),
    orchestratorCounts: count(orchestratorTasks),
    owners: [...new Set(d.tasks.map((t) => t.owner).filter((o): o is string => !!o))].sort(),
    statuses: [...new Set(d.tasks.map((t) => t.status))].sort(),
    shown,
    all: d.tasks.length,
  };
}
