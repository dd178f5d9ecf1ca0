// One team: its name and spend, its members as chips (each with the task it is on now and
// Claude Code's activeForm for it, when reported, a "waiting on you" badge while it waits on
// a person, and what it spent), and its tasks (in progress first).
import type { TeamView } from "../board";
import { taskKey } from "../board";
import type { OpenItem } from "../generated/OpenItem";
import type { UsageView } from "../generated/UsageView";
import { formatUsd, SpendLine } from "./Spend";
import { TaskItem } from "./TaskItem";
import { WaitingBadge } from "./Waiting";

export function TeamBlock({
  view,
  title,
  selected,
  onOpen,
  empty,
  items = [],
  spend,
}: {
  view: TeamView;
  title: string;
  selected: string | null;
  onOpen: (teamId: string, taskId: string) => void;
  /** What to say when no task is listed; nothing is said when omitted. */
  empty?: string;
  /** The orchestration's open attention; this team's waiting members are badged. */
  items?: OpenItem[];
  spend?: UsageView;
}) {
  const name = view.team.team_name;
  const waits = items.filter((i) => i.kind === "waiting" && i.team_id === view.team.id);
  const waitsOf = (agent: string) => waits.filter((i) => i.agent_name === agent).length;
  const known = new Set(view.members.map((m) => m.member.agent_name));
  const unlisted = [...new Set(waits.map((i) => i.agent_name ?? "team-lead").filter((a) => !known.has(a)))];
  const teamSpend = spend?.teams.find((t) => t.team_id === view.team.id);
  const memberSpend = (agent: string) => teamSpend?.members.find((m) => m.agent_name === agent)?.spend;
  return (
    <section className="team" data-testid={`team-${name}`} aria-label={`Team ${name}`}>
      <h4 className="team-title">
        {title} <span className="team-name">{name}</span>
        {teamSpend && (
          <span className="team-spend muted" data-testid={`team-${name}-spend`}>
            {" "}
            <SpendLine spend={teamSpend.spend} />
          </span>
        )}
      </h4>
      {unlisted.map((agent) => (
        <p key={agent} className="member-waiting-note" data-testid={`member-${name}-${agent}`}>
          <span className="member-name">{agent}</span> <WaitingBadge count={1} testId="member-waiting" />
        </p>
      ))}
      {view.members.length > 0 && (
        <ul className="member-list" aria-label={`Members of ${name}`}>
          {view.members.map(({ member, current, owned }) => (
            <li
              key={member.agent_name}
              className={`member${current.length > 0 ? " member-busy" : ""}${waitsOf(member.agent_name) > 0 ? " member-waiting" : ""}`}
              data-testid={`member-${name}-${member.agent_name}`}
            >
              <span className="member-name">{member.agent_name}</span>
              {member.model && <span className="member-model">{member.model}</span>}
              <WaitingBadge count={waitsOf(member.agent_name) > 0 ? 1 : 0} testId="member-waiting" />
              {memberSpend(member.agent_name) && (
                <span className="member-spend muted" data-testid="member-spend">
                  {formatUsd(memberSpend(member.agent_name)!.cost_usd)}
                </span>
              )}
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
