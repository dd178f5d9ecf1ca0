// Turns an OrchestrationDetail into the tree the page shows:
//   orchestration → orchestrator team(s) with their members and the tasks of no phase
//                 → phase N → team(s) of phase N → members (with the tasks they own) and tasks
//                           → orchestrator tasks of phase N
// Phase and parent come from the team records, never from team names. An orchestrator
// task belongs to a phase only through its `metadata.phase_number` (see
// orchestratorTaskPhase); "plan-phase-1" is a label. Tasks are keyed by (team, task id):
// the orchestrator's task "1" and a phase team's task "1" are distinct.
import type { CurrentTask } from "./generated/CurrentTask";
import type { OrchestrationDetail } from "./generated/OrchestrationDetail";
import type { Phase } from "./generated/Phase";
import type { Team } from "./generated/Team";
import type { TeamMember } from "./generated/TeamMember";

export type MemberView = { member: TeamMember; owned: CurrentTask[] };

export type TeamView = {
  teamId: string;
  teamName: string;
  /** Null when tasks name a team the detail has no record of (shown, never dropped). */
  team: Team | null;
  parentName: string | null;
  members: MemberView[];
  tasks: CurrentTask[];
  /** Owners of tasks who are not members of the team. */
  otherOwners: string[];
};

export type PhaseView = {
  number: number;
  phase: Phase | null;
  teams: TeamView[];
  /** Tasks of the phase's teams. */
  taskCount: number;
  counts: Record<string, number>;
  /** Orchestrator tasks whose metadata names this phase, in team then store order. */
  orchestratorTasks: CurrentTask[];
};

export type DetailView = {
  /** Teams without a phase; their `tasks` are all their tasks, phased or not. */
  orchestratorTeams: TeamView[];
  orchestratorTaskCount: number;
  /** Orchestrator tasks that belong to no phase of this orchestration, in team then store order. */
  unphasedOrchestratorTasks: CurrentTask[];
  phases: PhaseView[];
  counts: Record<string, number>;
  taskTotal: number;
};

export function countByStatus(tasks: CurrentTask[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return counts;
}

/**
 * The phase an orchestrator task belongs to: its `metadata.phase_number` when that is a
 * positive integer naming one of `phases`, else null ("no phase"). Strings ("1"),
 * fractions, zero, negatives and phases the orchestration does not have are all "no
 * phase": a task is never placed by guessing, and never by its subject.
 */
export function orchestratorTaskPhase(task: CurrentTask, phases: ReadonlySet<number>): number | null {
  const meta = task.metadata;
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) return null;
  const n = meta["phase_number"];
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1 || !phases.has(n)) return null;
  return n;
}

export type OrchestratorTaskGroups = {
  byPhase: Map<number, CurrentTask[]>;
  noPhase: CurrentTask[];
};

/** Splits orchestrator tasks by the phase each belongs to (orchestratorTaskPhase), keeping their order. */
export function groupOrchestratorTasks(tasks: CurrentTask[], phases: ReadonlySet<number>): OrchestratorTaskGroups {
  const byPhase = new Map<number, CurrentTask[]>();
  const noPhase: CurrentTask[] = [];
  for (const task of tasks) {
    const n = orchestratorTaskPhase(task, phases);
    if (n === null) {
      noPhase.push(task);
      continue;
    }
    const list = byPhase.get(n);
    if (list) list.push(task);
    else byPhase.set(n, [task]);
  }
  return { byPhase, noPhase };
}

export function buildDetailView(detail: OrchestrationDetail): DetailView {
  const teamsById = new Map<string, Team>(detail.teams.map((t) => [t.id, t]));
  const membersByTeam = groupBy(detail.team_members, (m) => m.team_id);
  const allTasks: CurrentTask[] = [...detail.orchestrator_tasks];
  for (const tasks of Object.values(detail.phase_tasks)) allTasks.push(...(tasks ?? []));
  const tasksByTeam = groupBy(allTasks, (t) => t.team_id);

  // Every team that has a record or tasks, with the phase its record (or its tasks) give.
  const entries = new Map<string, { phase: number | null; view: TeamView }>();
  for (const team of detail.teams) {
    entries.set(team.id, { phase: team.phase_number, view: teamView(team.id, team.team_name, team) });
  }
  for (const task of allTasks) {
    if (!entries.has(task.team_id)) {
      entries.set(task.team_id, {
        phase: task.phase_number,
        view: teamView(task.team_id, task.team_name, null),
      });
    }
  }

  function teamView(teamId: string, teamName: string, team: Team | null): TeamView {
    const tasks = tasksByTeam.get(teamId) ?? [];
    const members = (membersByTeam.get(teamId) ?? []).map((member) => ({
      member,
      owned: tasks.filter((t) => t.owner === member.agent_name),
    }));
    const memberNames = new Set(members.map((m) => m.member.agent_name));
    const otherOwners = [
      ...new Set(tasks.map((t) => t.owner).filter((o): o is string => !!o && !memberNames.has(o))),
    ].sort();
    const parent = team?.parent_team_id ? teamsById.get(team.parent_team_id) : undefined;
    return {
      teamId,
      teamName,
      team,
      parentName: parent ? parent.team_name : (team?.parent_team_id ?? null),
      members,
      tasks,
      otherOwners,
    };
  }

  const orchestratorTeams: TeamView[] = [];
  const teamsByPhase = new Map<number, TeamView[]>();
  for (const { phase, view } of entries.values()) {
    if (phase === null) orchestratorTeams.push(view);
    else teamsByPhase.set(phase, [...(teamsByPhase.get(phase) ?? []), view]);
  }

  const numbers = new Set<number>();
  for (let n = 1; n <= detail.orchestration.total_phases; n++) numbers.add(n);
  for (const p of detail.phases) numbers.add(p.phase_number);
  for (const n of teamsByPhase.keys()) numbers.add(n);
  for (const key of Object.keys(detail.phase_tasks)) {
    const n = Number(key);
    if (Number.isInteger(n)) numbers.add(n);
  }
  const phaseRecords = new Map(detail.phases.map((p) => [p.phase_number, p]));
  const sortedOrchestratorTeams = orchestratorTeams.sort((a, b) => a.teamName.localeCompare(b.teamName));
  const orchestratorTasks = groupOrchestratorTasks(
    sortedOrchestratorTeams.flatMap((t) => t.tasks),
    numbers,
  );
  const phases = [...numbers]
    .sort((a, b) => a - b)
    .map((number) => {
      const teams = (teamsByPhase.get(number) ?? []).sort((a, b) => a.teamName.localeCompare(b.teamName));
      const tasks = teams.flatMap((t) => t.tasks);
      return {
        number,
        phase: phaseRecords.get(number) ?? null,
        teams,
        taskCount: tasks.length,
        counts: countByStatus(tasks),
        orchestratorTasks: orchestratorTasks.byPhase.get(number) ?? [],
      };
    });

  return {
    orchestratorTeams: sortedOrchestratorTeams,
    orchestratorTaskCount: sortedOrchestratorTeams.reduce((n, t) => n + t.tasks.length, 0),
    unphasedOrchestratorTasks: orchestratorTasks.noPhase,
    phases,
    counts: countByStatus(allTasks),
    taskTotal: allTasks.length,
  };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
