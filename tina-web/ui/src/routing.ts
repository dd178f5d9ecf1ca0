// Hash routing: one URL per view, with the view's filters in the URL (so a link or a reload
// shows the same thing). No server-side routes needed.
//   #/?status=attention&q=auth&page=2          the orchestration list
//   #/orchestrations/<id>?q=&status=&owner=&hide=done&task=<team id>/<task id>
//   #/features/<feature name>?...              one orchestration, by exact feature name
import { useCallback, useEffect, useState } from "react";

export type Route =
  | { page: "list"; params: URLSearchParams }
  | { page: "detail"; by: "id" | "feature"; key: string; params: URLSearchParams }
  | { page: "unknown"; hash: string };

export function parseHash(hash: string): Route {
  const full = hash.replace(/^#/, "");
  const qAt = full.indexOf("?");
  const path = qAt === -1 ? full : full.slice(0, qAt);
  const params = new URLSearchParams(qAt === -1 ? "" : full.slice(qAt + 1));
  if (path === "" || path === "/") return { page: "list", params };
  const m = /^\/(orchestrations|features)\/([^/]+)\/?$/.exec(path);
  if (m && m[1] && m[2]) {
    let key: string;
    try {
      key = decodeURIComponent(m[2]);
    } catch {
      return { page: "unknown", hash };
    }
    return { page: "detail", by: m[1] === "features" ? "feature" : "id", key, params };
  }
  return { page: "unknown", hash };
}

function withParams(base: string, params?: URLSearchParams | Record<string, string | undefined>): string {
  const q = params instanceof URLSearchParams ? new URLSearchParams(params) : new URLSearchParams();
  if (params && !(params instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  }
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

export const hrefs = {
  list: (params?: Record<string, string | undefined>) => withParams("#/", params),
  orchestration: (id: string, params?: Record<string, string | undefined>) =>
    withParams(`#/orchestrations/${encodeURIComponent(id)}`, params),
  feature: (name: string) => `#/features/${encodeURIComponent(name)}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/**
 * The current route's query parameters and a setter that rewrites them in the URL
 * (replacing the history entry, so typing in a search box does not flood Back).
 */
export function useParams(): [URLSearchParams, (changes: Record<string, string | null>) => void] {
  const route = useRoute();
  const params = route.page === "unknown" ? new URLSearchParams() : route.params;
  const set = useCallback((changes: Record<string, string | null>) => {
    const full = window.location.hash.replace(/^#/, "");
    const qAt = full.indexOf("?");
    const path = qAt === -1 ? full : full.slice(0, qAt);
    const next = new URLSearchParams(qAt === -1 ? "" : full.slice(qAt + 1));
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    const s = next.toString();
    const hash = `#${path || "/"}${s ? `?${s}` : ""}`;
    window.history.replaceState(null, "", hash);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  }, []);
  return [params, set];
}
