#!/usr/bin/env python3
"""Writes scenarios/<name>/claude/*.json: the model double's script for each agent of a
scenario, derived from its scenario.json (the same plan the sim plays), so the claude
runtime and the sim act out the same story. Run it after changing a scenario.json:

    python3 scripts/gen-claude-scripts.py [scenario ...]

Agents: the orchestrator lead (follows the orchestrate skill through TINA's MCP tools:
advance_phase, start_phase, get_current_tasks), its phase-planner teammate (writes the
plans), each phase lead (phase-executor skill: Task tools fetched with ToolSearch, one
teammate per task owner, spawned in order), and each teammate (does its tasks with
Write/Read/Edit/Bash, reports with SendMessage). {{after:LABEL}} is filled by the double
with the word after LABEL in the agent's first message (ids, paths TINA chose).
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MCP = "mcp__plugin_tina_tina__"


def orchestrator(s):
    f, n = s["feature_name"], s["total_phases"]
    steps = [{"tool": "ToolSearch", "input": {"query": "select:TaskCreate,TaskUpdate,SendMessage,"
              f"{MCP}advance_phase,{MCP}start_phase,{MCP}get_current_tasks,{MCP}get_orchestration"}}]
    creates = []
    for k in range(1, n + 1):
        for kind, verb in (("plan", "Planning"), ("execute", "Executing"), ("review", "Reviewing")):
            creates.append({"tool": "TaskCreate", "input": {
                "subject": f"{kind}-phase-{k}", "description": f"{kind} phase {k} of {f}",
                "activeForm": f"{verb} phase {k}", "metadata": {"phase_number": k}}})
    steps.append({"text": "Creating the orchestrator's tasks.", "tools": creates})
    steps.append({"tool": f"{MCP}advance_phase", "input": {"orchestration": f, "phase": 1, "event": "plan"}})
    steps.append({"tool": "Agent", "input": {
        "name": "phase-planner", "description": "Write the phase plans",
        "prompt": f"[phase-planner of {f}] Write the plan of every phase of '{f}' under "
                  "docs/plans/ in the worktree {{after:worktree }} , mark your tasks as you go, "
                  "and report to team-lead."}})
    steps.append({"text": "Waiting for the phase planner."})
    plans = "{{after:worktree }}/docs/plans"
    for k in range(1, n + 1):
        tid = lambda kind: str(3 * (k - 1) + {"plan": 1, "execute": 2, "review": 3}[kind])
        phase = s["phases"][k - 1]
        all_tasks = phase["tasks"] + phase.get("failure", {}).get("fix_tasks", [])
        last = all_tasks[-1]["subject"]
        first = {"when": "phase-planner finished"} if k == 1 else {}
        if k > 1:
            steps.append({"tool": f"{MCP}advance_phase", "input": {"orchestration": f, "phase": k, "event": "plan"}})
        steps.append({"tools": [
            {"tool": "TaskUpdate", "input": {"taskId": tid("execute"), "status": "in_progress", "owner": "team-lead"}},
            {"tool": f"{MCP}start_phase", "input": {
                "orchestration": f, "phase": k, "plan": f"{plans}/phase-{k}.md",
                "parent_team_id": "{{after:orchestrator team id }}", "runtime": "claude"}}], **first})
        steps.append({"tool": f"{MCP}get_current_tasks",
                      "input": {"orchestration": f, "phase": k, "status": "completed"},
                      "until": json.dumps(last)[1:-1], "delay_ms": 3000})
        if phase.get("failure"):
            # The phase lead blocked the phase and resumes it after the fix: review only
            # an executing phase.
            steps.append({"tool": f"{MCP}get_orchestration", "input": {"orchestration": f},
                          "until": '"status":"executing"', "delay_ms": 2000})
        steps.append({"tools": [
            {"tool": "TaskUpdate", "input": {"taskId": tid("execute"), "status": "completed"}},
            {"tool": "TaskUpdate", "input": {"taskId": tid("review"), "status": "in_progress", "owner": "team-lead"}},
            {"tool": f"{MCP}advance_phase", "input": {"orchestration": f, "phase": k, "event": "review"}}]})
        steps.append({"tool": f"{MCP}advance_phase", "input": {"orchestration": f, "phase": k, "event": "complete"}})
        steps.append({"tool": "TaskUpdate", "input": {"taskId": tid("review"), "status": "completed"}})
    steps.append({"text": f"Orchestration '{f}' is complete: {n} phase(s) done."})
    return {"match": f"Feature '{f}' is initialized", "steps": steps}


def planner(s):
    f = s["feature_name"]
    steps = [{"tool": "ToolSearch", "input": {"query": "select:TaskUpdate,SendMessage"}}]
    for k, phase in enumerate(s["phases"], 1):
        tid = str(3 * (k - 1) + 1)
        steps.append({"tool": "TaskUpdate", "input": {"taskId": tid, "status": "in_progress", "owner": "phase-planner"}})
        steps.append({"tool": "Write", "input": {"file_path": f"{{{{after:worktree }}}}/docs/plans/phase-{k}.md",
                                                 "content": phase["plan"]}})
        steps.append({"tool": "TaskUpdate", "input": {"taskId": tid, "status": "completed"}})
    steps.append({"tool": "SendMessage", "input": {
        "to": "team-lead", "summary": "plans written",
        "message": f"phase-planner finished: the plans of '{f}' are in docs/plans/."}})
    steps.append({"text": "Plans written."})
    return {"match": f"[phase-planner of {f}]", "steps": steps}


def owners(phase):
    seen = []
    for t in phase["tasks"]:
        if t["owner"] not in seen:
            seen.append(t["owner"])
    return seen


def phase_lead(s, k, phase):
    f = s["feature_name"]
    team = f"{f}-phase-{k}"
    steps = [{"tool": "ToolSearch", "input": {"query": f"select:TaskCreate,TaskUpdate,SendMessage,{MCP}advance_phase"}},
             {"text": "Creating the phase tasks.", "tools": [
                 {"tool": "TaskCreate", "input": {"subject": t["subject"], "description": t["description"],
                                                  "activeForm": "Working on: " + t["subject"]}}
                 for t in phase["tasks"]]}]
    blocked = [{"tool": "TaskUpdate", "input": {"taskId": t["id"], "addBlockedBy": t["blocked_by"]}}
               for t in phase["tasks"] if t.get("blocked_by")]
    if blocked:
        steps.append({"tools": blocked})
    previous = None
    for who in owners(phase):
        ids = [t["id"] for t in phase["tasks"] if t["owner"] == who]
        spawn = {"tool": "Agent", "input": {
            "name": who, "description": f"{who} for phase {k}",
            "prompt": f"[{who} of {team}] Do tasks {', '.join(ids)} of team {team}. Worktree: "
                      "{{after:Worktree: }} . Report to team-lead when done."}}
        if previous:
            spawn["when"] = f"{previous} finished"
        steps.append(spawn)
        steps.append({"text": f"Waiting for {who}."})
        previous = who
    failure = phase.get("failure")
    if failure:
        fixes = failure["fix_tasks"]
        steps.append({"text": "The tests fail: blocking the phase and planning the fix.",
                      "when": f"{previous} finished", "tools": [
                          {"tool": f"{MCP}advance_phase", "input": {
                              "orchestration": f, "phase": k, "event": "block", "reason": failure["reason"]}}] + [
                          {"tool": "TaskCreate", "input": {"subject": t["subject"], "description": t["description"],
                                                           "activeForm": "Working on: " + t["subject"]}}
                          for t in fixes]})
        blocked = [{"tool": "TaskUpdate", "input": {"taskId": t["id"], "addBlockedBy": t["blocked_by"]}}
                   for t in fixes if t.get("blocked_by")]
        if blocked:
            steps.append({"tools": blocked})
        previous = None
        for who in owners({"tasks": fixes}):
            ids = [t["id"] for t in fixes if t["owner"] == who]
            send = {"tool": "SendMessage", "input": {
                "to": who, "summary": "fix tasks",
                "message": f"[fix for {who} of {team}] Do the fix tasks {', '.join(ids)} and report to team-lead."}}
            if previous:
                send["when"] = f"{previous} finished the fix"
            steps.append(send)
            steps.append({"text": f"Waiting for {who}."})
            previous = who
        steps.append({"tool": f"{MCP}advance_phase", "when": f"{previous} finished the fix",
                      "input": {"orchestration": f, "phase": k, "event": "resume"}})
    steps.append({"text": f"Phase {k} done: every task is completed and the tests pass.",
                  **({} if failure else {"when": f"{previous} finished"})})
    return {"match": f"You lead team {team} ", "steps": steps}


def teammate(s, k, phase, who, last):
    f = s["feature_name"]
    team = f"{f}-phase-{k}"
    wt = "{{after:Worktree: }}"
    steps = [{"tool": "ToolSearch", "input": {"query": "select:TaskUpdate,SendMessage"}}]
    steps += task_steps(phase["tasks"], who, wt)
    fixes = phase.get("failure", {}).get("fix_tasks", [])
    if any(t["owner"] == who for t in fixes):
        steps.append({"tool": "SendMessage", "input": {
            "to": "team-lead", "summary": "tasks done", "message": f"{who} finished its tasks in {team}."}})
        steps.append({"text": "My tasks are done."})
        fix = task_steps(fixes, who, wt)
        fix[0]["when"] = f"[fix for {who} of {team}]"
        steps += fix
        report = f"{who} finished the fix in {team}."
    else:
        report = f"{who} finished its tasks in {team}."
    if last and phase.get("commit_message"):
        steps.append({"tool": "Bash", "input": {
            "command": f"git add -A . && git commit -q -m {json.dumps(phase['commit_message'])} && git log --oneline -1",
            "description": "Commit the phase"}})
    steps.append({"tool": "SendMessage", "input": {"to": "team-lead", "summary": "tasks done", "message": report}})
    steps.append({"text": "My tasks are done."})
    return {"match": f"[{who} of {team}]", "steps": steps}


def task_steps(tasks, who, wt):
    steps = []
    for t in [t for t in tasks if t["owner"] == who]:
        steps.append({"tool": "TaskUpdate", "input": {"taskId": t["id"], "status": "in_progress", "owner": who}})
        for c in t.get("changes", []):
            path = f"{wt}/{c['path']}"
            if c["action"] == "write":
                steps.append({"tool": "Bash", "input": {"command": f"mkdir -p \"$(dirname '{path}')\" && rm -f '{path}'",
                                                        "description": "Make room for the new file"}})
                steps.append({"tool": "Write", "input": {"file_path": path, "content": c["content"]}})
            elif c["action"] == "replace":
                steps.append({"tool": "Read", "input": {"file_path": path}})
                steps.append({"tool": "Edit", "input": {"file_path": path, "old_string": c["find"],
                                                        "new_string": c["with"]}})
            elif c["action"] == "delete":
                steps.append({"tool": "Bash", "input": {"command": f"rm '{path}'", "description": "Delete the file"}})
            else:
                sys.exit(f"{s['feature_name']}: unknown change action {c['action']}")
        if t.get("run_tests"):
            steps.append({"tool": "Bash", "input": {"command": "cargo test --quiet 2>&1 | tail -5",
                                                    "description": "Run the test suite", "timeout": 600000}})
        steps.append({"tool": "TaskUpdate", "input": {"taskId": t["id"], "status": "completed"}})
    return steps


def generate(name):
    folder = ROOT / "scenarios" / name
    s = json.loads((folder / "scenario.json").read_text())
    out = folder / "claude"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    scripts = {"orchestrator": orchestrator(s), "phase-planner": planner(s)}
    for k, phase in enumerate(s["phases"], 1):
        scripts[f"phase-{k}-lead"] = phase_lead(s, k, phase)
        who = owners(phase)
        for w in who:
            scripts[f"phase-{k}-{w}"] = teammate(s, k, phase, w, w == who[-1])
    for agent, script in scripts.items():
        (out / f"{agent}.json").write_text(json.dumps(script, indent=1) + "\n")
    print(f"{name}: {', '.join(scripts)}")


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(p.parent.name for p in (ROOT / "scenarios").glob("*/scenario.json"))
    for n in names:
        generate(n)
