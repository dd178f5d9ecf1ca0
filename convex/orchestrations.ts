// Orchestrations: create (with the orchestrator team, atomically), look up by id or by
// exact feature name, list, remove with everything that belongs to it, and the detail
// view. Mirrors the orchestration half of the Rust `Store` trait.
import { ConvexError, v } from "convex/values";
import { featureInUse, invalid, notFound } from "./model/errors";
import { mutation, query } from "./model/functions";
import { checkLen, LIMITS, validateBranch, validateName, validateSessionId } from "./model/input";
import { deleteOrchestrationCascade } from "./model/orchestrations";
import {
  findOrchestration,
  findOrchestrationByFeature,
  orchestrationOut,
  requireOrchestration,
  teamOut,
} from "./model/records";
import { bumpRevision } from "./model/revision";
import { registerTeam } from "./model/teams";
import { orchestration, orchestrationDetail, optString, team } from "./model/validators";
import { buildDetail } from "./model/views";

/** Largest total_phases: phase numbers are `u32` on the Rust side. */
const MAX_TOTAL_PHASES = 4_294_967_295n;

/**
 * Creates an orchestration and its orchestrator team in one transaction. An existing
 * orchestration of the same feature is replaced when it is complete, or when `replace`
 * is set; otherwise the feature is in use (a blocked one still holds why it stopped).
 * An old orchestration too large to remove inside this transaction is
 * `too_large_to_replace` with its id: remove it (orchestrations.remove, called until
 * done), then create again. Nothing is written in that case.
 */
export const create = mutation({
  args: {
    feature_name: v.string(),
    design_doc: v.string(),
    branch: optString,
    worktree_path: optString,
    total_phases: v.int64(),
    orchestrator_team_name: v.string(),
    lead_session_id: optString,
    replace: v.boolean(),
  },
  returns: v.object({ orchestration, team }),
  handler: async (ctx, args) => {
    validateName("feature", args.feature_name);
    validateName("team", args.orchestrator_team_name);
    if (args.lead_session_id !== null) validateSessionId(args.lead_session_id);
    checkLen("design doc path", args.design_doc, LIMITS.path_max);
    if (args.worktree_path !== null) checkLen("worktree path", args.worktree_path, LIMITS.path_max);
    if (args.branch !== null) validateBranch(args.branch);
    if (args.total_phases < 1n) {
      throw invalid("total phases", "an orchestration needs at least one phase");
    }
    if (args.total_phases > MAX_TOTAL_PHASES) {
      throw invalid("total phases", `${args.total_phases} is more than ${MAX_TOTAL_PHASES}`);
    }
    const old = await findOrchestrationByFeature(ctx.db, args.feature_name);
    if (old !== null) {
      if (old.status !== "complete" && !args.replace) throw featureInUse(old.feature_name, old._id, old.status);
      if (!(await deleteOrchestrationCascade(ctx.db, old._id))) {
        // Thrown, so the partial removal above rolls back with the rest.
        throw new ConvexError({
          code: "too_large_to_replace" as const,
          message:
            `orchestration ${old._id} of feature '${old.feature_name}' is too large to replace in ` +
            "one transaction; remove it first (tina-session cleanup), then create again",
          id: old._id,
        });
      }
    }
    const now = BigInt(Date.now());
    const id = await ctx.db.insert("orchestrations", {
      feature_name: args.feature_name,
      design_doc: args.design_doc,
      branch: args.branch,
      worktree_path: args.worktree_path,
      total_phases: args.total_phases,
      current_phase: null,
      status: "planning",
      started_at: now,
      completed_at: null,
      updated_at: now,
    });
    const orchestratorTeam = await registerTeam(
      ctx.db,
      {
        team_name: args.orchestrator_team_name,
        orchestration_id: id,
        parent_team_id: null,
        phase_number: null,
        lead_session_id: args.lead_session_id,
      },
      now,
    );
    await bumpRevision(ctx.db, id);
    const created = await requireOrchestration(ctx.db, id);
    return { orchestration: orchestrationOut(created), team: teamOut(orchestratorTeam) };
  },
});

/** The orchestration with this id, or null. */
export const get = query({
  args: { id: v.string() },
  returns: v.union(orchestration, v.null()),
  handler: async (ctx, { id }) => {
    const found = await findOrchestration(ctx.db, id);
    return found === null ? null : orchestrationOut(found);
  },
});

/** Exact, case-sensitive match on the feature name (no prefix or pattern matching). */
export const getByFeature = query({
  args: { feature_name: v.string() },
  returns: v.union(orchestration, v.null()),
  handler: async (ctx, { feature_name }) => {
    const found = await findOrchestrationByFeature(ctx.db, feature_name);
    return found === null ? null : orchestrationOut(found);
  },
});

/** Every orchestration, newest first. */
export const list = query({
  args: {},
  returns: v.array(orchestration),
  handler: async (ctx) => {
    const all = await ctx.db.query("orchestrations").withIndex("by_started_at").order("desc").collect();
    return all.map(orchestrationOut);
  },
});

/**
 * Removes the orchestration and every record that belongs to it, history first and the
 * orchestration record last, at most REMOVE_BUDGET documents per call: returns true once
 * it is gone, false when the caller must call again (each call is its own transaction).
 */
export const remove = mutation({
  args: { id: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { id }) => {
    const found = await findOrchestration(ctx.db, id);
    if (found === null) throw notFound("orchestration", `id ${id}`);
    const done = await deleteOrchestrationCascade(ctx.db, found._id);
    if (!done) await bumpRevision(ctx.db, found._id);
    return done;
  },
});

/**
 * Everything about one orchestration: phases, orchestrator tasks apart, phase tasks
 * keyed by the team record's phase number, teams and members, from one snapshot.
 */
export const getOrchestrationDetail = query({
  args: { id: v.string() },
  returns: orchestrationDetail,
  handler: async (ctx, { id }) => buildDetail(ctx.db, await requireOrchestration(ctx.db, id)),
});
