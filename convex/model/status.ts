// The one orchestration-status rule and the phase-range rule, mirrored from tina-session
// (`OrchestrationStatus::{is_terminal, running, implied_by, derive}` in
// tina-session/src/model/status.rs, `Orchestration::has_phase` in model/records.rs).
// tina-session/tests/vectors/orchestration_status.json holds both sides to the same
// answers (tests/status.test.ts here, tests/status_vectors.rs there).

export type OrchestrationStatus = "planning" | "executing" | "reviewing" | "complete" | "blocked";
export type PhaseStatus = OrchestrationStatus;

/** Every orchestration status, in the Rust enum's order. */
export const ORCHESTRATION_STATUSES: readonly OrchestrationStatus[] = [
  "planning",
  "executing",
  "reviewing",
  "complete",
  "blocked",
];

/** Complete and blocked orchestrations may be replaced; the others are running. */
export function isTerminal(status: OrchestrationStatus): boolean {
  return status === "complete" || status === "blocked";
}

/** The running (not terminal) statuses, in order: whose teams are active. */
export const RUNNING_STATUSES: readonly OrchestrationStatus[] = ORCHESTRATION_STATUSES.filter(
  (s) => !isTerminal(s),
);

/** What one phase reaching `status` says about the orchestration, before the others count. */
export function impliedBy(status: PhaseStatus): OrchestrationStatus {
  return status;
}

/**
 * The orchestration's status after a phase change, from every phase as stored in the
 * same transaction (the changed one included): blocked while any phase is blocked;
 * complete once all `total` phases are complete; otherwise what the changed phase
 * implies, except that a completed phase with others still open means planning the next.
 */
export function deriveOrchestrationStatus(
  implied: OrchestrationStatus,
  phases: readonly { status: string }[],
  total: bigint,
): OrchestrationStatus {
  if (phases.some((p) => p.status === "blocked")) return "blocked";
  if (BigInt(phases.filter((p) => p.status === "complete").length) >= total) return "complete";
  if (isTerminal(implied)) return "planning";
  return implied;
}

/** Whether `phase` is one of the orchestration's phases (`1..=total_phases`). */
export function hasPhase(orchestration: { total_phases: bigint }, phase: bigint): boolean {
  return phase >= 1n && phase <= orchestration.total_phases;
}
