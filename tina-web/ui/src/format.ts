// Display helpers: human labels for statuses, ages, durations, progress.

/** "just now", "5 min ago", "3 h ago", "2 d ago" for a past time in ms since the epoch. */
export function formatAge(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - thenMs) / 1000));
  if (s < 45) return "just now";
  return `${formatDuration(s * 1000)} ago`;
}

/** "40 s", "12 min", "2 h 5 min", "3 d 4 h": two units at most. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString();
}

const LABELS: Record<string, string> = {
  pending: "To do",
  in_progress: "In progress",
  completed: "Done",
  planning: "Planning",
  executing: "Executing",
  reviewing: "Reviewing",
  complete: "Complete",
  blocked: "Blocked",
};

/** The word a person reads for a status; a status TINA does not know is shown as reported. */
export function statusLabel(status: string): string {
  return LABELS[status] ?? status;
}

export function isKnownStatus(status: string): boolean {
  return status in LABELS;
}

export type Counts = { [status in string]?: number };

export function total(counts: Counts): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v ?? 0;
  return n;
}

/** Completed tasks over all tasks, from counts by status. */
export function progress(counts: Counts) {
  const all = total(counts);
  const completed = counts["completed"] ?? 0;
  return { completed, total: all, percent: all === 0 ? 0 : Math.round((completed / all) * 100) };
}

/** Segments of a status bar, in reading order: done, in progress, to do, then anything else. */
export function segments(counts: Counts): { status: string; count: number }[] {
  const order = ["completed", "in_progress", "pending"];
  const known = order.map((status) => ({ status, count: counts[status] ?? 0 }));
  const other = Object.entries(counts)
    .filter(([s]) => !order.includes(s))
    .map(([status, count]) => ({ status, count: count ?? 0 }));
  return [...known, ...other].filter((s) => s.count > 0);
}
