// Argument and result validators shared by the public functions. Result shapes are the
// Rust structs' serde JSON (tina-session/src/model/records.rs): snake_case fields, ids as
// strings, `null` for `None`, integers as int64. Two deliberate differences, both because
// Convex field names must be non-control ASCII and cannot start with `$`: task
// `metadata` travels as its JSON text, and hierarchy `task_counts` is a list of
// `{status, count}` pairs instead of an object keyed by status.
import { v, type Infer, type Validator } from "convex/values";

export const orchestrationStatus = v.union(
  v.literal("planning"),
  v.literal("executing"),
  v.literal("reviewing"),
  v.literal("complete"),
  v.literal("blocked"),
);
export const phaseStatus = orchestrationStatus;

const nullable = <T extends Validator<any, "required", any>>(inner: T) => v.union(inner, v.null());
export const optString = nullable(v.string());
export const optInt = nullable(v.int64());

export const orchestration = v.object({
  id: v.string(),
  feature_name: v.string(),
  design_doc: v.string(),
  branch: optString,
  worktree_path: optString,
  total_phases: v.int64(),
  current_phase: optInt,
  status: orchestrationStatus,
  started_at: v.int64(),
  completed_at: optInt,
  updated_at: v.int64(),
});
export type Orchestration = Infer<typeof orchestration>;

export const phase = v.object({
  orchestration_id: v.string(),
  phase_number: v.int64(),
  status: phaseStatus,
  plan_path: optString,
  blocked_reason: optString,
  started_at: optInt,
  completed_at: optInt,
  updated_at: v.int64(),
});
export type Phase = Infer<typeof phase>;

/** One status change of a phase (`PhaseChange` in tina-session). */
export const phaseChange = v.object({
  phase_number: v.int64(),
  status: phaseStatus,
  blocked_reason: optString,
  at: v.int64(),
});

export const team = v.object({
  id: v.string(),
  team_name: v.string(),
  orchestration_id: v.string(),
  parent_team_id: optString,
  phase_number: optInt,
  lead_session_id: optString,
  created_at: v.int64(),
  claude_team_dir: v.optional(v.string()),
});
export type Team = Infer<typeof team>;

/** One team activity entry (hooks); `agent_name` null when none. */
export const teamActivity = v.object({
  orchestration_id: v.string(),
  team_id: v.string(),
  kind: v.union(
    v.literal("session_start"),
    v.literal("session_end"),
    v.literal("teammate_idle"),
    v.literal("notification"),
    v.literal("stop"),
    v.literal("subagent_start"),
    v.literal("subagent_stop"),
  ),
  session_id: v.string(),
  agent_name: optString,
  detail: optString,
  recorded_at: v.int64(),
});
export type TeamActivity = Infer<typeof teamActivity>;

export const teamMember = v.object({
  team_id: v.string(),
  agent_name: v.string(),
  agent_type: optString,
  model: optString,
  joined_at: v.int64(),
});
export type TeamMember = Infer<typeof teamMember>;

/** What a writer submits; orchestration and phase come from the team record. */
export const newTaskEvent = v.object({
  team_id: v.string(),
  task_id: v.string(),
  subject: v.string(),
  description: v.string(),
  /** Claude Code's `activeForm`; absent when the source had none. */
  active_form: v.optional(v.string()),
  status: v.string(),
  owner: optString,
  blocked_by: v.array(v.string()),
  /** The metadata object as JSON text. */
  metadata: v.string(),
  recorded_at: v.int64(),
  sequence: v.int64(),
});
export type NewTaskEvent = Infer<typeof newTaskEvent>;

export const taskEvent = v.object({
  orchestration_id: v.string(),
  team_id: v.string(),
  phase_number: optInt,
  task_id: v.string(),
  subject: v.string(),
  description: v.string(),
  /** Claude Code's `activeForm`; absent when the source had none. */
  active_form: v.optional(v.string()),
  status: v.string(),
  owner: optString,
  blocked_by: v.array(v.string()),
  metadata: v.string(),
  recorded_at: v.int64(),
  sequence: v.int64(),
});
export type TaskEvent = Infer<typeof taskEvent>;

export const currentTask = v.object({
  orchestration_id: v.string(),
  team_id: v.string(),
  team_name: v.string(),
  phase_number: optInt,
  task_id: v.string(),
  subject: v.string(),
  description: v.string(),
  /** Claude Code's `activeForm`; absent when the source had none. */
  active_form: v.optional(v.string()),
  status: v.string(),
  owner: optString,
  blocked_by: v.array(v.string()),
  metadata: v.string(),
  recorded_at: v.int64(),
  sequence: v.int64(),
});
export type CurrentTask = Infer<typeof currentTask>;

export const recordSummary = v.object({
  inserted: v.int64(),
  duplicates: v.int64(),
  current_updated: v.int64(),
});
export type RecordSummary = Infer<typeof recordSummary>;

export const teamRegistration = v.object({
  team_name: v.string(),
  orchestration_id: v.string(),
  parent_team_id: optString,
  phase_number: optInt,
  lead_session_id: optString,
});
export type TeamRegistration = Infer<typeof teamRegistration>;

export const orchestrationDetail = v.object({
  orchestration,
  phases: v.array(phase),
  orchestrator_tasks: v.array(currentTask),
  /** Keyed by the team record's phase number ("1", "2", ...). */
  phase_tasks: v.record(v.string(), v.array(currentTask)),
  teams: v.array(team),
  team_members: v.array(teamMember),
});
export type OrchestrationDetail = Infer<typeof orchestrationDetail>;

export const taskCount = v.object({ status: v.string(), count: v.int64() });

// Validators cannot be recursive: nodes are checked to this depth (an orchestrator team
// and its phase teams use two levels), deeper children as any value.
const HIERARCHY_DEPTH = 4;
function teamNodeValidator(depth: number): Validator<any, "required", any> {
  return v.object({
    team,
    members: v.array(teamMember),
    task_counts: v.array(taskCount),
    task_total: v.int64(),
    children: v.array(depth === 0 ? v.any() : teamNodeValidator(depth - 1)),
  });
}
export const teamNode = teamNodeValidator(HIERARCHY_DEPTH);
export type TeamNode = {
  team: Team;
  members: TeamMember[];
  task_counts: { status: string; count: bigint }[];
  task_total: bigint;
  children: TeamNode[];
};

export const teamHierarchy = v.object({
  orchestration_id: v.string(),
  feature_name: v.string(),
  teams: v.array(teamNode),
});
