// Team registration, shared by teams.registerTeam, orchestrations.create (the
// orchestrator team) and phases.applyTransition (the phase team).
import type { Doc } from "../_generated/dataModel";
import type { DatabaseWriter } from "../_generated/server";
import { invalid, teamOwnedByOther } from "./errors";
import { findTeam, findTeamByName, requireOrchestration } from "./records";
import type { TeamRegistration } from "./validators";

/**
 * Upserts a team by exact name. A name owned by another orchestration is refused; a
 * parent must be a team of the same orchestration and not the team itself. An update
 * takes the new parent and phase and keeps the lead session unless a new one is given.
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
  let parent_team_id: Doc<"teams">["_id"] | null = null;
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
    if (existing !== null && existing._id === parent._id) {
      throw invalid("parent team", `team '${reg.team_name}' cannot be its own parent`);
    }
    parent_team_id = parent._id;
  }
  if (existing !== null) {
    await db.patch(existing._id, {
      parent_team_id,
      phase_number: reg.phase_number,
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
    phase_number: reg.phase_number,
    lead_session_id: reg.lead_session_id,
    created_at: now,
  });
  const created = await db.get(id);
  if (created === null) throw new Error(`team ${id} vanished inside its transaction`);
  return created;
}
