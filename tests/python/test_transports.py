"""The Python MCP SDK drives the server over every transport: stdio, Streamable
HTTP (stateful and stateless, SDK modes `legacy` = initialize handshake and
`auto` = server/discover, i.e. protocol 2026-07-28) and the legacy HTTP+SSE
transport of 2024-11-05. Each test runs once per transport (see TRANSPORTS).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any, Literal

import anyio
import mcp_types as types
import pytest
from pydantic import TypeAdapter

from conftest import Connection, LongTool, Transport, processes_working_in, real_binary, wait_for
from mcp.shared.exceptions import MCPError

pytestmark = pytest.mark.anyio

#: Prompt arguments with a known set of values, and a prefix + value the completion must offer.
COMPLETABLE_ARGUMENTS = {
    "environment": ("pr", "prod"),
    "region": ("swe", "swedencentral"),
    "stack": ("py", "python-fastapi"),
    "workload": ("dj", "django"),
}

#: Prompts the server instructions point an agent to.
EXPECTED_PROMPTS = {"session", "infrastructure"}

#: Seconds within which a cancelled scan's processes must be gone.
CANCEL_GRACE = 4.0

HINTS = ("read_only_hint", "destructive_hint", "idempotent_hint", "open_world_hint")


class SkillsListRequest(types.PaginatedRequest[Literal["skills/list"]]):
    """`skills/list` of the MCP skills extension (SEP-2640); the SDK has no helper for it."""

    method: Literal["skills/list"] = "skills/list"


def server_version() -> str:
    out = subprocess.run([str(real_binary()), "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    return out.split()[-1]


async def skill_names(conn: Connection) -> list[str]:
    resources = (await conn.client.list_resources()).resources
    names = [m.group(1) for r in resources if (m := re.fullmatch(r"skill://([^/]+)/SKILL\.md", str(r.uri)))]
    assert names, f"resources/list has no skill://<name>/SKILL.md resource: {[str(r.uri) for r in resources]}"
    return names


async def test_initialize(connect: Any, transport: Transport) -> None:
    async with connect() as conn:
        client = conn.client
        expected_version = "2026-07-28" if transport.modern else "2025-11-25"
        assert client.protocol_version == expected_version
        assert client.server_info is not None
        assert client.server_info.name == "devops-mcp"
        assert client.server_info.version == server_version()
        caps = client.server_capabilities
        assert caps.tools is not None
        assert caps.resources is not None and caps.resources.list_changed is True
        assert caps.prompts is not None
        assert caps.completions is not None
        instructions = client.instructions or ""
        assert len(instructions) > 80, f"instructions too short to guide an agent: {instructions!r}"
        assert "skill" in instructions.lower()


async def test_tools_list_carries_every_annotation(connect: Any) -> None:
    async with connect() as conn:
        tools = (await conn.client.list_tools()).tools
        assert tools, "tools/list is empty"
        for tool in tools:
            assert tool.annotations is not None, f"{tool.name} has no annotations (Copilot drops such tools)"
            for hint in HINTS:
                value = getattr(tool.annotations, hint)
                assert isinstance(value, bool), f"{tool.name}: {hint} is {value!r}, expected true/false"
            if tool.annotations.read_only_hint:
                assert not tool.annotations.destructive_hint, f"{tool.name} is read-only yet destructive"
            assert tool.description and len(tool.description) > 20, f"{tool.name} has no useful description"
            assert tool.input_schema.get("type") == "object", f"{tool.name}: {tool.input_schema}"


async def test_resources_list_and_read_every_resource(connect: Any) -> None:
    async with connect() as conn:
        names = await skill_names(conn)
        resources = (await conn.client.list_resources()).resources
        for resource in resources:
            result = await conn.client.read_resource(str(resource.uri))
            assert len(result.contents) >= 1, f"{resource.uri} read returned no contents"
            content = result.contents[0]
            assert str(content.uri) == str(resource.uri)
            assert isinstance(content, types.TextResourceContents), f"{resource.uri}: {type(content)}"
            assert content.text.strip(), f"{resource.uri} is empty"
        skill = await conn.client.read_resource(f"skill://{names[0]}/SKILL.md")
        content = skill.contents[0]
        assert content.mime_type == "text/markdown"
        assert content.text.startswith("---\n"), "SKILL.md must open with YAML front matter"
        front_matter = content.text.split("\n---", 1)[0]
        assert re.search(rf"^name:\s*['\"]?{re.escape(names[0])}['\"]?\s*$", front_matter, re.M), front_matter
        assert re.search(r"^description:\s*\S", front_matter, re.M), front_matter


async def test_unknown_resource_is_an_error_naming_the_uri(connect: Any) -> None:
    async with connect() as conn:
        uri = "skill://no-such-skill/SKILL.md"
        with pytest.raises(MCPError) as error:
            await conn.client.read_resource(uri)
        assert error.value.error.code in (-32002, -32602), error.value.error
        assert isinstance(error.value.error.data, dict) and error.value.error.data.get("uri") == uri, error.value.error
        # The session survives the error.
        assert (await conn.client.list_tools()).tools


async def test_skills_extension_lists_the_skill_resources(connect: Any) -> None:
    async with connect() as conn:
        capabilities = conn.client.server_capabilities.model_dump(by_alias=True, exclude_none=True)
        assert "io.modelcontextprotocol/skills" in (capabilities.get("extensions") or {}), capabilities
        listed = await conn.client.session.send_request(SkillsListRequest(), TypeAdapter(dict))
        uris = sorted(entry["uri"] for entry in listed["skills"])
        assert uris == sorted(f"skill://{name}/SKILL.md" for name in await skill_names(conn))
        for entry in listed["skills"]:
            assert entry["frontmatter"]["name"] == entry["uri"].split("/")[2]
            assert entry["frontmatter"]["description"]


async def test_prompts_list_and_get_with_arguments(connect: Any) -> None:
    async with connect() as conn:
        prompts = (await conn.client.list_prompts()).prompts
        names = {prompt.name for prompt in prompts}
        assert EXPECTED_PROMPTS <= names, f"prompts/list lacks {sorted(EXPECTED_PROMPTS - names)}; it has {sorted(names)}"
        for prompt in prompts:
            arguments = {}
            for argument in prompt.arguments or []:
                completion = await conn.client.complete(types.PromptReference(name=prompt.name), {"name": argument.name, "value": ""})
                values = completion.completion.values
                arguments[argument.name] = values[0] if values else f"example-{argument.name.replace('_', '-')}"
            result = await conn.client.get_prompt(prompt.name, arguments)
            assert result.messages, f"prompt {prompt.name} has no messages"
            text = "\n".join(m.content.text for m in result.messages if isinstance(m.content, types.TextContent))
            assert text.strip(), f"prompt {prompt.name} rendered no text"
            assert "{{" not in text, f"prompt {prompt.name} left a placeholder unreplaced: {text[text.index('{{'):][:80]!r}"
            if arguments:
                assert any(value in text for value in arguments.values()), f"prompt {prompt.name} ignores its arguments {arguments}"
        with pytest.raises(MCPError) as error:
            await conn.client.get_prompt("no_such_prompt", {})
        assert error.value.error.code == -32602, error.value.error


async def test_completion_of_a_resource_template(connect: Any) -> None:
    async with connect() as conn:
        names = sorted(await skill_names(conn))
        template = types.ResourceTemplateReference(uri="skill://{name}/SKILL.md")
        everything = await conn.client.complete(template, {"name": "name", "value": ""})
        assert sorted(everything.completion.values) == names
        prefix = names[0][:3]
        narrowed = await conn.client.complete(template, {"name": "name", "value": prefix})
        assert names[0] in narrowed.completion.values
        assert all(value.startswith(prefix) for value in narrowed.completion.values), narrowed.completion.values
        templates = {str(t.uri_template) for t in (await conn.client.list_resource_templates()).resource_templates}
        assert "skill://{name}/SKILL.md" in templates, templates


async def test_completion_of_prompt_arguments(connect: Any) -> None:
    async with connect() as conn:
        prompts = (await conn.client.list_prompts()).prompts
        seen = set()
        for prompt in prompts:
            for argument in prompt.arguments or []:
                if argument.name not in COMPLETABLE_ARGUMENTS or argument.name in seen:
                    continue
                seen.add(argument.name)
                prefix, expected = COMPLETABLE_ARGUMENTS[argument.name]
                result = await conn.client.complete(types.PromptReference(name=prompt.name), {"name": argument.name, "value": prefix})
                values = result.completion.values
                assert expected in values, f"{prompt.name}.{argument.name} completes {prefix!r} to {values}"
                assert all(v.lower().startswith(prefix) for v in values), values
        assert seen, f"no prompt has any of the completable arguments {sorted(COMPLETABLE_ARGUMENTS)}"


# --------------------------------------------------------------------------- long calls
#
# run_semgrep over a copy of tests/fixtures/scan/vulnerable-app: about ten
# seconds, progress every two seconds and for each semgrep status line; semgrep
# runs in its own process group with the workspace as working directory.


async def test_progress_notifications_of_a_long_call(connect: Any, long_tool: LongTool, tmp_path: Path) -> None:
    workspace = tmp_path / "scan"
    workspace.mkdir()
    arguments = long_tool.prepare_workspace(workspace)
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    async with connect(binary=long_tool.binary, workspace=workspace) as conn:
        with anyio.fail_after(120):
            # Two packs keep it to ~6 s, still several heartbeats and status lines.
            result = await conn.client.call_tool(long_tool.name, {**arguments, "packs": ["secrets", "dockerfile"]}, progress_callback=on_progress)
        assert result.content, result
        assert not result.is_error, result.content
        assert len(updates) >= 2, f"{long_tool.name} sent {len(updates)} notifications/progress: {updates}"
        values = [progress for progress, _, _ in updates]
        assert values == sorted(values) and len(set(values)) == len(values), f"progress must increase: {values}"
        for progress, total, message in updates:
            assert total is None or progress <= total, updates
            assert message is None or isinstance(message, str), updates
        # The call's result arrives after its last progress notification.
        await anyio.sleep(0.3)
        assert len(updates) == len(values), "progress arrived after the result"


async def test_cancel_a_long_call_stops_the_work(
    connect: Any, long_tool: LongTool, tmp_path: Path
) -> None:
    workspace = tmp_path / "scan"
    workspace.mkdir()
    arguments = long_tool.prepare_workspace(workspace)
    outcome: list[Any] = []

    async with connect(binary=long_tool.binary, workspace=workspace) as conn:
        server_pid = conn.server_pid()

        async def call() -> None:
            outcome.append(await conn.client.call_tool(long_tool.name, arguments))

        async with anyio.create_task_group() as group:
            group.start_soon(call)
            with anyio.fail_after(60):
                # Cancel once the scanner is really running.
                while not processes_working_in(workspace, exclude={server_pid}):
                    assert not outcome, f"{long_tool.name} finished before it could be cancelled: {outcome}"
                    await anyio.sleep(0.05)
            await anyio.sleep(0.5)
            group.cancel_scope.cancel()
        cancelled_at = time.monotonic()
        assert not outcome, f"the call completed although it was cancelled: {outcome}"

        # Uncancelled, semgrep would run for several more seconds (the scan
        # takes ~10 s); a cancelled one is killed at once.
        await wait_for(
            lambda: not processes_working_in(workspace, exclude={server_pid}),
            CANCEL_GRACE,
            f"the scanner processes of {long_tool.name} to exit after the cancel",
        )
        assert time.monotonic() - cancelled_at < CANCEL_GRACE

        # The server keeps serving, on the same connection.
        assert (await conn.client.list_tools()).tools
        names = await skill_names(conn)
        assert (await conn.client.read_resource(f"skill://{names[0]}/SKILL.md")).contents
        quick = await conn.client.call_tool(long_tool.name, {**arguments, "packs": ["dockerfile"], "include": ["Dockerfile"]})
        assert quick.content, quick
