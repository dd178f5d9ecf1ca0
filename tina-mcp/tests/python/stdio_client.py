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
            keys = {(g["team"], t["id"]) for g in tasks["teams"] for t in g["tasks"]}
            assert len(keys) == 7, keys
            assert ("auth-orchestration", "1") in keys and ("auth-phase-1", "1") in keys, keys
            full = structured(
                await session.call_tool("get_current_tasks",
                                        {"orchestration": "auth", "detail": "full"}),
                "get_current_tasks")
            assert all("updated_at" in t for g in full["teams"] for t in g["tasks"]), full
            page = structured(
                await session.call_tool("get_current_tasks",
                                        {"orchestration": "auth", "limit": 2}),
                "get_current_tasks")
            assert page["more"] == 5 and page["cursor"], page

            phase1 = structured(
                await session.call_tool(
                    "get_current_tasks",
                    {"orchestration": expected["orchestration_id"], "phase": 1,
                     "status": "completed"}),
                "get_current_tasks")
            [group] = phase1["teams"]
            assert group["team"] == "auth-phase-1" and group["phase"] == 1, group
            assert len(group["tasks"]) == 3, group

            tree = structured(
                await session.call_tool("get_team_hierarchy", {"orchestration": "auth"}),
                "get_team_hierarchy")
            [root] = tree["teams"]
            assert root["id"] == expected["orchestrator_team_id"], root
            assert root["tasks"] == {"completed": 1, "in_progress": 1}, root
            [child] = root["children"]
            assert child["team"] == "auth-phase-1"
            assert child["id"] == expected["phase1_team_id"]
            assert child["tasks"] == {"completed": 3, "in_progress": 1,
                                      "needs_review": 1}, child["tasks"]
            assert [m["name"] for m in child["members"]] == ["executor"]
            structured(await session.call_tool("get_team_hierarchy",
                                               {"orchestration": "auth", "detail": "full"}),
                       "get_team_hierarchy")

            bad = await session.call_tool("get_team_hierarchy", {"orchestration": "nope"})
            assert is_error(bad), bad
            assert "list_orchestrations" in bad.content[0].text, bad.content

            # Still serving after the error.
            again = structured(
                await session.call_tool("get_current_tasks", {"orchestration": "auth"}),
                "get_current_tasks")
            assert sum(len(g["tasks"]) for g in again["teams"]) == 7

            # Every other tool's result, checked by the SDK against its outputSchema
            # (call_tool validates structuredContent with jsonschema).
            listed = structured(await session.call_tool("list_orchestrations", {}),
                                "list_orchestrations")
            assert {o["feature"] for o in listed["orchestrations"]} == {"auth", "billing"}
            structured(await session.call_tool("list_orchestrations",
                                               {"detail": "full", "limit": 1}),
                       "list_orchestrations")
            one = structured(await session.call_tool("get_orchestration",
                                                     {"orchestration": "auth"}),
                             "get_orchestration")
            assert sum(one["tasks"].values()) == 7
            structured(await session.call_tool("get_orchestration",
                                               {"orchestration": "auth", "detail": "full"}),
                       "get_orchestration")
            detail = structured(await session.call_tool("get_orchestration_detail",
                                                        {"orchestration": "auth"}),
                                "get_orchestration_detail")
            assert [len(t.get("tasks", [])) for t in detail["teams"]] == [2, 5], detail
            structured(await session.call_tool("get_orchestration_detail",
                                               {"orchestration": "auth", "detail": "full",
                                                "limit": 3}),
                       "get_orchestration_detail")
            active = structured(await session.call_tool("list_active_teams", {}),
                                "list_active_teams")
            assert sum(len(o["teams"]) for o in active["orchestrations"]) == 3
            structured(await session.call_tool("list_active_teams",
                                               {"detail": "full", "limit": 1}),
                       "list_active_teams")
            watch = structured(await session.call_tool(
                "watch_orchestration", {"orchestration": "auth", "timeout_seconds": 0}),
                "watch_orchestration")
            assert watch["milestones"] and watch["cursor"]
            idle = structured(await session.call_tool(
                "watch_orchestration", {"orchestration": "auth", "cursor": watch["cursor"],
                                        "timeout_seconds": 0}),
                "watch_orchestration")
            assert "milestones" not in idle and len(idle["cursor"]) <= 24, idle
            team = structured(await session.call_tool(
                "register_team", {"orchestration": "auth", "team_name": "auth-review",
                                  "phase_number": 1,
                                  "parent_team_id": expected["orchestrator_team_id"]}),
                "register_team")
            assert team["team"]["team"] == "auth-review" and team["team"]["phase"] == 1
            advanced = structured(await session.call_tool(
                "advance_phase", {"orchestration": "auth", "phase": 1, "event": "review"}),
                "advance_phase")
            assert advanced["phase_status"] == "reviewing"
            structured(await session.call_tool(
                "advance_phase", {"orchestration": "auth", "phase": 1, "event": "complete"}),
                "advance_phase")
            # Phases run one at a time: phase 2 starts once phase 1 is complete.
            started = structured(await session.call_tool(
                "start_phase", {"orchestration": "auth", "phase": 2, "runtime": "none",
                                "plan": expected["plan"]}),
                "start_phase")
            assert started["team_name"] == "auth-phase-2"
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
