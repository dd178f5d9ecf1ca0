// All orchestrations, newest first: status, current phase, progress, age.
import { paths } from "../api";
import { StatusBadge } from "../components/StatusBadge";
import { LoadError, Loading, RefreshWarning } from "../components/States";
import { formatAge, formatTime, progress } from "../format";
import type { OrchestrationSummary } from "../generated/OrchestrationSummary";
import { hrefs } from "../routing";
import { useNow } from "../useNow";
import { useResource } from "../useResource";

export function ListPage() {
  const { resource, retry } = useResource<OrchestrationSummary[]>(paths.list());
  const now = useNow();
  switch (resource.state) {
    case "loading":
      return <Loading what="orchestrations" />;
    case "not_found":
    case "error":
      return <LoadError what="orchestrations" message={resource.message} onRetry={retry} />;
    case "ok":
      break;
  }
  const rows = resource.data;
  return (
    <section aria-labelledby="list-title">
      <h1 id="list-title">Orchestrations</h1>
      {resource.refreshError && <RefreshWarning message={resource.refreshError} />}
      {rows.length === 0 ? (
        <div className="state state-empty" data-state="empty">
          <h2>No orchestrations yet</h2>
          <p>
            Start one with <code>tina-session init</code>; it appears here by itself.
          </p>
        </div>
      ) : (
        <table className="orch-table">
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">Status</th>
              <th scope="col">Phase</th>
              <th scope="col">Progress</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ orchestration: o, task_counts, task_total }) => {
              const p = progress(task_counts, task_total);
              return (
                <tr key={o.id} data-testid={`orch-row-${o.feature_name}`}>
                  <th scope="row" data-label="Feature">
                    <a href={hrefs.orchestration(o.id)}>{o.feature_name}</a>
                  </th>
                  <td data-label="Status">
                    <StatusBadge status={o.status} />
                  </td>
                  <td data-label="Phase">
                    {o.current_phase ?? "–"} / {o.total_phases}
                  </td>
                  <td data-label="Progress">
                    <span className="progress">
                      <progress max={Math.max(p.total, 1)} value={p.completed} aria-label={`${o.feature_name} progress`} />
                      <span>
                        {p.completed} / {p.total} tasks
                      </span>
                    </span>
                  </td>
                  <td data-label="Started">
                    <time dateTime={new Date(o.started_at).toISOString()} title={formatTime(o.started_at)}>
                      {formatAge(o.started_at, now)}
                    </time>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
