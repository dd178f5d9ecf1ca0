// One orchestration: what needs attention (a banner when blocked or stale, another for
// agents waiting on a person, stalls and budget alerts), the facts and durations, spend
// and budgets per team and member, the timeline, then the orchestrator and every phase (each phase that is not
// complete starts open), with task filters kept in the URL and a task detail panel.
import { useCallback, useEffect, useMemo, useState } from "react";
import { paths } from "../api";
import { buildBoard, filterActive, taskKey, type TaskFilter } from "../board";
import { AttentionLine } from "../components/Attention";
import { PhaseSection } from "../components/PhaseSection";
import { BudgetBar, SpendLine } from "../components/Spend";
import { OpenItems, WaitingBadge } from "../components/Waiting";
import { StatusBadge } from "../components/StatusBadge";
import { StatusBar } from "../components/StatusBar";
import { LoadError, Loading, NotFound, RefreshWarning } from "../components/States";
import { TaskPanel } from "../components/TaskPanel";
import { TeamBlock } from "../components/TeamBlock";
import { Timeline } from "../components/Timeline";
import { formatDuration, formatTime, progress, statusLabel } from "../format";
import type { DashboardDetail } from "../generated/DashboardDetail";
import type { TaskRow } from "../generated/TaskRow";
import { useLiveScope } from "../live";
import { useParams } from "../routing";
import { useNow } from "../useNow";
import { useResource } from "../useResource";

export function DetailPage({ by, keyValue }: { by: "id" | "feature"; keyValue: string }) {
  const path = by === "id" ? paths.dashboard(keyValue) : paths.dashboardByFeature(keyValue);
  const { resource, retry } = useResource<DashboardDetail>(path);
  const data = resource.state === "ok" ? resource.data : null;
  useLiveScope(data?.orchestration.id ?? (by === "id" ? keyValue : null));
  useEffect(() => {
    if (data) {
      const o = data.orchestration;
      const mark = data.attention.blocked ? "⛔ " : data.attention.waiting > 0 ? "⚑ " : data.attention.stale ? "⚠ " : "";
      document.title = `${mark}${o.feature_name} · ${statusLabel(o.status)} · TINA`;
    } else if (resource.state === "not_found") {
      document.title = "Not found · TINA";
    }
  }, [data, resource.state]);
  switch (resource.state) {
    case "loading":
      return <Loading what="orchestration" />;
    case "not_found":
      return <NotFound title="Orchestration not found" message={resource.message} />;
    case "error":
      return <LoadError what="orchestration" message={resource.message} onRetry={retry} />;
    case "ok":
      return <Board detail={resource.data} refreshError={resource.refreshError} />;
  }
}

