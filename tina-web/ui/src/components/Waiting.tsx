// Agents waiting on a person, and the other open attention (stalls, budget alerts): a
// "waiting on you" badge for the orchestration row, the phase and the member, and the
// list of open items with since when and the agent's message. Agent text is rendered as
// text (React escapes it), never as HTML; the badge says its meaning in words, so colour
// is never the only signal.
import type { OpenItem } from "../generated/OpenItem";
import { formatDuration, formatTime } from "../format";

export function WaitingBadge({ count, testId = "waiting-badge" }: { count: number; testId?: string }) {
  if (count <= 0) return null;
  return (
    <span className="badge badge-waiting" data-testid={testId}>
      <span aria-hidden="true">⚑ </span>
      Waiting on you{count > 1 ? ` (${count})` : ""}
    </span>
  );
}

const KIND_WORDS: Record<string, string> = {
  waiting: "Waiting on you",
  stall: "Stalled",
  budget_warning: "Budget warning",
  budget_exceeded: "Budget exceeded",
  blocked: "Blocked",
};

const PROMPT_WORDS: Record<string, string> = {
  permission_prompt: "permission prompt",
  idle_prompt: "idle prompt",
  elicitation_dialog: "question",
};

/** Waiting members, each counted once (as the server counts them). */
export function waitingCount(items: OpenItem[]): number {
  return new Set(items.filter((i) => i.kind === "waiting").map((i) => `${i.team_id ?? ""}/${i.agent_name ?? ""}`)).size;
}

export function OpenItems({
  items,
  now,
  onPhase,
}: {
  items: OpenItem[];
  now: number;
  onPhase?: (n: number) => void;
}) {
  if (items.length === 0) return null;
  return (
    <ul className="open-items" aria-label="Open attention">
      {items.map((i) => (
        <li key={i.id} className={`open-item open-${i.kind}`} data-testid={`open-${i.kind}`}>
          <strong className="open-kind">{KIND_WORDS[i.kind] ?? i.kind}</strong>
          {i.notification_type && PROMPT_WORDS[i.notification_type] && <span className="muted"> ({PROMPT_WORDS[i.notification_type]})</span>}{" "}
          <span className="open-since">
            for{" "}
            <time dateTime={new Date(i.since).toISOString()} title={formatTime(i.since)}>
              {formatDuration(now - i.since)}
            </time>
          </span>
          {/* The message names who (member and team, or phase): no second "who" here. */}
          <span className="open-message">: {i.message}</span>
          {i.phase_number !== null && onPhase && (
            <button type="button" className="link open-go" onClick={() => onPhase(i.phase_number!)}>
              Go to phase {i.phase_number}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
