// The current-state rule, in one place: a task is identified by (team, task_id); its
// current state is its event with the greatest (recorded_at, sequence), whatever order
// events arrive in; team name and phase number come from the team record. Recording
// (tasks.recordTaskEvents) and every read of current state (tasks.getCurrentTasksPage,
// orchestrations.getOrchestrationDetail, admin.getTeamHierarchy) go through here, and so
// do the per-status counts the orchestration list reads (taskCounts).
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader, DatabaseWriter } from "../_generated/server";
import { conflictingEvent, invalid } from "./errors";
import { compareBigints, comparePhases, compareStrings, compareTaskIds } from "./order";
import { checkLen, LIMITS, validateTaskId } from "./input";
import { requireTeam } from "./records";
import { noteTaskActivity } from "./revision";
import type { CurrentTask, NewTaskEvent, RecordSummary } from "./validators";

type OrderKey = { recorded_at: bigint; sequence: bigint };

/** True when `a` comes after `b`: later wins, ties broken by sequence. */
export function isLater(a: OrderKey, b: OrderKey): boolean {
  return (compareBigints(a.recorded_at, b.recorded_at) || compareBigints(a.sequence, b.sequence)) > 0;
}

/** The canonical order: phase (orchestrator first), team name, task id. */
export function compareCurrentTasks(a: CurrentTask, b: CurrentTask): number {
  return (
    comparePhases(a.phase_number, b.phase_number) ||
    compareStrings(a.team_name, b.team_name) ||
    compareTaskIds(a.task_id, b.task_id)
  );
}

/** A current-task row joined with its team record (team name and phase come from it). */
export function joinTeam(row: Doc<"currentTasks">, team: Doc<"teams">): CurrentTask {
  return {
    orchestration_id: row.orchestration_id,
    team_id: row.team_id,
    team_name: team.team_name,
    phase_number: team.phase_number,
    task_id: row.task_id,
    subject: row.subject,
    description: row.description,
    ...(row.active_form === undefined ? {} : { active_form: row.active_form }),
    status: row.status,
    owner: row.owner,
    blocked_by: row.blocked_by,
    metadata: row.metadata,
    recorded_at: row.recorded_at,
    sequence: row.sequence,
  };
}

/** Joins rows with their teams, reading each team once; rows of a deleted team are dropped. */
export async function joinTeams(
  db: DatabaseReader,
  rows: Doc<"currentTasks">[],
  known: Doc<"teams">[] = [],
): Promise<CurrentTask[]> {
  const byId = new Map<string, Doc<"teams"> | null>(known.map((t) => [t._id as string, t]));
  const tasks: CurrentTask[] = [];
  for (const row of rows) {
    let team = byId.get(row.team_id);
    if (team === undefined) {
      team = await db.get(row.team_id);
      byId.set(row.team_id, team);
    }
    if (team !== null) tasks.push(joinTeam(row, team));
  }
  return tasks;
}

/**
 * Every current task of the orchestration, joined with its team, in canonical order, in
 * one read: for the one-query views of an orchestration that fits in one transaction
 * (README, "Limits designed for"). `ConvexStore` reads tasks page by page instead
 * (tasks.getCurrentTasksPage).
 */
export async function loadCurrentTasks(
  db: DatabaseReader,
  orchestration_id: Id<"orchestrations">,
  teams: Doc<"teams">[],
): Promise<CurrentTask[]> {
  const rows = await db
    .query("currentTasks")
    .withIndex("by_orchestration_id", (q) => q.eq("orchestration_id", orchestration_id))
    .collect();
  return (await joinTeams(db, rows, teams)).sort(compareCurrentTasks);
}

/** Checks one event against the input rules (the limits of tina-session's input.rs). */
export function validateEvent(e: NewTaskEvent): void {
  validateTaskId(e.task_id);
  checkLen("subject", e.subject, LIMITS.subject_max);
  checkLen("description", e.description, LIMITS.description_max);
  checkLen("metadata", e.metadata, LIMITS.metadata_max);
  if (e.owner !== null) checkLen("owner", e.owner, LIMITS.agent_name_max);
}

/** What a batch did: its summary and the orchestrations it changed. */
export type Recorded = { summary: RecordSummary; orchestrations: Id<"orchestrations">[] };

/**
 * Appends events to the history and updates each task's current state and the
 * per-status counts, in the calling mutation's transaction (all or nothing). The same
 * identity (team, task_id, recorded_at, sequence) with the same content is a duplicate
 * and changes nothing; with different content it is refused.
 */