function Board({ detail, refreshError }: { detail: DashboardDetail; refreshError?: string }) {
  const now = useNow(15_000);
  const [params, setParams] = useParams();
  const filter: TaskFilter = {
    text: params.get("q") ?? "",
    status: params.get("status") ?? "",
    owner: params.get("owner") ?? "",
    hideDone: params.get("hide") === "done",
  };
  const [draft, setDraft] = useState(filter.text);
  useEffect(() => {
    if (draft === filter.text) return;
    const t = setTimeout(() => setParams({ q: draft }), 200);
    return () => clearTimeout(t);
  }, [draft, filter.text, setParams]);
  const board = useMemo(
    () => buildBoard(detail, filter),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [detail, filter.text, filter.status, filter.owner, filter.hideDone],
  );
  const o = detail.orchestration;
  const a = detail.attention;
  const filtering = filterActive(filter);

  // Every phase that is not complete starts open; the person's choices override that.
  const [overrides, setOverrides] = useState<Record<number, boolean>>({});
  const isOpen = (n: number) => {
    const o = overrides[n];
    if (o !== undefined) return o;
    const p = board.phases.find((ph) => ph.number === n);
    return p?.phase?.status !== "complete" || (filtering && p.teams.some((t) => t.tasks.length > 0));
  };
  const setAll = (open: boolean) => setOverrides(Object.fromEntries(board.phases.map((ph) => [ph.number, open])));
  const goToPhase = (n: number) => {
    setOverrides((prev) => ({ ...prev, [n]: true }));
    requestAnimationFrame(() => {
      const el = document.getElementById(`phase-${n}`);
      el?.scrollIntoView({ block: "start" });
      el?.querySelector<HTMLButtonElement>(".phase-toggle")?.focus({ preventScroll: true });
    });
  };

  const selected = params.get("task");
  const open = useCallback((teamId: string, taskId: string) => setParams({ task: `${teamId}/${taskId}` }), [setParams]);
  const close = useCallback(() => setParams({ task: null }), [setParams]);
  const teamNames = useMemo(() => new Map(detail.teams.map((t) => [t.id, t.team_name])), [detail.teams]);
  const rowsByKey = useMemo(() => new Map(detail.tasks.map((t) => [taskKey(t), t])), [detail.tasks]);
  let panel = null;
  if (selected) {
    const slash = selected.lastIndexOf("/");
    const teamId = selected.slice(0, slash);
    const taskId = selected.slice(slash + 1);
    const rowsOfTeam = new Map<string, TaskRow>(detail.tasks.filter((t) => t.team_id === teamId).map((t) => [t.task_id, t]));
    panel = (
      <TaskPanel
        key={selected}
        orchestrationId={o.id}
        teamId={teamId}
        taskId={taskId}
        teamName={teamNames.get(teamId) ?? "unknown team"}
        row={rowsByKey.get(selected)}
        rowsOfTeam={rowsOfTeam}
        now={now}
        onOpen={open}
        onClose={close}
      />
    );
  }

  const team = progress(board.teamCounts);
  const orch = progress(board.orchestratorCounts);
  const end = o.completed_at ?? now;
  return (
    <div className={`detail-layout${panel ? " with-panel" : ""}`}>
      <article className="detail" aria-labelledby="orch-title" data-testid="orchestration-tree">
        {refreshError && <RefreshWarning message={refreshError} />}
        <header className="detail-header">
          <h1 id="orch-title">
            <span className="visually-hidden">Orchestration: </span>
            {o.feature_name} <StatusBadge status={o.status} />
            <WaitingBadge count={a.waiting} />
            {a.stale && <span className="badge badge-stale">Stale</span>}
          </h1>
          {a.blocked && (
            <div className="banner banner-blocked" role="alert" data-testid="blocked-banner">
              <p>
                <strong>Blocked for {formatDuration(now - a.blocked.since)}</strong> on phase {a.blocked.phase_number}
                {a.blocked.reason ? (
                  <>
                    : <span className="banner-reason">{a.blocked.reason}</span>
                  </>
                ) : (
                  " (no reason given)"
                )}
              </p>
              <button type="button" onClick={() => goToPhase(a.blocked!.phase_number)}>
                Go to phase {a.blocked.phase_number}
              </button>
            </div>
          )}
          {a.open.length > 0 && (
            <div className={`banner banner-open${a.waiting > 0 ? " banner-waiting" : ""}`} role={a.waiting > 0 ? "alert" : "status"} data-testid="open-banner">
              <OpenItems items={a.open} now={now} onPhase={goToPhase} />
            </div>
          )}
          {a.stale && (
            <div className="banner banner-stale" role="status" data-testid="stale-banner">
              <p>
                <strong>No change for {formatDuration(now - Math.max(a.last_activity ?? 0, a.status_since))}</strong> while{" "}
                {statusLabel(o.status).toLowerCase()} (stale after {formatDuration(detail.stale_after)}). Check that its agents
                are still running.
              </p>
            </div>
          )}
          <dl className="facts">
            <div>
              <dt>Phase</dt>
              <dd>
                {o.current_phase ?? "–"} of {o.total_phases}
              </dd>
            </div>
            <div>
              <dt>{o.completed_at ? "Took" : "Running for"}</dt>
              <dd title={`Started ${formatTime(o.started_at)}`}>{formatDuration(end - o.started_at)}</dd>
            </div>
            <div>
              <dt>Team tasks</dt>
              <dd className="fact-progress">
                <StatusBar counts={board.teamCounts} label="Team tasks" />
                {team.completed}/{team.total} done
              </dd>
            </div>
            <div>
              <dt>Orchestrator tasks</dt>
              <dd>
                {orch.completed}/{orch.total} done
              </dd>
            </div>
            {o.branch && (
              <div>
                <dt>Branch</dt>
                <dd>
                  <code>{o.branch}</code>
                </dd>
              </div>
            )}
          </dl>
          {!a.blocked && !a.stale && (
            <p className="muted activity">
              <AttentionLine attention={a} now={now} />
            </p>
          )}
        </header>

        <SpendCard detail={detail} teamNames={teamNames} />

        <Timeline phases={board.phases} start={o.started_at} end={end} onPhase={goToPhase} />

        <div className="toolbar" role="search" aria-label="Filter tasks">
          <input
            type="search"
            placeholder="Find tasks…"
            aria-label="Find tasks by id, subject or owner"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <select aria-label="Task status" value={filter.status} onChange={(e) => setParams({ status: e.target.value })}>
            <option value="">Any status</option>
            {board.statuses.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
          <select aria-label="Owner" value={filter.owner} onChange={(e) => setParams({ owner: e.target.value })}>
            <option value="">Anyone</option>
            {board.owners.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <label className="toggle">
            <input type="checkbox" checked={filter.hideDone} onChange={(e) => setParams({ hide: e.target.checked ? "done" : null })} />
            Hide done
          </label>
          <span className="toolbar-count muted" data-testid="shown-count">
            {filtering ? `${board.shown.toLocaleString("en")} of ${board.all.toLocaleString("en")} tasks` : `${board.all.toLocaleString("en")} tasks`}
          </span>
        </div>

        {board.orchestratorTeams.map((tv) => (
          <section key={tv.team.id} className="card orchestrator" data-testid="orchestrator">
            <h2 className="section-title">Orchestrator</h2>
            <TeamBlock view={tv} title="Team" selected={selected} onOpen={open} items={a.open} spend={detail.spend} />
          </section>
        ))}

        <section className="card phases" aria-labelledby="phases-title">
          <div className="phases-header">
            <h2 id="phases-title" className="section-title">
              Phases
            </h2>
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
            {board.phases.map((ph) => (
              <PhaseSection
                key={ph.number}
                view={ph}
                open={isOpen(ph.number)}
                current={ph.number === o.current_phase}
                now={now}
                selected={selected}
                filtering={filtering}
                items={a.open}
                spend={detail.spend}
                onToggle={() => setOverrides((prev) => ({ ...prev, [ph.number]: !isOpen(ph.number) }))}
                onOpen={open}
              />
            ))}
          </ol>
        </section>
      </article>
      {panel}
    </div>
  );
}

/** What the orchestration cost so far, its budgets, and the spend of each team and member. */
function SpendCard({ detail, teamNames }: { detail: DashboardDetail; teamNames: Map<string, string> }) {
  const s = detail.spend;
  if (s.total.messages === 0 && s.budgets.length === 0) {
    return (
      <p className="muted spend-none" data-testid="spend-card">
        No token usage recorded yet.
      </p>
    );
  }
  return (
    <section className="card spend-card" aria-labelledby="spend-title" data-testid="spend-card">
      <h2 id="spend-title" className="section-title">
        Spend
      </h2>
      <p className="spend-total">
        <SpendLine spend={s.total} detailed />
      </p>
      {s.budgets.length > 0 && (
        <ul className="budgets" aria-label="Budgets">
          {s.budgets.map((b) => (
            <li key={b.phase_number ?? "all"}>
              <BudgetBar budget={b} />
            </li>
          ))}
        </ul>
      )}
      {s.teams.length > 0 && (
        <table className="spend-table">
          <caption className="visually-hidden">Spend per team and member</caption>
          <thead>
            <tr>
              <th scope="col">Team or member</th>
              <th scope="col">Phase</th>
              <th scope="col">Spend</th>
            </tr>
          </thead>
          <tbody>
            {s.teams.flatMap((t) => [
              <tr key={t.team_id} className="spend-team" data-testid={`team-spend-${t.team_name}`}>
                <th scope="row">{teamNames.get(t.team_id) ?? t.team_name}</th>
                <td className="muted">{t.phase_number === null ? "orchestrator" : t.phase_number}</td>
                <td>
                  <SpendLine spend={t.spend} />
                </td>
              </tr>,
              ...t.members.map((m) => (
                <tr key={`${t.team_id}/${m.agent_name}`} className="spend-member">
                  <td className="spend-member-name">
                    <span aria-hidden="true">↳ </span>
                    {m.agent_name}
                  </td>
                  <td />
                  <td>
                    <SpendLine spend={m.spend} />
                  </td>
                </tr>
              )),
            ])}
          </tbody>
        </table>
      )}
    </section>
  );
}
