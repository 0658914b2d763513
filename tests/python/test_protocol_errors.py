"""Bad input at the protocol level gets the exact JSON-RPC / HTTP error, and
the server keeps serving afterwards. Raw messages, no SDK: an SDK would refuse
to send most of these.

Expected errors (JSON-RPC 2.0 and the MCP transports):
  malformed JSON          -> -32700 Parse error, id null (HTTP: 400 Bad Request)
  not a JSON-RPC request  -> -32600 Invalid Request, id null (HTTP: 400)
  unknown method          -> -32601 Method not found, same id
  wrong params            -> -32602 Invalid params, same id
  oversize body (HTTP)    -> 413 Payload Too Large
  unknown session (HTTP)  -> 404 Not Found
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from conftest import MCP_HEADERS, HttpServer, LegacySseSession, StdioPeer, StreamableSession, http_rpc_messages

#: Larger than the server's default 4 MiB request body limit.
OVERSIZE_BYTES = 5 * 1024 * 1024

#: Requests whose params do not fit the method, each must get -32602.
WRONG_PARAMS = [
    ("tools/call", {"name": 5}),
    ("tools/call", {"arguments": {}}),
    ("resources/read", {"uri": 5}),
    ("resources/read", {}),
    ("prompts/get", {"name": ["session"]}),
    ("completion/complete", {"ref": {"type": "ref/prompt"}}),
]


def assert_error(message: dict[str, Any], request_id: Any, code: int, *, or_id: Any = None) -> None:
    """`or_id`: another acceptable id (an invalid request whose id is readable may echo it)."""
    assert message.get("jsonrpc") == "2.0", message
    assert "result" not in message, f"expected error {code}, got a result: {message}"
    assert message.get("id") in (request_id, or_id), f"error must carry id {request_id!r}: {message}"
    error = message.get("error")
    assert isinstance(error, dict), message
    assert error.get("code") == code, f"expected error code {code}, got {error}"
    assert isinstance(error.get("message"), str) and error["message"], message


def oversize_ping(request_id: int) -> bytes:
    padding = "a" * OVERSIZE_BYTES
    return ('{"jsonrpc":"2.0","id":%d,"method":"ping","params":{"_meta":{"padding":"%s"}}}' % (request_id, padding)).encode()


def post_oversize(server: HttpServer, path: str, headers: dict[str, str]) -> str:
    """POST an oversize body and return the status line of the answer.

    Reads while it writes, as curl and browsers do: a server may answer 413
    before it has read the body and then close the connection, and a client
    that only reads after sending everything can lose that answer to the reset.
    """
    body = oversize_ping(5)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:

        def write() -> None:
            with contextlib.suppress(OSError):
                sock.sendall(head.encode() + body)

        writer = threading.Thread(target=write)
        writer.start()
        received = b""
        try:
            while b"\r\n" not in received:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
        except OSError as error:
            received += f" <{error}>".encode()
        writer.join(timeout=30)
    return received.split(b"\r\n")[0].decode(errors="replace")


# --------------------------------------------------------------------------- stdio


@pytest.fixture
def stdio(stdio_peer: Callable[..., StdioPeer]) -> StdioPeer:
    peer = stdio_peer()
    peer.initialize()
    return peer


def assert_stdio_serving(peer: StdioPeer, request_id: int) -> None:
    reply = peer.request(request_id, "ping")
    assert reply.get("result") == {}, reply
    listed = peer.request(request_id + 1, "tools/list")
    assert listed["result"]["tools"], listed


def test_stdio_malformed_json_gets_parse_error(stdio: StdioPeer) -> None:
    stdio.send_raw(b'{"jsonrpc": "2.0", "id": 1, "method": "ping"')
    assert_error(stdio.receive(), None, -32700)
    stdio.send_raw(b"this is not json")
    assert_error(stdio.receive(), None, -32700)
    assert_stdio_serving(stdio, 100)


def test_stdio_invalid_request_gets_invalid_request(stdio: StdioPeer) -> None:
    stdio.send_raw(b'{"jsonrpc": "2.0", "id": 3}')
    assert_error(stdio.receive(), None, -32600, or_id=3)
    assert_stdio_serving(stdio, 100)


def test_stdio_unknown_method(stdio: StdioPeer) -> None:
    assert_error(stdio.request(7, "devops/nonexistent"), 7, -32601)
    assert_error(stdio.request("text-id", "tools/frobnicate", {}), "text-id", -32601)
    assert_stdio_serving(stdio, 100)


@pytest.mark.parametrize(("method", "params"), WRONG_PARAMS, ids=[f"{m}-{i}" for i, (m, _) in enumerate(WRONG_PARAMS)])
def test_stdio_wrong_params(stdio: StdioPeer, method: str, params: dict[str, Any]) -> None:
    assert_error(stdio.request(11, method, params), 11, -32602)
    assert_stdio_serving(stdio, 100)


def test_stdio_call_of_unknown_tool_is_invalid_params(stdio: StdioPeer) -> None:
    reply = stdio.request(12, "tools/call", {"name": "no_such_tool", "arguments": {}})
    assert_error(reply, 12, -32602)
    assert "no_such_tool" in reply["error"]["message"]
    assert_stdio_serving(stdio, 100)


# --------------------------------------------------------------------------- Streamable HTTP


@pytest.fixture
def streamable(http_server: Callable[..., HttpServer]) -> Iterator[StreamableSession]:
    session = StreamableSession(http_server())
    yield session
    session.close()


def assert_http_serving(session: StreamableSession, request_id: int) -> None:
    assert session.request(request_id, "ping").get("result") == {}
    assert session.request(request_id + 1, "tools/list")["result"]["tools"]


def assert_http_rpc_error(response: Any, status: int, request_id: Any, code: int) -> None:
    assert response.status_code == status, f"expected HTTP {status}, got {response.status_code}: {response.text[:300]!r}"
    messages = http_rpc_messages(response)
    assert messages, f"expected a JSON-RPC error body ({code}), got {response.headers.get('content-type')!r}: {response.text[:300]!r}"
    assert_error(messages[-1], request_id, code)


def test_http_malformed_json_gets_400_parse_error(streamable: StreamableSession) -> None:
    assert_http_rpc_error(streamable.post(content=b'{"jsonrpc": "2.0", "id": 1,'), 400, None, -32700)
    assert_http_serving(streamable, 100)


def test_http_invalid_request_gets_400(streamable: StreamableSession) -> None:
    reply = streamable.post({"jsonrpc": "2.0", "id": 3})
    assert reply.status_code == 400, f"expected HTTP 400, got {reply.status_code}: {reply.text[:300]!r}"
    messages = http_rpc_messages(reply)
    assert messages, f"expected a JSON-RPC error body (-32600), got {reply.text[:300]!r}"
    assert_error(messages[-1], None, -32600, or_id=3)
    assert_http_serving(streamable, 100)


def test_http_unknown_method(streamable: StreamableSession) -> None:
    reply = streamable.post({"jsonrpc": "2.0", "id": 7, "method": "devops/nonexistent"})
    assert_http_rpc_error(reply, 200, 7, -32601)
    assert_http_serving(streamable, 100)


@pytest.mark.parametrize(("method", "params"), WRONG_PARAMS, ids=[f"{m}-{i}" for i, (m, _) in enumerate(WRONG_PARAMS)])
def test_http_wrong_params(streamable: StreamableSession, method: str, params: dict[str, Any]) -> None:
    reply = streamable.post({"jsonrpc": "2.0", "id": 11, "method": method, "params": params})
    assert_http_rpc_error(reply, 200, 11, -32602)
    assert_http_serving(streamable, 100)


def test_http_oversize_body_gets_413(streamable: StreamableSession) -> None:
    status = post_oversize(streamable.server, "/mcp", streamable.headers())
    assert status.startswith("HTTP/1.1 413"), status
    assert_http_serving(streamable, 100)


def test_http_oversize_body_413_reaches_a_client_that_writes_first(streamable: StreamableSession) -> None:
    """A client that sends its whole request before reading (Python's
    http.client, many scripts) still gets the 413 and its JSON-RPC error: the
    server reads the rest of the body before answering instead of closing on it."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", streamable.server.port, timeout=30)
    try:
        connection.request("POST", "/mcp", body=oversize_ping(6), headers={**MCP_HEADERS, **streamable.headers()})
        reply = connection.getresponse()
        assert reply.status == 413, reply.status
        assert_error(json.loads(reply.read()), None, -32600)
    finally:
        connection.close()
    assert_http_serving(streamable, 110)


