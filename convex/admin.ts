// Cross-cutting functions: the team hierarchy of an orchestration, the store revision,
// and the reset the Rust conformance suite needs on a throwaway deployment.
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { invalid } from "./model/errors";
import { requireOrchestration } from "./model/records";
import { readRevision } from "./model/revision";
import { teamHierarchy } from "./model/validators";
import { buildHierarchy } from "./model/views";

/** The orchestrator team with its child phase teams, members and task counts. */
export const getTeamHierarchy = query({
  args: { orchestration_id: v.string() },
  returns: teamHierarchy,
  handler: async (ctx, { orchestration_id }) =>
    buildHierarchy(ctx.db, await requireOrchestration(ctx.db, orchestration_id)),
});

/** A number that grows with every mutation; live views poll it. */
export const revision = query({
  args: {},
  returns: v.int64(),
  handler: async (ctx) => readRevision(ctx.db),
});

const TABLES = [
  "teamActivity",
  "taskEvents",
  "currentTasks",
  "teamMembers",
  "teams",
  "phases",
  "orchestrations",
  "counters",
] as const;

/**
 * Deletes every document. Only for a throwaway deployment that the Rust conformance
 * suite runs against (TINA_TEST_CONVEX_URL): refused unless the deployment's environment
 * has TINA_ALLOW_TEST_RESET=1 (`npx convex env set TINA_ALLOW_TEST_RESET 1`).
 */
export const resetForTests = mutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    if (process.env.TINA_ALLOW_TEST_RESET !== "1") {
      throw invalid("request", "resetForTests is disabled; set TINA_ALLOW_TEST_RESET=1 on a test deployment");
    }
    for (const table of TABLES) {
      for (const doc of await ctx.db.query(table).collect()) await ctx.db.delete(doc._id);
    }
    return null;
  },
});
