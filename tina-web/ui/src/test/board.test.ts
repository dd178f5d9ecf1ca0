import { describe, expect, it } from "vitest";
import { buildBoard, NO_FILTER, phaseSpans } from "../board";
import { dashboard } from "./fixtures";

describe("buildBoard", () => {
  it("puts work in progress first and done last, and counts every task", () => {
    const b = buildBoard(dashboard(), NO_FILTER);
    const p2 = b.phases.find((p) => p.number === 2);
    expect(p2?.teams[0]?.tasks.map((t) => `${t.task_id}:${t.status}`)).toEqual(["2:in_progress", "4:pending", "1:completed", "3:completed"]);
    expect(p2?.counts).toEqual({ completed: 2, in_progress: 1, pending: 1 });
    expect(b.teamCounts).toEqual({ completed: 3, in_progress: 1, pending: 1 });
    expect(b.orchestratorCounts).toEqual({ completed: 1, pending: 1 });
  });

  it("places orchestrator tasks by the phase the server resolved, apart from those of no phase", () => {
    const b = buildBoard(dashboard(), NO_FILTER);
    expect(b.phases.find((p) => p.number === 2)?.orchestratorTasks.map((t) => t.task_id)).toEqual(["1"]);
    expect(b.orchestratorTeams[0]?.tasks.map((t) => t.task_id)).toEqual(["5"]);
    // A phase with no record and no team is still listed: the orchestration has 3 phases.
    expect(b.phases.map((p) => p.number)).toEqual([1, 2, 3]);
  });

  it("shows what each member is on now", () => {
    const b = buildBoard(dashboard(), NO_FILTER);
    const tester = b.phases[1]?.teams[0]?.members.find((m) => m.member.agent_name === "tester");
    expect(tester?.current.map((t) => t.active_form)).toEqual(["Running the integration suite"]);
    const lead = b.phases[1]?.teams[0]?.members.find((m) => m.member.agent_name === "team-lead");
    expect(lead?.owned).toBe(0);
  });

  it("filters the lists by text, status, owner and done, never the counts", () => {
    const d = dashboard();
    const hidden = buildBoard(d, { ...NO_FILTER, hideDone: true });
    expect(hidden.phases[1]?.teams[0]?.tasks.map((t) => t.task_id)).toEqual(["2", "4"]);
    expect(hidden.phases[1]?.counts["completed"]).toBe(2);
    expect(buildBoard(d, { ...NO_FILTER, text: "METRICS" }).shown).toBe(1);
    expect(buildBoard(d, { ...NO_FILTER, text: "#2" }).phases[1]?.teams[0]?.tasks.map((t) => t.task_id)).toEqual(["2"]);
    expect(buildBoard(d, { ...NO_FILTER, owner: "tester" }).shown).toBe(1);
    expect(buildBoard(d, { ...NO_FILTER, status: "completed" }).shown).toBe(4);
    expect(buildBoard(d, NO_FILTER).shown).toBe(7);
  });

  it("turns the phase history into spans, a resolved block included", () => {
    const spans = phaseSpans(dashboard().phase_history, 1);
    expect(spans.map((s) => s.status)).toEqual(["executing", "blocked", "executing", "complete"]);
    expect(spans[1]?.to).toBe(spans[2]?.from);
    expect(phaseSpans(dashboard().phase_history, 2).at(-1)?.to).toBeNull();
  });
});
