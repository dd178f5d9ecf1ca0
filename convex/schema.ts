// The TINA data model on Convex. It mirrors the SQLite schema in
// tina-session/src/store/migrations/: the same records, the same uniqueness rules
// (enforced by the mutations through indexes, since Convex has no unique constraints),
// and a materialized `currentTasks` table kept in the same transaction as each event.
//
// Integers (timestamps, phase numbers, sequences) are `v.int64()` (bigint in JS,
// `Value::Int64` in the Rust client). Task metadata is arbitrary JSON from agent files,
// so it is stored as its JSON text: Convex field names cannot start with `$` or contain
// non-ASCII characters, and agent metadata may do both.
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { spendTables } from "./model/spend";
import { orchestrationStatus, phaseStatus } from "./model/validators";

export default defineSchema({
  orchestrations: defineTable({
    feature_name: v.string(),
    design_doc: v.string(),
    branch: v.union(v.string(), v.null()),
    worktree_path: v.union(v.string(), v.null()),
    total_phases: v.int64(),
    current_phase: v.union(v.int64(), v.null()),
    status: orchestrationStatus,
    started_at: v.int64(),
    completed_at: v.union(v.int64(), v.null()),
    updated_at: v.int64(),
  })
    .index("by_feature_name", ["feature_name"])
    .index("by_status", ["status"])
    .index("by_started_at", ["started_at"]),

  phases: defineTable({
    orchestration_id: v.id("orchestrations"),
    phase_number: v.int64(),
    status: phaseStatus,
    plan_path: v.union(v.string(), v.null()),
    blocked_reason: v.union(v.string(), v.null()),
    started_at: v.union(v.int64(), v.null()),
    completed_at: v.union(v.int64(), v.null()),
    updated_at: v.int64(),
  }).index("by_orchestration_id_and_phase_number", ["orchestration_id", "phase_number"]),

  // Every status (or block reason) a phase has had, with when: written by
  // phases.applyTransition whenever either changes (the dashboard's timeline).
  phaseHistory: defineTable({
    orchestration_id: v.id("orchestrations"),
    phase_number: v.int64(),
    status: phaseStatus,
    blocked_reason: v.union(v.string(), v.null()),
    at: v.int64(),
  }).index("by_orchestration_id_and_at", ["orchestration_id", "at"]),

  teams: defineTable({
    team_name: v.string(),
    orchestration_id: v.id("orchestrations"),
    parent_team_id: v.union(v.id("teams"), v.null()),
    phase_number: v.union(v.int64(), v.null()),
    lead_session_id: v.union(v.string(), v.null()),
    created_at: v.int64(),
    // The Claude Code folder the daemon linked to this team (by lead session id).
    claude_team_dir: v.optional(v.string()),
  })
    .index("by_team_name", ["team_name"])
    .index("by_lead_session_id", ["lead_session_id"])
    .index("by_claude_team_dir", ["claude_team_dir"])
    .index("by_orchestration_id", ["orchestration_id"])
    .index("by_parent_team_id", ["parent_team_id"]),

  teamMembers: defineTable({
    team_id: v.id("teams"),
    agent_name: v.string(),
    agent_type: v.union(v.string(), v.null()),
    model: v.union(v.string(), v.null()),
    joined_at: v.int64(),
  }).index("by_team_id_and_agent_name", ["team_id", "agent_name"]),

  // Append-only history; (team_id, task_id, recorded_at, sequence) identifies an event.
  taskEvents: defineTable({
    orchestration_id: v.id("orchestrations"),
    team_id: v.id("teams"),
    phase_number: v.union(v.int64(), v.null()),
    task_id: v.string(),
    subject: v.string(),
    description: v.string(),
    active_form: v.optional(v.string()),
    status: v.string(),
    owner: v.union(v.string(), v.null()),
    blocked_by: v.array(v.string()),
    metadata: v.string(),
    recorded_at: v.int64(),
    sequence: v.int64(),
  })
    .index("by_team_id_and_task_id_and_recorded_at_and_sequence", [
      "team_id",
      "task_id",
      "recorded_at",
      "sequence",
    ])
    .index("by_orchestration_id_and_recorded_at_and_sequence", [
      "orchestration_id",
      "recorded_at",
      "sequence",
    ]),

  // The latest event per (team_id, task_id). Team name and phase number are read from
  // the team record at query time, never copied here.
  currentTasks: defineTable({
    team_id: v.id("teams"),
    task_id: v.string(),
    orchestration_id: v.id("orchestrations"),
    subject: v.string(),
    description: v.string(),
    active_form: v.optional(v.string()),
    status: v.string(),
    owner: v.union(v.string(), v.null()),
    blocked_by: v.array(v.string()),
    metadata: v.string(),
    recorded_at: v.int64(),
    sequence: v.int64(),
  })
    .index("by_team_id_and_task_id", ["team_id", "task_id"])
    .index("by_orchestration_id", ["orchestration_id"]),

  // What hooks report about a team's sessions and agents. Append-only; (team, kind,
  // session, agent, recorded_at) identifies an entry (agent "" when none).
  teamActivity: defineTable({
    orchestration_id: v.id("orchestrations"),
    team_id: v.id("teams"),
    kind: v.string(),
    session_id: v.string(),
    agent_name: v.string(),
    detail: v.union(v.string(), v.null()),
    recorded_at: v.int64(),
  })
    .index("by_team_id_and_kind_and_session_id_and_agent_name_and_recorded_at", [
      "team_id",
      "kind",
      "session_id",
      "agent_name",
      "recorded_at",
    ])
    .index("by_orchestration_id_and_recorded_at", ["orchestration_id", "recorded_at"]),

  // Current tasks per (orchestration, status), kept with every current-state change, so
  // the orchestration list reads a few documents per orchestration instead of every task.
  taskCounts: defineTable({
    orchestration_id: v.id("orchestrations"),
    status: v.string(),
    count: v.int64(),
  }).index("by_orchestration_id_and_status", ["orchestration_id", "status"]),

  // One revision per orchestration (model/revision.ts): no document every writer touches.
  // A removed orchestration's row stays as a tombstone so the store-wide sum keeps growing.
  orchestrationRevisions: defineTable({
    orchestration_id: v.id("orchestrations"),
    value: v.int64(),
    deleted: v.boolean(),
    // The newest `recorded_at` among the orchestration's current tasks (null: no task yet).
    // A task's current state only moves forward, so this only grows.
    last_task_at: v.optional(v.union(v.int64(), v.null())),
  }).index("by_orchestration_id", ["orchestration_id"]),

  ...spendTables,
});
