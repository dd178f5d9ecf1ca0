// Reads shared by queries and mutations: documents by id or exact name through indexes,
// and the conversion of documents into the result shapes of model/validators.ts.
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseReader } from "../_generated/server";
import { notFound } from "./errors";
import { compareBigints, comparePhases, compareStrings } from "./order";
import type { Orchestration, Phase, Team, TeamMember } from "./validators";

export function orchestrationOut(d: Doc<"orchestrations">): Orchestration {
  return {
    id: d._id,
    feature_name: d.feature_name,
    design_doc: d.design_doc,
    branch: d.branch,
    worktree_path: d.worktree_path,
    total_phases: d.total_phases,
    current_phase: d.current_phase,
    status: d.status,
    started_at: d.started_at,
    completed_at: d.completed_at,
    updated_at: d.updated_at,
  };
}

export function phaseOut(d: Doc<"phases">): Phase {
  return {
    orchestration_id: d.orchestration_id,
    phase_number: d.phase_number,
    status: d.status,
    plan_path: d.plan_path,
    blocked_reason: d.blocked_reason,
    started_at: d.started_at,
    completed_at: d.completed_at,
    updated_at: d.updated_at,
  };
}

export function teamOut(d: Doc<"teams">): Team {
  return {
    id: d._id,
    team_name: d.team_name,
    orchestration_id: d.orchestration_id,
    parent_team_id: d.parent_team_id,
    phase_number: d.phase_number,
    lead_session_id: d.lead_session_id,
    created_at: d.created_at,
    ...(d.claude_team_dir === undefined ? {} : { claude_team_dir: d.claude_team_dir }),
  };
}

export function memberOut(d: Doc<"teamMembers">): TeamMember {
  return {
    team_id: d.team_id,
    agent_name: d.agent_name,
    agent_type: d.agent_type,
    model: d.model,
    joined_at: d.joined_at,
  };
}

/** The orchestration with this id, or null (also for strings that are no id at all). */
export async function findOrchestration(
  db: DatabaseReader,
  id: string,
): Promise<Doc<"orchestrations"> | null> {
  const normalized = db.normalizeId("orchestrations", id);
  return normalized === null ? null : await db.get(normalized);
}

export async function requireOrchestration(
  db: DatabaseReader,
  id: string,
): Promise<Doc<"orchestrations">> {
  const found = await findOrchestration(db, id);
  if (found === null) throw notFound("orchestration", `id ${id}`);
  return found;
}

/** Exact, case-sensitive match through the unique-by-convention index. */
export async function findOrchestrationByFeature(
  db: DatabaseReader,
  feature_name: string,
): Promise<Doc<"orchestrations"> | null> {
  return await db
    .query("orchestrations")
    .withIndex("by_feature_name", (q) => q.eq("feature_name", feature_name))
    .unique();
}

export async function findTeam(db: DatabaseReader, id: string): Promise<Doc<"teams"> | null> {
  const normalized = db.normalizeId("teams", id);
  return normalized === null ? null : await db.get(normalized);
}

export async function requireTeam(db: DatabaseReader, id: string): Promise<Doc<"teams">> {
  const found = await findTeam(db, id);
  if (found === null) throw notFound("team", `id ${id}`);
  return found;
}

export async function findTeamByName(
  db: DatabaseReader,
  team_name: string,
): Promise<Doc<"teams"> | null> {
  return await db
    .query("teams")
    .withIndex("by_team_name", (q) => q.eq("team_name", team_name))
    .unique();
}

/** Teams of an orchestration ordered by creation, then name (as SQLite orders them). */
export async function teamsOf(
  db: DatabaseReader,
  orchestration_id: Id<"orchestrations">,
): Promise<Doc<"teams">[]> {
  const teams = await db
    .query("teams")
    .withIndex("by_orchestration_id", (q) => q.eq("orchestration_id", orchestration_id))
    .collect();
  return teams.sort(byCreationThenName);
}

export function byCreationThenName(a: Doc<"teams">, b: Doc<"teams">): number {
  return compareBigints(a.created_at, b.created_at) || compareStrings(a.team_name, b.team_name);
}

export function byPhaseThenName(a: Doc<"teams">, b: Doc<"teams">): number {
  return comparePhases(a.phase_number, b.phase_number) || compareStrings(a.team_name, b.team_name);
}

export async function phasesOf(
  db: DatabaseReader,
  orchestration_id: Id<"orchestrations">,
): Promise<Doc<"phases">[]> {
  return await db
    .query("phases")
    .withIndex("by_orchestration_id_and_phase_number", (q) =>
      q.eq("orchestration_id", orchestration_id),
    )
    .collect();
}

/** Members of the given teams (already in team order), by team then agent name. */
export async function membersOf(
  db: DatabaseReader,
  teams: Doc<"teams">[],
): Promise<Doc<"teamMembers">[]> {
  const out: Doc<"teamMembers">[] = [];
  for (const t of teams) {
    // The index orders by agent_name as Convex orders strings; sort to Rust's order.
    const members = await db
      .query("teamMembers")
      .withIndex("by_team_id_and_agent_name", (q) => q.eq("team_id", t._id))
      .collect();
    out.push(...members.sort((a, b) => compareStrings(a.agent_name, b.agent_name)));
  }
  return out;
}
