// Fetching from the tina-web JSON API. Every outcome is a value, never a throw:
// callers render loading, not-found and error states from it.
import type { ApiErrorBody } from "./generated/ApiErrorBody";

export type ApiResult<T> =
  | { kind: "ok"; data: T; /** The revision the data is at (X-Tina-Revision), if the server said. */ revision: number | null }
  | { kind: "not_found"; message: string }
  | { kind: "error"; message: string; status?: number };

function isErrorBody(v: unknown): v is ApiErrorBody {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as ApiErrorBody).error === "string" &&
    typeof (v as ApiErrorBody).message === "string"
  );
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<ApiResult<T>> {
  let resp: Response;
  try {
    resp = await fetch(path, { signal, headers: { Accept: "application/json" } });
  } catch (e) {
    if (signal?.aborted) throw e;
    return { kind: "error", message: `Cannot reach the tina-web server (${String(e)}).` };
  }
  let body: unknown;
  try {
    body = await resp.json();
  } catch {
    if (signal?.aborted) throw new DOMException("aborted", "AbortError");
    return {
      kind: "error",
      status: resp.status,
      message: `The server answered ${resp.status} ${resp.statusText} without a JSON body.`,
    };
  }
  if (resp.ok) {
    const header = resp.headers.get("X-Tina-Revision");
    const revision = header !== null && /^\d+$/.test(header) ? Number(header) : null;
    return { kind: "ok", data: body as T, revision };
  }
  const message = isErrorBody(body) ? body.message : `HTTP ${resp.status}`;
  if (resp.status === 404) return { kind: "not_found", message };
  return { kind: "error", status: resp.status, message };
}

export type ListParams = { status?: string; feature?: string; page?: number };

const enc = encodeURIComponent;

export const paths = {
  list: (p: ListParams = {}) => {
    const q = new URLSearchParams();
    if (p.status) q.set("status", p.status);
    if (p.feature) q.set("feature", p.feature);
    if (p.page && p.page > 1) q.set("page", String(p.page));
    const s = q.toString();
    return s ? `/api/orchestrations?${s}` : "/api/orchestrations";
  },
  dashboard: (id: string) => `/api/orchestrations/${enc(id)}/dashboard`,
  dashboardByFeature: (feature: string) => `/api/features/${enc(feature)}/dashboard`,
  task: (id: string, team: string, task: string) => `/api/orchestrations/${enc(id)}/teams/${enc(team)}/tasks/${enc(task)}`,
  events: (orchestration?: string | null) =>
    orchestration ? `/api/events?orchestration=${enc(orchestration)}` : "/api/events",
};
