// Turns an OrchestrationDetail into the tree the page shows:
//   orchestration → orchestrator team(s) with their tasks (no phase)
//                 → phase N → team(s) of phase N → members (with the tasks they own) and tasks
// Phase and parent come from the team records, never from team names. Tasks are keyed by
// (team, task id): the orchestrator's task "1" and a phase team's task "1" are distinct.
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
  taskCount: number;
  counts: Record<string, number>;
};

export type DetailView = {
  orchestratorTeams: TeamView[];
  orchestratorTaskCount: number;
  phases: PhaseView[];
  counts: Record<string, number>;
  taskTotal: number;
};

export function countByStatus(tasks: CurrentTask[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return counts;
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
      };
    });

  return {
    orchestratorTeams: orchestratorTeams.sort((a, b) => a.teamName.localeCompare(b.teamName)),
    orchestratorTaskCount: orchestratorTeams.reduce((n, t) => n + t.tasks.length, 0),
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
