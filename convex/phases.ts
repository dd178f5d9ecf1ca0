// Phases: the compare-and-set phase transition (with its orchestration update and an
// optional phase-team registration, atomically) and the phase list.
import { v } from "convex/values";
import { conflict, invalid } from "./model/errors";
import { mutation, query } from "./model/functions";
import { checkLen, LIMITS } from "./model/input";
import { findOrchestration, orchestrationOut, phaseOut, phasesOf, requireOrchestration, teamOut } from "./model/records";
import { bumpRevision } from "./model/revision";
import { compareBigints } from "./model/order";
import { deriveOrchestrationStatus, hasPhase } from "./model/status";
import { registerTeam, validateRegistration } from "./model/teams";
import {
  optString,
  orchestration,
  orchestrationStatus,
  phase,
  phaseChange,
  phaseStatus,
  team,
  teamRegistration,
} from "./model/validators";

/**
 * Moves a phase to `status` if its stored status is `expected` (null: no record yet),
 * sets the orchestration's status (derived from every phase) and current phase, and
 * registers the phase team if given; all or nothing. A stale `expected` is a `conflict`.
 */
export const applyTransition = mutation({
  args: {
    orchestration_id: v.string(),
    phase_number: v.int64(),
    expected: v.union(phaseStatus, v.null()),
    status: phaseStatus,
    plan_path: optString,
    blocked_reason: optString,
    orchestration_status: orchestrationStatus,
    register_team: v.union(teamRegistration, v.null()),
  },
  returns: v.object({ phase, orchestration, team: v.union(team, v.null()) }),
  handler: async (ctx, t) => {
    if (t.blocked_reason !== null) checkLen("block reason", t.blocked_reason, LIMITS.reason_max);
    if (t.plan_path !== null) checkLen("plan path", t.plan_path, LIMITS.path_max);
    if (t.register_team !== null) validateRegistration(t.register_team);
    const orch = await requireOrchestration(ctx.db, t.orchestration_id);
    if (!hasPhase(orch, t.phase_number)) {
      throw invalid(
        "phase number",
        `phase ${t.phase_number} is outside 1..=${orch.total_phases} for feature '${orch.feature_name}'`,
      );
    }
    const current = await ctx.db
      .query("phases")
      .withIndex("by_orchestration_id_and_phase_number", (q) =>
        q.eq("orchestration_id", orch._id).eq("phase_number", t.phase_number),
      )
      .unique();
    const currentStatus = current?.status ?? null;
    if (currentStatus !== t.expected) {
      throw conflict(
        `phase ${t.phase_number} of '${orch.feature_name}' is ${currentStatus ?? "not started"} ` +
          `(expected ${t.expected ?? "not started"})`,
      );
    }
    if (t.register_team !== null && t.register_team.orchestration_id !== t.orchestration_id) {
      throw invalid(
        "team",
        `phase team '${t.register_team.team_name}' is registered for orchestration ` +
          `${t.register_team.orchestration_id}, not ${t.orchestration_id}`,
      );
    }
    const now = BigInt(Date.now());
    const registered = t.register_team === null ? null : await registerTeam(ctx.db, t.register_team, now);
    const fields = {
      status: t.status,
      plan_path: t.plan_path ?? current?.plan_path ?? null,
      blocked_reason: t.blocked_reason,
      started_at: current?.started_at ?? (t.status === "executing" ? now : null),
      completed_at: t.status === "complete" ? now : null,
      updated_at: now,
    };
    const phaseId =
      current === null
        ? await ctx.db.insert("phases", {
            orchestration_id: orch._id,
            phase_number: t.phase_number,
            ...fields,
          })
        : (await ctx.db.patch(current._id, fields), current._id);
    if (current === null || current.status !== t.status || current.blocked_reason !== t.blocked_reason) {
      await ctx.db.insert("phaseHistory", {
        orchestration_id: orch._id,
        phase_number: t.phase_number,
        status: t.status,
        blocked_reason: t.blocked_reason,
        at: now,
      });
    }
    const status = deriveOrchestrationStatus(
      t.orchestration_status,
      await phasesOf(ctx.db, orch._id),
      orch.total_phases,
    );
    await ctx.db.patch(orch._id, {
      status,
      current_phase: t.phase_number,
      completed_at: status === "complete" ? now : null,
      updated_at: now,
    });
    await bumpRevision(ctx.db, orch._id);
    const stored = await ctx.db.get(phaseId);
    if (stored === null) throw new Error(`phase ${phaseId} vanished inside its transaction`);
    return {
      phase: phaseOut(stored),
      orchestration: orchestrationOut(await requireOrchestration(ctx.db, orch._id)),
      team: registered === null ? null : teamOut(registered),
    };
  },
});

/**
 * Every status change of the orchestration's phases, oldest first (ties by phase number);
 * an unknown id is `not_found`.
 */
export const listHistory = query({
  args: { orchestration_id: v.string() },
  returns: v.array(phaseChange),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await requireOrchestration(ctx.db, orchestration_id);
    const rows = await ctx.db
      .query("phaseHistory")
      .withIndex("by_orchestration_id_and_at", (q) => q.eq("orchestration_id", orch._id))
      .collect();
    // Stable sort: within one phase, changes stay in the order they were made.
    return rows
      .map(({ phase_number, status, blocked_reason, at }) => ({ phase_number, status, blocked_reason, at }))
      .sort((a, b) => compareBigints(a.at, b.at) || compareBigints(a.phase_number, b.phase_number));
  },
});

/** The phases of an orchestration by phase number (empty for an unknown id, as SQLite). */
export const list = query({
  args: { orchestration_id: v.string() },
  returns: v.array(phase),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await findOrchestration(ctx.db, orchestration_id);
    return orch === null ? [] : (await phasesOf(ctx.db, orch._id)).map(phaseOut);
  },
});
