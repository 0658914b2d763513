"""Harness for the black-box suite: spawns the built `devops-mcp` binary and
connects real MCP clients (the Python MCP SDK) to it over every transport.

Binary: env DEVOPS_MCP_BIN, else $CARGO_TARGET_DIR/debug/devops-mcp, else
<repo>/target/debug/devops-mcp. External checkers (semgrep for the long-call
tests) come from DEVOPS_MCP_TOOLS or <repo>/.tools, passed as --tools-dir.

Every server runs with a scrubbed environment (no DEVOPS_MCP_*, AZURE_*,
RUST_LOG, GitHub tokens) so the user's shell cannot change what is tested,
in a fresh workspace directory, and every HTTP server is started on a free
port, waited for, and stopped (SIGTERM, must exit 0) when the test ends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

REPO = Path(__file__).resolve().parents[2]

# Read before the environment is scrubbed: these configure the harness, not the server.
_HARNESS_ENV = {key: os.environ.get(key) for key in ("DEVOPS_MCP_BIN", "DEVOPS_MCP_TOOLS", "CARGO_TARGET_DIR")}

#: Variables that change how the server behaves; never inherited by a server under test.
SCRUBBED_PREFIXES = ("DEVOPS_MCP_", "AZURE_", "ARM_", "MSI_", "IDENTITY_")
SCRUBBED_NAMES = {"RUST_LOG", "RUST_BACKTRACE", "GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"}

#: How long a server may take to start listening.
STARTUP_TIMEOUT = 15.0

#: Long-running tool of the progress and cancellation tests.
LONG_TOOL = "run_semgrep"
#: Project that run_semgrep scans (copied into the workspace).
SCAN_FIXTURE = REPO / "tests" / "fixtures" / "scan" / "vulnerable-app"


def _default_binary() -> Path:
    if _HARNESS_ENV["DEVOPS_MCP_BIN"]:
        return Path(_HARNESS_ENV["DEVOPS_MCP_BIN"])
    target = Path(_HARNESS_ENV["CARGO_TARGET_DIR"]) if _HARNESS_ENV["CARGO_TARGET_DIR"] else REPO / "target"
    return target / "debug" / "devops-mcp"


def real_binary() -> Path:
    """The server under test (a normal build, no conformance fixtures)."""
    path = _default_binary().resolve()
    if not path.is_file():
        pytest.fail(f"devops-mcp binary not found at {path}: run `cargo build -p devops-mcp` or set DEVOPS_MCP_BIN")
    return path


def tools_dir() -> Path | None:
    """Where the external checkers are installed (semgrep, ...), passed as --tools-dir."""
    value = _HARNESS_ENV["DEVOPS_MCP_TOOLS"]
    path = Path(value) if value else REPO / ".tools"
    return path if path.is_dir() else None


def clean_env(**extra: str) -> dict[str, str]:
    """The process environment minus everything that changes server behaviour."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SCRUBBED_NAMES and not key.startswith(SCRUBBED_PREFIXES)
    }
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def global_args(workspace: Path, *extra: str) -> list[str]:
    """Flags every server gets: its workspace and the tools dir."""
    args = ["--workspace", str(workspace)]
    tools = tools_dir()
    if tools is not None:
        args += ["--tools-dir", str(tools)]
    return [*args, *extra]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(binary: Path, *args: str, workspace: Path, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a one-shot `devops-mcp` command (tools, call, skills, doctor)."""
    return subprocess.run(
        [str(binary), *global_args(workspace), *args],
        cwd=workspace,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------- HTTP servers


@dataclasses.dataclass
class HttpServer:
    """A `devops-mcp serve --http` process on a free loopback port."""

    binary: Path
    workspace: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    host: str
    port: int

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def mcp_url(self) -> str:
        return f"{self.base}/mcp"

    @property
    def sse_url(self) -> str:
        return f"{self.base}/sse"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def assert_alive(self) -> None:
        code = self.process.poll()
        assert code is None, f"server exited with {code} during the test; log:\n{self.log()[-4000:]}"

    def stop(self) -> int:
        """SIGTERM, then wait; returns the exit code (SIGKILL after 15 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
                return -9
        return self.process.returncode


def wait_until_listening(process: subprocess.Popen[bytes], host: str, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode} before listening; log:\n{log_path.read_text(errors='replace')[-4000:]}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"server did not listen on {host}:{port} within {STARTUP_TIMEOUT} s; log:\n{log_path.read_text(errors='replace')[-4000:]}")


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[Callable[..., HttpServer]]:
    """Factory: start `devops-mcp serve --http` and stop it after the test.

    Keyword arguments: binary, workspace, global_extra (flags before `serve`),
    serve_extra (flags after it), env (extra variables), host (bind address).
    At teardown the server must still be running and must exit 0 on SIGTERM.
    """
    started: list[HttpServer] = []

    def start(
        *,
        binary: Path | None = None,
        workspace: Path | None = None,
        global_extra: tuple[str, ...] | list[str] = (),
        serve_extra: tuple[str, ...] | list[str] = (),
        env: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        connect_host: str = "127.0.0.1",
    ) -> HttpServer:
        binary = binary or real_binary()
        if workspace is None:
            workspace = tmp_path / f"workspace{len(started)}"
            workspace.mkdir()
        port = free_port()
        log_path = tmp_path / f"server{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(binary), *global_args(workspace, *global_extra), "serve", "--http", f"{host}:{port}", *serve_extra],
                cwd=workspace,
                env=clean_env(**(env or {})),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = HttpServer(binary, workspace, log_path, process, connect_host, port)
        started.append(server)
        wait_until_listening(process, connect_host, port, log_path)
        return server

    yield start

    problems = []
    for server in started:
        alive = server.process.poll() is None
        code = server.stop()
        if not alive:
            problems.append(f"server on port {server.port} died during the test (exit {server.process.returncode}); log:\n{server.log()[-3000:]}")
        elif code != 0:
            problems.append(f"server on port {server.port} exited {code} on SIGTERM (expected 0); log:\n{server.log()[-3000:]}")
    if problems:
        pytest.fail("\n\n".join(problems))


# --------------------------------------------------------------------------- transports


@dataclasses.dataclass(frozen=True)
class Transport:
    """One way a client reaches the server."""

    id: str
    kind: str  # "stdio" | "http" | "sse"
    mode: str  # Python SDK client mode: "legacy" (initialize) or "auto" (server/discover first)
    stateless: bool = False

    @property
    def modern(self) -> bool:
        """Whether the SDK negotiates the stateless 2026-07-28 protocol on this transport."""
        return self.mode == "auto"


TRANSPORTS = [
    Transport("stdio-legacy", "stdio", "legacy"),
    Transport("stdio-auto", "stdio", "auto"),
    Transport("http-stateful-legacy", "http", "legacy"),
    Transport("http-stateful-auto", "http", "auto"),
    Transport("http-stateless-legacy", "http", "legacy", stateless=True),
    Transport("http-stateless-auto", "http", "auto", stateless=True),
    Transport("sse", "sse", "legacy"),
]


@pytest.fixture(params=TRANSPORTS, ids=lambda t: t.id)
def transport(request: pytest.FixtureRequest) -> Transport:
    return request.param


@dataclasses.dataclass
class Connection:
    """A connected SDK client plus what the test may need to know about the server."""

    client: Client
    transport: Transport
    workspace: Path
    binary: Path
    notifications: list[Any]
    http: HttpServer | None = None
    stderr_path: Path | None = None

    def server_pid(self) -> int:
        if self.http is not None:
            return self.http.process.pid
        pids = [pid for pid in _children(os.getpid()) if _exe(pid) == self.binary]
        assert len(pids) == 1, f"expected one stdio server child of the test process, found {pids}"
        return pids[0]


@pytest.fixture
def connect(http_server: Callable[..., HttpServer], tmp_path: Path, transport: Transport) -> Callable[..., contextlib.AbstractAsyncContextManager[Connection]]:
    """Factory of connected clients over the test's transport.

    `async with connect(binary=..., workspace=..., global_extra=[...], **client_kwargs) as conn:`
    """

    @contextlib.asynccontextmanager
    async def open_connection(
        *,
        binary: Path | None = None,
        workspace: Path | None = None,
        global_extra: list[str] | tuple[str, ...] = (),
        **client_kwargs: Any,
    ) -> AsyncIterator[Connection]:
        binary = binary or real_binary()
        if workspace is None:
            workspace = tmp_path / "workspace"
            workspace.mkdir(exist_ok=True)
        notifications: list[Any] = []

        async def on_message(message: Any) -> None:
            notifications.append(message)

        client_kwargs.setdefault("message_handler", on_message)
        client_kwargs.setdefault("cache", None)
        client_kwargs.setdefault("read_timeout_seconds", 60)
        stderr_path: Path | None = None
        if transport.kind == "stdio":
            stderr_path = tmp_path / "stdio-server.log"
            params = StdioServerParameters(
                command=str(binary),
                args=[*global_args(workspace, *global_extra), "serve"],
                cwd=str(workspace),
                env={"NO_COLOR": "1"},
            )
            with stderr_path.open("w") as errlog, _unwrapped():
                async with Client(stdio_client(params, errlog=errlog), mode=transport.mode, **client_kwargs) as client:
                    yield Connection(client, transport, workspace, binary, notifications, None, stderr_path)
            return
        serve_extra = ["--stateless"] if transport.stateless else []
        server = http_server(binary=binary, workspace=workspace, global_extra=list(global_extra), serve_extra=serve_extra)
        if transport.kind == "http":
            source = streamable_http_client(server.mcp_url)
        else:
            source = sse_client(server.sse_url)
        with _unwrapped():
            async with Client(source, mode=transport.mode, **client_kwargs) as client:
                yield Connection(client, transport, workspace, binary, notifications, server)
        server.assert_alive()

    return open_connection


@contextlib.contextmanager
def _unwrapped() -> Iterator[None]:
    """Re-raise the one real error out of the SDK's nested task-group exception groups."""
    try:
        yield
    except BaseExceptionGroup as group:
        leaves = list(_leaves(group))
        if len(leaves) == 1 and isinstance(leaves[0], Exception):
            raise leaves[0] from None
        raise


def _leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error


# --------------------------------------------------------------------------- long-running tool


@dataclasses.dataclass(frozen=True)
class LongTool:
    """The long-running real tool the progress and cancellation tests call:
    `run_semgrep` over a copy of tests/fixtures/scan/vulnerable-app (~10 s)."""

    binary: Path
    name: str

    def prepare_workspace(self, workspace: Path) -> dict[str, Any]:
        """Fill the workspace and return the call's arguments."""
        if not SCAN_FIXTURE.is_dir():
            pytest.fail(f"scan fixture {SCAN_FIXTURE} is missing")
        shutil.copytree(SCAN_FIXTURE, workspace, dirs_exist_ok=True)
        return {"path": "."}


@pytest.fixture(scope="session")
def long_tool(tmp_path_factory: pytest.TempPathFactory) -> LongTool:
    binary = real_binary()
    listed = run_cli(binary, "tools", "--json", workspace=tmp_path_factory.mktemp("tools"))
    assert listed.returncode == 0, listed.stderr
    names = {tool["name"] for tool in json.loads(listed.stdout)["tools"]}
    if LONG_TOOL not in names:
        pytest.fail(f"the server does not list {LONG_TOOL}, which the progress and cancellation tests call")
    if tools_dir() is None:
        pytest.fail("semgrep is not installed: run `bash tests/setup.sh`")
    return LongTool(binary, LONG_TOOL)


# --------------------------------------------------------------------------- processes


def _children(pid: int) -> list[int]:
    result = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                result.append(int(entry.name))
    return result


def _exe(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/exe")).resolve()
    except OSError:
        return None


def processes_working_in(directory: Path, exclude: set[int]) -> list[tuple[int, str]]:
    """Processes whose working directory or command line is inside `directory`.

    Catches the scanner a tool started even after it was re-parented (a
    killed wrapper can orphan its workers).
    """
    marker = str(directory.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in exclude or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            if not cmdline:
                continue
            cwd = os.readlink(entry / "cwd")
            if cwd == marker or cwd.startswith(marker + "/") or marker in cmdline:
                found.append((int(entry.name), cmdline))
    return found


# --------------------------------------------------------------------------- raw JSON-RPC helpers


class StdioPeer:
    """A raw newline-delimited JSON-RPC connection to `devops-mcp serve` (no SDK)."""

    def __init__(self, binary: Path, workspace: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.stderr_path = workspace.parent / f"{workspace.name}-stderr.log"
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [str(binary), *global_args(workspace, *extra), "serve"],
            cwd=workspace,
            env=env if env is not None else clean_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self.stdout_lines: list[bytes] = []

    def send_raw(self, line: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.rstrip(b"\n") + b"\n")
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_raw(json.dumps(message).encode())

    def receive(self, timeout: float = 10) -> dict[str, Any]:
        """The next message the server writes (fails on timeout or EOF)."""
        assert self.process.stdout is not None
        import select

        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError(f"no message from the server within {timeout} s")
        line = self.process.stdout.readline()
        if not line:
            raise EOFError(f"server closed stdout (exit {self.process.poll()}); stderr:\n{self.stderr()[-3000:]}")
        self.stdout_lines.append(line)
        return json.loads(line)

    def response(self, request_id: Any, timeout: float = 10) -> dict[str, Any]:
        """Read messages until the response to `request_id`."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(0.01, deadline - time.monotonic()))
            if "method" not in message and message.get("id") == request_id:
                return message

    def request(self, request_id: Any, method: str, params: dict[str, Any] | None = None, timeout: float = 10) -> dict[str, Any]:
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.response(request_id, timeout)

    def initialize(self, version: str = "2025-11-25") -> dict[str, Any]:
        reply = self.request(0, "initialize", {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "blackbox", "version": "1"}})
        assert "result" in reply, reply
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return reply["result"]

    def stderr(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def close(self) -> int:
        """Close stdin (end of session) and wait for a clean exit; idempotent."""
        if self.process.returncode is not None and self._stderr.closed:
            return self.process.returncode
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            code = -9
        if self.process.stdout is not None:
            rest = self.process.stdout.read()
            self.stdout_lines.extend(line + b"\n" for line in rest.splitlines() if line)
            self.process.stdout.close()
        self._stderr.close()
        return code


@pytest.fixture
def stdio_peer(tmp_path: Path) -> Iterator[Callable[..., StdioPeer]]:
    """Factory of raw stdio connections; each must exit 0 when its stdin closes."""
    peers: list[StdioPeer] = []

    def start(*extra: str, binary: Path | None = None, workspace: Path | None = None, env: dict[str, str] | None = None) -> StdioPeer:
        if workspace is None:
            workspace = tmp_path / f"stdio-workspace{len(peers)}"
            workspace.mkdir()
        peer = StdioPeer(binary or real_binary(), workspace, *extra, env=env)
        peers.append(peer)
        return peer

    yield start
    problems = []
    for peer in peers:
        closed_by_test = peer._stderr.closed
        alive = closed_by_test or peer.process.poll() is None
        code = peer.close()
        if not alive or code != 0:
            problems.append(f"stdio server ended with {code} (alive before stdin closed: {alive}); stderr:\n{peer.stderr()[-3000:]}")
    if problems:
        pytest.fail("\n\n".join(problems))


def parse_sse_messages(body: str) -> list[dict[str, Any]]:
    """JSON-RPC messages in a `text/event-stream` body (data lines of each event)."""
    messages = []
    for event in body.replace("\r\n", "\n").split("\n\n"):
        data = "\n".join(line[5:].lstrip(" ") for line in event.split("\n") if line.startswith("data:"))
        if data.strip():
            messages.append(json.loads(data))
    return messages


def http_rpc_messages(response: httpx2.Response) -> list[dict[str, Any]]:
    """JSON-RPC messages in a Streamable HTTP response (JSON or SSE body)."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("text/event-stream"):
        return parse_sse_messages(response.text)
    if content_type.startswith("application/json"):
        body = response.json()
        return body if isinstance(body, list) else [body]
    return []


MCP_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}

#: Raw sessions open a connection per request: the server may close a kept-alive
#: connection after rejecting a request whose body it did not read (no
#: `Connection: close`), and a client reusing it would see a spurious reset.
NO_KEEPALIVE = httpx2.Limits(max_keepalive_connections=0)


class StreamableSession:
    """A raw (no SDK) stateful Streamable HTTP session at 2025-11-25."""

    def __init__(self, server: HttpServer, headers: dict[str, str] | None = None) -> None:
        self.server = server
        self.http = httpx2.Client(timeout=30, limits=NO_KEEPALIVE)
        self.extra = headers or {}
        reply = self.http.post(
            server.mcp_url,
            headers={**MCP_HEADERS, **self.extra},
            json={"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "blackbox", "version": "1"}}},
        )
        assert reply.status_code == 200, (reply.status_code, reply.text)
        self.session_id = reply.headers.get("mcp-session-id")
        assert self.session_id, f"no Mcp-Session-Id on initialize: {reply.headers}"
        accepted = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert accepted.status_code == 202, (accepted.status_code, accepted.text)

    def headers(self) -> dict[str, str]:
        return {**MCP_HEADERS, "mcp-session-id": self.session_id or "", "mcp-protocol-version": "2025-11-25", **self.extra}

    def post(self, message: Any = None, *, content: bytes | None = None, headers: dict[str, str] | None = None) -> httpx2.Response:
        merged = {**self.headers(), **(headers or {})}
        if content is not None:
            return self.http.post(self.server.mcp_url, headers=merged, content=content)
        return self.http.post(self.server.mcp_url, headers=merged, json=message)

    def request(self, request_id: Any, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        reply = self.post(message)
        assert reply.status_code == 200, (reply.status_code, reply.text)
        for item in http_rpc_messages(reply):
            if item.get("id") == request_id and "method" not in item:
                return item
        raise AssertionError(f"no response to {request_id} in {reply.text!r}")

    def close(self) -> None:
        self.http.close()


class LegacySseSession:
    """A raw (no SDK) session on the 2024-11-05 HTTP+SSE transport."""

    def __init__(self, server: HttpServer, headers: dict[str, str] | None = None) -> None:
        self.server = server
        self.extra = headers or {}
        self.http = httpx2.Client(timeout=httpx2.Timeout(30, read=30), limits=NO_KEEPALIVE)
        self._stream_cm = self.http.stream("GET", server.sse_url, headers={"accept": "text/event-stream", **self.extra})
        self.stream = self._stream_cm.__enter__()
        assert self.stream.status_code == 200, self.stream.status_code
        self._lines = self.stream.iter_lines()
        event, data = self._next_event()
        assert event == "endpoint", (event, data)
        assert data.startswith("/message?sessionId="), data
        self.endpoint = server.base + data
        self.session_id = data.split("sessionId=", 1)[1]

    def _next_event(self) -> tuple[str, str]:
        event, data = "message", []
        for line in self._lines:
            if line == "":
                if data:
                    return event, "\n".join(data)
                event = "message"
                continue
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        raise EOFError("SSE stream closed")

    def next_message(self) -> dict[str, Any]:
        while True:
            event, data = self._next_event()
            if event == "message":
                return json.loads(data)

    def post(self, message: Any = None, *, content: bytes | None = None, endpoint: str | None = None, headers: dict[str, str] | None = None) -> httpx2.Response:
        merged = {"content-type": "application/json", **self.extra, **(headers or {})}
        url = endpoint or self.endpoint
        if content is not None:
            return self.http.post(url, headers=merged, content=content)
        return self.http.post(url, headers=merged, json=message)

    def request(self, request_id: Any, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        accepted = self.post(message)
        assert accepted.status_code == 202, (accepted.status_code, accepted.text)
        return self.response(request_id)

    def response(self, request_id: Any) -> dict[str, Any]:
        while True:
            message = self.next_message()
            if message.get("id") == request_id and "method" not in message:
                return message

    def initialize(self) -> dict[str, Any]:
        reply = self.request(0, "initialize", {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "blackbox", "version": "1"}})
        assert "result" in reply, reply
        assert self.post({"jsonrpc": "2.0", "method": "notifications/initialized"}).status_code == 202
        return reply["result"]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stream_cm.__exit__(None, None, None)
        self.http.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"devops-mcp: {_default_binary()}"]
    lines.append(f"python: {sys.executable}")
    return lines


async def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `predicate` until true; fail the test with `what` on timeout."""
    with anyio.move_on_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)
        return
    pytest.fail(f"timed out after {timeout} s waiting for {what}")
