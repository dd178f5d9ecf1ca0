// A segmented bar of task counts by status (done, in progress, to do, others), with the
// same counts in words for screen readers and on hover.
import { segments, statusLabel, total, type Counts } from "../format";

export function StatusBar({ counts, label }: { counts: Counts; label: string }) {
  const all = total(counts);
  const parts = segments(counts);
  const words = parts.length === 0 ? "no tasks" : parts.map((p) => `${p.count} ${statusLabel(p.status).toLowerCase()}`).join(", ");
  return (
    <span className="statusbar" role="img" aria-label={`${label}: ${words}`} title={words}>
      {parts.map((p) => (
        <span
          key={p.status}
          className={`seg seg-${["completed", "in_progress", "pending"].includes(p.status) ? p.status : "other"}`}
          style={{ flexGrow: p.count, flexBasis: 0 }}
          data-status={p.status}
          data-count={p.count}
        />
      ))}
      {all === 0 && <span className="seg seg-empty" />}
    </span>
  );
}
