// One team: its name, its members as chips (each with the task it is on now and Claude
// Code's activeForm for it, when reported), and its tasks (in progress first).
import type { TeamView } from "../board";
import { taskKey } from "../board";
import { TaskItem } from "./TaskItem";

export function TeamBlock({
  view,
  title,
  selected,
  onOpen,
  empty,
}: {
  view: TeamView;
  title: string;
  selected: string | null;
  onOpen: (teamId: string, taskId: string) => void;
  /** What to say when no task is listed; nothing is said when omitted. */
  empty?: string;
}) {
  const name = view.team.team_name;
  return (
    <section className="team" data-testid={`team-${name}`} aria-label={`Team ${name}`}>
      <h4 className="team-title">
        {title} <span className="team-name">{name}</span>
      </h4>
      {view.members.length > 0 && (
        <ul className="member-list" aria-label={`Members of ${name}`}>
          {view.members.map(({ member, current, owned }) => (
            <li
              key={member.agent_name}
              className={`member${current.length > 0 ? " member-busy" : ""}`}
              data-testid={`member-${name}-${member.agent_name}`}
            >
              <span className="member-name">{member.agent_name}</span>
              {member.model && <span className="member-model">{member.model}</span>}
              {current.length > 0 ? (
                current.slice(0, 1).map((t) => (
                  <button key={t.task_id} type="button" className="member-now link" onClick={() => onOpen(t.team_id, t.task_id)}>
                    on #{t.task_id}
                    {t.active_form ? (
                      <span className="member-active" data-testid="member-active-form">
                        {" "}
                        · {t.active_form}
                      </span>
                    ) : (
                      <span className="member-subject"> · {t.subject}</span>
                    )}
                  </button>
                ))
              ) : (
                <span className="member-idle muted">{owned === 0 ? "no tasks" : "idle"}</span>
              )}
              {current.length > 1 && (
                <span className="member-more muted" title={current.map((t) => `#${t.task_id} ${t.subject}`).join("\n")}>
                  +{current.length - 1} more in progress
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {view.tasks.length > 0 ? (
        <ul className="tasks" aria-label={`Tasks of ${name}`}>
          {view.tasks.map((t) => (
            <TaskItem key={taskKey(t)} task={t} teamName={name} selected={selected === taskKey(t)} onOpen={onOpen} />
          ))}
        </ul>
      ) : (
        empty && <p className="muted">{empty}</p>
      )}
    </section>
  );
}
