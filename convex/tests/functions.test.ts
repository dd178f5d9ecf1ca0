/// <reference types="vite/client" />
// Function tests: argument validators, error codes (the Rust StoreError kinds), atomicity,
// cascades, orderings and the wire shapes the Rust backend relies on.
import { api } from "../_generated/api";
import { describe, expect, test } from "vitest";
import { allCurrentTasks, allEvents, expectCode, newDeployment } from "./harness";

type T = ReturnType<typeof newDeployment>;

const orchArgs = (feature: string, phases = 2n) => ({
  feature_name: feature,
  design_doc: `docs/${feature}.md`,
  branch: null,
  worktree_path: null,
  total_phases: phases,
  orchestrator_team_name: `${feature}-orchestration`,
  lead_session_id: "lead",
  replace: false,
});

const event = (team_id: string, task_id: string, status: string, at: bigint, seq: bigint, metadata = "{}") => ({
  team_id,
  task_id,
  subject: `task ${task_id}`,
  description: "",
  status,
  owner: null,
  blocked_by: [],
  metadata,
  recorded_at: at,
  sequence: seq,
});

async function setup(t: T, feature = "feat") {
  const { orchestration, team } = await t.mutation(api.orchestrations.create, orchArgs(feature));
  const phase1 = await t.mutation(api.teams.registerTeam, {
    team_name: `${feature}-phase-1`,
    orchestration_id: orchestration.id,
    parent_team_id: team.id,
    phase_number: 1n,
    lead_session_id: null,
  });
  return { orch: orchestration, root: team, phase1 };
}

describe("validators", () => {
  test("reject wrong types with a clear message", async () => {
    const t = newDeployment();
    await expect(
      t.mutation(api.orchestrations.create, { ...orchArgs("x"), total_phases: 2 as any }),
    ).rejects.toThrow(/bigint|int64/);
    await expect(
      t.mutation(api.orchestrations.create, { ...orchArgs("x"), replace: "yes" as any }),
    ).rejects.toThrow(/boolean/);
    await expect(t.query(api.orchestrations.get, { id: 7 as any })).rejects.toThrow(/string/);
    const { orch } = await setup(t);
    await expect(
      t.mutation(api.phases.applyTransition, {
        orchestration_id: orch.id,
        phase_number: 1n,
        expected: null,
        status: "done" as any,
        plan_path: null,
        blocked_reason: null,
        orchestration_status: "executing",
        register_team: null,
      }),
    ).rejects.toThrow(/done/);
    await expect(
      t.mutation(api.tasks.recordTaskEvents, { events: [{ ...event("x", "1", "pending", 1n, 1n), extra: 1 } as any] }),
    ).rejects.toThrow(/extra/);
  });

  test("unknown and malformed ids are null or not_found, never a crash", async () => {
    const t = newDeployment();
    const { root } = await setup(t);
    expect(await t.query(api.orchestrations.get, { id: "nope" })).toBeNull();
    // A valid id of another table is no orchestration either.
    expect(await t.query(api.orchestrations.get, { id: root.id })).toBeNull();
    expect(await t.query(api.teams.get, { id: "nope" })).toBeNull();
    expect(await t.query(api.teams.getByName, { team_name: "feat-phase" })).toBeNull();
    expect(await t.query(api.phases.list, { orchestration_id: "nope" })).toEqual([]);
    const data = await expectCode(allCurrentTasks(t, "nope"), "not_found");
    expect(data).toMatchObject({ kind: "orchestration", key: "id nope" });
    await expectCode(t.query(api.orchestrations.getOrchestrationDetail, { id: "nope" }), "not_found");
    await expectCode(t.query(api.admin.getTeamHierarchy, { orchestration_id: "nope" }), "not_found");
    await expectCode(t.query(api.teams.listByParent, { parent_team_id: "nope" }), "not_found");
    await expectCode(t.mutation(api.orchestrations.remove, { id: "nope" }), "not_found");
    const member = { team_id: "ghost", agent_name: "a", agent_type: null, model: null, joined_at: 1n };
    expect(await expectCode(t.mutation(api.teamMembers.upsert, member), "not_found")).toMatchObject({ kind: "team" });
  });
});

