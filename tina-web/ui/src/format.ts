// Small display helpers.

/** "just now", "5 min ago", "3 h ago", "2 d ago" for a past time in ms since the epoch. */
export function formatAge(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - thenMs) / 1000));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(s / 3600);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString();
}

/** Completed tasks over all tasks, from counts by status. */
export function progress(counts: { [status in string]?: number }, total: number) {
  const completed = counts["completed"] ?? 0;
  return { completed, total, percent: total === 0 ? 0 : Math.round((completed / total) * 100) };
}
