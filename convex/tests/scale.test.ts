/// <reference types="vite/client" />
// Many machines and large orchestrations: writes to different orchestrations touch
// disjoint documents (no global revision hot spot), revisions per orchestration and
// store-wide, paged reads past one page and past the byte budget, the counts the
// orchestration list reads, bounded batches, and removal in budgeted steps.
import { api } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { describe, expect, test } from "vitest";
import { REMOVE_BUDGET } from "../model/orchestrations";
import { MAX_EVENTS_PER_BATCH, PAGE_BYTES } from "../tasks";
import { allCurrentTasks, allEvents, expectCode, newDeployment, type Deployment } from "./harness";
import { seedTasks } from "./seed";
import { KEY } from "./harness";
import * as phases from "../phases";
import * as tasks from "../tasks";
import * as teamMembers from "../teamMembers";
import * as teams from "../teams";

const TABLES = [
  "orchestrations",
  "phases",
  "teams",
  "teamMembers",
  "taskEvents",
  "currentTasks",
  "taskCounts",
  "orchestrationRevisions",
  "phaseHistory",
] as const;

/** Every document of every table, by id, as JSON text. */
async function snapshot(t: Deployment): Promise<Map<string, string>> {
  const pairs = await t.run(async (ctx) => {
    const all: [string, string][] = [];
    for (const table of TABLES) {
      for (const doc of await ctx.db.query(table).collect()) {
        all.push([doc._id, JSON.stringify(doc, (_k, v) => (typeof v === "bigint" ? v.toString() : v))]);
      }
    }
    return all;
  });
  return new Map(pairs);
}

/** The ids of the documents `write` inserted, changed or deleted. */
async function written(t: Deployment, write: () => Promise<unknown>): Promise<Set<string>> {
  const before = await snapshot(t);
  await write();
  const after = await snapshot(t);
  const ids = new Set<string>();
  for (const [id, doc] of after) if (before.get(id) !== doc) ids.add(id);
  for (const id of before.keys()) if (!after.has(id)) ids.add(id);
  return ids;
}

const event = (team_id: string, task_id: string, status: string, at: bigint, description = "") => ({
  team_id,
  task_id,
  subject: `task ${task_id}`,
  description,
  status,
  owner: null,
  blocked_by: [],
  metadata: "{}",
  recorded_at: at,
  sequence: 1n,
});

async function orchestration(t: Deployment, feature: string, phases = 2n) {
  const { orchestration, team } = await t.mutation(api.orchestrations.create, {
    feature_name: feature,
    design_doc: `docs/${feature}.md`,
    branch: null,
    worktree_path: null,
    total_phases: phases,
    orchestrator_team_name: `${feature}-orchestration`,
    lead_session_id: null,
    replace: false,
  });
  return { orch: orchestration, root: team };
}

/** Tasks "1".."count" of a team, written straight into the tables (see seed.ts). */
async function recordMany(t: Deployment, team_id: string, count: number, description = "") {
  await t.run((ctx) => seedTasks(ctx, team_id as Id<"teams">, count, description));
}

