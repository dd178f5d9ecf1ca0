// Loads one API resource and reloads it whenever the store revision changes or the live
// stream comes back after a drop (see live.tsx). Data already
// shown stays on screen during a reload (a failed reload is reported next to it), so live
// updates never flash a loading state, and the first load never renders as empty.
import { useCallback, useEffect, useRef, useState } from "react";
import { getJson } from "./api";
import { useLive } from "./live";

export type Resource<T> =
  | { state: "loading" }
  | { state: "ok"; data: T; refreshError?: string }
  | { state: "not_found"; message: string }
  | { state: "error"; message: string };

export function useResource<T>(path: string): { resource: Resource<T>; retry: () => void } {
  const { revision, reconnections } = useLive();
  const [resource, setResource] = useState<Resource<T>>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  const shownPath = useRef<string | null>(null);

  useEffect(() => {
    // A different resource starts from "loading", never from another one's data.
    if (shownPath.current !== path) {
      shownPath.current = path;
      setResource({ state: "loading" });
    }
    const controller = new AbortController();
    getJson<T>(path, controller.signal).then(
      (result) => {
        if (controller.signal.aborted) return;
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
    return () => controller.abort();
  }, [path, revision, reconnections, attempt]);

  const retry = useCallback(() => {
    setResource({ state: "loading" });
    setAttempt((n) => n + 1);
  }, []);
  return { resource, retry };
}
