// Teams: registration (upsert by exact name), lookups by id and exact name, and the
// lists the rest of TINA reads (by orchestration, by parent, active).
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { mutation, query } from "./model/functions";
import {
  byCreationThenName,
  byPhaseThenName,
  findOrchestration,
  findTeam,
  findTeamByName,
  requireTeam,
  teamOut,
  teamsOf,
} from "./model/records";
import { bumpRevision } from "./model/revision";
import { invalid } from "./model/errors";
import { validateName } from "./model/input";
import { RUNNING_STATUSES } from "./model/status";
import { registerTeam as register } from "./model/teams";
import { optInt, optString, team } from "./model/validators";

/**
 * Upserts a team by exact name. A name owned by another orchestration is
 * `team_owned_by_other`; a parent must exist in the same orchestration (`invalid`).
 */
export const registerTeam = mutation({
  args: {
    team_name: v.string(),
    orchestration_id: v.string(),
    parent_team_id: optString,
    phase_number: optInt,
    lead_session_id: optString,
  },
  returns: team,
  handler: async (ctx, reg) => {
    const registered = await register(ctx.db, reg, BigInt(Date.now()));
    await bumpRevision(ctx.db, registered.orchestration_id);
    return teamOut(registered);
  },
});

/** The team with this id, or null. */
export const get = query({
  args: { id: v.string() },
  returns: v.union(team, v.null()),
  handler: async (ctx, { id }) => {
    const found = await findTeam(ctx.db, id);
    return found === null ? null : teamOut(found);
  },
});

/** The team with exactly this name, or null. */
export const getByName = query({
  args: { team_name: v.string() },
  returns: v.union(team, v.null()),
  handler: async (ctx, { team_name }) => {
    const found = await findTeamByName(ctx.db, team_name);
    return found === null ? null : teamOut(found);
  },
});

/** Teams of an orchestration by creation (empty for an unknown id, as SQLite). */
export const list = query({
  args: { orchestration_id: v.string() },
  returns: v.array(team),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await findOrchestration(ctx.db, orchestration_id);
    return orch === null ? [] : (await teamsOf(ctx.db, orch._id)).map(teamOut);
  },
});

/** Child teams of a team, by phase then name; an unknown parent is `not_found`. */
export const listByParent = query({
  args: { parent_team_id: v.string() },
  returns: v.array(team),
  handler: async (ctx, { parent_team_id }) => {
    const parent = await requireTeam(ctx.db, parent_team_id);
    const kids = await ctx.db
      .query("teams")
      .withIndex("by_parent_team_id", (q) => q.eq("parent_team_id", parent._id))
      .collect();
    return kids.sort(byPhaseThenName).map(teamOut);
  },
});

/**
 * Teams of running orchestrations (not complete or blocked: `RUNNING_STATUSES`), leaving
 * out teams whose phase is complete; by creation, then name.
 */
export const listActiveTeams = query({
  args: {},
  returns: v.array(team),
  handler: async (ctx) => {
    const active: Doc<"teams">[] = [];
    for (const status of RUNNING_STATUSES) {
      const orchestrations = await ctx.db
        .query("orchestrations")
        .withIndex("by_status", (q) => q.eq("status", status))
        .collect();
      for (const orch of orchestrations) {
        const phases = await ctx.db
          .query("phases")
          .withIndex("by_orchestration_id_and_phase_number", (q) => q.eq("orchestration_id", orch._id))
          .collect();
        const complete = new Set(phases.filter((p) => p.status === "complete").map((p) => p.phase_number));
        for (const t of await teamsOf(ctx.db, orch._id)) {
          if (t.phase_number === null || !complete.has(t.phase_number)) active.push(t);
        }
      }
    }
    return active.sort(byCreationThenName).map(teamOut);
  },
});

/** The newest team whose lead session id is exactly `session_id`, or null. */
export const findByLeadSession = query({
  args: { session_id: v.string() },
  returns: v.union(team, v.null()),
  handler: async (ctx, { session_id }) => {
    const found = await ctx.db
      .query("teams")
      .withIndex("by_lead_session_id", (q) => q.eq("lead_session_id", session_id))
      .collect();
    const newest = found.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0))[0];
    return newest === undefined ? null : teamOut(newest);
  },
});

/** The team linked to this Claude Code folder, or null. */
export const findByClaudeTeamDir = query({
  args: { folder: v.string() },
  returns: v.union(team, v.null()),
  handler: async (ctx, { folder }) => {
    const found = await ctx.db
      .query("teams")
      .withIndex("by_claude_team_dir", (q) => q.eq("claude_team_dir", folder))
      .first();
    return found === null ? null : teamOut(found);
  },
});

/**
 * Links a Claude Code folder to a team, moving it off any other team; an unknown team
 * is `not_found`, an empty folder `invalid`.
 */
export const linkClaudeTeamDir = mutation({
  args: { team_id: v.string(), folder: v.string() },
  returns: team,
  handler: async (ctx, { team_id, folder }) => {
    if (folder === "") throw invalid("Claude Code folder", "it is empty");
    // A folder name under CLAUDE_HOME: the same rule as team names.
    validateName("team", folder);
    const found = await requireTeam(ctx.db, team_id);
    if (found.claude_team_dir === folder) return teamOut(found);
    for (const other of await ctx.db
      .query("teams")
      .withIndex("by_claude_team_dir", (q) => q.eq("claude_team_dir", folder))
      .collect()) {
      await ctx.db.patch(other._id, { claude_team_dir: undefined });
      await bumpRevision(ctx.db, other.orchestration_id);
    }
    await ctx.db.patch(found._id, { claude_team_dir: folder });
    await bumpRevision(ctx.db, found.orchestration_id);
    return teamOut({ ...found, claude_team_dir: folder });
  },
});
