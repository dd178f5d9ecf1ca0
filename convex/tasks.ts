// Tasks: recording events (history plus materialized current state, one transaction),
// the history, and the current tasks of an orchestration.
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { loadCurrentTasks, recordEvents } from "./model/currentTasks";
import { findOrchestration, requireOrchestration, teamsOf } from "./model/records";
import { bumpRevision } from "./model/revision";
import { currentTask, newTaskEvent, recordSummary, taskEvent } from "./model/validators";

/** Records a batch atomically: all events or none. */
export const recordTaskEvents = mutation({
  args: { events: v.array(newTaskEvent) },
  returns: recordSummary,
  handler: async (ctx, { events }) => {
    if (events.length === 0) return { inserted: 0n, duplicates: 0n, current_updated: 0n };
    const summary = await recordEvents(ctx.db, events);
    await bumpRevision(ctx.db);
    return summary;
  },
});

/** Records one event (a batch of one). */
export const recordTaskEvent = mutation({
  args: { event: newTaskEvent },
  returns: recordSummary,
  handler: async (ctx, { event }) => {
    const summary = await recordEvents(ctx.db, [event]);
    await bumpRevision(ctx.db);
    return summary;
  },
});

/** The full history of an orchestration by (recorded_at, sequence, arrival). */
export const listTaskEvents = query({
  args: { orchestration_id: v.string() },
  returns: v.array(taskEvent),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await findOrchestration(ctx.db, orchestration_id);
    if (orch === null) return [];
    const events = await ctx.db
      .query("taskEvents")
      .withIndex("by_orchestration_id_and_recorded_at_and_sequence", (q) => q.eq("orchestration_id", orch._id))
      .collect();
    return events.map(({ _id, _creationTime, ...event }) => event);
  },
});

/**
 * Every current task of the orchestration, orchestrator and phase teams alike, by
 * phase (orchestrator first), team name, task id. An unknown id is `not_found`.
 */
export const getCurrentTasks = query({
  args: { orchestration_id: v.string() },
  returns: v.array(currentTask),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await requireOrchestration(ctx.db, orchestration_id);
    return await loadCurrentTasks(ctx.db, orch._id, await teamsOf(ctx.db, orch._id));
  },
});