def test_http_unknown_session_gets_404(streamable: StreamableSession) -> None:
    bogus = {"mcp-session-id": "00000000-0000-4000-8000-000000000000"}
    post = streamable.post({"jsonrpc": "2.0", "id": 9, "method": "ping"}, headers=bogus)
    assert post.status_code == 404, (post.status_code, post.text[:300])
    get = streamable.http.get(streamable.server.mcp_url, headers={**streamable.headers(), **bogus, "accept": "text/event-stream"})
    assert get.status_code == 404, (get.status_code, get.text[:300])
    delete = streamable.http.delete(streamable.server.mcp_url, headers={**streamable.headers(), **bogus})
    assert delete.status_code == 404, (delete.status_code, delete.text[:300])
    assert_http_serving(streamable, 100)


def test_http_missing_session_id_gets_400(streamable: StreamableSession) -> None:
    headers = {**MCP_HEADERS, "mcp-protocol-version": "2025-11-25"}
    reply = streamable.http.post(streamable.server.mcp_url, headers=headers, json={"jsonrpc": "2.0", "id": 9, "method": "ping"})
    assert reply.status_code == 400, (reply.status_code, reply.text[:300])
    assert_http_serving(streamable, 100)


def test_http_terminated_session_gets_404(http_server: Callable[..., HttpServer]) -> None:
    server = http_server()
    session = StreamableSession(server)
    try:
        deleted = session.http.delete(server.mcp_url, headers=session.headers())
        assert deleted.status_code in (200, 202, 204), (deleted.status_code, deleted.text)
        after = session.post({"jsonrpc": "2.0", "id": 9, "method": "ping"})
        assert after.status_code == 404, (after.status_code, after.text[:300])
    finally:
        session.close()
    fresh = StreamableSession(server)
    try:
        assert_http_serving(fresh, 100)
    finally:
        fresh.close()


