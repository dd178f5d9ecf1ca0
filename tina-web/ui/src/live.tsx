// Live updates: one EventSource on /api/events for the whole app. The server sends a
// `revision` event on connect and whenever the store changes; views refetch on change.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import type { RevisionEvent } from "./generated/RevisionEvent";
import { paths } from "./api";

export type LiveState = {
  /** The latest store revision announced by the server; null before the first event. */
  revision: number | null;
  /** "connecting" until the stream opens, "live" while open, "offline" while retrying. */
  status: "connecting" | "live" | "offline" | "unsupported";
};

const LiveContext = createContext<LiveState>({ revision: null, status: "unsupported" });

export function LiveProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<LiveState>({ revision: null, status: "connecting" });
  useEffect(() => {
    if (typeof EventSource === "undefined") {
      setState({ revision: null, status: "unsupported" });
      return;
    }
    const source = new EventSource(paths.events());
    source.onopen = () => setState((s) => ({ ...s, status: "live" }));
    // EventSource reconnects by itself; the first event after reconnecting refetches.
    source.onerror = () => setState((s) => ({ ...s, status: "offline" }));
    source.addEventListener("revision", (e) => {
      try {
        const data = JSON.parse((e as MessageEvent<string>).data) as RevisionEvent;
        if (typeof data.revision === "number") {
          setState({ revision: data.revision, status: "live" });
        }
      } catch {
        // A malformed event is ignored; the next one carries the latest revision anyway.
      }
    });
    return () => source.close();
  }, []);
  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveState {
  return useContext(LiveContext);
}
