// Team registration, shared by teams.registerTeam, orchestrations.create (the
// orchestrator team) and phases.applyTransition (the phase team). The hierarchy rules are
// those of tina-session/src/model/rules.rs (`resolve_team_registration`):
// - a phase number lies within 1..=total_phases;
// - a team with a parent has a phase (only phase teams hang below another team);
// - the orchestrator team is the one root: a phase team registered without a parent gets
//   the orchestrator team as its parent, and the orchestrator team never takes a phase;
// plus what needs the stored records: the parent exists in the same orchestration, no
// cycle, at most one team without parent and phase.
import { ConvexError } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseWriter } from "../_generated/server";
import { invalid, teamOwnedByOther } from "./errors";
import { checkLen, ID_MAX, validateName, validateSessionId } from "./input";
import { findTeam, findTeamByName, requireOrchestration, teamsOf } from "./records";
import { hasPhase } from "./status";
import type { TeamRegistration } from "./validators";

/** A `TeamRuleError` of tina-session, as ConvexError data (`code: "team_rule"`). */
function teamRule(rule: string, message: string, fields: Record<string, string | bigint>) {
  return new ConvexError({ code: "team_rule" as const, rule, message, ...fields });
}

/** Checks the registration's own fields (`TeamRegistration::validate`). */
export function validateRegistration(reg: TeamRegistration): void {
  validateName("team", reg.team_name);
  checkLen("orchestration id", reg.orchestration_id, ID_MAX);
  if (reg.parent_team_id !== null) checkLen("parent team id", reg.parent_team_id, ID_MAX);
  if (reg.lead_session_id !== null) validateSessionId(reg.lead_session_id);
}

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
  validateRegistration(reg);
  const orchestration = await requireOrchestration(db, reg.orchestration_id);
  const found = await findTeamByName(db, reg.team_name);
  // A team of another orchestration is refused below, after the hierarchy rules (as in Rust).
  const existing = found !== null && found.orchestration_id === orchestration._id ? found : null;
  const phase_number = reg.phase_number ?? existing?.phase_number ?? null;
  let requestedParent: string | null = reg.parent_team_id ?? existing?.parent_team_id ?? null;
  if (phase_number !== null && !hasPhase(orchestration, phase_number)) {
    throw teamRule(
      "phase_out_of_range",
      `phase ${phase_number} of team '${reg.team_name}' is outside 1..=${orchestration.total_phases} ` +
        `for feature '${orchestration.feature_name}'`,
      {
        team_name: reg.team_name,
        phase: phase_number,
        total: orchestration.total_phases,
        feature: orchestration.feature_name,
      },
    );
  }
  if (phase_number === null && requestedParent !== null) {
    throw teamRule(
      "parent_without_phase",
      `team '${reg.team_name}' has a parent team but no phase number; only phase teams have a ` +
        "parent: give its phase number, or omit the parent for the orchestrator team",
      { team_name: reg.team_name },
    );
  }
  if (phase_number !== null && requestedParent === null) {
    const root = (await teamsOf(db, orchestration._id)).find(
      (t) => t.parent_team_id === null && t.phase_number === null,
    );
    if (root !== undefined && existing !== null && existing._id === root._id) {
      throw teamRule(
        "orchestrator_team_takes_phase",
        `team '${reg.team_name}' is the orchestrator team of feature '${orchestration.feature_name}': ` +
          "it has no phase number and no parent",
        { team_name: reg.team_name, feature: orchestration.feature_name },
      );
    }
    if (root === undefined) {
      throw teamRule(
        "no_orchestrator_team",
        `phase team '${reg.team_name}' has no parent and feature '${orchestration.feature_name}' has ` +
          "no orchestrator team to default to; pass the parent team id",
        { team_name: reg.team_name, feature: orchestration.feature_name },
      );
    }
    requestedParent = root._id;
  }
  if (found !== null && existing === null) {
    throw teamOwnedByOther(reg.team_name, found.orchestration_id, reg.orchestration_id);
  }
  let parent_team_id: Id<"teams"> | null = existing?.parent_team_id ?? null;
  if (reg.parent_team_id !== null || (requestedParent !== null && requestedParent !== parent_team_id)) {
    const parentId = requestedParent!;
    const parent = await findTeam(db, parentId);
    if (parent === null) {
      throw invalid("parent team", `no team has id ${parentId}`);
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
            `team '${reg.team_name}' cannot be a descendant of itself (parent ${parentId})`,
          );
        }
        next = next.parent_team_id === null ? null : await db.get(next.parent_team_id);
      }
    }
    parent_team_id = parent._id;
  }
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
