import { describe, expect, it } from "vitest";
import type { CurrentTask } from "../generated/CurrentTask";
import type { JsonValue } from "../generated/serde_json/JsonValue";
import { buildDetailView, groupOrchestratorTasks, orchestratorTaskPhase } from "../tree";
import { demoDetail, forPhase, task, team } from "./fixtures";

const ids = (tasks: CurrentTask[] | undefined) => tasks?.map((t) => t.task_id);
const withMeta = (id: string, metadata: JsonValue) => ({
  ...task("team-root", "verbose-flag-orchestration", null, id, `task ${id}`, "pending", null),
  metadata,
});

describe("buildDetailView", () => {
  it("keeps orchestrator tasks apart from phase tasks with the same ids", () => {
    const view = buildDetailView(demoDetail());
    expect(view.orchestratorTeams.map((t) => t.teamName)).toEqual(["verbose-flag-orchestration"]);
    expect(view.orchestratorTeams[0]?.tasks.map((t) => t.task_id)).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(view.phases.map((p) => p.number)).toEqual([1, 2]);
    const p1 = view.phases[0]?.teams[0];
    const p2 = view.phases[1]?.teams[0];
    expect(p1?.tasks.find((t) => t.task_id === "1")?.subject).toBe("Implement --verbose flag");
    expect(p2?.tasks.find((t) => t.task_id === "1")?.subject).toBe("Wire flag into logger");
    expect(view.taskTotal).toBe(13);
  });

  it("hangs phase teams under their parent and gives members the tasks they own", () => {
    const view = buildDetailView(demoDetail());
    const p1 = view.phases[0]?.teams[0];
    expect(p1?.parentName).toBe("verbose-flag-orchestration");
    const owned = Object.fromEntries(p1?.members.map((m) => [m.member.agent_name, m.owned.map((t) => t.task_id)]) ?? []);
    expect(owned).toEqual({ implementer: ["1", "3", "4"], "team-lead": [], tester: ["2"] });
  });

  it("counts unknown statuses verbatim", () => {
    const view = buildDetailView(demoDetail());
    expect(view.counts).toEqual({ completed: 7, in_progress: 2, pending: 3, deleted: 1 });
    expect(view.phases[0]?.counts["deleted"]).toBe(1);
  });

  it("places teams by their record's phase number, never by their name", () => {
    const d = demoDetail();
    d.teams.push(team("odd", "verbose-flag-phase-2", 1, "team-root"));
    d.teams = d.teams.filter((t) => t.id !== "team-p2");
    d.phase_tasks["2"] = [];
    d.phase_tasks["1"]?.push(task("odd", "verbose-flag-phase-2", 1, "1", "misnamed", "pending", null));
    const view = buildDetailView(d);
    expect(view.phases[0]?.teams.map((t) => t.teamName)).toEqual(["verbose-flag-phase-1", "verbose-flag-phase-2"]);
    expect(view.phases[1]?.teams).toEqual([]);
  });

  it("shows tasks of teams without a record and phases without records", () => {
    const d = demoDetail();
    d.orchestration.total_phases = 3;
    d.phase_tasks["3"] = [task("ghost", "ghost-team", 3, "7", "orphan", "weird_status", "someone")];
    const view = buildDetailView(d);
    const p3 = view.phases.find((p) => p.number === 3);
    expect(p3?.phase).toBeNull();
    expect(p3?.teams[0]?.team).toBeNull();
    expect(p3?.teams[0]?.teamName).toBe("ghost-team");
    expect(p3?.teams[0]?.otherOwners).toEqual(["someone"]);
    expect(p3?.teams[0]?.tasks[0]?.status).toBe("weird_status");
  });

  it("puts orchestrator tasks under the phase their metadata names, the rest apart", () => {
    const view = buildDetailView(demoDetail());
    expect(ids(view.phases[0]?.orchestratorTasks)).toEqual(["1", "2", "3"]);
    expect(ids(view.phases[1]?.orchestratorTasks)).toEqual(["4", "5"]);
    expect(ids(view.unphasedOrchestratorTasks)).toEqual(["6"]);
    // Phase team counts stay the phase team's; orchestrator tasks are counted once overall.
    expect(view.phases[0]?.taskCount).toBe(4);
    expect(view.orchestratorTaskCount).toBe(6);
  });

  it("never places an orchestrator task by its subject", () => {
    const d = demoDetail();
    d.orchestrator_tasks = d.orchestrator_tasks.map((t) => ({ ...t, metadata: {} }));
    d.orchestrator_tasks.push(forPhase(task("team-root", "verbose-flag-orchestration", null, "7", "plan-phase-1", "pending", null), 2));
    const view = buildDetailView(d);
    expect(ids(view.phases[0]?.orchestratorTasks)).toEqual([]);
    expect(ids(view.phases[1]?.orchestratorTasks)).toEqual(["7"]);
    expect(ids(view.unphasedOrchestratorTasks)).toEqual(["1", "2", "3", "4", "5", "6"]);
  });

  it("keeps orchestrator tasks of a phase the orchestration lacks apart", () => {
    const d = demoDetail();
    d.orchestrator_tasks.push(forPhase(task("team-root", "verbose-flag-orchestration", null, "7", "later", "pending", null), 3));
    const view = buildDetailView(d);
    expect(view.phases.map((p) => p.number)).toEqual([1, 2]);
    expect(ids(view.unphasedOrchestratorTasks)).toEqual(["6", "7"]);
  });

  it("places orchestrator tasks of a team without a record too", () => {
    const d = demoDetail();
    d.orchestrator_tasks.push(forPhase(task("ghost", "ghost-orchestration", null, "1", "ghost plan", "pending", null), 2));
    const view = buildDetailView(d);
    expect(view.orchestratorTeams.map((t) => t.teamName)).toEqual(["ghost-orchestration", "verbose-flag-orchestration"]);
    expect(view.phases[1]?.orchestratorTasks.map((t) => `${t.team_name}/${t.task_id}`)).toEqual([
      "ghost-orchestration/1",
      "verbose-flag-orchestration/4",
      "verbose-flag-orchestration/5",
    ]);
  });
});