describe("no global hot spot", () => {
  test("two orchestrations' writes touch disjoint documents", async () => {
    const t = newDeployment();
    const a = await orchestration(t, "alpha");
    const b = await orchestration(t, "beta");
    const writes = (o: typeof a, n: number) => [
      () =>
        t.mutation(api.teams.registerTeam, {
          team_name: `${o.orch.feature_name}-phase-1`,
          orchestration_id: o.orch.id,
          parent_team_id: o.root.id,
          phase_number: 1n,
          lead_session_id: null,
        }),
      () =>
        t.mutation(api.teamMembers.upsert, {
          team_id: o.root.id,
          agent_name: "lead",
          agent_type: null,
          model: null,
          joined_at: BigInt(n),
        }),
      () => t.mutation(api.tasks.recordTaskEvents, { events: [event(o.root.id, "1", "pending", 1n)] }),
      () => t.mutation(api.tasks.recordTaskEvents, { events: [event(o.root.id, "1", "completed", 2n)] }),
      () =>
        t.mutation(api.phases.applyTransition, {
          orchestration_id: o.orch.id,
          phase_number: 1n,
          expected: null,
          status: "executing",
          plan_path: null,
          blocked_reason: null,
          orchestration_status: "executing",
          register_team: null,
        }),
    ];
    const touched = { a: new Set<string>(), b: new Set<string>() };
    const wa = writes(a, 1);
    const wb = writes(b, 2);
    // Interleaved, as two machines would write.
    for (let i = 0; i < wa.length; i++) {
      for (const id of await written(t, wa[i])) touched.a.add(id);
      for (const id of await written(t, wb[i])) touched.b.add(id);
    }
    expect(touched.a.size).toBeGreaterThan(5);
    expect(touched.b.size).toBeGreaterThan(5);
    expect([...touched.a].filter((id) => touched.b.has(id))).toEqual([]);
    // Each side wrote its own revision document, and only its own.
    // (Reads are checked in the next test.)
    const revisions = await t.run(async (ctx) => ctx.db.query("orchestrationRevisions").collect());
    const own = (o: typeof a) => revisions.find((r) => r.orchestration_id === o.orch.id)!._id;
    expect(touched.a.has(own(a)) && touched.b.has(own(b))).toBe(true);
  });

  test("neither orchestration's writers read what the other's write (no optimistic-concurrency conflict)", async () => {
    const t = newDeployment();
    const a = await orchestration(t, "alpha");
    const b = await orchestration(t, "beta");
    const fns = (o: typeof a): [any, Record<string, unknown>][] => [
      [
        teams.registerTeam,
        {
          team_name: `${o.orch.feature_name}-phase-1`,
          orchestration_id: o.orch.id,
          parent_team_id: o.root.id,
          phase_number: 1n,
          lead_session_id: null,
        },
      ],
      [teamMembers.upsert, { team_id: o.root.id, agent_name: "lead", agent_type: null, model: null, joined_at: 1n }],
      [tasks.recordTaskEvents, { events: [event(o.root.id, "1", "pending", 1n)] }],
      [tasks.recordTaskEvents, { events: [event(o.root.id, "1", "completed", 2n), event(o.root.id, "2", "pending", 2n)] }],
      [
        phases.applyTransition,
        {
          orchestration_id: o.orch.id,
          phase_number: 1n,
          expected: null,
          status: "executing",
          plan_path: null,
          blocked_reason: null,
          orchestration_status: "executing",
          register_team: null,
        },
      ],
    ];
    const run = async ([fn, args]: [any, Record<string, unknown>]) => {
      const access: Access = { ranges: [], gets: new Set(), scans: new Set(), writes: new Set() };
      const before = await snapshot(t);
      await t.run((ctx) => fn._handler(recording(ctx, access), { ...args, key: KEY }));
      const after = await snapshot(t);
      // The before and after images of every document written.
      const images = [...access.writes].flatMap((id) =>
        [before.get(id), after.get(id)].filter((d) => d !== undefined).map((d) => ({ id, doc: JSON.parse(d!) })),
      );
      return { access, images };
    };
    const conflicts = (reader: Access, writer: { images: { id: string; doc: any }[] }) =>
      writer.images.filter(({ id, doc }) => {
        const table = TABLES.find((name) => id.endsWith(name))!;
        return (
          reader.gets.has(id) ||
          reader.scans.has(table) ||
          reader.ranges.some((r) => r.table === table && inRange(doc, r.eqs))
        );
      });
    const wa = fns(a);
    const wb = fns(b);
    const runs = { a: [] as Awaited<ReturnType<typeof run>>[], b: [] as Awaited<ReturnType<typeof run>>[] };
    for (let i = 0; i < wa.length; i++) {
      runs.a.push(await run(wa[i]));
      runs.b.push(await run(wb[i]));
    }
    const tablesRead = (x: (typeof runs.a)[number]) => new Set(x.access.ranges.map((r) => r.table));
    expect([...tablesRead(runs.a[0])]).toEqual(expect.arrayContaining(["teams", "orchestrationRevisions"]));
    expect([...tablesRead(runs.a[2])]).toEqual(
      expect.arrayContaining(["taskEvents", "currentTasks", "taskCounts", "orchestrationRevisions"]),
    );
    expect(runs.a[2].images.length).toBeGreaterThanOrEqual(4);
    for (const x of runs.a) {
      expect(x.access.ranges.length + x.access.gets.size).toBeGreaterThan(0);
      expect([...x.access.scans]).toEqual([]);
      for (const y of runs.b) {
        expect(conflicts(x.access, y).map((c) => c.id)).toEqual([]);
        expect(conflicts(y.access, x).map((c) => c.id)).toEqual([]);
      }
    }
    // The check finds a conflict where there is one: two writes to one orchestration.
    const again = await run(fns(a)[2]);
    expect(conflicts(again.access, runs.a[2]).length).toBeGreaterThan(0);
  });

  test("per-orchestration and store-wide revisions", async () => {
    const t = newDeployment();
    const a = await orchestration(t, "alpha");
    const b = await orchestration(t, "beta");
    const rev = (o: typeof a) => t.query(api.admin.orchestrationRevision, { orchestration_id: o.orch.id });
    const [a0, b0, all0] = [await rev(a), await rev(b), await t.query(api.admin.revision, {})];
    expect(a0).toBeGreaterThan(0n);
    await t.mutation(api.tasks.recordTaskEvents, { events: [event(a.root.id, "1", "pending", 1n)] });
    expect(await rev(a)).toBeGreaterThan(a0);
    expect(await rev(b)).toBe(b0);
    const all1 = await t.query(api.admin.revision, {});
    expect(all1).toBeGreaterThan(all0);
    // A duplicate changes nothing, and so moves no revision.
    await t.mutation(api.tasks.recordTaskEvents, { events: [event(a.root.id, "1", "pending", 1n)] });
    expect(await t.query(api.admin.revision, {})).toBe(all1);
    // A removal still moves the store-wide revision (the tombstone), never back.
    expect(await t.mutation(api.orchestrations.remove, { id: a.orch.id })).toBe(true);
    expect(await t.query(api.admin.revision, {})).toBeGreaterThan(all1);
    await expectCode(rev(a), "not_found");
    expect(await rev(b)).toBe(b0);
  });
});

