// One collapsible phase. The header is a real button (keyboard: Tab, Enter, Space) with
// aria-expanded; collapsed phases do not render their tasks, which keeps big trees fast.
import type { PhaseView } from "../tree";
import { StatusBadge } from "./StatusBadge";
import { TeamBlock } from "./TeamBlock";

export function PhaseSection({
  view,
  open,
  current,
  onToggle,
}: {
  view: PhaseView;
  open: boolean;
  current: boolean;
  onToggle: () => void;
}) {
  const bodyId = `phase-${view.number}-body`;
  const completed = view.counts["completed"] ?? 0;
  return (
    <li className={`phase${current ? " phase-current" : ""}`} data-testid={`phase-${view.number}`}>
      <h3 className="phase-heading">
        <button type="button" className="phase-toggle" aria-expanded={open} aria-controls={bodyId} onClick={onToggle}>
          <span className="chevron" aria-hidden="true">
            {open ? "▾" : "▸"}
          </span>
          <span className="phase-title">Phase {view.number}</span>
          {view.phase ? <StatusBadge status={view.phase.status} /> : <span className="badge badge-other">not started</span>}
          {current && <span className="current-tag">current</span>}
          <span className="phase-summary">
            {completed}/{view.taskCount} tasks done · {view.teams.length} {view.teams.length === 1 ? "team" : "teams"}
          </span>
        </button>
      </h3>
      {open && (
        <div id={bodyId} className="phase-body">
          {view.phase?.blocked_reason && <p className="blocked-reason">Blocked: {view.phase.blocked_reason}</p>}
          {view.teams.length === 0 ? (
            <p className="muted">No team registered for this phase yet.</p>
          ) : (
            <ul className="tree-children">
              {view.teams.map((team) => (
                <li key={team.teamId}>
                  <TeamBlock view={team} tasksLabel={`Phase ${view.number} tasks of ${team.teamName}`} />
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </li>
  );
}
