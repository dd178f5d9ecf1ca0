// The orchestration list: what needs attention first (blocked, then waiting on a person,
// then stale), filtered by status and feature on the server, one page at a time; the
// filters live in the URL. Each row carries its spend and its fullest budget.
import { useEffect, useState } from "react";
import { paths } from "../api";
import { AttentionLine } from "../components/Attention";
import { BudgetBar, SpendLine, worstBudget } from "../components/Spend";
import { OpenItems, WaitingBadge } from "../components/Waiting";
import { StatusBadge } from "../components/StatusBadge";
import { StatusBar } from "../components/StatusBar";
import { LoadError, Loading, RefreshWarning } from "../components/States";
import { formatAge, formatDuration, formatTime, progress, statusLabel } from "../format";
import type { ListPage as ListPageData } from "../generated/ListPage";
import type { ListRow } from "../generated/ListRow";
import { hrefs, useParams } from "../routing";
import { useNow } from "../useNow";
import { useResource } from "../useResource";

const FILTERS: { key: string; label: string }[] = [
  { key: "attention", label: "Needs attention" },
  { key: "waiting", label: "Waiting on you" },
  { key: "active", label: "Active" },
  { key: "blocked", label: "Blocked" },
  { key: "executing", label: "Executing" },
  { key: "planning", label: "Planning" },
  { key: "reviewing", label: "Reviewing" },
  { key: "complete", label: "Complete" },
  { key: "all", label: "All" },
];

export function ListPage() {
  const [params, setParams] = useParams();
  const status = params.get("status") ?? "all";
  const feature = params.get("q") ?? "";
  const page = Math.max(1, Number(params.get("page") ?? "1") || 1);
  const { resource, retry } = useResource<ListPageData>(
    paths.list({ status: status === "all" ? undefined : status, feature, page }),
  );
  const now = useNow();
  const [draft, setDraft] = useState(feature);
  useEffect(() => setDraft(feature), [feature]);
  // Search as you type, after a short pause.
  useEffect(() => {
    if (draft === feature) return;
    const t = setTimeout(() => setParams({ q: draft, page: null }), 250);
    return () => clearTimeout(t);
  }, [draft, feature, setParams]);

  const data = resource.state === "ok" ? resource.data : null;
  const attention = data?.facets["attention"] ?? 0;
  const waiting = data?.facets["waiting"] ?? 0;
  useEffect(() => {
    document.title = attention > 0 ? `(${attention}) Orchestrations · TINA` : "Orchestrations · TINA";
  }, [attention]);

  return (
    <section aria-labelledby="list-title" className="list-page">
      <div className="page-head">
        <h1 id="list-title">Orchestrations</h1>
        {waiting > 0 && (
          <a className="waiting-count" data-testid="waiting-count" href={hrefs.list({ status: "waiting", q: feature || undefined })}>
            <span aria-hidden="true">⚑ </span>
            {waiting.toLocaleString("en")} {waiting === 1 ? "orchestration is" : "orchestrations are"} waiting on you
          </a>
        )}
        <label className="search">
          <span className="visually-hidden">Filter by feature</span>
          <input
            type="search"
            placeholder="Filter by feature…"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            aria-label="Filter by feature"
          />
        </label>
      </div>
      <nav className="chips" aria-label="Status filter">
        {FILTERS.map((f) => {
          const n = data ? (data.facets[f.key] ?? 0) : undefined;
          const selected = status === f.key;
          return (
            <a
              key={f.key}
              className={`chip${selected ? " chip-on" : ""}${(f.key === "attention" || f.key === "waiting") && (n ?? 0) > 0 ? " chip-alert" : ""}`}
              href={hrefs.list({ status: f.key === "all" ? undefined : f.key, q: feature || undefined })}
              aria-current={selected ? "page" : undefined}
              data-testid={`filter-${f.key}`}
            >
              {f.label}
              {n !== undefined && <span className="chip-count" data-testid={`facet-${f.key}`}>{n.toLocaleString("en")}</span>}
            </a>
          );
        })}
      </nav>
      {resource.state === "loading" && <Loading what="orchestrations" />}
      {(resource.state === "error" || resource.state === "not_found") && (
        <LoadError what="orchestrations" message={resource.message} onRetry={retry} />
      )}
      {data && (
        <>
          {resource.state === "ok" && resource.refreshError && <RefreshWarning message={resource.refreshError} />}
          {data.rows.length === 0 ? (
            <Empty filtered={status !== "all" || feature !== ""} total={data.facets["all"] ?? 0} />
          ) : (
            <ol className="orch-list" aria-label="Orchestrations">
              {data.rows.map((row) => (
                <Row key={row.orchestration.id} row={row} now={now} />
              ))}
            </ol>
          )}
          <Pager data={data} onPage={(p) => setParams({ page: p === 1 ? null : String(p) })} />
        </>
      )}
    </section>
  );
}

