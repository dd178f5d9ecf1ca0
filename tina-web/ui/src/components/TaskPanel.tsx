// The task detail panel: description, dependencies (linked, finished ones muted) and the
// task's history from its events. A dialog over the page on phones, a side panel on wide
// screens; Escape or the close button closes it.
import { useEffect, useRef } from "react";
import { paths } from "../api";
import type { TaskDetail } from "../generated/TaskDetail";
import type { TaskRow } from "../generated/TaskRow";
import { formatAge, formatTime, statusLabel } from "../format";
import { useResource } from "../useResource";
import { StatusBadge } from "./StatusBadge";

export function TaskPanel({
  orchestrationId,
  teamId,
  taskId,
  teamName,
  row,
  rowsOfTeam,
  now,
  onOpen,
  onClose,
}: {
  orchestrationId: string;
  teamId: string;
  taskId: string;
  teamName: string;
  row: TaskRow | undefined;
  rowsOfTeam: Map<string, TaskRow>;
  now: number;
  onOpen: (teamId: string, taskId: string) => void;
  onClose: () => void;
}) {
  const { resource } = useResource<TaskDetail>(paths.task(orchestrationId, teamId, taskId));
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [teamId, taskId, onClose]);
  const detail = resource.state === "ok" ? resource.data : null;
  return (
    <aside className="task-panel" role="dialog" aria-modal="false" aria-labelledby="task-panel-title" data-testid="task-panel">
      <header className="task-panel-head">
        <h2 id="task-panel-title">
          <span className="task-id">#{taskId}</span> {row?.subject ?? detail?.task.subject ?? ""}
        </h2>
        <button type="button" ref={closeRef} onClick={onClose} aria-label="Close task details">
          ✕
        </button>
      </header>
      <p className="muted">
        {teamName} {row && <StatusBadge status={row.status} />} {row?.owner ? `· ${row.owner}` : "· unassigned"}
      </p>
      {row?.active_form && row.status === "in_progress" && <p className="task-active">{row.active_form}</p>}
      {resource.state === "loading" && <p className="muted">Loading…</p>}
      {resource.state === "not_found" && <p>This task no longer exists.</p>}
      {resource.state === "error" && <p className="refresh-warning">{resource.message}</p>}
      {detail && (
        <>
          <h3>Description</h3>
          {detail.task.description.trim() ? (
            <p className="task-description" data-testid="task-description">
              {detail.task.description}
            </p>
          ) : (
            <p className="muted">No description.</p>
          )}
          {detail.task.blocked_by.length > 0 && (
            <>
              <h3>Waits on</h3>
              <ul className="deps">
                {detail.task.blocked_by.map((b) => {
                  const dep = rowsOfTeam.get(b);
                  const done = dep?.status === "completed";
                  return (
                    <li key={b} className={done ? "muted" : ""}>
                      <button type="button" className="link" onClick={() => onOpen(teamId, b)}>
                        #{b}
                      </button>{" "}
                      {dep ? dep.subject : "(not in this team's tasks)"} {dep && <StatusBadge status={dep.status} />}
                    </li>
                  );
                })}
              </ul>
            </>
          )}
          <h3>History</h3>
          <ol className="history" data-testid="task-history">
            {detail.events.map((e) => (
              <li key={`${e.recorded_at}-${e.sequence}`}>
                <time dateTime={new Date(e.recorded_at).toISOString()} title={formatTime(e.recorded_at)}>
                  {formatAge(e.recorded_at, now)}
                </time>{" "}
                <strong>{statusLabel(e.status)}</strong>
                {e.owner ? ` · ${e.owner}` : ""}
                {e.blocked_by.length > 0 ? ` · waits on ${e.blocked_by.map((b) => `#${b}`).join(", ")}` : ""}
              </li>
            ))}
          </ol>
        </>
      )}
    </aside>
  );
}
