// Tasks: recording events (history plus materialized current state, one transaction),
// the history and the current tasks of an orchestration page by page, and the task
// counts of every orchestration for the orchestration list.
import { paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { compareCurrentTasks, joinTeams, recordEvents } from "./model/currentTasks";
import { invalid } from "./model/errors";
import { mutation, query } from "./model/functions";
import { findOrchestration, requireOrchestration } from "./model/records";
import { bumpRevisions, readTaskActivity } from "./model/revision";
import { currentTask, newTaskEvent, recordSummary, taskCount, taskEvent } from "./model/validators";

/**
 * Most events one recordTaskEvents call takes. ConvexStore sends at most
 * `EVENTS_PER_MUTATION` (64) events and 2 MiB per call; this bound refuses anything that
 * could not stay inside one transaction's limits (README, "Limits designed for").
 */
export const MAX_EVENTS_PER_BATCH = 256;

/** Largest page a paginated read returns, and the bytes one page may read. */
export const MAX_PAGE_ITEMS = 1_000;
export const PAGE_BYTES = 4 * 1024 * 1024;

const pageArgs = {
  cursor: v.union(v.string(), v.null()),
  /** Items per page, 1..=MAX_PAGE_ITEMS; a page may hold fewer (byte budget). */
  page_size: v.int64(),
};

function pageOptions(cursor: string | null, page_size: bigint) {
  if (page_size < 1n || page_size > BigInt(MAX_PAGE_ITEMS)) {
    throw invalid("request", `page_size ${page_size} is outside 1..=${MAX_PAGE_ITEMS}`);
  }
  return { cursor, numItems: Number(page_size), maximumBytesRead: PAGE_BYTES };
}

/** Records a batch atomically: all events or none. */
export const recordTaskEvents = mutation({
  args: { events: v.array(newTaskEvent) },
  returns: recordSummary,
  handler: async (ctx, { events }) => {
    if (events.length > MAX_EVENTS_PER_BATCH) {
      throw invalid(
        "task event",
        `a batch holds at most ${MAX_EVENTS_PER_BATCH} events, not ${events.length}; send several`,
      );
    }
    if (events.length === 0) return { inserted: 0n, duplicates: 0n, current_updated: 0n };
    const { summary, orchestrations } = await recordEvents(ctx.db, events);
    await bumpRevisions(ctx.db, orchestrations);
    return summary;
  },
});

/**
 * One page of an orchestration's history by (recorded_at, sequence, arrival); an unknown
 * orchestration has an empty history. Concatenated pages are the whole history in order.
 */
export const listTaskEventsPage = query({
  args: { orchestration_id: v.string(), ...pageArgs },
  returns: paginationResultValidator(taskEvent),
  handler: async (ctx, { orchestration_id, cursor, page_size }) => {
    const options = pageOptions(cursor, page_size);
    const orch = await findOrchestration(ctx.db, orchestration_id);
    if (orch === null) return { page: [], isDone: true, continueCursor: "" };
    const result = await ctx.db
      .query("taskEvents")
      .withIndex("by_orchestration_id_and_recorded_at_and_sequence", (q) => q.eq("orchestration_id", orch._id))
      .paginate(options);
    return {
      page: result.page.map(({ _id, _creationTime, ...event }) => event),
      isDone: result.isDone,
      continueCursor: result.continueCursor,
    };
  },
});

/**
 * One page of the orchestration's current tasks, orchestrator and phase teams alike,
 * each joined with its team; an unknown id is `not_found`. A page is in canonical order
 * (phase, orchestrator first; team name; task id) within itself; the reader sorts the
 * concatenated pages (`sort_current_tasks` in tina-session).
 */
export const getCurrentTasksPage = query({
  args: { orchestration_id: v.string(), ...pageArgs },
  returns: paginationResultValidator(currentTask),
  handler: async (ctx, { orchestration_id, cursor, page_size }) => {
    const options = pageOptions(cursor, page_size);
    const orch = await requireOrchestration(ctx.db, orchestration_id);
    const result = await ctx.db
      .query("currentTasks")
      .withIndex("by_orchestration_id", (q) => q.eq("orchestration_id", orch._id))
      .paginate(options);
    return {
      page: (await joinTeams(ctx.db, result.page)).sort(compareCurrentTasks),
      isDone: result.isDone,
      continueCursor: result.continueCursor,
    };
  },
});

/**
 * Current tasks by status for every orchestration that has tasks, from the per-status
 * counts kept with each write: a few small documents per orchestration, not every task.
 */
export const taskCountsByOrchestration = query({
  args: {},
  returns: v.array(v.object({ orchestration_id: v.string(), counts: v.array(taskCount) })),
  handler: async (ctx) => {
    const byOrchestration = new Map<string, { status: string; count: bigint }[]>();
    for await (const row of ctx.db.query("taskCounts")) {
      if (row.count === 0n) continue;
      const list = byOrchestration.get(row.orchestration_id) ?? [];
      list.push({ status: row.status, count: row.count });
      byOrchestration.set(row.orchestration_id, list);
    }
    return [...byOrchestration].map(([orchestration_id, counts]) => ({ orchestration_id, counts }));
  },
});

/**
 * When each orchestration's tasks last changed: the newest `recorded_at` among its current
 * tasks, kept with every write (orchestrations without tasks are absent).
 */
export const lastTaskActivityByOrchestration = query({
  args: {},
  returns: v.array(v.object({ orchestration_id: v.string(), at: v.int64() })),
  handler: async (ctx) => readTaskActivity(ctx.db),
});
