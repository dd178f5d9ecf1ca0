"""Independent MCP client check: the official Python `mcp` SDK talks to the built
`tina-mcp` binary over stdio and asserts what it gets back.

Usage: python3 stdio_client.py <tina-mcp binary> <expected.json>
The environment (TINA_HOME, CLAUDE_HOME) must point at a store seeded as
`tests/common/seed.rs` does; expected.json carries the ids of that seed.
Run by `cargo test -p tina-mcp --test python_client` (which seeds and writes both).
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED_TOOLS = {
    "list_orchestrations", "get_orchestration", "get_orchestration_detail",
    "get_team_hierarchy", "get_current_tasks", "list_active_teams",
    "init_orchestration", "start_phase", "advance_phase", "register_team",
    "rebuild_binaries", "run_scenario", "get_scenario_run", "list_scenarios",
    "watch_orchestration",
}


def field(obj, snake, camel):
    """The SDK's 2.x models use snake_case attributes, 1.x camelCase: accept both."""
    return getattr(obj, snake) if hasattr(obj, snake) else getattr(obj, camel)


def is_error(result):
    return bool(field(result, "is_error", "isError"))


def structured(result, tool):
    assert not is_error(result), f"{tool} failed: {result.content}"
    data = field(result, "structured_content", "structuredContent")
    assert isinstance(data, dict), f"{tool}: no structured content"
    # The text block carries the same JSON for clients that ignore structuredContent.
    assert json.loads(result.content[0].text) == data, f"{tool}: text != structured"
    return data


async def main(binary, expected):
    params = StdioServerParameters(command=binary, args=["serve"], env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            server_info = field(init, "server_info", "serverInfo")
            assert server_info.name == "tina-mcp", server_info
            assert "watch_orchestration" in (init.instructions or "")

            tools = {t.name: t for t in (await session.list_tools()).tools}
            missing = EXPECTED_TOOLS - set(tools)
            assert not missing, f"missing tools: {missing}"
            for name, tool in tools.items():
                assert field(tool, "output_schema", "outputSchema"), f"{name}: no outputSchema"
                schema = field(tool, "input_schema", "inputSchema")
                for arg, prop in (schema.get("properties") or {}).items():
                    assert prop.get("description"), f"{name}.{arg} undocumented"

            tasks = structured(
                await session.call_tool("get_current_tasks", {"orchestration": "auth"}),
                "get_current_tasks")
            assert tasks["count"] == 7, tasks["count"]
            assert tasks["orchestration_id"] == expected["orchestration_id"]
            keys = {(t["team_name"], t["task_id"]) for t in tasks["tasks"]}
            assert ("auth-orchestration", "1") in keys and ("auth-phase-1", "1") in keys, keys

            phase1 = structured(
                await session.call_tool(
                    "get_current_tasks",
                    {"orchestration": expected["orchestration_id"], "phase": 1,
                     "status": "completed"}),
                "get_current_tasks")
            assert phase1["count"] == 3, phase1
            assert all(t["team_id"] == expected["phase1_team_id"] for t in phase1["tasks"])

            tree = structured(
                await session.call_tool("get_team_hierarchy", {"orchestration": "auth"}),
                "get_team_hierarchy")
            [root] = tree["teams"]
            assert root["team"]["id"] == expected["orchestrator_team_id"], root["team"]
            assert root["task_total"] == 2
            [child] = root["children"]
            assert child["team"]["team_name"] == "auth-phase-1"
            assert child["team"]["parent_team_id"] == expected["orchestrator_team_id"]
            assert child["task_counts"] == {"completed": 3, "in_progress": 1,
                                            "needs_review": 1}, child["task_counts"]
            assert [m["agent_name"] for m in child["members"]] == ["executor"]

            bad = await session.call_tool("get_team_hierarchy", {"orchestration": "nope"})
            assert is_error(bad), bad
            assert "list_orchestrations" in bad.content[0].text, bad.content

            # Still serving after the error.
            again = structured(
                await session.call_tool("get_current_tasks", {"orchestration": "auth"}),
                "get_current_tasks")
            assert again["count"] == 7

            # Every other tool's result, checked by the SDK against its outputSchema
            # (call_tool validates structuredContent with jsonschema).
            listed = structured(await session.call_tool("list_orchestrations", {}),
                                "list_orchestrations")
            assert {o["feature_name"] for o in listed["orchestrations"]} == {"auth", "billing"}
            one = structured(await session.call_tool("get_orchestration",
                                                     {"orchestration": "auth"}),
                             "get_orchestration")
            assert one["task_total"] == 7
            detail = structured(await session.call_tool("get_orchestration_detail",
                                                        {"orchestration": "auth"}),
                                "get_orchestration_detail")
            assert len(detail["phase_tasks"]["1"]) == 5
            active = structured(await session.call_tool("list_active_teams", {}),
                                "list_active_teams")
            assert len(active["teams"]) == 3
            watch = structured(await session.call_tool(
                "watch_orchestration", {"orchestration": "auth", "timeout_seconds": 0}),
                "watch_orchestration")
            assert watch["milestones"] and watch["cursor"]
            team = structured(await session.call_tool(
                "register_team", {"orchestration": "auth", "team_name": "auth-review",
                                  "phase_number": 1,
                                  "parent_team_id": expected["orchestrator_team_id"]}),
                "register_team")
            assert team["team"]["parent_team_id"] == expected["orchestrator_team_id"]
            started = structured(await session.call_tool(
                "start_phase", {"orchestration": "auth", "phase": 2, "runtime": "none",
                                "plan": expected["plan"]}),
                "start_phase")
            assert started["team_name"] == "auth-phase-2"
            advanced = structured(await session.call_tool(
                "advance_phase", {"orchestration": "auth", "phase": 1, "event": "review"}),
                "advance_phase")
            assert advanced["phase_status"] == "reviewing"
            init = structured(await session.call_tool(
                "init_orchestration", {"feature": "py", "design_doc": expected["design_doc"],
                                       "no_worktree": True}),
                "init_orchestration")
            assert init["team_name"] == "py-orchestration"
            scenarios = structured(await session.call_tool("list_scenarios", {}),
                                   "list_scenarios")
            assert any(sc["name"] == "01-single-phase" for sc in scenarios["scenarios"])
            missing = await session.call_tool("get_scenario_run", {"run_id": "run-none"})
            assert is_error(missing) and "run_scenario" in missing.content[0].text
    print("python mcp client: 1 passed, 0 failed")


if __name__ == "__main__":
    with open(sys.argv[2]) as f:
        asyncio.run(main(sys.argv[1], json.load(f)))