describe("error codes", () => {
  test("feature_in_use, then replace and terminal replacement", async () => {
    const t = newDeployment();
    const { orch } = await setup(t, "pay");
    const data = await expectCode(t.mutation(api.orchestrations.create, orchArgs("pay")), "feature_in_use");
    expect(data).toMatchObject({ feature: "pay", id: orch.id, status: "planning" });
    expect(data.message).toContain("--replace");
    const replaced = await t.mutation(api.orchestrations.create, { ...orchArgs("pay"), replace: true });
    expect(replaced.orchestration.id).not.toBe(orch.id);
    expect(await t.query(api.orchestrations.get, { id: orch.id })).toBeNull();
    expect(await t.query(api.teams.getByName, { team_name: "pay-phase-1" })).toBeNull();
  });

  test("invalid input names its subject", async () => {
    const t = newDeployment();
    expect(await expectCode(t.mutation(api.orchestrations.create, orchArgs(" ")), "input")).toMatchObject({
      error: "bad_name",
      kind: "feature",
      value: "' '",
    });
    expect(await expectCode(t.mutation(api.orchestrations.create, orchArgs("z", 0n)), "invalid")).toMatchObject({
      what: "total phases",
    });
    const { orch, root, phase1 } = await setup(t);
    const reg = { orchestration_id: orch.id, phase_number: 1n, lead_session_id: null };
    expect(
      await expectCode(t.mutation(api.teams.registerTeam, { ...reg, team_name: "", parent_team_id: null }), "input"),
    ).toMatchObject({ error: "bad_name", kind: "team", reason: "it is empty" });
    const missing = await expectCode(
      t.mutation(api.teams.registerTeam, { ...reg, team_name: "x", parent_team_id: "missing-team" }),
      "invalid",
    );
    expect(missing).toMatchObject({ what: "parent team" });
    expect(missing.reason).toContain("missing-team");
    expect(
      await expectCode(
        t.mutation(api.teams.registerTeam, { ...reg, team_name: "feat-phase-1", parent_team_id: phase1.id }),
        "invalid",
      ),
    ).toMatchObject({ what: "parent team" });
    expect(
      await expectCode(t.mutation(api.tasks.recordTaskEvents, { events: [event(root.id, "", "pending", 1n, 1n)] }), "input"),
    ).toMatchObject({ error: "bad_value", field: "task id" });
    expect(
      await expectCode(
        t.mutation(api.tasks.recordTaskEvents, { events: [event(root.id, "1", "pending", 1n, 1n, "{not json")] }),
        "invalid",
      ),
    ).toMatchObject({ what: "task event" });
  });

  test("team_owned_by_other and a parent from another orchestration", async () => {
    const t = newDeployment();
    const a = await setup(t, "alpha");
    const b = await setup(t, "alpha-beta");
    const owned = await expectCode(
      t.mutation(api.teams.registerTeam, {
        team_name: "alpha-phase-1",
        orchestration_id: b.orch.id,
        parent_team_id: b.root.id,
        phase_number: 1n,
        lead_session_id: null,
      }),
      "team_owned_by_other",
    );
    expect(owned).toMatchObject({ team_name: "alpha-phase-1", owner: a.orch.id, requested: b.orch.id });
    await expectCode(
      t.mutation(api.teams.registerTeam, {
        team_name: "alpha-beta-phase-2",
        orchestration_id: b.orch.id,
        parent_team_id: a.root.id,
        phase_number: 2n,
        lead_session_id: null,
      }),
      "invalid",
    );
  });

  test("conflict: the phase transition is compare-and-set and all or nothing", async () => {
    const t = newDeployment();
    const { orch, root } = await setup(t, "ph");
    const start = {
      orchestration_id: orch.id,
      phase_number: 2n,
      expected: null,
      status: "executing" as const,
      plan_path: "plans/2.md",
      blocked_reason: null,
      orchestration_status: "executing" as const,
      register_team: {
        team_name: "ph-phase-2",
        orchestration_id: orch.id,
        parent_team_id: root.id,
        phase_number: 2n,
        lead_session_id: null,
      },
    };
    const out = await t.mutation(api.phases.applyTransition, start);
    expect(out.phase).toMatchObject({ status: "executing", plan_path: "plans/2.md", phase_number: 2n });
    expect(out.phase.started_at).not.toBeNull();
    expect(out.orchestration).toMatchObject({ status: "executing", current_phase: 2n });
    expect(out.team?.parent_team_id).toBe(root.id);
    const data = await expectCode(t.mutation(api.phases.applyTransition, start), "conflict");
    expect(data.message).toContain("is executing (expected not started)");
    const before = await t.query(api.admin.revision, {});
    await expectCode(
      t.mutation(api.phases.applyTransition, {
        ...start,
        phase_number: 1n,
        expected: "planning",
        register_team: { ...start.register_team, team_name: "ph-phase-1b", phase_number: 1n },
      }),
      "conflict",
    );
    expect(await t.query(api.teams.getByName, { team_name: "ph-phase-1b" })).toBeNull();
    expect(await t.query(api.admin.revision, {})).toBe(before);
    expect(
      await expectCode(t.mutation(api.phases.applyTransition, { ...start, phase_number: 3n }), "invalid"),
    ).toMatchObject({ what: "phase number" });
    const done = await t.mutation(api.phases.applyTransition, {
      ...start,
      expected: "executing",
      status: "complete",
      plan_path: null,
      orchestration_status: "complete",
      register_team: null,
    });
    expect(done.phase.plan_path).toBe("plans/2.md");
    expect(done.phase.completed_at).not.toBeNull();
    // The last phase is complete but phase 1 never ran: the orchestration is not done.
    expect(done.orchestration).toMatchObject({ status: "planning", completed_at: null });
  });

  test("the orchestration status follows every phase", async () => {
    const t = newDeployment();
    const { orch } = await setup(t, "st");
    const move = (phase: bigint, expected: any, status: any, implied: any, reason: string | null = null) =>
      t.mutation(api.phases.applyTransition, {
        orchestration_id: orch.id,
        phase_number: phase,
        expected,
        status,
        plan_path: null,
        blocked_reason: reason,
        orchestration_status: implied,
        register_team: null,
      });
    await move(1n, null, "executing", "executing");
    await move(2n, null, "blocked", "blocked", "waiting on phase 1");
    // Phase 1 moving on does not hide that phase 2 is blocked.
    expect((await move(1n, "executing", "reviewing", "reviewing")).orchestration.status).toBe("blocked");
    expect((await move(1n, "reviewing", "complete", "planning")).orchestration.status).toBe("blocked");
    expect((await move(2n, "blocked", "executing", "executing")).orchestration.status).toBe("executing");
    expect((await move(2n, "executing", "reviewing", "reviewing")).orchestration.status).toBe("reviewing");
    const done = await move(2n, "reviewing", "complete", "complete");
    expect(done.orchestration).toMatchObject({ status: "complete" });
    expect(done.orchestration.completed_at).not.toBeNull();
  });

  test("conflicting_event vs duplicate, and an atomic batch", async () => {
    const t = newDeployment();
    const { orch, root } = await setup(t);
    await t.mutation(api.tasks.recordTaskEvents, { events: [event(root.id, "1", "pending", 1n, 1n, '{"a":1,"b":2}')] });
    // Same identity and content (key order aside): a duplicate.
    const dup = await t.mutation(api.tasks.recordTaskEvents, { events: [event(root.id, "1", "pending", 1n, 1n, '{"b":2,"a":1}'),] });
    expect(dup).toEqual({ inserted: 0n, duplicates: 1n, current_updated: 0n });
    const data = await expectCode(
      t.mutation(api.tasks.recordTaskEvents, { events: [event(root.id, "1", "completed", 1n, 1n)] }),
      "conflicting_event",
    );
    expect(data).toMatchObject({ team_id: root.id, task_id: "1", recorded_at: 1n, sequence: 1n });
    await expectCode(
      t.mutation(api.tasks.recordTaskEvents, {
        events: [event(root.id, "2", "pending", 1n, 1n), event("ghost", "1", "pending", 1n, 1n)],
      }),
      "not_found",
    );
    const events = await allEvents(t, orch.id);
    expect(events.map((e) => e.task_id)).toEqual(["1"]);
  });
});

