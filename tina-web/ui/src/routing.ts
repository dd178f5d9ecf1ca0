// Hash routing: one URL per orchestration, no server-side routes needed.
//   #/                          the orchestration list
//   #/orchestrations/<id>       one orchestration, by id
//   #/features/<feature name>   one orchestration, by exact feature name
import { useEffect, useState } from "react";

export type Route =
  | { page: "list" }
  | { page: "detail"; by: "id" | "feature"; key: string }
  | { page: "unknown"; hash: string };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "");
  if (path === "" || path === "/") return { page: "list" };
  const m = /^\/(orchestrations|features)\/([^/]+)\/?$/.exec(path);
  if (m && m[1] && m[2]) {
    let key: string;
    try {
      key = decodeURIComponent(m[2]);
    } catch {
      return { page: "unknown", hash };
    }
    return { page: "detail", by: m[1] === "features" ? "feature" : "id", key };
  }
  return { page: "unknown", hash };
}

export const hrefs = {
  list: () => "#/",
  orchestration: (id: string) => `#/orchestrations/${encodeURIComponent(id)}`,
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
