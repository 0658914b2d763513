"""HTTP safety: bearer authentication with RFC 9728 discovery, refusal to bind
a non-loopback address without a token, and Host/Origin checks against DNS
rebinding on both /mcp and the legacy /sse + /message routes."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest

from conftest import MCP_HEADERS, NO_KEEPALIVE, HttpServer, LegacySseSession, StreamableSession, clean_env, free_port, global_args, real_binary
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

TOKEN = "blackbox-test-token-3f9c2a7e51d04b6c8e1f"
AUTH_SERVER = "https://login.example.test/tenant-1"

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "blackbox", "version": "1"}},
}


@pytest.fixture
def authed(http_server: Callable[..., HttpServer], tmp_path: Path) -> HttpServer:
    """A server that requires TOKEN and names AUTH_SERVER in its metadata."""
    config = tmp_path / "devops-mcp.toml"
    config.write_text(f'[http]\nauthorization_servers = ["{AUTH_SERVER}"]\n')
    return http_server(global_extra=["--config", str(config)], env={"DEVOPS_MCP_AUTH_TOKEN": TOKEN})


def fresh_client() -> httpx2.Client:
    """A client that opens a connection per request (see conftest.NO_KEEPALIVE)."""
    return httpx2.Client(timeout=10, limits=NO_KEEPALIVE)


def challenge_params(header: str) -> dict[str, str]:
    assert header.lower().startswith("bearer"), header
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


@pytest.mark.parametrize("path", ["/mcp", "/sse", "/message?sessionId=x"])
def test_missing_token_gets_401_with_resource_metadata(authed: HttpServer, path: str) -> None:
    with fresh_client() as http:
        method = "GET" if path == "/sse" else "POST"
        reply = http.request(method, authed.base + path, headers=MCP_HEADERS, json=None if method == "GET" else INITIALIZE)
        assert reply.status_code == 401, (reply.status_code, reply.text)
        params = challenge_params(reply.headers["www-authenticate"])
        assert params.get("resource_metadata") == f"{authed.base}/.well-known/oauth-protected-resource/mcp", params
        assert "error" not in params, "no token presented: the challenge must not claim invalid_token"
        assert TOKEN not in reply.text


def test_wrong_token_gets_401_invalid_token(authed: HttpServer) -> None:
    with fresh_client() as http:
        for value in ("Bearer wrong-token", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN):
            reply = http.post(authed.mcp_url, headers={**MCP_HEADERS, "authorization": value}, json=INITIALIZE)
            assert reply.status_code == 401, (value, reply.status_code)
            params = challenge_params(reply.headers["www-authenticate"])
            assert "resource_metadata" in params
            if value.startswith("Bearer "):
                assert params.get("error") == "invalid_token", params


@pytest.mark.parametrize("path", ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"])
def test_protected_resource_metadata_document(authed: HttpServer, path: str) -> None:
    with fresh_client() as http:
        reply = http.get(authed.base + path)
    assert reply.status_code == 200, (reply.status_code, reply.text)
    assert reply.headers["content-type"].startswith("application/json")
    document = reply.json()
    assert document["resource"] == authed.mcp_url
    assert document["authorization_servers"] == [AUTH_SERVER]
    assert "header" in document["bearer_methods_supported"]
    assert TOKEN not in reply.text


@pytest.mark.anyio
async def test_right_token_lets_the_sdk_in(authed: HttpServer) -> None:
    headers = {"authorization": f"Bearer {TOKEN}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with Client(streamable_http_client(authed.mcp_url, http_client=http), mode="legacy", cache=None) as client:
            assert (await client.list_tools()).tools
    async with Client(sse_client(authed.sse_url, headers=headers), mode="legacy", cache=None) as client:
        assert (await client.list_tools()).tools


def test_token_file(http_server: Callable[..., HttpServer], tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    server = http_server(serve_extra=["--auth-token-file", str(token_file)])
    with fresh_client() as http:
        assert http.post(server.mcp_url, headers=MCP_HEADERS, json=INITIALIZE).status_code == 401
    session = StreamableSession(server, headers={"authorization": f"Bearer {TOKEN}"})
    try:
        assert session.request(2, "ping")["result"] == {}
    finally:
        session.close()


def test_non_loopback_bind_is_refused_without_token(tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [str(real_binary()), *global_args(tmp_path), "serve", "--http", f"0.0.0.0:{port}"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0, "the server started on 0.0.0.0 without authentication"
    assert "DEVOPS_MCP_AUTH_TOKEN" in result.stderr or "auth-token-file" in result.stderr, result.stderr
    assert result.stdout == "", f"nothing may go to stdout: {result.stdout!r}"


def test_non_loopback_bind_with_token_serves(http_server: Callable[..., HttpServer]) -> None:
    server = http_server(host="0.0.0.0", env={"DEVOPS_MCP_AUTH_TOKEN": TOKEN})
    with fresh_client() as http:
        assert http.post(server.mcp_url, headers=MCP_HEADERS, json=INITIALIZE).status_code == 401
        ok = http.post(server.mcp_url, headers={**MCP_HEADERS, "authorization": f"Bearer {TOKEN}"}, json=INITIALIZE)
        assert ok.status_code == 200, (ok.status_code, ok.text)


# --------------------------------------------------------------------------- DNS rebinding

BAD_HOSTS = ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", "localhost.evil.example"]
BAD_ORIGINS = ["http://evil.example", "https://localhost.evil.example", "null", "http://localhost.evil.example:8765"]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_foreign_host_is_rejected(http_server: Callable[..., HttpServer], host: str) -> None:
    server = http_server()
    with fresh_client() as http:
        mcp = http.post(server.mcp_url, headers={**MCP_HEADERS, "host": host}, json=INITIALIZE)
        assert mcp.status_code == 403, ("/mcp", mcp.status_code, mcp.text)
        sse = http.get(server.sse_url, headers={"host": host, "accept": "text/event-stream"})
        assert sse.status_code == 403, ("/sse", sse.status_code)
        message = http.post(server.base + "/message?sessionId=x", headers={"host": host, "content-type": "application/json"}, json=INITIALIZE)
        assert message.status_code == 403, ("/message", message.status_code)
        assert http.post(server.mcp_url, headers=MCP_HEADERS, json=INITIALIZE).status_code == 200


@pytest.mark.parametrize("origin", BAD_ORIGINS)
def test_foreign_origin_is_rejected(http_server: Callable[..., HttpServer], origin: str) -> None:
    server = http_server()
    with fresh_client() as http:
        mcp = http.post(server.mcp_url, headers={**MCP_HEADERS, "origin": origin}, json=INITIALIZE)
        assert mcp.status_code == 403, ("/mcp", mcp.status_code, mcp.text)
        sse = http.get(server.sse_url, headers={"origin": origin, "accept": "text/event-stream"})
        assert sse.status_code == 403, ("/sse", sse.status_code)
    # A legitimate session cannot be driven from a foreign origin either.
    session = LegacySseSession(server)
    try:
        session.initialize()
        reply = session.post({"jsonrpc": "2.0", "id": 5, "method": "ping"}, headers={"origin": origin})
        assert reply.status_code == 403, ("/message", reply.status_code)
        assert session.request(6, "ping")["result"] == {}
    finally:
        session.close()


def test_loopback_host_and_origin_are_accepted(http_server: Callable[..., HttpServer]) -> None:
    server = http_server()
    with fresh_client() as http:
        for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}", "localhost"):
            for origin in (None, f"http://localhost:{server.port}", "http://127.0.0.1:6274"):
                headers = {**MCP_HEADERS, "host": host, **({"origin": origin} if origin else {})}
                reply = http.post(server.mcp_url, headers=headers, json=INITIALIZE)
                assert reply.status_code == 200, (host, origin, reply.status_code, reply.text)


def test_allowed_host_and_origin_flags(http_server: Callable[..., HttpServer]) -> None:
    server = http_server(serve_extra=["--allowed-host", "mcp.internal.test", "--allowed-origin", "https://app.example.test"])
    with fresh_client() as http:
        ok = http.post(server.mcp_url, headers={**MCP_HEADERS, "host": "mcp.internal.test", "origin": "https://app.example.test"}, json=INITIALIZE)
        assert ok.status_code == 200, (ok.status_code, ok.text)
        sse_headers = {"host": "mcp.internal.test", "origin": "https://app.example.test", "accept": "text/event-stream"}
        with http.stream("GET", server.sse_url, headers=sse_headers) as sse:
            assert sse.status_code == 200
        still_bad = http.post(server.mcp_url, headers={**MCP_HEADERS, "origin": "https://other.example.test"}, json=INITIALIZE)
        assert still_bad.status_code == 403
