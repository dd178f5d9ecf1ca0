// Cross-cutting functions: the team hierarchy of an orchestration, the revisions live
// views poll, and the reset the Rust conformance suite needs on a throwaway deployment.
import { v } from "convex/values";
import { invalid } from "./model/errors";
import { mutation, query } from "./model/functions";
import { requireOrchestration } from "./model/records";
import { readOrchestrationRevision, readRevision } from "./model/revision";
import { teamHierarchy } from "./model/validators";
import { buildHierarchy } from "./model/views";

/**
 * The orchestrator team with its child phase teams, members and task counts, in one
 * read (for orchestrations that fit one query; ConvexStore composes it from paged reads).
 */
export const getTeamHierarchy = query({
  args: { orchestration_id: v.string() },
  returns: teamHierarchy,
  handler: async (ctx, { orchestration_id }) =>
    buildHierarchy(ctx.db, await requireOrchestration(ctx.db, orchestration_id)),
});

/** A number that grows with every mutation, whatever it touched (model/revision.ts). */
export const revision = query({
  args: {},
  returns: v.int64(),
  handler: async (ctx) => readRevision(ctx.db),
});

/**
 * A number that grows with every change to this orchestration (its phases, teams,
 * members, tasks); an unknown or removed orchestration is `not_found`.
 */
export const orchestrationRevision = query({
  args: { orchestration_id: v.string() },
  returns: v.int64(),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await requireOrchestration(ctx.db, orchestration_id);
    return await readOrchestrationRevision(ctx.db, orch._id);
  },
});

const TABLES = [
  "teamActivity",
  "taskEvents",
  "currentTasks",
  "taskCounts",
  "teamMembers",
  "teams",
  "phases",
  "phaseHistory",
  "orchestrations",
  "orchestrationRevisions",
] as const;

/** Documents one reset call deletes at most; call again until it returns true. */
const RESET_BATCH = 4_000;

/**
 * Deletes every document, up to RESET_BATCH per call; returns true once the deployment is
 * empty. Only for a throwaway deployment that the Rust conformance suite runs against
 * (TINA_TEST_CONVEX_URL): refused unless the deployment's environment has
 * TINA_ALLOW_TEST_RESET=1 (`npx convex env set TINA_ALLOW_TEST_RESET 1`).
 */
export const resetForTests = mutation({
  args: {},
  returns: v.boolean(),
  handler: async (ctx) => {
    if (process.env.TINA_ALLOW_TEST_RESET !== "1") {
      throw invalid("request", "resetForTests is disabled; set TINA_ALLOW_TEST_RESET=1 on a test deployment");
    }
    let budget = RESET_BATCH;
    for (const table of TABLES) {
      const docs = await ctx.db.query(table).take(budget + 1);
      for (const doc of docs) {
        if (budget === 0) return false;
        await ctx.db.delete(doc._id);
        budget -= 1;
      }
    }
    return true;
  },
});
