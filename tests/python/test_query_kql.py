"""`query_kql` driven by the Python MCP SDK over stdio: sample telemetry
written by `devops-mcp sample-telemetry`, typed values checked against the
declared output schema (the SDK validates structuredContent), errors with
positions, and a cancelled long query that stops using the CPU."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import pytest

from conftest import TRANSPORTS, Connection, real_binary, run_cli

pytestmark = pytest.mark.anyio

#: Requests in the sample; dependencies, exceptions and traces follow from them.
ROWS = 2000
#: The end of the sample day: `now` for queries that use ago().
SAMPLE_END = "2024-06-04T00:00:00Z"
#: A regular expression over five million rows: tens of seconds in a debug
#: build. Its work is driven by batches of a table source, where DataFusion
#: yields, so a cancel can stop it.
LONG_QUERY = (
    "range x from 1 to 5000000 step 1"
    " | extend s = extract('([0-9]+)7([0-9])', 2, strcat(tostring(x), 'abc', tostring(x * 7)))"
    " | summarize dcount(s), count()"
)
#: CPU seconds the server may use in the window after a cancel (idle is ~0).
IDLE_CPU = 0.3


def sample_workspace(tmp_path: Path) -> Path:
    """A workspace whose devops-mcp.toml points query_kql at fresh sample data."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    data = tmp_path / "telemetry"
    written = run_cli(real_binary(), "sample-telemetry", "--rows", str(ROWS), "--out", str(data), workspace=workspace)
    assert written.returncode == 0, written.stderr
    assert "payments-api" in written.stdout, written.stdout
    (workspace / "devops-mcp.toml").write_text(
        f'[backends]\nkql_data_dir = "{data}"\n[backends.secrets]\nlocal_store_dir = "{tmp_path / "store"}"\n'
    )
    return workspace


def rows_as_dicts(structured: dict[str, Any]) -> list[dict[str, Any]]:
    names = [c["name"] for c in structured["columns"]]
    return [dict(zip(names, row, strict=True)) for row in structured["rows"]]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


STDIO = [t for t in TRANSPORTS if t.kind == "stdio"]


@pytest.mark.parametrize("transport", STDIO, ids=lambda t: t.id)
async def test_typed_results_on_sample_telemetry(connect: Any, tmp_path: Path) -> None:
    workspace = sample_workspace(tmp_path)
    async with connect(workspace=workspace) as conn:
        conn: Connection
        with anyio.fail_after(120):
            result = await conn.client.call_tool(
                "query_kql",
                {
                    "query": "requests | summarize n = count(), failed = countif(success == 'False'), p95 = percentile(duration, 95),"
                    " earliest = min(timestamp), spread = max(timestamp) - min(timestamp), roles = make_set(cloud_RoleName)"
                    " by cloud_RoleName | order by cloud_RoleName asc",
                },
            )
        assert not result.is_error, result.content
        structured = result.structured_content
        assert structured is not None
        assert [(c["name"], c["type"]) for c in structured["columns"]] == [
            ("cloud_RoleName", "string"),
            ("n", "long"),
            ("failed", "long"),
            ("p95", "real"),
            ("earliest", "datetime"),
            ("spread", "timespan"),
            ("roles", "dynamic"),
        ]
        rows = rows_as_dicts(structured)
        assert [r["cloud_RoleName"] for r in rows] == ["frontend", "orders-api"]
        assert sum(r["n"] for r in rows) == ROWS
        assert structured["total_rows"] == 2 and structured["truncated"] is False
        for row in rows:
            assert isinstance(row["n"], int) and isinstance(row["failed"], int)
            assert isinstance(row["p95"], float) and row["p95"] > 0
            earliest = datetime.fromisoformat(row["earliest"].replace("Z", "+00:00"))
            assert earliest.tzinfo is not None and earliest.date() == datetime(2024, 6, 3, tzinfo=timezone.utc).date()
            assert row["spread"].count(":") == 2, row["spread"]
            assert row["roles"] == [row["cloud_RoleName"]]
        # The text block is the preview agents read.
        text = result.content[0].text
        assert text.startswith("2 rows x 7 columns"), text
        assert "| frontend |" in text

        chart = await conn.client.call_tool(
            "query_kql",
            {
                "query": "AppRequests | where TimeGenerated > ago(1d) | summarize failed = countif(not(Success)) by bin(TimeGenerated, 15m) | render timechart",
                "now": SAMPLE_END,
                "max_rows": 10,
            },
        )
        assert not chart.is_error, chart.content
        chart_result = chart.structured_content
        assert chart_result["render"]["visualization"] == "timechart"
        assert chart_result["total_rows"] == 96 and chart_result["truncated"] is True
        assert len(chart_result["rows"]) == 10
        assert chart_result["statistics"]["rows"] == 96

        checked = await conn.client.call_tool("query_kql", {"query": "exceptions | summarize count() by typ", "validate_only": True})
        assert not checked.is_error
        assert checked.structured_content["valid"] is False
        problem = checked.structured_content["diagnostics"][0]
        assert (problem["code"], problem["line"], problem["column"], problem["suggestion"]) == ("unknown-column", 1, 35, "type")

        failed = await conn.client.call_tool("query_kql", {"query": "exceptions | summarize count() by typ"})
        assert failed.is_error
        message = failed.content[0].text
        assert "line 1, column 35" in message and "Did you mean `type`?" in message, message


@pytest.mark.parametrize("transport", STDIO[:1], ids=lambda t: t.id)
async def test_cancel_stops_the_query_work(connect: Any, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    async with connect(workspace=workspace) as conn:
        conn: Connection
        pid = conn.server_pid()
        updates: list[float] = []
        outcome: list[Any] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            updates.append(progress)

        async def call() -> None:
            outcome.append(await conn.client.call_tool("query_kql", {"query": LONG_QUERY, "timeout_seconds": 600}, progress_callback=on_progress))

        async with anyio.create_task_group() as group:
            group.start_soon(call)
            with anyio.fail_after(60):
                while not any(progress >= 1 for progress in updates):
                    assert not outcome, f"the query finished before it could be cancelled: {outcome}"
                    await anyio.sleep(0.05)
            busy_from = cpu_seconds(pid)
            await anyio.sleep(1.0)
            busy = cpu_seconds(pid) - busy_from
            assert busy > 0.5, f"the query should be using the CPU before the cancel ({busy:.2f} s in 1 s)"
            group.cancel_scope.cancel()
        assert not outcome, f"the call completed although it was cancelled: {outcome}"
        # Let the cancel arrive and the engine unwind, then the server must be idle.
        await anyio.sleep(1.0)
        idle_from = cpu_seconds(pid)
        started = time.monotonic()
        await anyio.sleep(1.5)
        idle = cpu_seconds(pid) - idle_from
        assert idle < IDLE_CPU, f"the server used {idle:.2f} CPU s in {time.monotonic() - started:.1f} s after the cancel"

        quick = await conn.client.call_tool("query_kql", {"query": "print answer = 6 * 7"})
        assert not quick.is_error, quick.content
        assert quick.structured_content["rows"] == [[42]]
