// Attention and spend: transcript offsets and usage (deduplicated by message), budgets,
// attention events. The same operations as the SQLite backend
// (tina-session/src/store/sqlite/attention.rs); tables in model/spend.ts.
import { v } from "convex/values";
import { mutation, query } from "./model/functions";
import type { Id } from "./_generated/dataModel";
import { invalid, notFound } from "./model/errors";
import { findOrchestration, requireOrchestration, requireTeam } from "./model/records";
import { bumpRevision } from "./model/revision";
import { hasPhase } from "./model/status";
import { attentionEvent, attentionOut, budget, usageLine, usageTotal, usageTotalOut } from "./model/spend";

/** The byte offset recorded for a transcript, or null. */
export const transcriptOffset = query({
  args: { path: v.string() },
  returns: v.union(v.int64(), v.null()),
  handler: async (ctx, { path }) => {
    const row = await ctx.db
      .query("transcriptOffsets")
      .withIndex("by_path", (q) => q.eq("path", path))
      .unique();
    return row?.offset ?? null;
  },
});

/**
 * Records new usage lines and the transcript's offset in one transaction: a message key
 * seen before is skipped, the offset never moves back. Returns how many lines were new.
 */
export const recordUsage = mutation({
  args: { transcript: v.string(), offset: v.int64(), lines: v.array(usageLine) },
  returns: v.int64(),
  handler: async (ctx, { transcript, offset, lines }) => {
    if (offset < 0n) throw invalid("transcript offset", "it is negative");
    let added = 0n;
    const touched = new Set<Id<"orchestrations">>();
    for (const l of lines) {
      const team = await requireTeam(ctx.db, l.team_id);
      touched.add(team.orchestration_id);
      const seen = await ctx.db
        .query("usageMessages")
        .withIndex("by_message_key", (q) => q.eq("message_key", l.message_key))
        .unique();
      if (seen !== null) continue;
      await ctx.db.insert("usageMessages", {
        message_key: l.message_key,
        team_id: team._id,
        orchestration_id: team.orchestration_id,
      });
      const unpriced = l.cost_micros === null ? 1n : 0n;
      const cost = l.cost_micros ?? 0n;
      const total = await ctx.db
        .query("usageTotals")
        .withIndex("by_team_id_and_session_id_and_agent_name_and_model", (q) =>
          q.eq("team_id", team._id).eq("session_id", l.session_id).eq("agent_name", l.agent_name).eq("model", l.model),
        )
        .unique();
      if (total === null) {
        await ctx.db.insert("usageTotals", {
          team_id: team._id,
          orchestration_id: team.orchestration_id,
          session_id: l.session_id,
          agent_name: l.agent_name,
          model: l.model,
          input_tokens: l.tokens.input,
          output_tokens: l.tokens.output,
          cache_creation_tokens: l.tokens.cache_creation,
          cache_read_tokens: l.tokens.cache_read,
          messages: 1n,
          unpriced_messages: unpriced,
          cost_micros: cost,
        });
      } else {
        await ctx.db.patch(total._id, {
          input_tokens: total.input_tokens + l.tokens.input,
          output_tokens: total.output_tokens + l.tokens.output,
          cache_creation_tokens: total.cache_creation_tokens + l.tokens.cache_creation,
          cache_read_tokens: total.cache_read_tokens + l.tokens.cache_read,
          messages: total.messages + 1n,
          unpriced_messages: total.unpriced_messages + unpriced,
          cost_micros: total.cost_micros + cost,
        });
      }
      added += 1n;
    }
    const now = BigInt(Date.now());
    const row = await ctx.db
      .query("transcriptOffsets")
      .withIndex("by_path", (q) => q.eq("path", transcript))
      .unique();
    if (row === null) await ctx.db.insert("transcriptOffsets", { path: transcript, offset, updated_at: now });
    else if (offset > row.offset) await ctx.db.patch(row._id, { offset, updated_at: now });
    for (const id of touched) await bumpRevision(ctx.db, id);
    return added;
  },
});

