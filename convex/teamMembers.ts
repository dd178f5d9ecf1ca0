// Team members: upsert by (team, agent name) and the members of an orchestration.
import { v } from "convex/values";
import { mutation, query } from "./model/functions";
import { validateName } from "./model/input";
import { findOrchestration, memberOut, membersOf, requireTeam, teamsOf } from "./model/records";
import { bumpRevision } from "./model/revision";
import { optString, teamMember } from "./model/validators";

/** Inserts or updates one member; an unknown team is `not_found`. */
export const upsert = mutation({
  args: {
    team_id: v.string(),
    agent_name: v.string(),
    agent_type: optString,
    model: optString,
    joined_at: v.int64(),
  },
  returns: teamMember,
  handler: async (ctx, m) => {
    validateName("agent", m.agent_name);
    const team = await requireTeam(ctx.db, m.team_id);
    const fields = { agent_type: m.agent_type, model: m.model, joined_at: m.joined_at };
    const existing = await ctx.db
      .query("teamMembers")
      .withIndex("by_team_id_and_agent_name", (q) => q.eq("team_id", team._id).eq("agent_name", m.agent_name))
      .unique();
    if (existing === null) {
      await ctx.db.insert("teamMembers", { team_id: team._id, agent_name: m.agent_name, ...fields });
    } else {
      await ctx.db.patch(existing._id, fields);
    }
    await bumpRevision(ctx.db, team.orchestration_id);
    return { team_id: team._id, agent_name: m.agent_name, ...fields };
  },
});

/** Members of every team of the orchestration, by team then agent name. */
export const list = query({
  args: { orchestration_id: v.string() },
  returns: v.array(teamMember),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await findOrchestration(ctx.db, orchestration_id);
    if (orch === null) return [];
    return (await membersOf(ctx.db, await teamsOf(ctx.db, orch._id))).map(memberOut);
  },
});
