// Fetching from the tina-web JSON API. Every outcome is a value, never a throw:
// callers render loading, not-found and error states from it.
import type { ApiErrorBody } from "./generated/ApiErrorBody";

export type ApiResult<T> =
  | { kind: "ok"; data: T }
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
  if (resp.ok) return { kind: "ok", data: body as T };
  const message = isErrorBody(body) ? body.message : `HTTP ${resp.status}`;
  if (resp.status === 404) return { kind: "not_found", message };
  return { kind: "error", status: resp.status, message };
}

export const paths = {
  list: () => "/api/orchestrations",
  detail: (id: string) => `/api/orchestrations/${encodeURIComponent(id)}`,
  byFeature: (feature: string) => `/api/features/${encodeURIComponent(feature)}`,
  events: () => "/api/events",
};
