/// <reference types="vite/client" />
// The shared input-rule vectors (tina-session/tests/vectors/validation.json), which the
// Rust suite runs too (tina-session/tests/validation_vectors.rs): the TypeScript rules
// and the functions that apply them accept and refuse exactly what the file says, and
// the limits it states are the ones enforced.
import { api } from "../_generated/api";
import { describe, expect, test } from "vitest";
import {
  LIMITS,
  nameProblem,
  quote,
  refuses,
  validateSessionId,
  validateTaskId,
  type NameKind,
} from "../model/input";
import { expectCode, newDeployment, type Deployment } from "./harness";
import vectors from "../../tina-session/tests/vectors/validation.json";

type Case = { value: string; valid: boolean; why?: string };
const names = vectors.names as (Case & { kind: NameKind })[];

test("the stated limits are the enforced ones", () => {
  expect(LIMITS).toEqual(vectors.limits);
});

test("names, session ids and task ids follow the vectors (model/input.ts)", () => {
  expect(names.length).toBeGreaterThan(40);
  for (const c of names) {
    expect(nameProblem(c.kind, c.value) === null, `${c.kind} ${JSON.stringify(c.value)} (${c.why})`).toBe(c.valid);
  }
  for (const c of vectors.session_ids as Case[]) {
    expect(refuses(() => validateSessionId(c.value)), JSON.stringify(c.value)).toBe(!c.valid);
  }
  for (const c of vectors.task_ids as Case[]) {
    expect(refuses(() => validateTaskId(c.value)), JSON.stringify(c.value)).toBe(!c.valid);
  }
});

test("quotes are bounded and escaped like the Rust `quote`", () => {
  expect(quote("a\nb")).toBe("'a\\nb'");
  expect(quote("x\u0007\u202ey")).toBe("'x\\u{7}\\u{202e}y'");
  const q = quote("x".repeat(10_000));
  expect(q.length).toBeLessThan(200);
  expect(q).toContain("(10000 characters)");
});

const orch = (feature: string, extra: Record<string, unknown> = {}) => ({
  feature_name: feature,
  design_doc: "docs/d.md",
  branch: null,
  worktree_path: null,
  total_phases: 2n,
  orchestrator_team_name: "root-team",
  lead_session_id: null,
  replace: false,
  ...extra,
});

/** Whether a call is refused with `code: "input"`; any other failure fails the test. */
async function refusedAsInput(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return false;
  } catch (err: any) {
    expect(err?.data?.code, String(err)).toBe("input");
    return true;
  }
}

async function rootOf(t: Deployment) {
  return await t.mutation(api.orchestrations.create, orch("base"));
}

describe("the functions refuse what the rules refuse", () => {
  test("feature, team and agent names", async () => {
    const t = newDeployment();
    const base = await rootOf(t);
    let n = 0;
    for (const c of names) {
      n += 1;
      let call: Promise<unknown>;
      if (c.kind === "feature") call = t.mutation(api.orchestrations.create, orch(c.value, { orchestrator_team_name: `root-${n}` }));
      else if (c.kind === "team") {
        call = t.mutation(api.teams.registerTeam, {
          team_name: c.value,
          orchestration_id: base.orchestration.id,
          parent_team_id: base.team.id,
          phase_number: 1n,
          lead_session_id: null,
        });
      } else {
        call = t.mutation(api.teamMembers.upsert, {
          team_id: base.team.id,
          agent_name: c.value,
          agent_type: null,
          model: null,
          joined_at: 1n,
        });
      }
      expect(await refusedAsInput(call), `${c.kind} ${JSON.stringify(c.value)} (${c.why})`).toBe(!c.valid);
    }
  });

  test("session ids and task ids", async () => {
    const t = newDeployment();
    const base = await rootOf(t);
    let n = 0;
    for (const c of vectors.session_ids as Case[]) {
      n += 1;
      const call = t.mutation(api.teams.registerTeam, {
        team_name: `phase-team-${n}`,
        orchestration_id: base.orchestration.id,
        parent_team_id: base.team.id,
        phase_number: 1n,
        lead_session_id: c.value,
      });
      expect(await refusedAsInput(call), JSON.stringify(c.value)).toBe(!c.valid);
    }
    for (const c of vectors.task_ids as Case[]) {
      const call = t.mutation(api.tasks.recordTaskEvents, {
        events: [
          {
            team_id: base.team.id,
            task_id: c.value,
            subject: "s",
            description: "",
            status: "pending",
            owner: null,
            blocked_by: [],
            metadata: "{}",
            recorded_at: 1n,
            sequence: 1n,
          },
        ],
      });
      expect(await refusedAsInput(call), JSON.stringify(c.value)).toBe(!c.valid);
    }
  });

  test("sizes: at the limit is accepted, one byte over is refused with the limit named", async () => {
    const t = newDeployment();
    const base = await rootOf(t);
    const ev = (field: string, text: string) => ({
      team_id: base.team.id,
      task_id: "1",
      subject: "s",
      description: "",
      status: "pending",
      owner: null,
      blocked_by: [],
      metadata: "{}",
      recorded_at: 1n,
      sequence: 1n,
      [field]: text,
    });
    let seq = 0n;
    for (const [field, max] of [
      ["subject", LIMITS.subject_max],
      ["description", LIMITS.description_max],
    ] as const) {
      seq += 1n;
      await t.mutation(api.tasks.recordTaskEvents, { events: [{ ...ev(field, "é".repeat(max / 2)), sequence: seq }] });
      const data = await expectCode(
        t.mutation(api.tasks.recordTaskEvents, { events: [ev(field, "a".repeat(max + 1))] }),
        "input",
      );
      expect(data).toMatchObject({ error: "too_long", field, max: BigInt(max), len: BigInt(max + 1) });
      expect(String(data.message).length).toBeLessThan(400);
    }
    const metadata = JSON.stringify({ k: "m".repeat(LIMITS.metadata_max) });
    expect(await expectCode(t.mutation(api.tasks.recordTaskEvents, { events: [ev("metadata", metadata)] }), "input")).toMatchObject({
      field: "metadata",
    });
    const reason = "r".repeat(LIMITS.reason_max + 1);
    const transition = {
      orchestration_id: base.orchestration.id,
      phase_number: 1n,
      expected: null,
      status: "blocked" as const,
      plan_path: null,
      blocked_reason: reason,
      orchestration_status: "blocked" as const,
      register_team: null,
    };
    expect(await expectCode(t.mutation(api.phases.applyTransition, transition), "input")).toMatchObject({
      field: "block reason",
    });
    for (const [what, extra] of [
      ["design doc path", { design_doc: "p".repeat(LIMITS.path_max + 1) }],
      ["worktree path", { worktree_path: "p".repeat(LIMITS.path_max + 1) }],
      ["branch", { branch: "b".repeat(LIMITS.branch_max + 1) }],
      ["branch", { branch: "a..b" }],
    ] as const) {
      expect(await expectCode(t.mutation(api.orchestrations.create, orch("sized", extra)), "input")).toMatchObject({
        field: what,
      });
    }
  });
});
