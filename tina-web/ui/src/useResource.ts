// Loads one API resource and reloads it when the live revision moves past the revision of
// the data shown (the X-Tina-Revision header), or when the live stream comes back after a
// drop (see live.tsx). The first live event, which announces the revision the page loaded
// at, therefore costs no second fetch. Data already shown stays on screen during a reload
// (a failed reload is reported next to it), so live updates never flash a loading state,
// and the first load never renders as empty.
import { useCallback, useEffect, useRef, useState } from "react";
import { getJson } from "./api";
import { useLive } from "./live";

export type Resource<T> =
  | { state: "loading" }
  | { state: "ok"; data: T; refreshError?: string }
  | { state: "not_found"; message: string }
  | { state: "error"; message: string };

export function useResource<T>(path: string | null): { resource: Resource<T>; retry: () => void } {
  const { revision, reconnections } = useLive();
  const [resource, setResource] = useState<Resource<T>>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  // Bumped to ask for a reload when the data shown is older than the live revision.
  const [stale, setStale] = useState(0);
  const shownPath = useRef<string | null>(null);
  const dataRevision = useRef<number | null>(null);
  const latest = useRef<number | null>(revision);
  const inFlight = useRef(false);
  latest.current = revision;

  useEffect(() => {
    if (path === null) return;
    // A different resource starts from "loading", never from another one's data.
    if (shownPath.current !== path) {
      shownPath.current = path;
      dataRevision.current = null;
      setResource({ state: "loading" });
    }
    const controller = new AbortController();
    inFlight.current = true;
    getJson<T>(path, controller.signal).then(
      (result) => {
        if (controller.signal.aborted) return;
        inFlight.current = false;
        if (result.kind === "ok") {
          dataRevision.current = result.revision;
          // A change landed while this request was under way: fetch once more.
          if (result.revision !== null && latest.current !== null && latest.current > result.revision) {
            setStale((n) => n + 1);
          }
        }
        setResource((prev) => {
          if (result.kind === "ok") return { state: "ok", data: result.data };
          if (result.kind === "not_found") return { state: "not_found", message: result.message };
          if (prev.state === "ok") return { ...prev, refreshError: result.message };
          return { state: "error", message: result.message };
        });
      },
      () => {
        // Aborted: a newer request for this view is under way.
      },
    );
    return () => {
      inFlight.current = false;
      controller.abort();
    };
  }, [path, reconnections, attempt, stale]);

  // A live event: reload unless the data shown is already at least that new (or a request
  // is under way, which checks again when it completes).
  useEffect(() => {
    if (revision === null || inFlight.current) return;
    if (dataRevision.current !== null && revision <= dataRevision.current) return;
    setStale((n) => n + 1);
  }, [revision]);

  const retry = useCallback(() => {
    setResource({ state: "loading" });
    setAttempt((n) => n + 1);
  }, []);
  return { resource, retry };
}
