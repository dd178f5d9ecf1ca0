// What needs a person: blocked (why, for how long), stale (quiet for how long), and when
// the tasks last moved. One component for the list rows and the detail header.
import type { Attention as AttentionData } from "../generated/Attention";
import { formatAge, formatDuration, formatTime } from "../format";

export function AttentionLine({ attention, now, compact = false }: { attention: AttentionData; now: number; compact?: boolean }) {
  const { blocked, stale, last_activity } = attention;
  return (
    <span className="attention">
      {blocked && (
        <span className="att att-blocked" data-testid="blocked-note">
          <strong>Blocked {formatDuration(now - blocked.since)}</strong> on phase {blocked.phase_number}
          {blocked.reason ? <>: <span className="att-reason">{blocked.reason}</span></> : compact ? "" : " (no reason given)"}
        </span>
      )}
      {stale && (
        <span className="att att-stale" data-testid="stale-note">
          <strong>Stale</strong>: no change for {formatDuration(now - Math.max(last_activity ?? 0, attention.status_since))}
        </span>
      )}
      {!compact && (
        <span className="att att-activity">
          {last_activity === null ? (
            "No task activity yet"
          ) : (
            <>
              Last task change{" "}
              <time dateTime={new Date(last_activity).toISOString()} title={formatTime(last_activity)}>
                {formatAge(last_activity, now)}
              </time>
            </>
          )}
        </span>
      )}
    </span>
  );
}
