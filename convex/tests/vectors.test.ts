/// <reference types="vite/client" />
// Runs every shared JSON vector in tina-session/tests/vectors/ against the real
// functions, with the same expectations as the Rust runner
// (tina-session/tests/support/vectors.rs).
import { api } from "../_generated/api";
import { ConvexError } from "convex/values";
import { describe, expect, test } from "vitest";
import { allCurrentTasks, allEvents, newDeployment } from "./harness";

// Store vectors are numbered; validation.json holds the input-rule vectors.
const files = import.meta.glob("../../tina-session/tests/vectors/[0-9]*.json", {
  eager: true,
  import: "default",
}) as Record<string, any>;

type T = ReturnType<typeof newDeployment>;

const num = (x: bigint | null) => (x === null ? null : Number(x));

test("the shared vectors are all found", () => {
  expect(Object.keys(files).length).toBeGreaterThanOrEqual(5);
});

describe.each(Object.keys(files).sort())("vector %s", (file) => {
  test("matches its expectations", async () => {
    const v = files[file];
    const t = newDeployment();
    const orchestrations = new Map<string, string>();
    for (const o of v.orchestrations) {
      const { orchestration } = await t.mutation(api.orchestrations.create, {
        feature_name: o.feature_name,
        design_doc: o.design_doc,
        branch: null,
        worktree_path: null,
        total_phases: BigInt(o.total_phases),
        orchestrator_team_name: o.orchestrator_team ?? `${o.feature_name}-orchestration`,
        lead_session_id: null,
        replace: false,
      });
      orchestrations.set(o.feature_name, orchestration.id);
    }
    const teamId = async (name: string) => {
      const team = await t.query(api.teams.getByName, { team_name: name });
      expect(team, `${file}: team ${name}`).not.toBeNull();
      return team!.id;
    };
    for (const reg of v.teams) {
      const call = t.mutation(api.teams.registerTeam, {
        team_name: reg.team_name,
        orchestration_id: orchestrations.get(reg.feature)!,
        parent_team_id: reg.parent === null ? null : await teamId(reg.parent),
        phase_number: reg.phase_number === null ? null : BigInt(reg.phase_number),
        lead_session_id: null,
      });
      if (reg.expect_error === undefined) {
        await call;
      } else {
        const err = await call.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `${file}: ${reg.team_name} must fail`).toBeInstanceOf(ConvexError);
        expect((err as ConvexError<any>).data.code).toBe(reg.expect_error);
      }
    }
    for (const m of v.members) {
      await t.mutation(api.teamMembers.upsert, {
        team_id: await teamId(m.team),
        agent_name: m.agent_name,
        agent_type: m.agent_type,
        model: m.model,
        joined_at: BigInt(m.joined_at),
      });
    }
    for (const e of v.events) {
      await t.mutation(api.tasks.recordTaskEvents, { events: [{
          team_id: await teamId(e.team),
          task_id: e.task_id,
          subject: e.subject,
          description: e.description,
          status: e.status,
          owner: e.owner,
          blocked_by: e.blocked_by,
          metadata: JSON.stringify(e.metadata),
          recorded_at: BigInt(e.recorded_at),
          sequence: BigInt(e.sequence),
        },] });
    }
    for (const l of v.lookups) {
      const found = await t.query(api.orchestrations.getByFeature, { feature_name: l.feature });
      if (l.found) expect(found?.feature_name, `${file}: lookup ${l.feature}`).toBe(l.feature);
      else expect(found, `${file}: lookup ${l.feature} must not match`).toBeNull();
    }
    const teamName = async (id: string) => (await t.query(api.teams.get, { id }))!.team_name;
    for (const [feature, expected] of Object.entries<any>(v.expected)) {
      const id = orchestrations.get(feature)!;
      const ctx = `${file} [${feature}]`;
      const events = await allEvents(t, id);
      expect(events.length, `${ctx}: event_count`).toBe(expected.event_count);

      const tasks = await allCurrentTasks(t, id);
      expect(
        tasks.map((c) => ({
          team: c.team_name,
          task_id: c.task_id,
          phase_number: num(c.phase_number),
          subject: c.subject,
          status: c.status,
          owner: c.owner,
          recorded_at: Number(c.recorded_at),
          sequence: Number(c.sequence),
        })),
        `${ctx}: current_tasks`,
      ).toEqual(expected.current_tasks);

      const d = await t.query(api.orchestrations.getOrchestrationDetail, { id });
      const short = (c: (typeof d.orchestrator_tasks)[number]) => ({
        team: c.team_name,
        task_id: c.task_id,
        subject: c.subject,
        status: c.status,
      });
      const teams = [];
      for (const team of d.teams) {
        teams.push({
          team_name: team.team_name,
          parent: team.parent_team_id === null ? null : await teamName(team.parent_team_id),
          phase_number: num(team.phase_number),
        });
      }
      teams.sort((a, b) => (a.team_name < b.team_name ? -1 : a.team_name > b.team_name ? 1 : 0));
      const members: [string, string][] = [];
      for (const m of d.team_members) members.push([await teamName(m.team_id), m.agent_name]);
      members.sort((a, b) => (a.join("\u0000") < b.join("\u0000") ? -1 : 1));
      expect(
        {
          orchestrator_tasks: d.orchestrator_tasks.map(short),
          phase_tasks: Object.fromEntries(
            Object.entries(d.phase_tasks).map(([k, list]) => [k, list.map(short)]),
          ),
          teams,
          team_members: members.map(([team, agent_name]) => ({ team, agent_name })),
        },
        `${ctx}: detail`,
      ).toEqual(expected.detail);
      // The detail and getCurrentTasks share one current-state helper: same tasks.
      expect([...d.orchestrator_tasks, ...Object.values(d.phase_tasks).flat()].length).toBe(tasks.length);

      const h = await t.query(api.admin.getTeamHierarchy, { orchestration_id: id });
      const node = (n: any): any => ({
        team: n.team.team_name,
        phase_number: num(n.team.phase_number),
        members: n.members.map((m: any) => m.agent_name).sort(),
        task_counts: Object.fromEntries(n.task_counts.map((c: any) => [c.status, Number(c.count)])),
        task_total: Number(n.task_total),
        children: n.children.map(node),
      });
      expect(h.teams.map(node), `${ctx}: hierarchy`).toEqual(expected.hierarchy);
    }
  });
});
