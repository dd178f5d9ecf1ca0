// One collapsible phase: its team(s), then the orchestrator's tasks for this phase (placed
// here by their metadata.phase_number, see tree.ts). The header is a real button (keyboard:
// Tab, Enter, Space) with aria-expanded and aria-controls; the body it controls is always
// there (hidden while collapsed) but collapsed phases do not render their tasks, which
// keeps big trees fast.
import type { PhaseView } from "../tree";
import { StatusBadge } from "./StatusBadge";
import { TaskList } from "./TaskList";
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
  const orchestratorCount = view.orchestratorTasks.length;
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
            {orchestratorCount > 0 &&
              ` · ${orchestratorCount} orchestrator ${orchestratorCount === 1 ? "task" : "tasks"}`}
          </span>
        </button>
      </h3>
      <div id={bodyId} className="phase-body" hidden={!open}>
        {open && (
          <>
            {view.phase?.blocked_reason && <p className="blocked-reason">Blocked: {view.phase.blocked_reason}</p>}
            {view.teams.length === 0 && <p className="muted">No team registered for this phase yet.</p>}
            {(view.teams.length > 0 || orchestratorCount > 0) && (
              <ul className="tree-children">
                {view.teams.map((team) => (
                  <li key={team.teamId}>
                    <TeamBlock view={team} headingLevel={4} tasksLabel={`Phase ${view.number} tasks of ${team.teamName}`} />
                  </li>
                ))}
                {orchestratorCount > 0 && (
                  <li>
                    <section
                      className="phase-orchestrator"
                      data-testid={`phase-${view.number}-orchestrator-tasks`}
                      aria-label={`Orchestrator tasks of phase ${view.number}`}
                    >
                      <h4 className="team-title">Orchestrator tasks</h4>
                      <TaskList tasks={view.orchestratorTasks} label={`Orchestrator tasks of phase ${view.number}`} />
                    </section>
                  </li>
                )}
              </ul>
            )}
          </>
        )}
      </div>
    </li>
  );
}
