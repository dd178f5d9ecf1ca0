// Team activity from Claude Code hooks (session start/end, teammate idle, notification,
// stop, subagents): append-only, one entry per (team, kind, session, agent, time).
import { v } from "convex/values";
import { mutation, query } from "./model/functions";
import type { Doc } from "./_generated/dataModel";
import { findOrchestration, requireTeam } from "./model/records";
import { bumpRevision } from "./model/revision";
import { checkLen, validateName, validateSessionId } from "./model/input";
import { optString, teamActivity } from "./model/validators";

function activityOut(d: Doc<"teamActivity">) {
  return {
    orchestration_id: d.orchestration_id,
    team_id: d.team_id,
    kind: d.kind as any,
    session_id: d.session_id,
    agent_name: d.agent_name === "" ? null : d.agent_name,
    detail: d.detail,
    recorded_at: d.recorded_at,
  };
}

/** Appends an entry; false when the same entry exists. An unknown team is `not_found`. */
export const record = mutation({
  args: {
    team_id: v.string(),
    kind: teamActivity.fields.kind,
    session_id: v.string(),
    agent_name: optString,
    detail: optString,
    recorded_at: v.int64(),
  },
  returns: v.boolean(),
  handler: async (ctx, a) => {
    validateSessionId(a.session_id);
    if (a.agent_name != null) validateName("agent", a.agent_name);
    if (a.detail != null) checkLen("detail", a.detail, 200);
    const team = await requireTeam(ctx.db, a.team_id);
    const agent_name = a.agent_name ?? "";
    const existing = await ctx.db
      .query("teamActivity")
      .withIndex("by_team_id_and_kind_and_session_id_and_agent_name_and_recorded_at", (q) =>
        q
          .eq("team_id", team._id)
          .eq("kind", a.kind)
          .eq("session_id", a.session_id)
          .eq("agent_name", agent_name)
          .eq("recorded_at", a.recorded_at),
      )
      .first();
    if (existing !== null) return false;
    await ctx.db.insert("teamActivity", {
      orchestration_id: team.orchestration_id,
      team_id: team._id,
      kind: a.kind,
      session_id: a.session_id,
      agent_name,
      detail: a.detail,
      recorded_at: a.recorded_at,
    });
    await bumpRevision(ctx.db, team.orchestration_id);
    return true;
  },
});

/** Activity of every team of the orchestration, oldest first (empty for an unknown id). */
export const list = query({
  args: { orchestration_id: v.string() },
  returns: v.array(teamActivity),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await findOrchestration(ctx.db, orchestration_id);
    if (orch === null) return [];
    const rows = await ctx.db
      .query("teamActivity")
      .withIndex("by_orchestration_id_and_recorded_at", (q) => q.eq("orchestration_id", orch._id))
      .collect();
    return rows.map(activityOut);
  },
});
