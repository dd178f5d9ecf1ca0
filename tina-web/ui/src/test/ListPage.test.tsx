import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import { demoSummary } from "./fixtures";
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
    await act(async () => answer({ status: 200, body: [] }));
    expect(await screen.findByText(/No orchestrations yet/)).toBeTruthy();
    expect(screen.queryByText(/Loading orchestrations/)).toBeNull();
  });

  it("shows status, current phase, progress and age per orchestration", async () => {
    mockFetch(() => ({ status: 200, body: [demoSummary()] }));
    render(<App />);
    const row = await screen.findByTestId("orch-row-verbose-flag");
    const link = within(row).getByRole("link", { name: "verbose-flag" });
    expect(link.getAttribute("href")).toBe("#/orchestrations/0195-orch");
    expect(within(row).getByText("executing")).toBeTruthy();
    expect(row.textContent).toContain("2 / 2");
    expect(row.textContent).toContain("7 / 13 tasks");
    expect(row.textContent).toContain("5 min ago");
  });

  it("shows an error with a working retry", async () => {
    let fail = true;
    const fetch = mockFetch(() =>
      fail
        ? { status: 500, body: { error: "store_error", message: "store error: disk I/O error" } }
        : { status: 200, body: [demoSummary()] },
    );
    render(<App />);
    expect(await screen.findByText("Could not load orchestrations")).toBeTruthy();
    expect(screen.getByText(/disk I\/O error/)).toBeTruthy();
    fail = false;
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("orch-row-verbose-flag")).toBeTruthy();
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("reports an unreachable server as an error, not as empty", async () => {
    const fn = async () => {
      throw new TypeError("Failed to fetch");
    };
    const { vi } = await import("vitest");
    vi.stubGlobal("fetch", fn);
    render(<App />);
    expect(await screen.findByText(/Cannot reach the tina-web server/)).toBeTruthy();
    expect(screen.queryByText(/No orchestrations yet/)).toBeNull();
  });
});
