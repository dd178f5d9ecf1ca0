import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { dashboard, ORCH_ID } from "./fixtures";
import { installEventSource, MockEventSource, mockFetch } from "./mocks";

beforeEach(() => {
  installEventSource();
});

function serve(body = dashboard(), revision = 40) {
  return mockFetch((path) => {
    if (path === `/api/orchestrations/${ORCH_ID}/dashboard`) return { status: 200, body, headers: { "X-Tina-Revision": String(revision) } };
    if (path.startsWith(`/api/orchestrations/${ORCH_ID}/teams/team-p2/tasks/4`))
      return {
        status: 200,
        body: {
          task: { ...body.tasks[6], orchestration_id: ORCH_ID, team_name: "payments-retry-phase-2", description: "Show retries per minute.", metadata: {}, sequence: 1 },
          events: [
            { orchestration_id: ORCH_ID, team_id: "team-p2", phase_number: 2, task_id: "4", subject: "Retry metrics", description: "", status: "pending", owner: "implementer", blocked_by: ["1", "2"], metadata: {}, recorded_at: Date.now() - 600_000, sequence: 1 },
          ],
        },
      };
    return { status: 404, body: { error: "not_found", message: "no" } };
  });
}

async function open(hash = `#/orchestrations/${ORCH_ID}`) {
  window.location.hash = hash;
  render(<App />);
  await screen.findByTestId("orchestration-tree");
}

describe("orchestration detail", () => {
  it("leads with the block: why, how long, and a way to the phase", async () => {
    serve();
    await open();
    const banner = screen.getByTestId("blocked-banner");
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.textContent).toMatch(/^Blocked for \d+ min on phase 2: Integration tests fail: sandbox answers 503/);
    // The title is set in an effect, which may run after the DOM it follows.
    await waitFor(() => expect(document.title).toBe("⛔ payments-retry · Blocked · TINA"));
    await userEvent.click(within(banner).getByRole("button", { name: "Go to phase 2" }));
    expect(within(screen.getByTestId("phase-2")).getByRole("button", { expanded: true })).toBeTruthy();
  });

  it("opens every phase that is not complete and says how long each took", async () => {
    serve();
    await open();
    const toggle = (n: number) => within(screen.getByTestId(`phase-${n}`)).getAllByRole("button")[0]!;
    expect(toggle(1).getAttribute("aria-expanded")).toBe("false");
    expect(toggle(2).getAttribute("aria-expanded")).toBe("true");
    expect(toggle(3).getAttribute("aria-expanded")).toBe("true");
    expect(toggle(1).textContent).toContain("took 1 h 1 min");
    expect(screen.getByRole("img", { name: /Phase 2 team tasks: 2 done, 1 in progress, 1 to do/ })).toBeTruthy();
  });

  it("shows blockers only while unfinished, links them, and mutes finished ones", async () => {
    serve();
    await open();
    const t4 = screen.getByTestId("task-payments-retry-phase-2-4");
    expect(within(t4).getByTestId("open-blockers").textContent).toBe("waiting on #2");
    expect(within(t4).getByTestId("finished-blockers").textContent).toContain("#1 (done)");
    const t3 = screen.getByTestId("task-payments-retry-phase-2-3");
    expect(within(t3).queryByTestId("open-blockers")).toBeNull();
    await userEvent.click(within(t4).getByRole("button", { name: "#2" }));
    expect(window.location.hash).toBe(`#/orchestrations/${ORCH_ID}?task=team-p2%2F2`);
  });

  it("shows each member's current task and activeForm on its chip", async () => {
    serve();
    await open();
    const chip = screen.getByTestId("member-payments-retry-phase-2-tester");
    expect(chip.textContent).toContain("on #2 · Running the integration suite");
    expect(screen.getByTestId("member-payments-retry-phase-2-team-lead").textContent).toContain("no tasks");
  });

  it("hides done tasks and filters by text, keeping the filter in the URL", async () => {
    serve();
    await open();
    await userEvent.click(screen.getByRole("checkbox", { name: "Hide done" }));
    expect(window.location.hash).toContain("hide=done");
    expect(screen.queryByTestId("task-payments-retry-phase-2-1")).toBeNull();
    expect(screen.getByTestId("shown-count").textContent).toBe("3 of 7 tasks");
    await userEvent.type(screen.getByRole("searchbox", { name: /Find tasks/ }), "metrics");
    await vi.waitFor(() => expect(screen.getByTestId("shown-count").textContent).toBe("1 of 7 tasks"));
    expect(window.location.hash).toContain("q=metrics");
  });

  it("opens a task's detail with its description and history", async () => {
    serve();
    await open();
    await userEvent.click(screen.getByRole("button", { name: /Task #4 of payments-retry-phase-2/ }));
    const panel = await screen.findByTestId("task-panel");
    expect((await within(panel).findByTestId("task-description")).textContent).toBe("Show retries per minute.");
    expect(within(panel).getByTestId("task-history").textContent).toContain("To do");
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByTestId("task-panel")).toBeNull();
  });

  it("listens to its own orchestration's stream and does not refetch what it already shows", async () => {
    const fetch = serve();
    await open();
    const source = MockEventSource.instances.at(-1)!;
    expect(source.url).toBe(`/api/events?orchestration=${ORCH_ID}`);
    act(() => source.open());
    act(() => source.emit("revision", JSON.stringify({ revision: 40 })));
    await new Promise((r) => setTimeout(r, 20));
    expect(fetch.mock.calls.filter((c) => String(c[0]).endsWith("/dashboard")).length).toBe(1);
    act(() => source.emit("revision", JSON.stringify({ revision: 41 })));
    await vi.waitFor(() => expect(fetch.mock.calls.filter((c) => String(c[0]).endsWith("/dashboard")).length).toBe(2));
  });
});
