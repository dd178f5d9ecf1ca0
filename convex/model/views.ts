// The composed views, built exactly like tina-session/src/store/compose.rs:
// `getOrchestrationDetail` groups current tasks by the team record's phase number, and
// `getTeamHierarchy` nests teams under their parents with members and task counts.
import type { Doc } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { loadCurrentTasks } from "./currentTasks";
import { compareStrings } from "./order";
import {
  byPhaseThenName,
  memberOut,
  membersOf,
  orchestrationOut,
  phaseOut,
  phasesOf,
  teamOut,
  teamsOf,
} from "./records";
import type { CurrentTask, OrchestrationDetail, TeamMember, TeamNode } from "./validators";

export async function buildDetail(
  db: DatabaseReader,
  orchestration: Doc<"orchestrations">,
): Promise<OrchestrationDetail> {
  const teams = await teamsOf(db, orchestration._id);
  const tasks = await loadCurrentTasks(db, orchestration._id, teams);
  const orchestrator_tasks: CurrentTask[] = [];
  const phase_tasks: Record<string, CurrentTask[]> = {};
  for (const task of tasks) {
    if (task.phase_number === null) orchestrator_tasks.push(task);
    else (phase_tasks[task.phase_number.toString()] ??= []).push(task);
  }
  return {
    orchestration: orchestrationOut(orchestration),
    phases: (await phasesOf(db, orchestration._id)).map(phaseOut),
    orchestrator_tasks,
    phase_tasks,
    teams: teams.map(teamOut),
    team_members: (await membersOf(db, teams)).map(memberOut),
  };
}

export async function buildHierarchy(db: DatabaseReader, orchestration: Doc<"orchestrations">) {
  const teams = await teamsOf(db, orchestration._id);
  const tasks = await loadCurrentTasks(db, orchestration._id, teams);
  const members = new Map<string, TeamMember[]>();
  for (const m of (await membersOf(db, teams)).map(memberOut)) {
    const list = members.get(m.team_id) ?? [];
    list.push(m);
    members.set(m.team_id, list);
  }
  const counts = new Map<string, Map<string, bigint>>();
  for (const t of tasks) {
    const byStatus = counts.get(t.team_id) ?? new Map<string, bigint>();
    byStatus.set(t.status, (byStatus.get(t.status) ?? 0n) + 1n);
    counts.set(t.team_id, byStatus);
  }
  const children = new Map<string | null, Doc<"teams">[]>();
  for (const t of teams) {
    const list = children.get(t.parent_team_id) ?? [];
    list.push(t);
    children.set(t.parent_team_id, list);
  }
  const node = (team: Doc<"teams">): TeamNode => {
    const byStatus = [...(counts.get(team._id) ?? new Map<string, bigint>())].sort(([a], [b]) =>
      compareStrings(a, b),
    );
    const kids = (children.get(team._id) ?? []).sort(byPhaseThenName);
    return {
      team: teamOut(team),
      members: members.get(team._id) ?? [],
      task_counts: byStatus.map(([status, count]) => ({ status, count })),
      task_total: byStatus.reduce((sum, [, count]) => sum + count, 0n),
      children: kids.map(node),
    };
  };
  const roots = (children.get(null) ?? []).sort((a, b) => compareStrings(a.team_name, b.team_name));
  return {
    orchestration_id: orchestration._id as string,
    feature_name: orchestration.feature_name,
    teams: roots.map(node),
  };
}