describe("current state and views", () => {
  test("latest (recorded_at, sequence) wins; canonical order; metadata and odd statuses survive", async () => {
    const t = newDeployment();
    const { orch, root, phase1 } = await setup(t);
    const summary = await t.mutation(api.tasks.recordTaskEvents, {
      events: [
        event(phase1.id, "10", "pending", 5n, 1n),
        event(phase1.id, "2", "in_progress", 20n, 2n, '{"$odd key":{"_x":[1,2.5]}}'),
        event(phase1.id, "2", "pending", 20n, 1n), // same time, lower sequence: history only
        event(root.id, "1", "_weird status", 1n, 1n),
      ],
    });
    expect(summary).toEqual({ inserted: 4n, duplicates: 0n, current_updated: 3n });
    const tasks = await allCurrentTasks(t, orch.id);
    expect(tasks.map((c) => [c.team_name, c.task_id, c.status])).toEqual([
      ["feat-orchestration", "1", "_weird status"],
      ["feat-phase-1", "2", "in_progress"],
      ["feat-phase-1", "10", "pending"],
    ]);
    expect(JSON.parse(tasks[1].metadata)).toEqual({ "$odd key": { _x: [1, 2.5] } });
    const h = await t.query(api.admin.getTeamHierarchy, { orchestration_id: orch.id });
    expect(h.teams[0].task_counts).toEqual([{ status: "_weird status", count: 1n }]);
    expect(h.teams[0].children[0].task_total).toBe(2n);
    const d = await t.query(api.orchestrations.getOrchestrationDetail, { id: orch.id });
    expect(d.orchestrator_tasks).toEqual(tasks.slice(0, 1));
    expect(d.phase_tasks).toEqual({ "1": tasks.slice(1) });
  });

  test("re-registering a team moves its tasks to the new phase (phase read from the team)", async () => {
    const t = newDeployment();
    const { orch, root, phase1 } = await setup(t);
    await t.mutation(api.tasks.recordTaskEvents, { events: [event(phase1.id, "1", "pending", 1n, 1n)] });
    const moved = await t.mutation(api.teams.registerTeam, {
      team_name: "feat-phase-1",
      orchestration_id: orch.id,
      parent_team_id: root.id,
      phase_number: 2n,
      lead_session_id: null,
    });
    expect(moved.id).toBe(phase1.id);
    const d = await t.query(api.orchestrations.getOrchestrationDetail, { id: orch.id });
    expect(Object.keys(d.phase_tasks)).toEqual(["2"]);
  });

  test("remove cascades to every table and bumps the revision", async () => {
    const t = newDeployment();
    const { orch, phase1 } = await setup(t);
    const keep = await setup(t, "other");
    await t.mutation(api.tasks.recordTaskEvents, { events: [event(phase1.id, "1", "pending", 1n, 1n)] });
    await t.mutation(api.teamMembers.upsert, {
      team_id: phase1.id,
      agent_name: "impl",
      agent_type: null,
      model: "sonnet",
      joined_at: 3n,
    });
    const before = await t.query(api.admin.revision, {});
    await t.mutation(api.orchestrations.remove, { id: orch.id });
    expect(await t.query(api.admin.revision, {})).toBeGreaterThan(before);
    const left = await t.run(async (ctx) => ({
      events: (await ctx.db.query("taskEvents").collect()).length,
      current: (await ctx.db.query("currentTasks").collect()).length,
      members: (await ctx.db.query("teamMembers").collect()).length,
      teams: (await ctx.db.query("teams").collect()).map((x) => x.team_name).sort(),
      orchestrations: (await ctx.db.query("orchestrations").collect()).length,
    }));
    expect(left).toEqual({ events: 0, current: 0, members: 0, teams: ["other-orchestration", "other-phase-1"], orchestrations: 1 });
    expect(await t.query(api.teams.listByParent, { parent_team_id: keep.root.id })).toHaveLength(1);
  });

  test("listActiveTeams leaves out finished orchestrations and completed phases", async () => {
    const t = newDeployment();
    const { orch } = await setup(t, "act");
    const done = await setup(t, "fin");
    await t.mutation(api.phases.applyTransition, {
      orchestration_id: done.orch.id,
      phase_number: 1n,
      expected: null,
      status: "blocked",
      plan_path: null,
      blocked_reason: "tests fail",
      orchestration_status: "blocked",
      register_team: null,
    });
    const names = async () => (await t.query(api.teams.listActiveTeams, {})).map((x) => x.team_name);
    expect(await names()).toEqual(["act-orchestration", "act-phase-1"]);
    for (const [expected, status] of [[null, "executing"], ["executing", "complete"]] as const) {
      await t.mutation(api.phases.applyTransition, {
        orchestration_id: orch.id,
        phase_number: 1n,
        expected,
        status,
        plan_path: null,
        blocked_reason: null,
        orchestration_status: "executing",
        register_team: null,
      });
    }
    expect(await names()).toEqual(["act-orchestration"]);
  });

  test("resetForTests is refused unless the deployment allows it", async () => {
    const t = newDeployment();
    await setup(t);
    await expectCode(t.mutation(api.admin.resetForTests, {}), "invalid");
    expect(await t.query(api.orchestrations.list, {})).toHaveLength(1);
  });

  test("phase history keeps a resolved block, in order, with its reason", async () => {
    const t = newDeployment();
    const { orch } = await setup(t, "hist");
    const go = (expected: any, status: any, reason: string | null = null) =>
      t.mutation(api.phases.applyTransition, {
        orchestration_id: orch.id,
        phase_number: 1n,
        expected,
        status,
        plan_path: null,
        blocked_reason: reason,
        orchestration_status: "executing",
        register_team: null,
      });
    await go(null, "executing");
    await go("executing", "blocked", "tests fail on CI");
    await go("blocked", "executing");
    await go("executing", "complete");
    const history = await t.query(api.phases.listHistory, { orchestration_id: orch.id });
    expect(history.map((c) => [c.phase_number, c.status, c.blocked_reason])).toEqual([
      [1n, "executing", null],
      [1n, "blocked", "tests fail on CI"],
      [1n, "executing", null],
      [1n, "complete", null],
    ]);
    expect(history.every((c, i) => i === 0 || history[i - 1].at <= c.at)).toBe(true);
    await expectCode(t.query(api.phases.listHistory, { orchestration_id: "nope" }), "not_found");
    const other = await setup(t, "hist-b");
    expect(await t.query(api.phases.listHistory, { orchestration_id: other.orch.id })).toEqual([]);
  });

  test("last task activity is the newest current state, late older events aside", async () => {
    const t = newDeployment();
    const a = await setup(t, "act-a");
    const b = await setup(t, "act-b");
    await setup(t, "act-empty");
    await t.mutation(api.tasks.recordTaskEvents, {
      events: [
        event(a.root.id, "1", "completed", 100n, 1n),
        event(a.phase1.id, "1", "in_progress", 700n, 1n),
        event(a.phase1.id, "2", "pending", 900n, 1n),
        event(a.phase1.id, "2", "in_progress", 400n, 1n), // older: history only
        event(b.root.id, "1", "pending", 50n, 1n),
      ],
    });
    const activity = Object.fromEntries(
      (await t.query(api.tasks.lastTaskActivityByOrchestration, {})).map((x) => [x.orchestration_id, x.at]),
    );
    expect(activity).toEqual({ [a.orch.id]: 900n, [b.orch.id]: 50n });
    await t.mutation(api.orchestrations.remove, { id: b.orch.id });
    expect((await t.query(api.tasks.lastTaskActivityByOrchestration, {})).map((x) => x.orchestration_id)).toEqual([
      a.orch.id,
    ]);
  });
});
