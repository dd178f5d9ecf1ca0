// Orchestrations: create (with the orchestrator team, atomically), look up by id or by
// exact feature name, list, remove with everything that belongs to it, and the detail
// view. Mirrors the orchestration half of the Rust `Store` trait.
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { featureInUse, invalid, notFound } from "./model/errors";
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

/**
 * Creates an orchestration and its orchestrator team in one transaction. An existing
 * orchestration of the same feature is replaced when it is complete or blocked, or when
 * `replace` is set; otherwise the feature is in use.
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
    if (args.feature_name.trim() === "") throw invalid("feature name", "it is empty");
    if (args.total_phases < 1n) {
      throw invalid("total phases", "an orchestration needs at least one phase");
    }
    const old = await findOrchestrationByFeature(ctx.db, args.feature_name);
    if (old !== null) {
      // Only a complete orchestration is replaced without `replace`: a blocked one still
      // holds the reason it stopped (same rule as the SQLite backend).
      if (old.status !== "complete" && !args.replace) {
        throw featureInUse(old.feature_name, old._id, old.status);
      }
      await deleteOrchestrationCascade(ctx.db, old._id);
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
    await bumpRevision(ctx.db);
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

/** Removes the orchestration and every record that belongs to it. */
export const remove = mutation({
  args: { id: v.string() },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const found = await findOrchestration(ctx.db, id);
    if (found === null) throw notFound("orchestration", `id ${id}`);
    await deleteOrchestrationCascade(ctx.db, found._id);
    await bumpRevision(ctx.db);
    return null;
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
