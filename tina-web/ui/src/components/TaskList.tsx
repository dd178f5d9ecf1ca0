// The tasks of one team, by task id as the store orders them.
import type { CurrentTask } from "../generated/CurrentTask";
import { StatusBadge } from "./StatusBadge";

export function TaskList({
  tasks,
  label,
  empty = "No tasks yet.",
}: {
  tasks: CurrentTask[];
  label: string;
  /** What to say when there are no tasks. */
  empty?: string;
}) {
  if (tasks.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="tasks" aria-label={label}>
      {tasks.map((t) => (
        <li
          key={`${t.team_id}/${t.task_id}`}
          className="task"
          data-testid={`task-${t.team_name}-${t.task_id}`}
          data-team={t.team_name}
          data-task-id={t.task_id}
        >
          <StatusBadge status={t.status} />
          <span className="task-id">#{t.task_id}</span>
          <span className="task-subject">{t.subject}</span>
          {t.owner ? <span className="task-owner">{t.owner}</span> : <span className="task-owner muted">unowned</span>}
          {t.blocked_by.length > 0 && (
            <span className="task-blocked">blocked by {t.blocked_by.map((b) => `#${b}`).join(", ")}</span>
          )}
        </li>
      ))}
    </ul>
  );
}
