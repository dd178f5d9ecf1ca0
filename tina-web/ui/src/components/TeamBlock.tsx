// One team: its name and parent (from the record), its members with the tasks each owns,
// and its tasks (all of them, or the subset the caller shows here, e.g. the orchestrator
// tasks of no phase while the others appear under their phases). Its heading level comes
// from where it sits (under the orchestrator's h2 or a phase's h3), so levels never skip.
import type { CurrentTask } from "../generated/CurrentTask";
import type { TeamView } from "../tree";
import { TaskList } from "./TaskList";

/** The level of the team's heading; the task list's title, if any, is one below. */
export type TeamHeadingLevel = 3 | 4;

export function TeamBlock({
  view,
  headingLevel,
  tasksLabel,
  tasks = view.tasks,
  tasksTitle,
  emptyTasks,
}: {
  view: TeamView;
  headingLevel: TeamHeadingLevel;
  tasksLabel: string;
  tasks?: CurrentTask[];
  /** A visible heading over the task list, when the list is not all the team's tasks. */
  tasksTitle?: string;
  emptyTasks?: string;
}) {
  const Heading = headingLevel === 3 ? "h3" : "h4";
  const TasksHeading = headingLevel === 3 ? "h4" : "h5";
  return (
    <section className="team" data-testid={`team-${view.teamName}`} aria-label={`Team ${view.teamName}`}>
      <Heading className="team-title">
        Team: <span className="team-name">{view.teamName}</span>
        {view.parentName && <span className="team-parent"> · under {view.parentName}</span>}
        {!view.team && <span className="team-parent"> · no team record</span>}
      </Heading>
      <div className="members">
        <span className="members-label">Members:</span>
        {view.members.length === 0 && <span className="muted"> none registered</span>}
        <ul className="member-list">
          {view.members.map(({ member, owned }) => (
            <li key={member.agent_name} className="member" data-testid={`member-${view.teamName}-${member.agent_name}`}>
              <span className="member-name">{member.agent_name}</span>
              {(member.agent_type || member.model) && (
                <span className="member-meta">
                  {[member.agent_type, member.model].filter(Boolean).join(" · ")}
                </span>
              )}
              <span className="member-owns">
                {owned.length === 0
                  ? "owns no tasks"
                  : `owns ${owned.map((t) => `#${t.task_id}`).join(" ")}`}
              </span>
            </li>
          ))}
        </ul>
        {view.otherOwners.length > 0 && (
          <p className="muted">Also owning tasks (not members): {view.otherOwners.join(", ")}</p>
        )}
      </div>
      {tasksTitle && <TasksHeading className="tasks-title">{tasksTitle}</TasksHeading>}
      <TaskList tasks={tasks} label={tasksLabel} empty={emptyTasks} />
    </section>
  );
}
