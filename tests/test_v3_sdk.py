"""v3 thread streaming through the official Python client (`client.threads.stream()`), and the
event stream's live side: a stream opened before the run, heartbeats, the SSE framing.

The reference graphs' events are the real server's (tests/data/v3_recording.json, see
test_v3_differential.py); the scripted chat agent (tests/data/chat_graphs.yaml) streams its
reply token by token, as a chat model's message on the `messages` channel.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from langgraph_sdk import get_client, get_sync_client

from mockserver.app import create_app
from mockserver.graph import load_graphs
from mockserver.journal import Exchange
from mockserver.live import LiveServer

DATA = Path(__file__).parent / "data"
HI = {"messages": [{"role": "user", "content": "hi"}]}


def _serve(graphs: Any) -> Iterator[LiveServer]:
    seen: list[Exchange] = []
    app = create_app(graphs=graphs, check_responses=True, observer=seen.append, heartbeat=0.05)
    with LiveServer(app) as server:
        yield server
    errors = [str(e) for e in seen if e.status >= 500]
    assert not errors, f"the mock answered with a server error: {errors}"


@pytest.fixture(scope="module")
def reference() -> Iterator[LiveServer]:
    yield from _serve(load_graphs(yaml.safe_load((DATA / "reference_graphs.yaml").read_text())))


@pytest.fixture(scope="module")
def chat() -> Iterator[LiveServer]:
    yield from _serve(DATA / "chat_graphs.yaml")


def _until(events: Any, method: str, phase: str | None = None) -> Any:
    async def read() -> list[dict[str, Any]]:
        seen = []
        async for event in events:
            seen.append(event)
            data = event["params"]["data"]
            if event["method"] == method and (phase is None or data.get("event") == phase):
                return seen
        raise AssertionError(f"the stream ended before {method} {phase}")

    return asyncio.wait_for(read(), 10)


def test_a_run_streams_and_its_output_is_the_thread_state(reference: LiveServer) -> None:
    async def scenario() -> tuple[Any, Any]:
        async with (
            get_client(url=reference.url) as client,
            client.threads.stream(assistant_id="agent") as thread,
        ):
            started = await thread.run.start(input=HI)
            output = await thread.output
            events = await _until(
                thread.subscribe(["lifecycle", "values"]), "lifecycle", "completed"
            )
            return started, output, events, thread.thread_id

    started, output, events, thread_id = asyncio.run(scenario())
    assert set(started) == {"run_id"}
    assert [m["content"] for m in output["messages"]] == [
        "hi",
        "agent saw 1 messages",
        "tool result",
    ]
    assert output["topic"] == "+tools"
    assert [(e["seq"], e["method"]) for e in events] == [
        (1, "lifecycle"),
        (2, "values"),
        (3, "values"),
        (4, "values"),
        (5, "lifecycle"),
    ]
    assert events[-1]["params"]["data"] == {"event": "completed", "graph_name": "agent"}
    runs = httpx.get(f"{reference.url}/threads/{thread_id}/runs").json()
    assert runs[0]["kwargs"]["stream_mode"] == [
        "values",
        "updates",
        "messages",
        "tools",
        "lifecycle",
        "custom",
        "tasks",
        "checkpoints",
    ]
    assert runs[0]["kwargs"]["resumable"] is True


def test_the_sync_client_streams_a_thread_too(reference: LiveServer) -> None:
    with (
        get_sync_client(url=reference.url) as client,
        client.threads.stream(assistant_id="agent") as thread,
    ):
        thread.run.start(input=HI)
        output = thread.output
    assert [m["content"] for m in output["messages"]] == [
        "hi",
        "agent saw 1 messages",
        "tool result",
    ]


async def _interrupted(thread: Any) -> None:
    # the SDK's lifecycle watcher sets `interrupted` from the input.requested event
    while not thread.interrupted:
        await asyncio.sleep(0)


def test_an_interrupt_is_answered_with_run_respond(reference: LiveServer) -> None:
    async def scenario() -> tuple[Any, ...]:
        async with (
            get_client(url=reference.url) as client,
            client.threads.stream(assistant_id="interrupter") as thread,
        ):
            await thread.run.start(input=HI)
            await asyncio.wait_for(_interrupted(thread), 10)
            interrupts = list(thread.interrupts)
            answered = await thread.run.respond("yes")
            output = await thread.output
            state = await client.threads.get_state(thread.thread_id)
            return interrupts, answered, output, state

    interrupts, answered, output, state = asyncio.run(scenario())
    # the SDK reads the interrupt's `value`, the server sends it as `payload` (both servers)
    assert [(i["value"], i["namespace"]) for i in interrupts] == [(None, [])]
    assert len(interrupts[0]["interrupt_id"]) == 32
    assert answered == {}
    assert output["topic"] == "answer=yes"
    assert [m["content"] for m in output["messages"]] == ["hi", "done"]
    assert output == state["values"]


def test_a_scripted_reply_streams_token_by_token(chat: LiveServer) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with (
            get_client(url=chat.url) as client,
            client.threads.stream(assistant_id="agent") as thread,
        ):
            await thread.run.start(input=HI)
            return await _until(thread.subscribe(["messages"]), "messages", "message-finish")

    events = asyncio.run(scenario())
    data = [e["params"]["data"] for e in events]
    assert [d["event"] for d in data[:2]] == ["message-start", "content-block-start"]
    assert data[0]["role"] == "ai"
    deltas = [d["delta"]["text"] for d in data if d["event"] == "content-block-delta"]
    assert len(deltas) > 3
    assert "".join(deltas) == "Let me look that up."
    assert data[-2] == {
        "event": "content-block-finish",
        "index": 0,
        "content": {"type": "text", "text": "Let me look that up."},
    }


def test_a_stream_opened_before_the_run_sees_it_live(reference: LiveServer) -> None:
    thread_id = "00000000-0000-0000-0000-0000000000c1"

    async def scenario() -> tuple[list[str], list[dict[str, Any]]]:
        async with httpx.AsyncClient(base_url=reference.url, timeout=10) as http:
            body = {"channels": ["lifecycle", "values"], "since": 1}
            request = http.build_request("POST", f"/threads/{thread_id}/stream/events", json=body)
            response = await http.send(request, stream=True)
            command = {"id": 1, "method": "run.start", "params": {"assistant_id": "agent"}}
            command["params"]["input"] = HI
            answer = await http.post(f"/threads/{thread_id}/commands", json=command)
            assert answer.json()["type"] == "success"
            lines: list[str] = []
            async for line in response.aiter_lines():
                lines.append(line)
                if '"completed"' in line:
                    break
            await response.aclose()
            return lines, [json.loads(x[6:]) for x in lines if x.startswith("data: ")]

    lines, events = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert [(e["seq"], e["method"]) for e in events] == [
        (2, "values"),
        (3, "values"),
        (4, "values"),
        (5, "lifecycle"),
    ]
    first = lines.index("event: values")
    assert lines[first : first + 4] == ["event: values", lines[first + 1], "id: 2", ""]


def test_an_idle_stream_stays_open_with_heartbeats(reference: LiveServer) -> None:
    thread_id = "00000000-0000-0000-0000-0000000000c2"
    body = {"channels": ["values"]}
    with httpx.stream(
        "POST", f"{reference.url}/threads/{thread_id}/stream/events", json=body, timeout=10
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines) == ": heartbeat"
        assert next(lines) == ""
        assert next(lines) == ": heartbeat"
