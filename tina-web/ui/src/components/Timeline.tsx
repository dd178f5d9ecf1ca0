// The timeline: one bar per phase over the orchestration's lifetime, coloured by status
// (executing, blocked, reviewing, ...) from the phase history, so a block that was resolved
// still shows as a red stretch. Times are in words beside it for screen readers.
import type { PhaseView } from "../board";
import { formatDuration, formatTime, statusLabel } from "../format";

export function Timeline({ phases, start, end, onPhase }: { phases: PhaseView[]; start: number; end: number; onPhase: (n: number) => void }) {
  const span = Math.max(1, end - start);
  const pct = (t: number) => `${(((Math.min(Math.max(t, start), end) - start) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${Math.max(0.6, ((Math.min(b, end) - Math.max(a, start)) / span) * 100).toFixed(3)}%`;
  return (
    <section className="timeline" aria-labelledby="timeline-title" data-testid="timeline">
      <h2 id="timeline-title" className="section-title">
        Timeline
      </h2>
      <ol className="tl-rows">
        {phases.map((p) => {
          const words =
            p.spans.length === 0
              ? "not started"
              : p.spans
                  .filter((s) => s.to === null || s.to > s.from || s.status !== "complete")
                  .map((s) =>
                    s.status === "complete"
                      ? `complete at ${formatTime(s.from)}`
                      : `${statusLabel(s.status).toLowerCase()} for ${formatDuration((s.to ?? end) - s.from)}${s.reason ? ` (${s.reason})` : ""}`,
                  )
                  .join(", then ");
          return (
            <li key={p.number} className="tl-row" data-testid={`timeline-phase-${p.number}`}>
              <button type="button" className="tl-label link" onClick={() => onPhase(p.number)}>
                Phase {p.number}
              </button>
              <span className="tl-track" role="img" aria-label={`Phase ${p.number}: ${words}`} title={words}>
                {p.spans
                  .filter((s) => s.status !== "complete")
                  .map((s, i) => (
                    <span
                      key={i}
                      className={`tl-span tl-${s.status}`}
                      data-status={s.status}
                      style={{ left: pct(s.from), width: width(s.from, s.to ?? end) }}
                    />
                  ))}
              </span>
            </li>
          );
        })}
      </ol>
      <div className="tl-axis muted" aria-hidden="true">
        <span title={formatTime(start)}>{shortTime(start, end)}</span>
        <span>{formatDuration(end - start)}</span>
        <span>now</span>
      </div>
    </section>
  );
}

/** "14:05" when the span is within a day, else "Dec 1, 14:05". */
function shortTime(t: number, end: number): string {
  const d = new Date(t);
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return end - t < 86_400_000 ? time : `${d.toLocaleDateString(undefined, { month: "short", day: "numeric" })}, ${time}`;
}
