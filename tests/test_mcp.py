"""MCP on /mcp: the real server's recorded answers replayed, and the official `mcp` client
driving a live mock (initialize, ping, tools/list, tools/call)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from mockserver.live import LiveServer

RECORDING = json.loads((Path(__file__).parent / "data" / "mcp_recording.json").read_text())
JSON = {"Accept": "application/json"}


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX32 = re.compile(r"\b[0-9a-f]{32}\b")


def _normalised(text: str) -> str:
    """As scripts/record_mcp.py wrote the recording: uuids and interrupt ids replaced."""
    return _HEX32.sub("<id>", _UUID.sub("<uuid>", text))


@pytest.mark.parametrize("recorded", RECORDING, ids=lambda e: f"{e['method']} {e['body'][:60]}")
def test_answers_as_the_real_server(client: httpx.Client, recorded: dict[str, Any]) -> None:
    headers = {"Content-Type": "application/json", "Accept": recorded["accept"] or ""}
    response = client.request(
        recorded["method"], "/mcp", content=recorded["body"] or None, headers=headers
    )
    assert response.status_code == recorded["status"]
    assert response.headers.get("content-type") == recorded["content_type"]
    assert _normalised(response.text) == recorded["response"]


def test_body_of_any_content_type_is_read_as_json(client: httpx.Client) -> None:
    body = '{"jsonrpc":"2.0","id":7,"method":"ping"}'
    headers = {**JSON, "Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/mcp", content=body, headers=headers)
    assert response.json() == {"jsonrpc": "2.0", "id": 7, "result": {}}


@pytest.mark.parametrize("method", ["initialize", "tools/list", "tools/call"])
@pytest.mark.parametrize("params", [None, [1], 5])
def test_params_not_an_object_is_invalid_params(
    client: httpx.Client, method: str, params: Any
) -> None:
    # The real server answers these with a 500 (docs/deviations.md).
    message = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    response = client.post("/mcp", json=message, headers=JSON)
    assert response.status_code == 200
    assert response.json()["error"] == {
        "code": -32602,
        "message": "Invalid params: params must be an object",
    }


@pytest.mark.parametrize("context", [5, "x", [1]])
def test_context_not_an_object_is_invalid_params(client: httpx.Client, context: Any) -> None:
    # The real server answers these with a 500 (docs/deviations.md).
    params = {"name": "agent", "context": context}
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}
    assert client.post("/mcp", json=message, headers=JSON).json()["error"] == {
        "code": -32602,
        "message": "Invalid params: context must be an object",
    }


def test_tool_names_are_normalized_assistant_names(client: httpx.Client) -> None:
    # As on the real server: whitespace runs become `_`, other characters outside
    # [A-Za-z0-9_.-] are dropped; two assistants of one tool name make the name ambiguous.
    client.post("/assistants", json={"graph_id": "interrupter", "name": "Ask  me?"})
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    call["params"] = {"name": "Ask_me", "arguments": {"topic": "t"}}
    text = client.post("/mcp", json=call, headers=JSON).json()["result"]["content"][0]["text"]
    assert text.startswith("{'messages': [], 'topic': 't', '__interrupt__': [{'value': ")
    call["params"] = {"name": "Ask  me?"}
    unknown = client.post("/mcp", json=call, headers=JSON).json()["error"]
    assert unknown == {"code": -32602, "message": "Unknown tool: Ask  me?"}
    client.post("/assistants", json={"graph_id": "agent", "name": "Ask me"})
    call["params"] = {"name": "Ask_me"}
    twice = client.post("/mcp", json=call, headers=JSON).json()["error"]
    assert twice == {"code": -32602, "message": "Multiple tools found with the same name."}


def test_bytes_that_are_not_utf8_are_invalid_json(client: httpx.Client) -> None:
    response = client.post("/mcp", content=b"\xff\xfe", headers=JSON)
    assert (response.status_code, response.text) == (400, '{"error": "Invalid JSON"}')


def test_a_negative_cursor_lists_nothing(client: httpx.Client) -> None:
    # The real server answers a 500 (docs/deviations.md).
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"cursor": -1}}
    answer = client.post("/mcp", json=message, headers=JSON).json()
    assert answer == {"jsonrpc": "2.0", "id": 1, "result": {"tools": []}}


def test_integer_ids_of_any_size_are_echoed(client: httpx.Client) -> None:
    body = '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"tools/call"}'
    response = client.post("/mcp", content=body, headers=JSON)
    assert response.text.startswith('{"jsonrpc":"2.0","id":123456789012345678901234567890,')


def test_a_failed_tool_run_is_an_error_result(client: httpx.Client) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    message["params"] = {"name": "agent", "arguments": ["not", "a", "dict"]}
    result = client.post("/mcp", json=message, headers=JSON).json()["result"]
    assert result == {"isError": True, "content": [{"type": "text", "text": "InvalidUpdateError"}]}


def test_tools_call_leaves_no_thread_behind(client: httpx.Client) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "agent"}}
    client.post("/mcp", json=message, headers=JSON)
    assert client.post("/threads/search", json={}).json() == []


@pytest.mark.parametrize("path", ["/mcp", "/mcp/"])  # the official document lists /mcp/
def test_the_official_client_drives_the_mock(mock: LiveServer, path: str) -> None:
    async def session() -> tuple[Any, ...]:
        async with streamable_http_client(mock.url + path) as streams:
            async with ClientSession(streams[0], streams[1]) as client:
                init = await client.initialize()
                await client.send_ping()
                tools = await client.list_tools()
                called = await client.call_tool(
                    "agent", {"messages": [{"role": "user", "content": "hi"}]}
                )
                with pytest.raises(MCPError, match="Unknown tool: nope"):
                    await client.call_tool("nope", {})
                return init, tools, called

    init, tools, called = asyncio.run(session())
    assert init.server_info.name == "LangGraph"
    assert tools.tools == []  # no graph model has an input schema, as on the real server
    text = called.content[0].text
    assert text.startswith("{'messages': [{'content': 'hi', 'additional_kwargs': {}")
    assert "'content': 'agent saw 1 messages'" in text
    assert text.endswith("'topic': '+tools'}")


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
def test_the_path_with_a_slash_redirects_as_the_real_server(
    client: httpx.Client, method: str
) -> None:
    # Starlette's slash redirect on the real server: 307, no body, the Host the client used
    answer = client.request(method, "/mcp/", headers={"Host": "example.test:8123"})
    assert (answer.status_code, answer.content) == (307, b"")
    assert answer.headers["location"] == "http://example.test:8123/mcp"
