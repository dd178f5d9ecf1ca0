// Tables and helpers of attention and spend (issue 18), mirroring the SQLite migration
// tina-session/src/store/sqlite/migrations/006_attention_and_spend.sql: transcript
// offsets, counted messages (so a line read twice counts once), usage totals per
// (team, session, member, model), budgets (scope 0 = the whole orchestration, N = phase
// N) and attention events (id derived from what they are about, delivered once).
import { defineTable } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { DatabaseWriter } from "../_generated/server";

const nullable = <T extends import("convex/values").Validator<any, "required", any>>(inner: T) =>
  v.union(inner, v.null());

export const attentionKind = v.union(
  v.literal("waiting"),
  v.literal("stall"),
  v.literal("blocked"),
  v.literal("budget_warning"),
  v.literal("budget_exceeded"),
);

export const spendTables = {
  transcriptOffsets: defineTable({
    path: v.string(),
    offset: v.int64(),
    updated_at: v.int64(),
  }).index("by_path", ["path"]),

  usageMessages: defineTable({
    message_key: v.string(),
    team_id: v.id("teams"),
    orchestration_id: v.id("orchestrations"),
  })
    .index("by_message_key", ["message_key"])
    .index("by_orchestration_id", ["orchestration_id"]),

  usageTotals: defineTable({
    team_id: v.id("teams"),
    orchestration_id: v.id("orchestrations"),
    session_id: v.string(),
    agent_name: v.string(),
    model: v.string(),
    input_tokens: v.int64(),
    output_tokens: v.int64(),
    cache_creation_tokens: v.int64(),
    cache_read_tokens: v.int64(),
    messages: v.int64(),
    unpriced_messages: v.int64(),
    cost_micros: v.int64(),
  })
    .index("by_team_id_and_session_id_and_agent_name_and_model", [
      "team_id",
      "session_id",
      "agent_name",
      "model",
    ])
    .index("by_orchestration_id", ["orchestration_id"]),

  budgets: defineTable({
    orchestration_id: v.id("orchestrations"),
    scope: v.int64(),
    usd_micros: v.int64(),
    updated_at: v.int64(),
  }).index("by_orchestration_id_and_scope", ["orchestration_id", "scope"]),

  attentionEvents: defineTable({
    event_id: v.string(),
    orchestration_id: v.id("orchestrations"),
    kind: attentionKind,
    team_id: nullable(v.string()),
    phase_number: nullable(v.int64()),
    session_id: nullable(v.string()),
    agent_name: nullable(v.string()),
    message: v.string(),
    detail: v.string(),
    created_at: v.int64(),
    cleared_at: nullable(v.int64()),
    delivered_at: nullable(v.int64()),
  })
    .index("by_event_id", ["event_id"])
    .index("by_orchestration_id_and_created_at", ["orchestration_id", "created_at"])
    .index("by_delivered_at_and_created_at", ["delivered_at", "created_at"])
    .index("by_cleared_at_and_created_at", ["cleared_at", "created_at"]),
};

export const usageLine = v.object({
  message_key: v.string(),
  team_id: v.string(),
  session_id: v.string(),
  agent_name: v.string(),
  model: v.string(),
  tokens: v.object({
    input: v.int64(),
    output: v.int64(),
    cache_creation: v.int64(),
    cache_read: v.int64(),
  }),
  cost_micros: nullable(v.int64()),
});

export const usageTotal = v.object({
  orchestration_id: v.string(),
  team_id: v.string(),
  session_id: v.string(),
  agent_name: v.string(),
  model: v.string(),
  tokens: v.object({
    input: v.int64(),
    output: v.int64(),
    cache_creation: v.int64(),
    cache_read: v.int64(),
  }),
  messages: v.int64(),
  unpriced_messages: v.int64(),
  cost_micros: v.int64(),
});

export const budget = v.object({
  orchestration_id: v.string(),
  phase_number: nullable(v.int64()),
  usd_micros: v.int64(),
  updated_at: v.int64(),
});

/** An attention event as the Rust model serializes it; `detail` travels as JSON text. */
export const attentionEvent = v.object({
  id: v.string(),
  orchestration_id: v.string(),
  kind: attentionKind,
  team_id: nullable(v.string()),
  phase_number: nullable(v.int64()),
  session_id: nullable(v.string()),
  agent_name: nullable(v.string()),
  message: v.string(),
  detail: v.string(),
  created_at: v.int64(),
  cleared_at: nullable(v.int64()),
  delivered_at: nullable(v.int64()),
});

export function usageTotalOut(d: Doc<"usageTotals">) {
  return {
    orchestration_id: d.orchestration_id as string,
    team_id: d.team_id as string,
    session_id: d.session_id,
    agent_name: d.agent_name,
    model: d.model,
    tokens: {
      input: d.input_tokens,
      output: d.output_tokens,
      cache_creation: d.cache_creation_tokens,
      cache_read: d.cache_read_tokens,
    },
    messages: d.messages,
    unpriced_messages: d.unpriced_messages,
    cost_micros: d.cost_micros,
  };
}

export function attentionOut(d: Doc<"attentionEvents">) {
  return {
    id: d.event_id,
    orchestration_id: d.orchestration_id as string,
    kind: d.kind,
    team_id: d.team_id,
    phase_number: d.phase_number,
    session_id: d.session_id,
    agent_name: d.agent_name,
    message: d.message,
    detail: d.detail,
    created_at: d.created_at,
    cleared_at: d.cleared_at,
    delivered_at: d.delivered_at,
  };
}

