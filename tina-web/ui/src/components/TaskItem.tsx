// One task in a list: status, id (scoped by its team: "#4" of phase 2 is not "#4" of the
// orchestrator), subject, owner, what its owner is doing now, and its blockers: unfinished
// ones as links to the blocking task, finished ones muted. The whole row opens the task's
// detail panel.
import type { TaskRow } from "../generated/TaskRow";
import { StatusBadge } from "./StatusBadge";

export function TaskItem({
  task,
  teamName,
  selected,
  onOpen,
}: {
  task: TaskRow;
  teamName: string;
  selected: boolean;
  onOpen: (teamId: string, taskId: string) => void;
}) {
  const finished = task.blocked_by.filter((b) => !task.open_blockers.includes(b));
  const waiting = task.open_blockers.length > 0 && task.status !== "completed";
  return (
    <li
      className={`task task-${task.status}${waiting ? " task-waiting" : ""}${selected ? " task-selected" : ""}`}
      data-testid={`task-${teamName}-${task.task_id}`}
      data-team={teamName}
      data-task-id={task.task_id}
      data-status={task.status}
    >
      <StatusBadge status={task.status} />
      <button
        type="button"
        className="task-open"
        onClick={() => onOpen(task.team_id, task.task_id)}
        aria-label={`Task #${task.task_id} of ${teamName}: ${task.subject}`}
      >
        <span className="task-id">#{task.task_id}</span>
        <span className="task-subject">{task.subject}</span>
      </button>
      <span className="task-side">
        {task.active_form && task.status === "in_progress" && (
          <span className="task-active" data-testid="active-form">
            {task.active_form}
          </span>
        )}
        {task.owner ? <span className="task-owner">{task.owner}</span> : <span className="task-owner muted">unassigned</span>}
      </span>
      {task.blocked_by.length > 0 && (
        <span className="task-deps">
          {waiting && (
            <span className="task-blocked" data-testid="open-blockers">
              waiting on{" "}
              {task.open_blockers.map((b, i) => (
                <span key={b}>
                  {i > 0 && ", "}
                  <button type="button" className="link" onClick={() => onOpen(task.team_id, b)}>
                    #{b}
                  </button>
                </span>
              ))}
            </span>
          )}
          {finished.length > 0 && (
            <span className="task-done-deps muted" data-testid="finished-blockers">
              {waiting ? "; " : ""}after {finished.map((b) => `#${b}`).join(", ")} (done)
            </span>
          )}
        </span>
      )}
    </li>
  );
}
