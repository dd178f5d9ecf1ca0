// One team: its name and parent (from the record), its members with the tasks each owns,
// and its tasks.
import type { TeamView } from "../tree";
import { TaskList } from "./TaskList";

export function TeamBlock({ view, tasksLabel }: { view: TeamView; tasksLabel: string }) {
  return (
    <section className="team" data-testid={`team-${view.teamName}`} aria-label={`Team ${view.teamName}`}>
      <h4 className="team-title">
        Team: <span className="team-name">{view.teamName}</span>
        {view.parentName && <span className="team-parent"> · under {view.parentName}</span>}
        {!view.team && <span className="team-parent"> · no team record</span>}
      </h4>
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
      <TaskList tasks={view.tasks} label={tasksLabel} />
    </section>
  );
}
