// Cross-cutting reads: the team hierarchy of an orchestration and the store revision.
import { v } from "convex/values";
import { query } from "./_generated/server";
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