export async function recordEvents(db: DatabaseWriter, events: NewTaskEvent[]): Promise<Recorded> {
  for (const e of events) validateEvent(e);
  const summary = { inserted: 0n, duplicates: 0n, current_updated: 0n };
  const teams = new Map<string, Doc<"teams">>();
  const changed = new Set<Id<"orchestrations">>();
  const counts = new CountChanges();
  // Newest recorded_at among the current states this batch wrote, per orchestration.
  const activity = new Map<Id<"orchestrations">, bigint>();
  const active = (id: Id<"orchestrations">, at: bigint) => {
    const seen = activity.get(id);
    if (seen === undefined || seen < at) activity.set(id, at);
  };
  for (const e of events) {
    const metadata = parseMetadata(e.metadata);
    let team = teams.get(e.team_id);
    if (team === undefined) {
      team = await requireTeam(db, e.team_id);
      teams.set(e.team_id, team);
    }
    const existing = await db
      .query("taskEvents")
      .withIndex("by_team_id_and_task_id_and_recorded_at_and_sequence", (q) =>
        q
          .eq("team_id", team._id)
          .eq("task_id", e.task_id)
          .eq("recorded_at", e.recorded_at)
          .eq("sequence", e.sequence),
      )
      .unique();
    if (existing !== null) {
      if (!sameContent(existing, e, metadata)) {
        throw conflictingEvent(e.team_id, e.task_id, e.recorded_at, e.sequence);
      }
      summary.duplicates += 1n;
      continue;
    }
    const content = {
      subject: e.subject,
      description: e.description,
      active_form: e.active_form,
      status: e.status,
      owner: e.owner,
      blocked_by: e.blocked_by,
      metadata: e.metadata,
      recorded_at: e.recorded_at,
      sequence: e.sequence,
    };
    await db.insert("taskEvents", {
      orchestration_id: team.orchestration_id,
      team_id: team._id,
      phase_number: team.phase_number,
      task_id: e.task_id,
      ...content,
    });
    summary.inserted += 1n;
    changed.add(team.orchestration_id);
    const current = await db
      .query("currentTasks")
      .withIndex("by_team_id_and_task_id", (q) => q.eq("team_id", team._id).eq("task_id", e.task_id))
      .unique();
    if (current === null) {
      await db.insert("currentTasks", {
        team_id: team._id,
        task_id: e.task_id,
        orchestration_id: team.orchestration_id,
        ...content,
      });
      counts.add(team.orchestration_id, e.status, 1n);
      active(team.orchestration_id, e.recorded_at);
      summary.current_updated += 1n;
    } else if (isLater(e, current)) {
      await db.patch(current._id, content);
      counts.add(team.orchestration_id, current.status, -1n);
      counts.add(team.orchestration_id, e.status, 1n);
      active(team.orchestration_id, e.recorded_at);
      summary.current_updated += 1n;
    }
  }
  await counts.apply(db);
  for (const [id, at] of activity) await noteTaskActivity(db, id, at);
  return { summary, orchestrations: [...changed] };
}

/** Changes to the per-(orchestration, status) counts, written once per batch. */
class CountChanges {
  private deltas = new Map<string, { orchestration_id: Id<"orchestrations">; status: string; delta: bigint }>();

  add(orchestration_id: Id<"orchestrations">, status: string, delta: bigint) {
    const key = JSON.stringify([orchestration_id, status]);
    const entry = this.deltas.get(key) ?? { orchestration_id, status, delta: 0n };
    entry.delta += delta;
    this.deltas.set(key, entry);
  }

  async apply(db: DatabaseWriter) {
    for (const { orchestration_id, status, delta } of this.deltas.values()) {
      if (delta === 0n) continue;
      const row = await db
        .query("taskCounts")
        .withIndex("by_orchestration_id_and_status", (q) =>
          q.eq("orchestration_id", orchestration_id).eq("status", status),
        )
        .unique();
      const count = (row?.count ?? 0n) + delta;
      if (count < 0n) throw new Error(`task count of '${status}' in ${orchestration_id} went below zero`);
      if (row === null) await db.insert("taskCounts", { orchestration_id, status, count });
      else if (count === 0n) await db.delete(row._id);
      else await db.patch(row._id, { count });
    }
  }
}

function parseMetadata(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid("task event", `metadata is not JSON text: ${String(err)}`);
  }
}

function sameContent(stored: Doc<"taskEvents">, e: NewTaskEvent, metadata: unknown): boolean {
  return (
    stored.subject === e.subject &&
    stored.description === e.description &&
    stored.active_form === e.active_form &&
    stored.status === e.status &&
    stored.owner === e.owner &&
    stored.blocked_by.length === e.blocked_by.length &&
    stored.blocked_by.every((b, i) => b === e.blocked_by[i]) &&
    jsonEqual(JSON.parse(stored.metadata), metadata)
  );
}

/** Structural JSON equality; object key order does not matter (as with serde_json). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => jsonEqual(x, b[i]))
    );
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const ob = b as Record<string, unknown>;
  const oa = a as Record<string, unknown>;
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(ob, k) && jsonEqual(oa[k], ob[k]));
}