@pytest.mark.parametrize("body", [b'{"jsonrpc": "2.0", "id": 1,', b"\xff\xfe garbage"], ids=["truncated", "binary"])
def test_http_stateless_malformed_json_gets_400(http_server: Callable[..., HttpServer], body: bytes) -> None:
    server = http_server(serve_extra=["--stateless"])
    with httpx2.Client(timeout=30) as http:
        headers = {**MCP_HEADERS, "mcp-protocol-version": "2025-11-25"}
        assert_http_rpc_error(http.post(server.mcp_url, headers=headers, content=body), 400, None, -32700)
        big = post_oversize(server, "/mcp", headers)
        assert big.startswith("HTTP/1.1 413"), big
        init = http.post(
            server.mcp_url,
            headers=headers,
            json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "blackbox", "version": "1"}}},
        )
        assert init.status_code == 200, (init.status_code, init.text[:300])
        assert http_rpc_messages(init)[-1]["result"]["serverInfo"]["name"] == "devops-mcp"


# --------------------------------------------------------------------------- legacy HTTP+SSE


@pytest.fixture
def legacy(http_server: Callable[..., HttpServer]) -> Iterator[LegacySseSession]:
    session = LegacySseSession(http_server())
    session.initialize()
    yield session
    session.close()


def assert_sse_serving(session: LegacySseSession, request_id: int) -> None:
    assert session.request(request_id, "ping").get("result") == {}
    assert session.request(request_id + 1, "tools/list")["result"]["tools"]


def test_sse_malformed_json_gets_400_parse_error(legacy: LegacySseSession) -> None:
    reply = legacy.post(content=b'{"jsonrpc": "2.0", "id": 1,')
    assert reply.status_code == 400, (reply.status_code, reply.text)
    assert_error(reply.json(), None, -32700)
    assert_sse_serving(legacy, 100)


def test_sse_invalid_request_gets_400(legacy: LegacySseSession) -> None:
    reply = legacy.post({"jsonrpc": "2.0", "id": 3})
    assert reply.status_code == 400, (reply.status_code, reply.text)
    assert_error(reply.json(), None, -32600, or_id=3)
    assert_sse_serving(legacy, 100)


def test_sse_unknown_method(legacy: LegacySseSession) -> None:
    assert_error(legacy.request(7, "devops/nonexistent"), 7, -32601)
    assert_sse_serving(legacy, 100)


@pytest.mark.parametrize(("method", "params"), WRONG_PARAMS, ids=[f"{m}-{i}" for i, (m, _) in enumerate(WRONG_PARAMS)])
def test_sse_wrong_params(legacy: LegacySseSession, method: str, params: dict[str, Any]) -> None:
    assert_error(legacy.request(11, method, params), 11, -32602)
    assert_sse_serving(legacy, 100)


def test_sse_oversize_body_gets_413(legacy: LegacySseSession) -> None:
    path = legacy.endpoint.removeprefix(legacy.server.base)
    status = post_oversize(legacy.server, path, {"content-type": "application/json"})
    assert status.startswith("HTTP/1.1 413"), status
    assert_sse_serving(legacy, 100)


def test_sse_unknown_session_gets_404(legacy: LegacySseSession) -> None:
    endpoint = legacy.server.base + "/message?sessionId=0000000000000000000000000000dead"
    reply = legacy.post({"jsonrpc": "2.0", "id": 9, "method": "ping"}, endpoint=endpoint)
    assert reply.status_code == 404, (reply.status_code, reply.text[:300])
    missing = legacy.post({"jsonrpc": "2.0", "id": 9, "method": "ping"}, endpoint=legacy.server.base + "/message")
    assert missing.status_code in (400, 404), (missing.status_code, missing.text[:300])
    assert_sse_serving(legacy, 100)


def test_sse_closed_session_is_forgotten(http_server: Callable[..., HttpServer]) -> None:
    server = http_server()
    session = LegacySseSession(server)
    session.initialize()
    endpoint = session.endpoint
    session.close()
    deadline = time.monotonic() + 5
    with httpx2.Client(timeout=10) as http:
        while True:
            reply = http.post(endpoint, headers={"content-type": "application/json"}, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
            if reply.status_code in (404, 410) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert reply.status_code in (404, 410), f"a closed SSE session still accepts messages: {reply.status_code}"
    fresh = LegacySseSession(server)
    try:
        fresh.initialize()
        assert_sse_serving(fresh, 100)
    finally:
        fresh.close()