/** Usage of the orchestration per (team, session, member, model), in that order. */
export const listUsage = query({
  args: { orchestration_id: v.string() },
  returns: v.array(usageTotal),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await findOrchestration(ctx.db, orchestration_id);
    if (orch === null) return [];
    const rows = await ctx.db
      .query("usageTotals")
      .withIndex("by_orchestration_id", (q) => q.eq("orchestration_id", orch._id))
      .collect();
    const key = (r: (typeof rows)[number]) => [r.team_id as string, r.session_id, r.agent_name, r.model];
    rows.sort((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      for (let i = 0; i < ka.length; i++) {
        if (ka[i] < kb[i]) return -1;
        if (ka[i] > kb[i]) return 1;
      }
      return 0;
    });
    return rows.map(usageTotalOut);
  },
});

/** Most orchestrations one `listUsageOf` / `listBudgetsOf` call takes: one page of the list. */
const MAX_IDS_PER_CALL = 200;

/** The orchestrations of `ids` that exist, in id order (the Rust store's order). */
async function orchestrationsOf(db: import("./_generated/server").DatabaseReader, ids: string[]) {
  if (ids.length > MAX_IDS_PER_CALL) {
    throw invalid("orchestration ids", `at most ${MAX_IDS_PER_CALL} per call, got ${ids.length}`);
  }
  const unique = [...new Set(ids)].sort();
  const found = [];
  for (const id of unique) {
    const orch = await findOrchestration(db, id);
    if (orch !== null) found.push(orch);
  }
  return found;
}

/** Usage of several orchestrations (a page of the list) in one call, by orchestration id. */
export const listUsageOf = query({
  args: { orchestration_ids: v.array(v.string()) },
  returns: v.array(usageTotal),
  handler: async (ctx, { orchestration_ids }) => {
    const out = [];
    for (const orch of await orchestrationsOf(ctx.db, orchestration_ids)) {
      const rows = await ctx.db
        .query("usageTotals")
        .withIndex("by_orchestration_id", (q) => q.eq("orchestration_id", orch._id))
        .collect();
      const key = (r: (typeof rows)[number]) => [r.team_id as string, r.session_id, r.agent_name, r.model];
      rows.sort((a, b) => {
        const [ka, kb] = [key(a), key(b)];
        for (let i = 0; i < ka.length; i++) {
          if (ka[i] < kb[i]) return -1;
          if (ka[i] > kb[i]) return 1;
        }
        return 0;
      });
      out.push(...rows.map(usageTotalOut));
    }
    return out;
  },
});

/** Budgets of several orchestrations in one call, by orchestration id, then scope. */
export const listBudgetsOf = query({
  args: { orchestration_ids: v.array(v.string()) },
  returns: v.array(budget),
  handler: async (ctx, { orchestration_ids }) => {
    const out = [];
    for (const orch of await orchestrationsOf(ctx.db, orchestration_ids)) {
      const rows = await ctx.db
        .query("budgets")
        .withIndex("by_orchestration_id_and_scope", (q) => q.eq("orchestration_id", orch._id))
        .collect();
      out.push(
        ...rows.map((r) => ({
          orchestration_id: orch._id as string,
          phase_number: r.scope > 0n ? r.scope : null,
          usd_micros: r.usd_micros,
          updated_at: r.updated_at,
        })),
      );
    }
    return out;
  },
});

/** Sets (usd_micros given) or removes (null) a budget; phase null = whole orchestration. */
export const setBudget = mutation({
  args: { orchestration_id: v.string(), phase_number: v.union(v.int64(), v.null()), usd_micros: v.union(v.int64(), v.null()) },
  returns: v.null(),
  handler: async (ctx, { orchestration_id, phase_number, usd_micros }) => {
    if (usd_micros !== null && usd_micros < 0n) throw invalid("budget", "a budget cannot be negative");
    const orch = await requireOrchestration(ctx.db, orchestration_id);
    if (phase_number !== null && !hasPhase(orch, phase_number)) {
      throw invalid(
        "budget phase",
        `phase ${phase_number} is not a phase of '${orch.feature_name}' (1..=${orch.total_phases})`,
      );
    }
    const scope = phase_number ?? 0n;
    const row = await ctx.db
      .query("budgets")
      .withIndex("by_orchestration_id_and_scope", (q) => q.eq("orchestration_id", orch._id).eq("scope", scope))
      .unique();
    const now = BigInt(Date.now());
    if (usd_micros === null) {
      if (row !== null) await ctx.db.delete(row._id);
    } else if (row === null) {
      await ctx.db.insert("budgets", { orchestration_id: orch._id, scope, usd_micros, updated_at: now });
    } else {
      await ctx.db.patch(row._id, { usd_micros, updated_at: now });
    }
    await bumpRevision(ctx.db, orch._id);
    return null;
  },
});

