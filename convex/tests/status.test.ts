/// <reference types="vite/client" />
// The shared orchestration-status vectors (tina-session/tests/vectors/orchestration_status.json),
// which the Rust suite runs too (tina-session/tests/status_vectors.rs): the mirrored rule
// in model/status.ts gives exactly the statuses the file says, and the functions apply it
// (a phase change through phases.applyTransition, the active-team list by status).
import { api } from "../_generated/api";
import { expect, test } from "vitest";
import {
  deriveOrchestrationStatus,
  hasPhase,
  impliedBy,
  isTerminal,
  ORCHESTRATION_STATUSES,
  RUNNING_STATUSES,
  type OrchestrationStatus,
  type PhaseStatus,
} from "../model/status";
import { newDeployment } from "./harness";
import vectors from "../../tina-session/tests/vectors/orchestration_status.json";

type Case = { why: string; changed: PhaseStatus; phases: PhaseStatus[]; total: number; expect: OrchestrationStatus };

test("the orchestration status follows every phase as the vectors say (model/status.ts)", () => {
  const cases = vectors.derive as Case[];
  expect(cases.length).toBeGreaterThanOrEqual(10);
  for (const c of cases) {
    const phases = c.phases.map((status) => ({ status }));
    expect(deriveOrchestrationStatus(impliedBy(c.changed), phases, BigInt(c.total)), c.why).toBe(c.expect);
  }
});

test("terminal and running statuses are the vectors", () => {
  for (const s of ORCHESTRATION_STATUSES) {
    expect(isTerminal(s), s).toBe((vectors.terminal as string[]).includes(s));
  }
  expect([...RUNNING_STATUSES]).toEqual(vectors.running);
});

test("phases are 1..=total_phases", () => {
  const orch = { total_phases: 2n };
  expect([0n, 1n, 2n, 3n].map((p) => hasPhase(orch, p))).toEqual([false, true, true, false]);
});

const newOrch = (feature: string, total_phases: bigint) => ({
  feature_name: feature,
  design_doc: "docs/d.md",
  branch: null,
  worktree_path: null,
  total_phases,
  orchestrator_team_name: `${feature}-orchestration`,
  lead_session_id: null,
  replace: false,
});

test("applyTransition stores the status the rule derives from every phase", async () => {
  const d = newDeployment();
  const { orchestration } = await d.mutation(api.orchestrations.create, newOrch("rule", 2n));
  const step = async (phase_number: bigint, expected: PhaseStatus | null, status: PhaseStatus) => {
    const out = await d.mutation(api.phases.applyTransition, {
      orchestration_id: orchestration.id,
      phase_number,
      expected,
      status,
      plan_path: null,
      blocked_reason: status === "blocked" ? "stuck" : null,
      orchestration_status: impliedBy(status),
      register_team: null,
    });
    return out.orchestration.status;
  };
  expect(await step(1n, null, "executing")).toBe("executing");
  expect(await step(1n, "executing", "blocked")).toBe("blocked");
  expect(await step(1n, "blocked", "executing")).toBe("executing");
  expect(await step(1n, "executing", "reviewing")).toBe("reviewing");
  expect(await step(1n, "reviewing", "complete")).toBe("planning");
  const teams = await d.query(api.teams.listActiveTeams, {});
  expect(teams.map((t: { team_name: string }) => t.team_name)).toContain("rule-orchestration");
  expect(await step(2n, null, "executing")).toBe("executing");
  expect(await step(2n, "executing", "reviewing")).toBe("reviewing");
  expect(await step(2n, "reviewing", "complete")).toBe("complete");
  // A complete orchestration is not running: none of its teams is active.
  const after = await d.query(api.teams.listActiveTeams, {});
  expect(after.map((t: { team_name: string }) => t.team_name)).not.toContain("rule-orchestration");
});
