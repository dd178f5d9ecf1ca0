// One collapsible phase: header (status, how long, a segmented bar of its team tasks and
// the counts in words), then its team(s) and the orchestrator's tasks for the phase. The
// header is a real button (Tab, Enter, Space) with aria-expanded; a collapsed phase does
// not render its tasks, which keeps big trees fast.
import type { PhaseView } from "../board";
import { taskKey } from "../board";
import { formatDuration, progress } from "../format";
import type { OpenItem } from "../generated/OpenItem";
import type { UsageView } from "../generated/UsageView";
import { BudgetBar, formatUsd } from "./Spend";
import { WaitingBadge, waitingCount } from "./Waiting";
import { StatusBadge } from "./StatusBadge";
import { StatusBar } from "./StatusBar";
import { TaskItem } from "./TaskItem";
import { TeamBlock } from "./TeamBlock";

export function PhaseSection({
  view,
  open,
  current,
  now,
  selected,
  onToggle,
  onOpen,
  filtering,
  items = [],
  spend,
}: {
  view: PhaseView;
  open: boolean;
  current: boolean;
  now: number;
  selected: string | null;
  onToggle: () => void;
  onOpen: (teamId: string, taskId: string) => void;
  filtering: boolean;
  /** The orchestration's open attention; this phase's waits are badged. */
  items?: OpenItem[];
  spend?: UsageView;
}) {
  const mine = items.filter((i) => i.phase_number === view.number);
  const waiting = waitingCount(mine);
  const phaseSpend = spend?.phases[String(view.number)];
  const budget = spend?.budgets.find((b) => b.phase_number === view.number);
  const bodyId = `phase-${view.number}-body`;
  const p = progress(view.counts);
  const phase = view.phase;
  const started = phase?.started_at ?? null;
  const took = started !== null ? (phase?.completed_at ?? now) - started : null;
  const listed = view.teams.reduce((n, t) => n + t.tasks.length, 0) + view.orchestratorTasks.length;
  const status = phase?.status ?? "not_started";
  return (
    <li className={`phase phase-${status}${current ? " phase-current" : ""}`} data-testid={`phase-${view.number}`} id={`phase-${view.number}`}>
      <h3 className="phase-heading">
        <button type="button" className="phase-toggle" aria-expanded={open} aria-controls={bodyId} onClick={onToggle}>
          <span className="chevron" aria-hidden="true">
            {open ? "▾" : "▸"}
          </span>
          <span className="phase-title">Phase {view.number}</span>
          {phase ? <StatusBadge status={phase.status} /> : <span className="badge badge-not-started">Not started</span>}
          {current && <span className="current-tag">current</span>}
          <WaitingBadge count={waiting} testId={`phase-${view.number}-waiting`} />
          {phaseSpend && phaseSpend.messages > 0 && (
            <span className="phase-spend muted" data-testid={`phase-${view.number}-spend`}>
              {formatUsd(phaseSpend.cost_usd)}
              {phaseSpend.unpriced_messages > 0 ? " + unpriced" : ""}
            </span>
          )}
          {took !== null && (
            <span className="phase-time muted">
              {phase?.completed_at ? "took" : "for"} {formatDuration(took)}
            </span>
          )}
          <span className="phase-summary">
            <StatusBar counts={view.counts} label={`Phase ${view.number} team tasks`} />
            <span>
              {p.completed}/{p.total} done
            </span>
          </span>
        </button>
      </h3>
      <div id={bodyId} className="phase-body" hidden={!open}>
        {open && (
          <>
            {budget && (
              <p className="phase-budget">
                <BudgetBar budget={budget} />
              </p>
            )}
            {phase?.status === "blocked" && (
              <p className="blocked-reason" role="note">
                Blocked: {phase.blocked_reason ?? "no reason given"}
              </p>
            )}
            {view.teams.length === 0 && <p className="muted">No team registered for this phase yet.</p>}
            {filtering && listed === 0 && view.teams.length > 0 && <p className="muted">No task of this phase matches the filters.</p>}
            {view.teams.map((team) => (
              <TeamBlock
                key={team.team.id}
                view={team}
                title="Team"
                selected={selected}
                onOpen={onOpen}
                items={items}
                spend={spend}
                empty={filtering ? undefined : "No tasks yet."}
              />
            ))}
            {view.orchestratorTasks.length > 0 && (
              <section className="team team-orchestrator" data-testid={`phase-${view.number}-orchestrator-tasks`} aria-label={`Orchestrator tasks of phase ${view.number}`}>
                <h4 className="team-title">Orchestrator tasks for this phase</h4>
                <ul className="tasks">
                  {view.orchestratorTasks.map((t) => (
                    <TaskItem key={taskKey(t)} task={t} teamName="orchestrator" selected={selected === taskKey(t)} onOpen={onOpen} />
                  ))}
                </ul>
              </section>
            )}
          </>
        )}
      </div>
    </li>
  );
}
