// Waiting on a person, spend and budgets on the list and the detail page: badges in words,
// the count in the list header, agent text shown as text, budget bars with their state said,
// and the badges gone once a live refetch no longer carries the wait.
import { act, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import type { DashboardDetail } from "../generated/DashboardDetail";
import { dashboard, listPage, listRow, ORCH_ID, orchestration, spend, waitingItem } from "./fixtures";
import { installEventSource, MockEventSource, mockFetch } from "./mocks";

beforeEach(() => {
  installEventSource();
});

function waitingDetail(): DashboardDetail {
  const d = dashboard();
  d.attention = { ...d.attention, waiting: 1, open: [waitingItem()] };
  return d;
}

describe("waiting on a person and spend, in the list", () => {
  it("badges the row, counts waiting orchestrations in the header and shows spend and budget", async () => {
    window.location.hash = "#/";
    const waiting = listRow({
      orchestration: orchestration({ id: "o-w", feature_name: "asks-first", status: "executing" }),
      attention: { blocked: null, stale: false, status_since: Date.now(), last_activity: Date.now(), waiting: 1, open: [waitingItem()] },
      spend: spend(1_250_000, 2),
      budgets: [{ phase_number: null, budget_micros: 1_500_000, spent_micros: 1_250_000, budget_usd: 1.5, spent_usd: 1.25, percent: 83, state: "warning" }],
    });
    const quiet = listRow({
      orchestration: orchestration({ id: "o-q", feature_name: "quiet-one", status: "executing" }),
      attention: { blocked: null, stale: false, status_since: Date.now(), last_activity: Date.now(), waiting: 0, open: [] },
      spend: { ...spend(0), messages: 0 },
      budgets: [],
    });
    mockFetch(() => ({ status: 200, body: listPage([waiting, quiet], { facets: { all: 2, attention: 1, waiting: 1, active: 2 } }) }));
    render(<App />);
    const row = await screen.findByTestId("orch-row-asks-first");
    expect(within(row).getByTestId("waiting-badge").textContent).toBe("⚑ Waiting on you");
    const count = screen.getByTestId("waiting-count");
    expect(count.textContent).toBe("⚑ 1 orchestration is waiting on you");
    expect(count.getAttribute("href")).toBe("#/?status=waiting");
    expect(screen.getByTestId("facet-waiting").textContent).toBe("1");
    // The agent's words are text, never markup.
    const item = within(row).getByTestId("open-waiting");
    expect(item.textContent).toContain("Claude needs your permission to use <b>Bash</b>");
    expect(item.querySelector("b")).toBeNull();
    expect(item.textContent).toMatch(/^Waiting on you \(permission prompt\) for 7 min: tester of team payments-retry-phase-2 is waiting/);
    // Spend, unpriced messages called out, the budget bar with its state in words.
    expect(within(row).getByTestId("spend").textContent).toMatch(/^\$1\.25 · 6\.5k tokens · ⚠ 2 messages of an unpriced model \(cost unknown\)$/);
    const meter = within(row).getByRole("meter", { name: "Budget" });
    expect(meter.getAttribute("aria-valuetext")).toBe("$1.25 of $1.50, over 80 % of budget");
    expect(within(row).getByTestId("budget-all").textContent).toBe("Budget: $1.25 of $1.50 (83 %) ⚠ over 80 % of budget");
    const other = screen.getByTestId("orch-row-quiet-one");
    expect(within(other).queryByTestId("waiting-badge")).toBeNull();
    expect(within(other).queryByTestId("spend")).toBeNull();
  });

  it("says nothing about waiting when nobody waits", async () => {
    window.location.hash = "#/";
    mockFetch(() => ({ status: 200, body: listPage() }));
    render(<App />);
    await screen.findByTestId("orch-row-payments-retry");
    expect(screen.queryByTestId("waiting-count")).toBeNull();
    expect(screen.queryByTestId("waiting-badge")).toBeNull();
  });
});

describe("waiting on a person and spend, on the detail page", () => {
  function serve(bodies: DashboardDetail[]) {
    let i = 0;
    return mockFetch((path) => {
      if (path === `/api/orchestrations/${ORCH_ID}/dashboard`) {
        const body = bodies[Math.min(i, bodies.length - 1)]!;
        const revision = 40 + Math.min(i, bodies.length - 1);
        i += 1;
        return { status: 200, body, headers: { "X-Tina-Revision": String(revision) } };
      }
      return { status: 404, body: { error: "not_found", message: "no" } };
    });
  }

  it("badges the orchestration, the phase and the member, and lists the wait with its message", async () => {
    serve([waitingDetail()]);
    window.location.hash = `#/orchestrations/${ORCH_ID}`;
    render(<App />);
    await screen.findByTestId("orchestration-tree");
    expect(within(screen.getByRole("heading", { level: 1 })).getByTestId("waiting-badge").textContent).toBe("⚑ Waiting on you");
    const banner = screen.getByTestId("open-banner");
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.textContent).toContain("for 7 min: tester of team payments-retry-phase-2 is waiting on a person");
    expect(within(banner).getByRole("button", { name: "Go to phase 2" })).toBeTruthy();
    expect(screen.getByTestId("phase-2-waiting").textContent).toBe("⚑ Waiting on you");
    expect(screen.queryByTestId("phase-1-waiting")).toBeNull();
    const tester = screen.getByTestId("member-payments-retry-phase-2-tester");
    expect(within(tester).getByTestId("member-waiting").textContent).toBe("⚑ Waiting on you");
    expect(within(tester).getByTestId("member-spend").textContent).toBe("$1.00");
    const implementer = screen.getByTestId("member-payments-retry-phase-2-implementer");
    expect(within(implementer).queryByTestId("member-waiting")).toBeNull();
    // The title is set in an effect, which may run after the DOM it follows.
    await waitFor(() => expect(document.title).toBe("⛔ payments-retry · Blocked · TINA"));
  });

  it("shows spend per team and member and each budget against 80 % and 100 %", async () => {
    serve([waitingDetail()]);
    window.location.hash = `#/orchestrations/${ORCH_ID}`;
    render(<App />);
    const card = await screen.findByTestId("spend-card");
    expect(within(card).getAllByTestId("spend")[0]!.textContent).toMatch(/^\$2\.75 · 6\.5k tokens \(1\.0k in, 200 out, 5\.3k cache\) · ⚠ 1 message of an unpriced model/);
    expect(within(card).getByTestId("budget-all").textContent).toBe("Budget: $2.75 of $5.00 (55 %)");
    expect(within(card).getByTestId("budget-2").textContent).toBe("Phase 2 budget: $2.25 of $2.50 (90 %) ⚠ over 80 % of budget");
    const team = within(card).getByTestId("team-spend-payments-retry-phase-2");
    expect(team.querySelectorAll("td")[0]!.textContent).toBe("2");
    expect(team.textContent).toContain("$2.25");
    expect(screen.getByTestId("phase-2-spend").textContent).toBe("$2.25 + unpriced");
  });

  it("an exceeded budget says so in words, not only in red", async () => {
    const d = dashboard();
    d.spend.budgets = [{ phase_number: 2, budget_micros: 2_000_000, spent_micros: 2_250_000, budget_usd: 2, spent_usd: 2.25, percent: 112, state: "exceeded" }];
    serve([d]);
    window.location.hash = `#/orchestrations/${ORCH_ID}`;
    render(<App />);
    const bar = await screen.findAllByRole("meter", { name: "Phase 2 budget" });
    expect(bar[0]!.getAttribute("aria-valuetext")).toBe("$2.25 of $2.00, budget exceeded");
    expect(screen.getAllByTestId("budget-2")[0]!.textContent).toContain("⛔ budget exceeded");
  });

  it("drops the badges when a live refetch no longer carries the wait", async () => {
    const fetch = serve([waitingDetail(), dashboard()]);
    window.location.hash = `#/orchestrations/${ORCH_ID}`;
    render(<App />);
    await screen.findByTestId("orchestration-tree");
    expect(screen.getAllByText("Waiting on you", { exact: false }).length).toBeGreaterThan(0);
    const source = MockEventSource.instances.at(-1)!;
    act(() => source.open());
    act(() => source.emit("revision", JSON.stringify({ revision: 41 })));
    await vi.waitFor(() => expect(fetch.mock.calls.filter((c) => String(c[0]).endsWith("/dashboard")).length).toBe(2));
    await vi.waitFor(() => expect(screen.queryByTestId("waiting-badge")).toBeNull());
    expect(screen.queryByTestId("open-banner")).toBeNull();
    expect(screen.queryByTestId("member-waiting")).toBeNull();
    expect(screen.queryByTestId("phase-2-waiting")).toBeNull();
  });
});
