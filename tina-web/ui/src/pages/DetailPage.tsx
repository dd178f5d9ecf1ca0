// One orchestration as a tree: orchestrator team(s) with the orchestrator tasks of no phase
// apart, then each phase (collapsible; the current phase open unless the user closed it)
// with its teams and the orchestrator tasks that belong to it.
import { useMemo, useState } from "react";
import { paths } from "../api";
import { PhaseSection } from "../components/PhaseSection";
import { StatusBadge } from "../components/StatusBadge";
import { LoadError, Loading, NotFound, RefreshWarning } from "../components/States";
import { TeamBlock } from "../components/TeamBlock";
import { formatAge, formatTime, progress } from "../format";
import type { OrchestrationDetail } from "../generated/OrchestrationDetail";
import { buildDetailView } from "../tree";
import { useNow } from "../useNow";
import { useResource } from "../useResource";

export function DetailPage({ by, keyValue }: { by: "id" | "feature"; keyValue: string }) {
  const path = by === "id" ? paths.detail(keyValue) : paths.byFeature(keyValue);
  const { resource, retry } = useResource<OrchestrationDetail>(path);
  switch (resource.state) {
    case "loading":
      return <Loading what="orchestration" />;
    case "not_found":
      return <NotFound title="Orchestration not found" message={resource.message} />;
    case "error":
      return <LoadError what="orchestration" message={resource.message} onRetry={retry} />;
    case "ok":
      return (
        <>
          {resource.refreshError && <RefreshWarning message={resource.refreshError} />}
          {/* Keyed by orchestration: open/closed choices belong to one orchestration. */}
          <Tree key={resource.data.orchestration.id} detail={resource.data} />
        </>
      );
  }
}

function Tree({ detail }: { detail: OrchestrationDetail }) {
  const view = useMemo(() => buildDetailView(detail), [detail]);
  const now = useNow();
  // Phases the user opened or closed; the others follow "current phase open".
  const [overrides, setOverrides] = useState<Record<number, boolean>>({});
  const o = detail.orchestration;
  const p = progress(view.counts, view.taskTotal);
  const isOpen = (n: number) => overrides[n] ?? n === o.current_phase;
  const setAll = (open: boolean) =>
    setOverrides(Object.fromEntries(view.phases.map((ph) => [ph.number, open])));

  return (
    <article className="detail" aria-labelledby="orch-title" data-testid="orchestration-tree">
      <header className="detail-header">
        <h1 id="orch-title">
          Orchestration: <span className="feature-name">{o.feature_name}</span> <StatusBadge status={o.status} />
        </h1>
        <dl className="facts">
          <div>
            <dt>Phase</dt>
            <dd>
              {o.current_phase ?? "–"} of {o.total_phases}
            </dd>
          </div>
          <div>
            <dt>Progress</dt>
            <dd>
              {p.completed} / {p.total} tasks completed
            </dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd title={formatTime(o.started_at)}>{formatAge(o.started_at, now)}</dd>
          </div>
          {o.branch && (
            <div>
              <dt>Branch</dt>
              <dd>
                <code>{o.branch}</code>
              </dd>
            </div>
          )}
          <div>
            <dt>Design</dt>
            <dd>
              <code>{o.design_doc}</code>
            </dd>
          </div>
        </dl>
      </header>

      <ul className="tree">
        <li className="tree-node orchestrator" data-testid="orchestrator">
          <h2 className="node-title">Orchestrator</h2>
          {view.orchestratorTeams.length === 0 ? (
            <p className="muted">No orchestrator team recorded.</p>
          ) : (
            view.orchestratorTeams.map((team) => (
              <TeamBlock
                key={team.teamId}
                view={team}
                headingLevel={3}
                tasks={view.unphasedOrchestratorTasks.filter((t) => t.team_id === team.teamId)}
                tasksTitle="Orchestrator tasks of no phase"
                tasksLabel={`Orchestrator tasks of no phase of ${team.teamName}`}
                emptyTasks={
                  team.tasks.length === 0 ? "No tasks yet." : "None: each of its tasks is shown under its phase."
                }
              />
            ))
          )}
        </li>
        <li className="tree-node phases">
          <div className="phases-header">
            <h2 className="node-title">Phases</h2>
            <div className="phase-actions">
              <button type="button" onClick={() => setAll(true)}>
                Expand all
              </button>
              <button type="button" onClick={() => setAll(false)}>
                Collapse all
              </button>
            </div>
          </div>
          <ol className="phase-list">
            {view.phases.map((ph) => (
              <PhaseSection
                key={ph.number}
                view={ph}
                open={isOpen(ph.number)}
                current={ph.number === o.current_phase}
                onToggle={() => setOverrides((prev) => ({ ...prev, [ph.number]: !isOpen(ph.number) }))}
              />
            ))}
          </ol>
        </li>
      </ul>
    </article>
  );
}
