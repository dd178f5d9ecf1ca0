// Live updates: one EventSource for the whole app, on /api/events, or on
// /api/events?orchestration=<id> while an orchestration's page is open (useLiveScope), so
// that page hears only about changes to its orchestration. The server sends a
// `revision` event on connect and whenever the store changes; views refetch on change, and
// once more after every reconnection (they may have missed a change, or failed to load,
// while the stream was down).
//
// EventSource retries by itself only after a network error (readyState CONNECTING). After
// any other failure (an HTTP error status, a wrong content type) it ends CLOSED and never
// retries, so then this module makes a new one, waiting RETRY_MIN_MS, doubling up to
// RETRY_MAX_MS, and starting again from RETRY_MIN_MS once a stream opens.
import { createContext, useContext, useEffect, useState, type Dispatch, type ReactNode, type SetStateAction } from "react";
import type { RevisionEvent } from "./generated/RevisionEvent";
import { paths } from "./api";

export const RETRY_MIN_MS = 1_000;
export const RETRY_MAX_MS = 30_000;

export type LiveState = {
  /** The latest store revision announced by the server; null before the first event. */
  revision: number | null;
  /** "connecting" until the stream opens, "live" while open, "offline" while retrying. */
  status: "connecting" | "live" | "offline" | "unsupported";
  /** How many times the stream came back after a drop: views refetch when it changes. */
  reconnections: number;
};

const LiveContext = createContext<LiveState>({ revision: null, status: "unsupported", reconnections: 0 });
const ScopeContext = createContext<Dispatch<SetStateAction<string | null>>>(() => {});

export function LiveProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<LiveState>({ revision: null, status: "connecting", reconnections: 0 });
  const [scope, setScope] = useState<string | null>(null);
  useEffect(() => {
    // A new stream (another scope) starts from "no revision yet": its numbers are another count.
    setState((s) => ({ ...s, revision: null }));
    if (typeof EventSource === "undefined") {
      setState({ revision: null, status: "unsupported", reconnections: 0 });
      return;
    }
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let retryDelay = RETRY_MIN_MS;
    // Set by an error, cleared by the next revision event (which then counts a reconnection
    // in the same state update, so a view refetches once, not twice).
    let dropped = false;
    let stopped = false;

    const connect = () => {
      const current = new EventSource(paths.events(scope));
      source = current;
      current.onopen = () => {
        retryDelay = RETRY_MIN_MS;
        setState((s) => ({ ...s, status: "live" }));
      };
      current.onerror = () => {
        dropped = true;
        setState((s) => ({ ...s, status: "offline" }));
        if (current.readyState !== EventSource.CLOSED || stopped) return;
        current.close();
        clearTimeout(retryTimer);
        retryTimer = setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
      };
      current.addEventListener("revision", (e) => {
        let data: RevisionEvent;
        try {
          data = JSON.parse((e as MessageEvent<string>).data) as RevisionEvent;
        } catch {
          // A malformed event is ignored; the next one carries the latest revision anyway.
          return;
        }
        if (typeof data.revision !== "number") return;
        const reconnected = dropped;
        dropped = false;
        setState((s) => ({
          revision: data.revision,
          status: "live",
          reconnections: reconnected ? s.reconnections + 1 : s.reconnections,
        }));
      });
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      source?.close();
    };
  }, [scope]);
  return (
    <ScopeContext.Provider value={setScope}>
      <LiveContext.Provider value={state}>{children}</LiveContext.Provider>
    </ScopeContext.Provider>
  );
}

/** While the calling view is shown, the stream carries only this orchestration's revisions. */
export function useLiveScope(orchestrationId: string | null) {
  const setScope = useContext(ScopeContext);
  useEffect(() => {
    setScope(orchestrationId);
    return () => setScope(null);
  }, [orchestrationId, setScope]);
}

export function useLive(): LiveState {
  return useContext(LiveContext);
}
