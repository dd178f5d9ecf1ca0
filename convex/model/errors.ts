// Expected failures, as `ConvexError({code, message, ...details})`. The codes are the
// Rust `StoreError` kinds, and the details carry that variant's fields, so the Rust
// backend rebuilds exactly the error SQLite gives.
import { ConvexError } from "convex/values";

export type ErrorCode =
  | "not_found"
  | "feature_in_use"
  | "team_owned_by_other"
  | "invalid"
  | "conflict"
  | "conflicting_event";

/** `kind` is the Rust `Entity` (`Entity::as_str`); the Rust codec rebuilds it typed. */
export function notFound(kind: "orchestration" | "team" | "task", key: string) {
  return new ConvexError({
    code: "not_found" as const,
    message: `${kind} not found: ${key}`,
    kind,
    key,
  });
}

export function featureInUse(feature: string, id: string, status: string) {
  return new ConvexError({
    code: "feature_in_use" as const,
    message:
      `feature '${feature}' already has an orchestration (${id}) with status '${status}'; ` +
      `finish it, run \`tina-session cleanup --feature ${feature}\`, or pass --replace`,
    feature,
    id,
    status,
  });
}

export function teamOwnedByOther(team_name: string, owner: string, requested: string) {
  return new ConvexError({
    code: "team_owned_by_other" as const,
    message:
      `team name '${team_name}' already belongs to orchestration ${owner}, not ${requested}; ` +
      `team names are unique across orchestrations`,
    team_name,
    owner,
    requested,
  });
}

/** `what` is one of the fixed subjects the Rust side knows ("team name", ...). */
export function invalid(what: string, reason: string) {
  return new ConvexError({
    code: "invalid" as const,
    message: `invalid ${what}: ${reason}`,
    what,
    reason,
  });
}

export function conflict(message: string) {
  return new ConvexError({ code: "conflict" as const, message });
}

export function conflictingEvent(
  team_id: string,
  task_id: string,
  recorded_at: bigint,
  sequence: bigint,
) {
  return new ConvexError({
    code: "conflicting_event" as const,
    message:
      `conflicting task event for team ${team_id} task '${task_id}' at ` +
      `(${recorded_at}, ${sequence}): an event with that identity and different content exists`,
    team_id,
    task_id,
    recorded_at,
    sequence,
  });
}