/** What one transaction read (index ranges by their equalities, ids, whole tables) and wrote. */
type Access = {
  ranges: { table: string; eqs: [string, unknown][] }[];
  gets: Set<string>;
  scans: Set<string>;
  writes: Set<string>;
};

/** `ctx` whose `db` records every read and write, for running a function's own handler. */
function recording(ctx: any, access: Access) {
  const wrapBuilder = (builder: any, eqs: [string, unknown][]): any =>
    new Proxy(builder, {
      get(target, prop) {
        const value = target[prop];
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (prop === "eq") eqs.push([args[0] as string, args[1]]);
          return wrapBuilder(value.apply(target, args), eqs);
        };
      },
    });
  const wrapQuery = (query: any, table: string): any =>
    new Proxy(query, {
      get(target, prop) {
        const value = target[prop];
        if (typeof value !== "function") return value;
        if (prop === "withIndex") {
          return (name: string, range?: (q: any) => any) => {
            const eqs: [string, unknown][] = [];
            access.ranges.push({ table, eqs });
            return target.withIndex(name, range === undefined ? undefined : (q: any) => range(wrapBuilder(q, eqs)));
          };
        }
        if (["collect", "take", "first", "unique", "paginate", Symbol.asyncIterator].includes(prop as any)) {
          if (!access.ranges.some((r) => r.table === table)) access.scans.add(table);
        }
        return value.bind(target);
      },
    });
  const db = new Proxy(ctx.db, {
    get(target, prop) {
      const value = target[prop];
      if (prop === "query") return (table: string) => wrapQuery(target.query(table), table);
      if (prop === "get") {
        return async (id: string) => {
          access.gets.add(id);
          return await target.get(id);
        };
      }
      if (prop === "insert") {
        return async (table: string, doc: unknown) => {
          const id = await target.insert(table, doc);
          access.writes.add(id);
          return id;
        };
      }
      if (prop === "patch" || prop === "replace" || prop === "delete") {
        return async (id: string, ...rest: unknown[]) => {
          access.writes.add(id);
          return await target[prop](id, ...rest);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { ...ctx, db };
}

/** Whether a document (as JSON from `snapshot`) lies in a recorded index range. */
function inRange(doc: Record<string, unknown>, eqs: [string, unknown][]): boolean {
  return eqs.every(([field, value]) => String(doc[field]) === String(value));
}

describe("paged reads", () => {
  test("2,500 tasks over three pages read whole, in order, and so does the history", async () => {
    const t = newDeployment();
    const { orch, root } = await orchestration(t, "big");
    const phase = await t.mutation(api.teams.registerTeam, {
      team_name: "big-phase-1",
      orchestration_id: orch.id,
      parent_team_id: root.id,
      phase_number: 1n,
      lead_session_id: null,
    });
    await recordMany(t, phase.id, 2_000);
    await recordMany(t, root.id, 500);
    const first = await t.query(api.tasks.getCurrentTasksPage, { orchestration_id: orch.id, cursor: null, page_size: 1000n });
    expect(first.page).toHaveLength(1000);
    expect(first.isDone).toBe(false);
    const tasks = await allCurrentTasks(t, orch.id);
    expect(tasks).toHaveLength(2_500);
    expect(new Set(tasks.map((x) => `${x.team_id}/${x.task_id}`)).size).toBe(2_500);
    expect(tasks.slice(0, 2).map((x) => [x.team_name, x.task_id])).toEqual([
      ["big-orchestration", "1"],
      ["big-orchestration", "2"],
    ]);
    expect(tasks.at(-1)).toMatchObject({ team_name: "big-phase-1", task_id: "2000", phase_number: 1n });
    const events = await allEvents(t, orch.id, 700n);
    expect(events).toHaveLength(2_500);
    await expectCode(
      t.query(api.tasks.getCurrentTasksPage, { orchestration_id: orch.id, cursor: null, page_size: 1001n }),
      "invalid",
    );
    await expectCode(allCurrentTasks(t, "nope"), "not_found");
    expect(await allEvents(t, "nope")).toEqual([]);
  });

  test("a page stops at its byte budget", async () => {
    const t = newDeployment();
    const { orch, root } = await orchestration(t, "wide");
    const description = "d".repeat(60 * 1024);
    await recordMany(t, root.id, 100, description);
    const first = await t.query(api.tasks.getCurrentTasksPage, { orchestration_id: orch.id, cursor: null, page_size: 1000n });
    expect(first.isDone).toBe(false);
    expect(first.page.length).toBeLessThan(100);
    expect(first.page.length * description.length).toBeLessThanOrEqual(PAGE_BYTES + description.length * 2);
    expect(await allCurrentTasks(t, orch.id)).toHaveLength(100);
  });
});

describe("counts, batches and removal", () => {
  test("task counts by orchestration follow every status change", async () => {
    const t = newDeployment();
    const a = await orchestration(t, "alpha");
    const b = await orchestration(t, "beta");
    await orchestration(t, "empty");
    await t.mutation(api.tasks.recordTaskEvents, {
      events: [event(a.root.id, "1", "pending", 1n), event(a.root.id, "2", "pending", 1n), event(b.root.id, "1", "odd", 1n)],
    });
    await t.mutation(api.tasks.recordTaskEvents, { events: [event(a.root.id, "1", "completed", 2n)] });
    // An older event arriving late changes no count.
    await t.mutation(api.tasks.recordTaskEvents, { events: [{ ...event(a.root.id, "2", "in_progress", 0n) }] });
    const counts = async () =>
      Object.fromEntries(
        (await t.query(api.tasks.taskCountsByOrchestration, {})).map((o) => [
          o.orchestration_id,
          Object.fromEntries(o.counts.map((c) => [c.status, c.count])),
        ]),
      );
    expect(await counts()).toEqual({
      [a.orch.id]: { pending: 1n, completed: 1n },
      [b.orch.id]: { odd: 1n },
    });
    await t.mutation(api.tasks.recordTaskEvents, { events: [event(a.root.id, "2", "completed", 3n)] });
    expect((await counts())[a.orch.id]).toEqual({ completed: 2n });
    await t.mutation(api.orchestrations.remove, { id: b.orch.id });
    expect(Object.keys(await counts())).toEqual([a.orch.id]);
  });

  test("a batch larger than one transaction can hold is refused whole", async () => {
    const t = newDeployment();
    const { orch, root } = await orchestration(t, "batch");
    const events = Array.from({ length: MAX_EVENTS_PER_BATCH + 1 }, (_, i) => event(root.id, String(i + 1), "pending", 1n));
    expect(await expectCode(t.mutation(api.tasks.recordTaskEvents, { events }), "invalid")).toMatchObject({
      what: "task event",
    });
    expect(await allEvents(t, orch.id)).toEqual([]);
  });

  test("a large orchestration is removed in budgeted steps; replacing it asks for removal first", async () => {
    const t = newDeployment();
    const { orch, root } = await orchestration(t, "huge");
    await recordMany(t, root.id, REMOVE_BUDGET.documents); // 2 documents per task
    await t.mutation(api.orchestrations.create, {
      feature_name: "huge",
      design_doc: "d",
      branch: null,
      worktree_path: null,
      total_phases: 1n,
      orchestrator_team_name: "huge-orchestration-2",
      lead_session_id: null,
      replace: true,
    }).then(
      () => expect.fail("replacing an orchestration too large for one transaction must be refused"),
      (err) => expect(err.data).toMatchObject({ code: "too_large_to_replace", id: orch.id }),
    );
    expect(await allCurrentTasks(t, orch.id)).toHaveLength(REMOVE_BUDGET.documents);
    let calls = 0;
    for (;;) {
      calls += 1;
      if (await t.mutation(api.orchestrations.remove, { id: orch.id })) break;
      // Between steps the orchestration is still there, so a retry finds it.
      expect(await t.query(api.orchestrations.get, { id: orch.id })).not.toBeNull();
    }
    expect(calls).toBe(3);
    const left = await t.run(async (ctx) => {
      const counts: Record<string, number> = {};
      for (const table of TABLES) counts[table] = (await ctx.db.query(table).collect()).length;
      return counts;
    });
    expect(left).toMatchObject({ orchestrations: 0, teams: 0, taskEvents: 0, currentTasks: 0, taskCounts: 0 });
    expect(left.orchestrationRevisions).toBe(1); // the tombstone
  });
});
