import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { listPage, listRow, orchestration } from "./fixtures";
import { installEventSource, mockFetch } from "./mocks";

beforeEach(() => {
  installEventSource();
  window.location.hash = "#/";
});

describe("orchestration list", () => {
  it("shows loading, not empty, while the first request is in flight", async () => {
    let answer: (v: { status: number; body: unknown }) => void = () => {};
    mockFetch(() => new Promise((resolve) => (answer = resolve)));
    render(<App />);
    const loading = screen.getByText(/Loading orchestrations/);
    expect(loading.getAttribute("aria-busy")).toBe("true");
    expect(screen.queryByText(/No orchestrations yet/)).toBeNull();
    await act(async () => answer({ status: 200, body: listPage([], { facets: {} }) }));
    expect(await screen.findByText(/No orchestrations yet/)).toBeTruthy();
  });

  it("shows why a row needs attention: blocked reason and for how long, stale", async () => {
    const stale = listRow({
      orchestration: orchestration({ id: "o2", feature_name: "search-reindex", status: "executing" }),
      attention: { blocked: null, stale: true, status_since: Date.now() - 170 * 60_000, last_activity: Date.now() - 47 * 60_000, waiting: 0, open: [] },
    });
    const blocked = listRow({
      attention: { blocked: { phase_number: 2, reason: "sandbox answers 503", since: Date.now() - 12 * 60_000 }, stale: false, status_since: Date.now() - 12 * 60_000, last_activity: Date.now() - 14 * 60_000, waiting: 0, open: [] },
    });
    mockFetch(() => ({ status: 200, body: listPage([blocked, stale]) }));
    render(<App />);
    const row = await screen.findByTestId("orch-row-payments-retry");
    expect(within(row).getByRole("link", { name: "payments-retry" }).getAttribute("href")).toBe("#/orchestrations/0195-orch");
    expect(within(row).getByTestId("blocked-note").textContent).toBe("Blocked 12 min on phase 2: sandbox answers 503");
    expect(row.textContent).toContain("3/5 team tasks");
    expect(row.textContent).toContain("1/2 orchestrator tasks");
    const s = screen.getByTestId("orch-row-search-reindex");
    expect(within(s).getByTestId("stale-note").textContent).toBe("Stale: no change for 47 min");
    // The title is set in an effect, which may run after the DOM it follows.
    await waitFor(() => expect(document.title).toBe("(1) Orchestrations · TINA"));
  });

  it("asks the server for the filter in the URL and pages there", async () => {
    const fetch = mockFetch(() => ({ status: 200, body: listPage([listRow()], { total: 120, facets: { all: 120, attention: 1 } }) }));
    window.location.hash = "#/?status=blocked&q=pay";
    render(<App />);
    await screen.findByTestId("orch-row-payments-retry");
    expect(fetch.mock.calls[0]?.[0]).toBe("/api/orchestrations?status=blocked&feature=pay");
    expect(screen.getByTestId("pager-range").textContent).toBe("1–50 of 120");
    await userEvent.click(screen.getByRole("button", { name: "Older →" }));
    await vi.waitFor(() => expect(fetch.mock.calls.at(-1)?.[0]).toBe("/api/orchestrations?status=blocked&feature=pay&page=2"));
    expect(window.location.hash).toBe("#/?status=blocked&q=pay&page=2");
  });

  it("shows an error with a working retry", async () => {
    let fail = true;
    mockFetch(() => (fail ? { status: 500, body: { error: "store_error", message: "store error: disk I/O error" } } : { status: 200, body: listPage() }));
    render(<App />);
    expect(await screen.findByText("Could not load orchestrations")).toBeTruthy();
    fail = false;
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("orch-row-payments-retry")).toBeTruthy();
  });
});
