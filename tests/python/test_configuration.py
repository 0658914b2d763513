"""Behaviour that depends on configuration and process plumbing: tool
filtering (--read-only, --toolsets, --tools, --exclude-tools), `tools --json`
as the source of tools.json, skills hot reload with list_changed, and stdout
carrying nothing but JSON-RPC in stdio mode."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest

from conftest import REPO, HttpServer, StdioPeer, StreamableSession, Transport, clean_env, real_binary, run_cli, wait_for

TOOLS_JSON = REPO / "tools.json"


def tools_json(workspace: Path, *flags: str) -> dict[str, Any]:
    result = run_cli(real_binary(), *flags, "tools", "--json", workspace=workspace)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- tool filtering


def test_read_only_hides_write_tools_and_refuses_calls(stdio_peer: Callable[..., StdioPeer], tmp_path: Path) -> None:
    everything = tools_json(tmp_path)["tools"]
    writers = sorted(t["name"] for t in everything if not t["annotations"]["readOnlyHint"])
    readers = sorted(t["name"] for t in everything if t["annotations"]["readOnlyHint"])
    assert writers, f"no tool with readOnlyHint=false is registered yet (tools: {readers}); --read-only cannot be checked"
    assert sorted(t["name"] for t in tools_json(tmp_path, "--read-only")["tools"]) == readers

    peer = stdio_peer("--read-only")
    peer.initialize()
    listed = sorted(t["name"] for t in peer.request(1, "tools/list")["result"]["tools"])
    assert listed == readers
    for index, name in enumerate(writers):
        reply = peer.request(10 + index, "tools/call", {"name": name, "arguments": {}})
        assert "error" in reply, f"hidden tool {name} was called: {reply}"
        assert reply["error"]["code"] == -32602, reply
        message = reply["error"]["message"]
        assert name in message and "read-only" in message, f"refusal must name the tool and the reason: {message!r}"


def test_exclude_tools_hides_and_refuses(stdio_peer: Callable[..., StdioPeer], tmp_path: Path) -> None:
    everything = [t["name"] for t in tools_json(tmp_path)["tools"]]
    hidden = everything[0]
    assert hidden not in [t["name"] for t in tools_json(tmp_path, "--exclude-tools", hidden)["tools"]]
    peer = stdio_peer("--exclude-tools", hidden)
    peer.initialize()
    assert hidden not in [t["name"] for t in peer.request(1, "tools/list")["result"]["tools"]]
    reply = peer.request(2, "tools/call", {"name": hidden, "arguments": {}})
    assert reply.get("error", {}).get("code") == -32602, reply
    assert hidden in reply["error"]["message"] and "--exclude-tools" in reply["error"]["message"], reply


def test_tools_and_toolsets_filter(tmp_path: Path) -> None:
    everything = tools_json(tmp_path)["tools"]
    first = everything[0]["name"]
    only = tools_json(tmp_path, "--tools", first)["tools"]
    assert [t["name"] for t in only] == [first]
    doctor_hidden = tools_json(tmp_path, "--toolsets", "azure")["tools"]
    assert "doctor" not in [t["name"] for t in doctor_hidden], "doctor belongs to the `server` toolset"
    assert "doctor" in [t["name"] for t in tools_json(tmp_path, "--toolsets", "server")["tools"]]


@pytest.mark.parametrize(
    ("flags", "named"),
    [(["--toolsets", "no-such-set"], "no-such-set"), (["--tools", "no_such_tool"], "no_such_tool"), (["--exclude-tools", "no_such_tool"], "no_such_tool")],
)
def test_unknown_filter_names_are_startup_errors(tmp_path: Path, flags: list[str], named: str) -> None:
    result = run_cli(real_binary(), *flags, "tools", workspace=tmp_path)
    assert result.returncode != 0
    assert named in result.stderr, result.stderr
    assert result.stdout == ""


# --------------------------------------------------------------------------- tools.json


def test_tools_json_equals_tools_list(stdio_peer: Callable[..., StdioPeer], http_server: Callable[..., HttpServer], tmp_path: Path) -> None:
    printed = tools_json(tmp_path)
    peer = stdio_peer()
    peer.initialize()
    assert peer.request(1, "tools/list")["result"] == printed, "`tools --json` differs from tools/list over stdio"
    session = StreamableSession(http_server())
    try:
        assert session.request(1, "tools/list")["result"] == printed, "`tools --json` differs from tools/list over HTTP"
    finally:
        session.close()
    if TOOLS_JSON.exists():
        assert json.loads(TOOLS_JSON.read_text()) == printed, f"{TOOLS_JSON} is stale: regenerate it from `devops-mcp tools --json`"


# --------------------------------------------------------------------------- skills hot reload


def write_skill(root: Path, name: str, description: str, body: str = "Body.") -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "SKILL.md"
    path.write_text(f"---\nname: {name}\ndescription: {description}\n---\n\n# {name}\n\n{body}\n")
    return path


def list_changed_count(notifications: list[Any]) -> int:
    return sum(isinstance(n, types.ResourceListChangedNotification) for n in notifications)


@pytest.mark.anyio
@pytest.mark.parametrize("transport", [Transport("stdio-legacy", "stdio", "legacy"), Transport("http-stateful-legacy", "http", "legacy"), Transport("sse", "sse", "legacy")], ids=lambda t: t.id)
async def test_skills_hot_reload_sends_list_changed(connect: Any, tmp_path: Path) -> None:
    skills = tmp_path / "skills"
    write_skill(skills, "blackbox-alpha", "Use when testing the hot reload of skills.")
    async with connect(global_extra=["--skills-dir", str(skills)]) as conn:
        client = conn.client
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert "skill://blackbox-alpha/SKILL.md" in uris

        write_skill(skills, "blackbox-beta", "Use when a second skill appears.")
        await wait_for(lambda: list_changed_count(conn.notifications) >= 1, 10, "notifications/resources/list_changed after adding a skill")
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert "skill://blackbox-beta/SKILL.md" in uris

        seen = list_changed_count(conn.notifications)
        write_skill(skills, "blackbox-alpha", "Use when testing the hot reload of skills.", body="Edited body 42.")
        await wait_for(lambda: list_changed_count(conn.notifications) > seen, 10, "list_changed after editing a skill")
        text = (await client.read_resource("skill://blackbox-alpha/SKILL.md")).contents[0].text
        assert "Edited body 42." in text

        seen = list_changed_count(conn.notifications)
        (skills / "blackbox-beta" / "SKILL.md").unlink()
        (skills / "blackbox-beta").rmdir()
        await wait_for(lambda: list_changed_count(conn.notifications) > seen, 10, "list_changed after removing a skill")
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert "skill://blackbox-beta/SKILL.md" not in uris

        seen = list_changed_count(conn.notifications)
        await anyio.sleep(2.5)
        assert list_changed_count(conn.notifications) == seen, "list_changed sent although nothing changed on disk"


@pytest.mark.anyio
@pytest.mark.parametrize("transport", [Transport("stdio-auto", "stdio", "auto"), Transport("http-stateful-auto", "http", "auto")], ids=lambda t: t.id)
async def test_skills_hot_reload_reaches_2026_listeners(connect: Any, tmp_path: Path) -> None:
    skills = tmp_path / "skills"
    write_skill(skills, "blackbox-alpha", "Use when testing the hot reload of skills.")
    async with connect(global_extra=["--skills-dir", str(skills)]) as conn:
        assert conn.client.protocol_version == "2026-07-28"
        async with conn.client.listen(resources_list_changed=True) as subscription:
            write_skill(skills, "blackbox-gamma", "Use when a listener must hear about it.")
            with anyio.fail_after(10):
                async for event in subscription:
                    assert "resources" in repr(event).lower(), event
                    break
        uris = {str(r.uri) for r in (await conn.client.list_resources()).resources}
        assert "skill://blackbox-gamma/SKILL.md" in uris


def test_skills_dir_overrides_an_embedded_skill(stdio_peer: Callable[..., StdioPeer], tmp_path: Path) -> None:
    listed = run_cli(real_binary(), "skills", workspace=tmp_path)
    assert listed.returncode == 0, listed.stderr
    embedded = [line.split()[0] for line in listed.stdout.splitlines()[1:] if line.strip()]
    assert embedded, listed.stdout
    skills = tmp_path / "override"
    write_skill(skills, embedded[0], "Use when checking that a skills dir overrides the embedded copy.", body="OVERRIDDEN-7d1")
    peer = stdio_peer("--skills-dir", str(skills))
    peer.initialize()
    read = peer.request(1, "resources/read", {"uri": f"skill://{embedded[0]}/SKILL.md"})
    assert "OVERRIDDEN-7d1" in read["result"]["contents"][0]["text"]
    uris = [r["uri"] for r in peer.request(2, "resources/list")["result"]["resources"]]
    assert uris.count(f"skill://{embedded[0]}/SKILL.md") == 1


# --------------------------------------------------------------------------- stdout hygiene


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_stdio_stdout_carries_only_jsonrpc(stdio_peer: Callable[..., StdioPeer], tmp_path: Path, log_format: str) -> None:
    skills = tmp_path / "skills"
    write_skill(skills, "blackbox-alpha", "Use when checking where logs go.")
    peer = stdio_peer("--log-format", log_format, "--skills-dir", str(skills), env=clean_env(RUST_LOG="trace"))
    peer.initialize()
    peer.request(1, "tools/list")
    peer.request(2, "resources/list")
    peer.request(3, "resources/read", {"uri": "skill://blackbox-alpha/SKILL.md"})
    peer.request(4, "prompts/list")
    peer.request(5, "tools/call", {"name": "no_such_tool", "arguments": {}})
    peer.request(6, "nonexistent/method")
    peer.request(7, "logging/setLevel", {"level": "debug"})
    write_skill(skills, "blackbox-beta", "Use when a reload must log.")
    peer.request(8, "ping")
    time.sleep(1.5)
    assert peer.close() == 0
    assert peer.stdout_lines, "no output at all"
    for line in peer.stdout_lines:
        text = line.decode()
        assert text.endswith("\n") and "\n" not in text[:-1], f"a message must be one line: {text!r}"
        message = json.loads(text)
        assert message.get("jsonrpc") == "2.0", f"non JSON-RPC line on stdout: {text!r}"
    stderr = peer.stderr()
    assert stderr.strip(), "RUST_LOG=trace produced no log lines on stderr"
    if log_format == "json":
        for line in filter(str.strip, stderr.splitlines()):
            record = json.loads(line)
            assert isinstance(record, dict) and ("level" in record or "fields" in record), line
