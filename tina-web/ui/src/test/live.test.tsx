import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { LiveProvider, RETRY_MAX_MS, RETRY_MIN_MS, useLive } from "../live";
import { dashboard, ORCH_ID, row } from "./fixtures";
import { installEventSource, MockEventSource, mockFetch } from "./mocks";

beforeEach(() => {
  installEventSource();
  // Real time still passes (Testing Library's waits work); the retry delays are advanced by hand.
  vi.useFakeTimers({ shouldAdvanceTime: true });
});

afterEach(() => {
  vi.useRealTimers();
});

function Probe() {
  const { status, revision, reconnections } = useLive();
  return <p data-testid="probe">{`${status} ${revision} ${reconnections}`}</p>;
}

function source(i: number): MockEventSource {
  const s = MockEventSource.instances[i];
  if (!s) throw new Error(`no EventSource #${i} (${MockEventSource.instances.length} made)`);
  return s;
}

const probe = () => screen.getByTestId("probe").textContent;
const revision = (s: MockEventSource, n: number) => act(() => s.emit("revision", JSON.stringify({ revision: n })));

describe("live updates", () => {
  it("makes a new EventSource, with backoff, after the old one closed for good", () => {
    render(
      <LiveProvider>
        <Probe />
      </LiveProvider>,
    );
    act(() => source(0).open());
    revision(source(0), 3);
    expect(probe()).toBe("live 3 0");

    act(() => source(0).failClosed());
    expect(probe()).toBe("offline 3 0");
    expect(source(0).closed).toBe(true);
    act(() => vi.advanceTimersByTime(RETRY_MIN_MS - 1));
    expect(MockEventSource.instances).toHaveLength(1);
    act(() => vi.advanceTimersByTime(1));
    expect(MockEventSource.instances).toHaveLength(2);
    expect(source(1).url).toBe("/api/events");

    // It fails again before opening: the next wait is twice as long.
    act(() => source(1).failClosed());
    act(() => vi.advanceTimersByTime(2 * RETRY_MIN_MS - 1));
    expect(MockEventSource.instances).toHaveLength(2);
    act(() => vi.advanceTimersByTime(1));
    expect(MockEventSource.instances).toHaveLength(3);

    // Back, at the same revision: still counted as a reconnection (views refetch).
    act(() => source(2).open());
    revision(source(2), 3);
    expect(probe()).toBe("live 3 1");

    // Opening reset the backoff.
    act(() => source(2).failClosed());
    act(() => vi.advanceTimersByTime(RETRY_MIN_MS));
    expect(MockEventSource.instances).toHaveLength(4);
  });

  it("caps the backoff", () => {
    render(
      <LiveProvider>
        <Probe />
      </LiveProvider>,
    );
    for (let i = 0; i < 10; i++) {
      act(() => source(i).failClosed());
      act(() => vi.advanceTimersByTime(RETRY_MAX_MS));
      expect(MockEventSource.instances).toHaveLength(i + 2);
    }
  });

  it("leaves a network error to the browser's own retry", () => {
    render(
      <LiveProvider>
        <Probe />
      </LiveProvider>,
    );
    act(() => source(0).open());
    revision(source(0), 5);
    act(() => source(0).fail());
    expect(probe()).toBe("offline 5 0");
    act(() => vi.advanceTimersByTime(10 * RETRY_MAX_MS));
    expect(MockEventSource.instances).toHaveLength(1);
    expect(source(0).closed).toBe(false);
    // The browser reconnected the same source.
    act(() => source(0).open());
    revision(source(0), 5);
    expect(probe()).toBe("live 5 1");
  });

  it("stops retrying when unmounted", () => {
    const { unmount } = render(
      <LiveProvider>
        <Probe />
      </LiveProvider>,
    );
    act(() => source(0).failClosed());
    unmount();
    act(() => vi.advanceTimersByTime(10 * RETRY_MAX_MS));
    expect(MockEventSource.instances).toHaveLength(1);
  });

  it("refetches the page once reconnected, even at the same revision", async () => {
    let detail = dashboard();
    const fetch = mockFetch(() => ({ status: 200, body: detail, headers: { "X-Tina-Revision": "7" } }));
    window.location.hash = `#/orchestrations/${ORCH_ID}`;
    render(<App />);
    await screen.findByTestId("orchestration-tree");
    // The page listens to its own orchestration's stream.
    const first = MockEventSource.instances.length - 1;
    expect(source(first).url).toBe(`/api/events?orchestration=${ORCH_ID}`);
    act(() => source(first).open());
    // The first event announces the revision already shown: no second fetch.
    revision(source(first), 7);
    await new Promise((r) => setTimeout(r, 20));
    expect(fetch.mock.calls.length).toBe(1);

    // The server answered an error (e.g. restarting): the stream is closed for good.
    act(() => source(first).failClosed());
    expect(screen.getByText("Reconnecting…")).toBeTruthy();
    // Meanwhile a change lands whose revision event this page never sees.
    detail = dashboard();
    detail.tasks.push(row("team-p2", "11", "Late task", "in_progress", "implementer"));
    act(() => vi.advanceTimersByTime(RETRY_MIN_MS));
    act(() => source(first + 1).open());
    revision(source(first + 1), 7);
    expect(screen.getByText("Live")).toBeTruthy();
    expect((await screen.findByTestId("task-payments-retry-phase-2-11")).textContent).toContain("Late task");
    expect(fetch.mock.calls.length).toBe(2);
  });
});