describe("orchestratorTaskPhase", () => {
  const phases = new Set([1, 2, 3]);
  it.each<[string, JsonValue, number | null]>([
    ["a positive integer naming a phase", { phase_number: 2 }, 2],
    ["alongside other keys", { phase_number: 3, kind: "review" }, 3],
    ["an integral float", { phase_number: 1.0 }, 1],
    ["missing", {}, null],
    ["null", { phase_number: null }, null],
    ["a numeric string", { phase_number: "2" }, null],
    ["a fraction", { phase_number: 1.5 }, null],
    ["zero", { phase_number: 0 }, null],
    ["negative", { phase_number: -1 }, null],
    ["past the last phase", { phase_number: 4 }, null],
    ["huge", { phase_number: 1e300 }, null],
    ["a boolean", { phase_number: true }, null],
    ["an array", { phase_number: [1] }, null],
    ["nested", { phase: { phase_number: 1 } }, null],
    ["metadata not an object", [1], null],
    ["metadata null", null, null],
    ["metadata a string", "phase_number: 1", null],
  ])("%s", (_, metadata, want) => {
    expect(orchestratorTaskPhase(withMeta("1", metadata), phases)).toBe(want);
  });
});

describe("groupOrchestratorTasks", () => {
  it("groups by phase in input order and keeps everything else apart, dropping nothing", () => {
    const tasks = [
      withMeta("1", { phase_number: 2 }),
      withMeta("2", { phase_number: "1" }),
      withMeta("3", { phase_number: 1 }),
      withMeta("4", {}),
      withMeta("5", { phase_number: 2 }),
      withMeta("6", { phase_number: 9 }),
    ];
    const groups = groupOrchestratorTasks(tasks, new Set([1, 2]));
    expect([...groups.byPhase.keys()].sort()).toEqual([1, 2]);
    expect(ids(groups.byPhase.get(1))).toEqual(["3"]);
    expect(ids(groups.byPhase.get(2))).toEqual(["1", "5"]);
    expect(ids(groups.noPhase)).toEqual(["2", "4", "6"]);
  });

  it("puts everything apart when the orchestration has no phases", () => {
    const groups = groupOrchestratorTasks([withMeta("1", { phase_number: 1 })], new Set());
    expect(groups.byPhase.size).toBe(0);
    expect(ids(groups.noPhase)).toEqual(["1"]);
  });
});
