import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import { demoDetail, forPhase, task } from "./fixtures";
import { installEventSource, MockEventSource, mockFetch } from "./mocks";

beforeEach(() => {
  installEventSource();
});

function phaseButton(n: number) {
  return within(screen.getByTestId(`phase-${n}`)).getByRole("button");
}

async function openDemo() {
  const fetch = mockFetch((path) =>
    path === "/api/orchestrations/0195-orch" ? { status: 200, body: demoDetail() } : { status: 404, body: { error: "not_found", message: "no" } },
  );
  window.location.hash = "#/orchestrations/0195-orch";
  render(<App />);
  await screen.findByTestId("orchestration-tree");
  return fetch;
}

describe("orchestration detail", () => {
  it("shows the orchestrator team with its tasks of no phase apart", async () => {
    await openDemo();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Orchestration: verbose-flag executing");
    const orch = screen.getByTestId("orchestrator");
    expect(within(orch).getByText("Orchestrator tasks of no phase")).toBeTruthy();
    const apart = within(orch).getAllByTestId(/^task-/);
    expect(apart.map((el) => el.dataset.taskId)).toEqual(["6"]);
    expect(apart[0]?.textContent).toContain("finish-orchestration");
    expect(apart[0]?.querySelector(".badge")?.textContent).toBe("pending");
    // Members own all their tasks, wherever each is shown.
    expect(within(orch).getByTestId("member-verbose-flag-orchestration-team-lead").textContent).toContain(
      "owns #1 #2 #3 #4 #5 #6",
    );
  });

  it("shows a phase's orchestrator tasks inside that phase, after its team", async () => {
    await openDemo();
    // Phase 2 is open: its orchestrator tasks are there, with status badges.
    const p2 = screen.getByTestId("phase-2");
    const p2orch = within(p2).getByTestId("phase-2-orchestrator-tasks");
    expect(within(p2orch).getByText("Orchestrator tasks")).toBeTruthy();
    expect(within(p2orch).getAllByTestId(/^task-/).map((el) => el.dataset.taskId)).toEqual(["4", "5"]);
    expect(within(p2orch).getByTestId("task-verbose-flag-orchestration-5").querySelector(".badge")?.textContent).toBe(
      "in_progress",
    );
    const order = [...p2.querySelectorAll("[data-testid^='team-'], [data-testid$='-orchestrator-tasks']")].map(
      (el) => el.getAttribute("data-testid"),
    );
    expect(order).toEqual(["team-verbose-flag-phase-2", "phase-2-orchestrator-tasks"]);

    // Phase 1 is closed: its orchestrator tasks are counted in the header, shown once opened.
    expect(phaseButton(1).textContent).toContain("3 orchestrator tasks");
    expect(screen.queryByTestId("task-verbose-flag-orchestration-1")).toBeNull();
    await userEvent.click(phaseButton(1));
    const p1orch = within(screen.getByTestId("phase-1")).getByTestId("phase-1-orchestrator-tasks");
    expect(within(p1orch).getAllByTestId(/^task-/).map((el) => el.textContent)).toEqual([
      expect.stringContaining("plan-phase-1"),
      expect.stringContaining("execute-phase-1"),
      expect.stringContaining("review-phase-1"),
    ]);
    // The orchestrator's task "1" and phase 1's task "1" are two rows in the same phase.
    expect(within(screen.getByTestId("phase-1")).getAllByTestId(/^task-.*-1$/).map((el) => el.dataset.team)).toEqual([
      "verbose-flag-phase-1",
      "verbose-flag-orchestration",
    ]);
  });

  it("says so when every orchestrator task belongs to a phase", async () => {
    const detail = demoDetail();
    detail.orchestrator_tasks = detail.orchestrator_tasks.filter((t) => t.task_id !== "6");
    mockFetch(() => ({ status: 200, body: detail }));
    window.location.hash = "#/orchestrations/0195-orch";
    render(<App />);
    const orch = await screen.findByTestId("orchestrator");
    expect(within(orch).queryAllByTestId(/^task-/)).toHaveLength(0);
    expect(within(orch).getByText("None: each of its tasks is shown under its phase.")).toBeTruthy();
  });

  it("shows a phase without a team yet with the orchestrator tasks already under way", async () => {
    const detail = demoDetail();
    detail.orchestration.total_phases = 3;
    detail.orchestrator_tasks.push(
      forPhase(task("team-root", "verbose-flag-orchestration", null, "7", "plan-phase-3", "in_progress", "team-lead"), 3),
    );
    mockFetch(() => ({ status: 200, body: detail }));
    window.location.hash = "#/orchestrations/0195-orch";
    render(<App />);
    await screen.findByTestId("orchestration-tree");
    await userEvent.click(phaseButton(3));
    const p3 = screen.getByTestId("phase-3");
    expect(within(p3).getByText("No team registered for this phase yet.")).toBeTruthy();
    expect(within(p3).getByTestId("task-verbose-flag-orchestration-7").textContent).toContain("plan-phase-3");
  });

  it("opens the current phase and collapses the others", async () => {
    await openDemo();
    expect(phaseButton(2).getAttribute("aria-expanded")).toBe("true");
    expect(phaseButton(1).getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByTestId("team-verbose-flag-phase-1")).toBeNull();
    const p2 = screen.getByTestId("team-verbose-flag-phase-2");
    expect(p2.textContent).toContain("under verbose-flag-orchestration");
    expect(within(p2).getByTestId("task-verbose-flag-phase-2-1").textContent).toContain("Wire flag into logger");
    expect(within(p2).getByTestId("task-verbose-flag-phase-2-2").textContent).toContain("unowned");
    expect(phaseButton(2).getAttribute("aria-controls")).toBe("phase-2-body");
  });

  it("points every phase button's aria-controls at its body, open or collapsed", async () => {
    await openDemo();
    for (const n of [1, 2]) {
      const button = phaseButton(n);
      const id = button.getAttribute("aria-controls");
      expect(id).toBe(`phase-${n}-body`);
      const body = document.getElementById(id ?? "");
      expect(body, `phase ${n} body`).not.toBeNull();
      expect(screen.getByTestId(`phase-${n}`).contains(body)).toBe(true);
      expect(body?.hidden).toBe(button.getAttribute("aria-expanded") !== "true");
    }
    // Collapsed: the body is there but empty (tasks are rendered only once opened).
    expect(document.getElementById("phase-1-body")?.childElementCount).toBe(0);
    await userEvent.click(phaseButton(1));
    const body = document.getElementById("phase-1-body");
    expect(body?.hidden).toBe(false);
    expect(within(body as HTMLElement).getByTestId("team-verbose-flag-phase-1")).toBeTruthy();
  });

  it("nests heading levels without skipping one", async () => {
    await openDemo();
    await userEvent.click(screen.getByRole("button", { name: "Expand all" }));
    const tree = screen.getByTestId("orchestration-tree");
    const levels = [...tree.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => Number(h.tagName.slice(1)));
    expect(levels[0]).toBe(1);
    levels.forEach((level, i) => {
      if (i > 0) expect(level - (levels[i - 1] ?? 0), `heading ${i} (${levels.join(",")})`).toBeLessThanOrEqual(1);
    });
    // The orchestrator's team sits under its h2; a phase's team under the phase's h3.
    const orchTeam = within(screen.getByTestId("orchestrator")).getByTestId("team-verbose-flag-orchestration");
    expect(within(orchTeam).getByRole("heading", { name: /Team: verbose-flag-orchestration/ }).tagName).toBe("H3");
    expect(within(orchTeam).getByRole("heading", { name: "Orchestrator tasks of no phase" }).tagName).toBe("H4");
    const phaseTeam = screen.getByTestId("team-verbose-flag-phase-1");
    expect(within(phaseTeam).getByRole("heading", { name: /Team: verbose-flag-phase-1/ }).tagName).toBe("H4");
  });

  it("toggles phases with the mouse and the keyboard", async () => {
    await openDemo();
    const user = userEvent.setup();
    await user.click(phaseButton(1));
    expect(phaseButton(1).getAttribute("aria-expanded")).toBe("true");
    const p1 = screen.getByTestId("team-verbose-flag-phase-1");
    expect(within(p1).getByTestId("task-verbose-flag-phase-1-1").textContent).toContain("Implement --verbose flag");
    expect(within(p1).getByTestId("member-verbose-flag-phase-1-implementer").textContent).toContain("owns #1 #3 #4");
    // Keyboard: focus the phase 2 button and press Enter, then Space.
    phaseButton(2).focus();
    await user.keyboard("{Enter}");
    expect(phaseButton(2).getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByTestId("team-verbose-flag-phase-2")).toBeNull();
    await user.keyboard(" ");
    expect(phaseButton(2).getAttribute("aria-expanded")).toBe("true");
  });

  it("expands and collapses everything", async () => {
    await openDemo();
    await userEvent.click(screen.getByRole("button", { name: "Expand all" }));
    expect(phaseButton(1).getAttribute("aria-expanded")).toBe("true");
    expect(screen.getAllByTestId(/^task-/)).toHaveLength(13);
    await userEvent.click(screen.getByRole("button", { name: "Collapse all" }));
    expect(phaseButton(2).getAttribute("aria-expanded")).toBe("false");
    // Only the orchestrator task of no phase stays visible.
    expect(screen.getAllByTestId(/^task-/).map((el) => el.dataset.taskId)).toEqual(["6"]);
  });

  it("shows unknown task statuses verbatim", async () => {
    await openDemo();
    await userEvent.click(phaseButton(1));
    const shim = screen.getByTestId("task-verbose-flag-phase-1-4");
    const badge = shim.querySelector(".badge");
    expect(badge?.textContent).toBe("deleted");
    expect(badge?.className).toContain("badge-other");
  });

  it("says not found for an unknown orchestration, with the server's message", async () => {
    mockFetch(() => ({
      status: 404,
      body: { error: "not_found", message: "orchestration not found: nope. list valid ones with `tina-session list`" },
    }));
    window.location.hash = "#/orchestrations/nope";
    render(<App />);
    expect(await screen.findByText("Orchestration not found")).toBeTruthy();
    expect(screen.getByText(/orchestration not found: nope/)).toBeTruthy();
    expect(screen.queryByText(/Could not load/)).toBeNull();
  });

  it("shows server errors as errors", async () => {
    mockFetch(() => ({ status: 500, body: { error: "store_error", message: "store error: boom" } }));
    window.location.hash = "#/orchestrations/x";
    render(<App />);
    expect(await screen.findByText("Could not load orchestration")).toBeTruthy();
    expect(screen.getByText("store error: boom")).toBeTruthy();
  });

  it("shows loading before the first answer", async () => {
    mockFetch(() => new Promise(() => {}));
    window.location.hash = "#/orchestrations/x";
    render(<App />);
    expect(screen.getByText(/Loading orchestration/)).toBeTruthy();
    expect(screen.queryByTestId("orchestration-tree")).toBeNull();
  });

  it("looks orchestrations up by exact feature name", async () => {
    const fetch = mockFetch((path) =>
      path === "/api/features/verbose-flag" ? { status: 200, body: demoDetail() } : { status: 404, body: {} },
    );
    window.location.hash = "#/features/verbose-flag";
    render(<App />);
    expect(await screen.findByTestId("orchestration-tree")).toBeTruthy();
    expect(fetch.mock.calls[0]?.[0]).toBe("/api/features/verbose-flag");
  });

  it("shows an unknown page as not found", async () => {
    mockFetch(() => ({ status: 200, body: [] }));
    window.location.hash = "#/no/such/page";
    render(<App />);
    expect(screen.getByText("Page not found")).toBeTruthy();
  });

  it("refetches on a live revision event and shows the change without a loading flash", async () => {
    let detail = demoDetail();
    const fetch = mockFetch(() => ({ status: 200, body: detail }));
    window.location.hash = "#/orchestrations/0195-orch";
    render(<App />);
    await screen.findByTestId("orchestration-tree");
    const source = MockEventSource.instances[0];
    expect(source?.url).toBe("/api/events");
    act(() => source?.open());
    expect(screen.getByText("Live")).toBeTruthy();

    detail = demoDetail();
    detail.phase_tasks["2"]?.push(task("team-p2", "verbose-flag-phase-2", 2, "11", "Late task", "in_progress", "implementer"));
    const calls = fetch.mock.calls.length;
    act(() => source?.emit("revision", JSON.stringify({ revision: 42 })));
    expect(screen.queryByText(/Loading orchestration/)).toBeNull();
    expect((await screen.findByTestId("task-verbose-flag-phase-2-11")).textContent).toContain("Late task");
    expect(fetch.mock.calls.length).toBe(calls + 1);

    act(() => source?.fail());
    expect(screen.getByText("Reconnecting…")).toBeTruthy();
  });

  it("keeps showing data when a live refresh fails", async () => {
    let ok = true;
    mockFetch(() => (ok ? { status: 200, body: demoDetail() } : { status: 503, body: { error: "store_unavailable", message: "store unavailable: x" } }));
    window.location.hash = "#/orchestrations/0195-orch";
    render(<App />);
    await screen.findByTestId("orchestration-tree");
    ok = false;
    act(() => MockEventSource.instances[0]?.emit("revision", JSON.stringify({ revision: 7 })));
    expect(await screen.findByText(/refreshing failed: store unavailable: x/)).toBeTruthy();
    expect(screen.getByTestId("orchestration-tree")).toBeTruthy();
  });
});
