// Team registration, shared by teams.registerTeam, orchestrations.create (the
// orchestrator team) and phases.applyTransition (the phase team).
import type { Doc } from "../_generated/dataModel";
import type { DatabaseWriter } from "../_generated/server";
import { invalid, teamOwnedByOther } from "./errors";
import { findTeam, findTeamByName, requireOrchestration, teamsOf } from "./records";
import type { TeamRegistration } from "./validators";

/**
 * Upserts a team by exact name. On an existing team, a null field keeps the stored value
 * (re-registering a phase team without its phase never turns it into a root). Refused:
 * a name owned by another orchestration, a parent from elsewhere or one that would close
 * a cycle, and a second root team (no parent, no phase) in an orchestration. The same
 * rules as the SQLite backend (`register_team_tx`).
 */
export async function registerTeam(
  db: DatabaseWriter,
  reg: TeamRegistration,
  now: bigint,
): Promise<Doc<"teams">> {
  if (reg.team_name.trim() === "") throw invalid("team name", "it is empty");
  const orchestration = await requireOrchestration(db, reg.orchestration_id);
  const existing = await findTeamByName(db, reg.team_name);
  if (existing !== null && existing.orchestration_id !== orchestration._id) {
    throw teamOwnedByOther(reg.team_name, existing.orchestration_id, reg.orchestration_id);
  }
  let parent_team_id: Doc<"teams">["_id"] | null = existing?.parent_team_id ?? null;
  if (reg.parent_team_id !== null) {
    const parent = await findTeam(db, reg.parent_team_id);
    if (parent === null) {
      throw invalid("parent team", `no team has id ${reg.parent_team_id}`);
    }
    if (parent.orchestration_id !== orchestration._id) {
      throw invalid(
        "parent team",
        `team ${parent._id} ('${parent.team_name}') belongs to orchestration ` +
          `${parent.orchestration_id}, not ${reg.orchestration_id}`,
      );
    }
    if (existing !== null) {
      // Walk up from the new parent: reaching this team would close a cycle.
      let next: Doc<"teams"> | null = parent;
      while (next !== null) {
        if (next._id === existing._id) {
          throw invalid(
            "parent team",
            `team '${reg.team_name}' cannot be a descendant of itself (parent ${reg.parent_team_id})`,
          );
        }
        next = next.parent_team_id === null ? null : await db.get(next.parent_team_id);
      }
    }
    parent_team_id = parent._id;
  }
  const phase_number = reg.phase_number ?? existing?.phase_number ?? null;
  if (parent_team_id === null && phase_number === null) {
    const otherRoot = (await teamsOf(db, orchestration._id)).find(
      (t) => t.parent_team_id === null && t.phase_number === null && t.team_name !== reg.team_name,
    );
    if (otherRoot !== undefined) {
      throw invalid(
        "orchestrator team",
        `orchestration '${orchestration.feature_name}' already has its orchestrator team ` +
          `'${otherRoot.team_name}'; register '${reg.team_name}' with a parent team id ` +
          `(and a phase number for a phase team)`,
      );
    }
  }
  if (existing !== null) {
    await db.patch(existing._id, {
      parent_team_id,
      phase_number,
      lead_session_id: reg.lead_session_id ?? existing.lead_session_id,
    });
    const updated = await db.get(existing._id);
    if (updated === null) throw new Error(`team ${existing._id} vanished inside its transaction`);
    return updated;
  }
  const id = await db.insert("teams", {
    team_name: reg.team_name,
    orchestration_id: orchestration._id,
    parent_team_id,
    phase_number,
    lead_session_id: reg.lead_session_id,
    created_at: now,
  });
  const created = await db.get(id);
  if (created === null) throw new Error(`team ${id} vanished inside its transaction`);
  return created;
}
