import { describe, expect, it } from "vitest";
import { buildDetailView } from "../tree";
import { demoDetail, task, team } from "./fixtures";

describe("buildDetailView", () => {
  it("keeps orchestrator tasks apart from phase tasks with the same ids", () => {
    const view = buildDetailView(demoDetail());
    expect(view.orchestratorTeams.map((t) => t.teamName)).toEqual(["verbose-flag-orchestration"]);
    expect(view.orchestratorTeams[0]?.tasks.map((t) => t.task_id)).toEqual(["1", "2", "3", "4", "5"]);
    expect(view.phases.map((p) => p.number)).toEqual([1, 2]);
    const p1 = view.phases[0]?.teams[0];
    const p2 = view.phases[1]?.teams[0];
    expect(p1?.tasks.find((t) => t.task_id === "1")?.subject).toBe("Implement --verbose flag");
    expect(p2?.tasks.find((t) => t.task_id === "1")?.subject).toBe("Wire flag into logger");
    expect(view.taskTotal).toBe(12);
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
    expect(view.counts).toEqual({ completed: 7, in_progress: 2, pending: 2, deleted: 1 });
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
});