function Row({ row, now }: { row: ListRow; now: number }) {
  const o = row.orchestration;
  const a = row.attention;
  const team = progress(row.team_task_counts);
  const orch = progress(row.orchestrator_task_counts);
  const tone = a.blocked ? "blocked" : a.waiting > 0 ? "waiting" : a.stale ? "stale" : o.status === "complete" ? "complete" : "active";
  const budget = worstBudget(row.budgets);
  const ended = o.completed_at ?? now;
  return (
    <li className={`orch-row orch-${tone}`} data-testid={`orch-row-${o.feature_name}`}>
      <div className="orch-main">
        <a className="orch-name" href={hrefs.orchestration(o.id)}>
          {o.feature_name}
        </a>
        <StatusBadge status={o.status} />
        <WaitingBadge count={a.waiting} />
        {a.stale && <span className="badge badge-stale">Stale</span>}
        <span className="orch-phase">
          Phase {o.current_phase ?? "–"} of {o.total_phases}
        </span>
      </div>
      {(a.blocked || a.stale) && (
        <div className="orch-attention">
          <AttentionLine attention={a} now={now} compact />
        </div>
      )}
      {a.open.length > 0 && (
        <div className="orch-open">
          <OpenItems items={a.open.slice(0, 2)} now={now} />
          {a.open.length > 2 && <span className="muted">+{a.open.length - 2} more</span>}
        </div>
      )}
      {(row.spend.messages > 0 || budget) && (
        <div className="orch-spend">
          <SpendLine spend={row.spend} />
          {budget && <BudgetBar budget={budget} />}
        </div>
      )}
      <div className="orch-meta">
        <span className="orch-progress">
          <StatusBar counts={row.team_task_counts} label={`${o.feature_name} team tasks`} />
          <span>
            {team.completed}/{team.total} team tasks
          </span>
          {orch.total > 0 && (
            <span className="muted">
              {orch.completed}/{orch.total} orchestrator tasks
            </span>
          )}
        </span>
        <span className="orch-times muted">
          {o.completed_at !== null ? (
            <>
              Finished{" "}
              <time dateTime={new Date(o.completed_at).toISOString()} title={formatTime(o.completed_at)}>
                {formatAge(o.completed_at, now)}
              </time>{" "}
              · took {formatDuration(ended - o.started_at)}
            </>
          ) : (
            <>
              {a.last_activity !== null ? (
                <>
                  Last change{" "}
                  <time dateTime={new Date(a.last_activity).toISOString()} title={formatTime(a.last_activity)}>
                    {formatAge(a.last_activity, now)}
                  </time>
                </>
              ) : (
                "No task activity yet"
              )}
              {!a.blocked && (
                <>
                  {" "}
                  · {statusLabel(o.status).toLowerCase()} for {formatDuration(now - a.status_since)}
                </>
              )}{" "}
              · started {formatDuration(ended - o.started_at)} ago
            </>
          )}
        </span>
      </div>
    </li>
  );
}

function Empty({ filtered, total }: { filtered: boolean; total: number }) {
  if (filtered) {
    return (
      <div className="state state-empty" data-state="empty">
        <h2>Nothing matches</h2>
        <p>
          {total > 0 ? "No orchestration matches these filters. " : ""}
          <a href={hrefs.list()}>Show all orchestrations</a>
        </p>
      </div>
    );
  }
  return (
    <div className="state state-empty" data-state="empty">
      <h2>No orchestrations yet</h2>
      <p>
        Start one with <code>tina-session init</code>; it appears here by itself.
      </p>
    </div>
  );
}

function Pager({ data, onPage }: { data: ListPageData; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  if (data.total === 0) return null;
  const first = (data.page - 1) * data.per_page + 1;
  const last = Math.min(data.total, data.page * data.per_page);
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={data.page <= 1} onClick={() => onPage(data.page - 1)}>
        ← Newer
      </button>
      <span data-testid="pager-range">
        {first.toLocaleString("en")}–{last.toLocaleString("en")} of {data.total.toLocaleString("en")}
      </span>
      <button type="button" disabled={data.page >= pages} onClick={() => onPage(data.page + 1)}>
        Older →
      </button>
    </nav>
  );
}
