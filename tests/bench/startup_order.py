#!/usr/bin/env python3
"""Regenerate crates/devops-mcp/startup.order: the functions a starting server runs.

lld links the functions listed there next to each other (see crates/devops-mcp/build.rs).
Without it the few MiB of code that start-up and a first request run are spread over the
whole binary, and the kernel maps 64 KiB of text around every first touch: 12.7 MiB of
an idle server's RSS was code, 4.4 MiB with the list.

The list comes from callgrind (valgrind) running a release build through the paths an idle
or lightly loaded server takes: stdio start with a workspace `devops-mcp.toml`, initialize,
tools/list, resources/list, prompts/list and a cheap tool call; then the same over
Streamable HTTP. (Without the config file, its TOML parser was left out of the list and
its first use mapped 0.7 MiB of code spread over a dozen places.) Only names the
binary defines are kept: stdio-only first, then the shared ones, then HTTP-only, so each
transport's code is one contiguous run. Names carry crate hashes that change with the
toolchain, Cargo.lock or features, and one in seven ends in an LLVM module hash
(`.llvm.<n>`) that changes with any edit to its crate; stale names are ignored by the
linker, so a stale file costs memory, never correctness. Regenerate from a build of the
final source, then rebuild:

  cargo build --release -p devops-mcp
  python3 tests/bench/startup_order.py --binary target/release/devops-mcp

Standard library only; needs valgrind (Debian: apt-get install valgrind) and nm.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import INITIALIZE, defined_functions, free_port, http_post, wait_for_listener

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_OUT = REPO / "crates" / "devops-mcp" / "startup.order"

PROTOCOL = INITIALIZE["params"]["protocolVersion"]
#: What an agent does first on a fresh connection, ending with a cheap real tool call.
FIRST_REQUESTS = [
    {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    {"jsonrpc": "2.0", "id": 2, "method": "resources/list"},
    {"jsonrpc": "2.0", "id": 3, "method": "prompts/list"},
    {
        "jsonrpc": "2.0",
        "id": 4,
        "method": "tools/call",
        "params": {"name": "validate_bicep", "arguments": {"content": "param location string = resourceGroup().location\noutput loc string = location\n"}},
    },
]
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
#: A typical workspace configuration: the README's example without its fixed port, plus the rate limit.
WORKSPACE_CONFIG = """\
[http]
allowed_origins = ["https://devbox.example.com:443"]
rate_limit_per_minute = 6000

[backends.azure]
key_vault = "kv-shop-prod"
"""


def callgrind(binary: Path, workspace: Path, out: Path, args: list[str], **popen) -> subprocess.Popen:
    command = ["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}", str(binary), "--workspace", str(workspace), *args]
    return subprocess.Popen(command, cwd=workspace, env={"PATH": "/usr/bin:/bin", "HOME": str(workspace)}, **popen)


def run_stdio(binary: Path, workspace: Path, out: Path) -> None:
    process = callgrind(binary, workspace, out, ["serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdin is not None and process.stdout is not None
    for message in [INITIALIZE, INITIALIZED, *FIRST_REQUESTS]:
        process.stdin.write((json.dumps(message) + "\n").encode())
        process.stdin.flush()
        if "id" in message:
            while json.loads(process.stdout.readline()).get("id") != message["id"]:
                pass
    process.stdin.close()
    process.wait(timeout=120)


def run_http(binary: Path, workspace: Path, out: Path) -> None:
    port = free_port()
    process = callgrind(binary, workspace, out, ["serve", "--http", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_for_listener(port, process, 120):
            raise RuntimeError("the HTTP server did not start under valgrind")
        _, headers, _ = http_post(port, INITIALIZE, {})
        session = {"Mcp-Session-Id": headers["mcp-session-id"], "Mcp-Protocol-Version": PROTOCOL}
        http_post(port, INITIALIZED, session)
        for message in FIRST_REQUESTS:
            status, _, body = http_post(port, message, session)
            if status != 200 or '"result"' not in body:
                raise RuntimeError(f"{message['method']} failed: {status} {body[:300]}")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)


def executed_functions(profile: Path) -> set[str]:
    """Names callgrind saw run (`fn=`/`cfn=` lines; a name is spelled out at its first use)."""
    names = set()
    for row in profile.read_text(errors="replace").splitlines():
        match = re.match(r"^c?fn=\(\d+\) (.+)$", row)
        if match:
            names.add(match.group(1).strip())
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", type=Path, required=True, help="a release build of devops-mcp")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    options = parser.parse_args()
    binary = options.binary.resolve()
    with tempfile.TemporaryDirectory(prefix="startup-order-") as scratch:
        workspace = Path(scratch)
        (workspace / "devops-mcp.toml").write_text(WORKSPACE_CONFIG)
        profiles = [workspace / "stdio.callgrind", workspace / "http.callgrind"]
        run_stdio(binary, workspace, profiles[0])
        run_http(binary, workspace, profiles[1])
        defined = defined_functions(binary)
        stdio, http = (executed_functions(profile) & defined for profile in profiles)
    # stdio-only, shared, then HTTP-only: each transport's code is one run, so
    # neither maps the other's functions through fault-around.
    ordered = sorted(stdio - http) + sorted(stdio & http) + sorted(http - stdio)
    if len(ordered) < 500:
        print(f"only {len(ordered)} functions matched the binary's symbols; is it a release build with symbols?", file=sys.stderr)
        return 1
    header = [
        "# Functions devops-mcp runs when it starts and serves its first requests, linked",
        "# together by lld (crates/devops-mcp/build.rs). Generated by tests/bench/startup_order.py",
        "# from a release build; regenerate after a toolchain, Cargo.lock or feature change.",
    ]
    options.out.write_text("\n".join(header + ordered) + "\n")
    print(f"{options.out}: {len(ordered)} functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