/** The orchestration's budgets: the whole-orchestration one first, then by phase. */
export const listBudgets = query({
  args: { orchestration_id: v.string() },
  returns: v.array(budget),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await findOrchestration(ctx.db, orchestration_id);
    if (orch === null) return [];
    const rows = await ctx.db
      .query("budgets")
      .withIndex("by_orchestration_id_and_scope", (q) => q.eq("orchestration_id", orch._id))
      .collect();
    return rows.map((r) => ({
      orchestration_id: orch._id as string,
      phase_number: r.scope > 0n ? r.scope : null,
      usd_micros: r.usd_micros,
      updated_at: r.updated_at,
    }));
  },
});

/** Records an event unless one with its id exists; returns whether it was new. */
export const recordAttention = mutation({
  args: { event: attentionEvent },
  returns: v.boolean(),
  handler: async (ctx, { event }) => {
    const orch = await findOrchestration(ctx.db, event.orchestration_id);
    if (orch === null) throw notFound("orchestration", `id ${event.orchestration_id}`);
    const existing = await ctx.db
      .query("attentionEvents")
      .withIndex("by_event_id", (q) => q.eq("event_id", event.id))
      .unique();
    if (existing !== null) return false;
    const { id, orchestration_id: _, ...rest } = event;
    await ctx.db.insert("attentionEvents", { ...rest, event_id: id, orchestration_id: orch._id as Id<"orchestrations"> });
    await bumpRevision(ctx.db, orch._id as Id<"orchestrations">);
    return true;
  },
});

async function setOnce(
  ctx: { db: import("./_generated/server").DatabaseWriter },
  id: string,
  field: "cleared_at" | "delivered_at",
  at: bigint,
): Promise<boolean> {
  const row = await ctx.db
    .query("attentionEvents")
    .withIndex("by_event_id", (q) => q.eq("event_id", id))
    .unique();
  if (row === null || row[field] !== null) return false;
  await ctx.db.patch(row._id, { [field]: at });
  await bumpRevision(ctx.db, row.orchestration_id);
  return true;
}

/** Marks an open event cleared; returns whether it was open. */
export const clearAttention = mutation({
  args: { id: v.string(), at: v.int64() },
  returns: v.boolean(),
  handler: async (ctx, { id, at }) => setOnce(ctx, id, "cleared_at", at),
});

/** Claims an event for the notify command; returns whether this caller claimed it. */
export const claimAttentionDelivery = mutation({
  args: { id: v.string(), at: v.int64() },
  returns: v.boolean(),
  handler: async (ctx, { id, at }) => setOnce(ctx, id, "delivered_at", at),
});

/** The orchestration's attention events, oldest first. */
export const listAttention = query({
  args: { orchestration_id: v.string() },
  returns: v.array(attentionEvent),
  handler: async (ctx, { orchestration_id }) => {
    const orch = await findOrchestration(ctx.db, orchestration_id);
    if (orch === null) return [];
    const rows = await ctx.db
      .query("attentionEvents")
      .withIndex("by_orchestration_id_and_created_at", (q) => q.eq("orchestration_id", orch._id))
      .collect();
    return rows.map(attentionOut);
  },
});

/** Events of every orchestration not yet handed to the notify command, oldest first. */
export const undeliveredAttention = query({
  args: {},
  returns: v.array(attentionEvent),
  handler: async (ctx) => {
    const rows = await ctx.db
      .query("attentionEvents")
      .withIndex("by_delivered_at_and_created_at", (q) => q.eq("delivered_at", null))
      .take(1000);
    return rows.map(attentionOut);
  },
});

/** Most open events `listOpenAttention` returns (a deployment's read limit is far above). */
const MAX_OPEN_ATTENTION = 8000;

/** Open (not cleared) events of every orchestration, oldest first: the list's waiting count. */
export const listOpenAttention = query({
  args: {},
  returns: v.array(attentionEvent),
  handler: async (ctx) => {
    const rows = await ctx.db
      .query("attentionEvents")
      .withIndex("by_cleared_at_and_created_at", (q) => q.eq("cleared_at", null))
      .take(MAX_OPEN_ATTENTION);
    return rows.map(attentionOut);
  },
});
