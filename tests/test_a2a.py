"""A2A on /a2a/{assistant_id}: the real server's recorded answers replayed in order (agent
cards, the JSON-RPC envelope's errors, message/send, message/stream, tasks/get,
tasks/cancel, ListTasks, the v1.0 names), what the mock does where the real server crashes or
the mock serves less, and the official A2A client (a2a-sdk) driving a live mock."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2a.client import A2ACardResolver, ClientConfig, create_client
from a2a.types import GetTaskRequest, Message, Part, Role, SendMessageRequest, TaskState

from mockserver.live import LiveServer

RECORDING = json.loads((Path(__file__).parent / "data" / "a2a_recording.json").read_text())
AGENT = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"
INTERRUPTER = "fc7dd03f-cf33-529f-91df-327d1231b64e"
SLOW = "cad1b5ad-d177-59d1-ab39-5e327188ed3a"
JSON = {"Accept": "application/json"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX32 = re.compile(r"\b[0-9a-f]{32}\b")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")
_BASE = re.compile(r"http://[^/\"]+/a2a/")


def _normalised(text: str) -> str:
    """As scripts/record_a2a.py wrote the recording."""
    text = _BASE.sub("<base>/a2a/", text)
    seen: dict[str, str] = {}  # each uuid by its order of appearance: which ids repeat shows
    text = _UUID.sub(lambda m: seen.setdefault(m[0], f"<uuid{len(seen) + 1}>"), text)
    return _HEX32.sub("<id>", _TIME.sub("<time>", text))


def _kept(keep: str, answer: dict[str, Any]) -> dict[str, str]:
    """As scripts/record_a2a.py keeps them: a task's (or a run's) task and context ids."""
    if "run_id" in answer:
        task_id = f"{answer['thread_id']}:{answer['run_id']}"
    else:
        task_id = answer["result"].get("task", answer["result"])["id"]
    return {"T" + keep: task_id, "C" + keep: task_id.split(":")[0]}


def _first_answer(raw: str) -> Any:
    """As scripts/record_a2a.py reads it: a JSON answer, or a stream's first event's data."""
    if raw.startswith("event:"):
        raw = next(line for line in raw.splitlines() if line.startswith("data: "))[6:]
    return json.loads(raw)


def _bound(text: str, names: dict[str, str]) -> str:
    for name, value in names.items():
        text = text.replace("{" + name + "}", value)
    return text


def test_answers_as_the_real_server(client: httpx.Client) -> None:
    names = {"A": AGENT, "I": INTERRUPTER, "S": SLOW}
    mismatches = []
    for step in RECORDING:
        headers = {"Accept": step["accept"] or ""}
        if step["method"] == "POST":
            headers["Content-Type"] = "application/json"
        body = _bound(step["body"], names).encode() if step["method"] == "POST" else None
        response = client.request(
            step["method"], _bound(step["path"], names), content=body, headers=headers
        )
        if step["keep"]:
            names.update(_kept(step["keep"], _first_answer(response.text)))
        if not step["path"].startswith(("/a2a/", "/.well-known/")):
            continue  # setting up, through the runs API
        got = (response.status_code, response.headers.get("content-type"))
        got_body = _normalised(response.text)
        if got != (step["status"], step["content_type"]) or got_body != step["response"]:
            mismatches.append((step["path"], step["body"], got, got_body, step["response"]))
    assert mismatches == []


def _rpc(client: httpx.Client, method: str, params: Any, assistant: str = AGENT) -> Any:
    message = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    response = client.post(f"/a2a/{assistant}", json=message, headers=JSON)
    assert response.status_code == 200
    return response.json()


def _send(client: httpx.Client, text: str, assistant: str = AGENT, **message: Any) -> Any:
    parts = [{"kind": "text", "text": text}]
    params = {"message": {"role": "user", "messageId": "m", "parts": parts, **message}}
    return _rpc(client, "message/send", params, assistant)["result"]


def test_a_context_is_a_thread_and_a_task_one_of_its_runs(client: httpx.Client) -> None:
    task = _send(client, "hello")
    context_id, run_id = task["id"].split(":")
    assert task["contextId"] == context_id
    runs = client.get(f"/threads/{context_id}/runs").json()
    assert [r["run_id"] for r in runs] == [run_id]
    assert runs[0]["metadata"]["a2a"]["task_start_id"]
    values = client.get(f"/threads/{context_id}/state").json()["values"]
    assert values["messages"][0]["content"] == "hello"
    assert values["messages"][0]["id"] == "m"  # the A2A messageId


@pytest.mark.parametrize("method", ["tasks/get", "GetTask", "tasks/cancel", "CancelTask"])
@pytest.mark.parametrize("params", [None, [1], 5])
def test_params_not_an_object_is_invalid_params(
    client: httpx.Client, method: str, params: Any
) -> None:
    # The real server answers -32603 (tasks/get) or a 500 (tasks/cancel): deviations.md.
    assert _rpc(client, method, params)["error"] == {
        "code": -32602,
        "message": "Invalid params: must be an object",
    }


def _stream(client: httpx.Client, params: Any, method: str = "message/stream") -> list[Any]:
    message = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    response = client.post(f"/a2a/{AGENT}", json=message, headers={"Accept": "text/event-stream"})
    assert response.headers["content-type"] == "text/event-stream"
    lines = response.text.splitlines()
    assert lines[0::3] == ["event: message"] * len(lines[0::3])
    return [json.loads(line[len("data: ") :]) for line in lines[1::3]]


def test_a_failed_run_streams_a_failed_status(client: httpx.Client) -> None:
    # As the real server: the run's error message as the final status's message.
    params = {"message": {"role": "user", "messageId": "m", "parts": [{"data": {"messages": 5}}]}}
    first, last = _stream(client, params)
    assert first["result"]["status"]["state"] == "submitted"
    assert last["result"]["kind"] == "status-update"
    assert last["result"]["final"] is True
    status = last["result"]["status"]
    assert status["state"] == "failed"
    assert status["message"]["role"] == "agent"
    assert status["message"]["parts"][0]["text"]
    task = _rpc(client, "tasks/get", {"id": first["result"]["id"]})["result"]
    assert task["status"]["state"] == "failed"


@pytest.mark.parametrize(
    "extra, text",
    [
        ({"message": {"contextId": "abc"}}, "Failed to create run: Invalid thread ID"),
        ({"context": 5}, "Failed to create run: context must be an object"),
    ],
)
def test_a_stream_whose_run_cannot_be_created_is_one_error_event(
    client: httpx.Client, extra: dict[str, Any], text: str
) -> None:
    # The real server answers -32603 Internal server error (docs/deviations.md row 130).
    message = {"role": "user", "messageId": "m", "parts": [{"text": "x"}]}
    params = {**extra, "message": {**message, **extra.get("message", {})}}
    assert _stream(client, params) == [
        {"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": text}}
    ]


def test_a_stream_into_a_context_then_list_tasks(client: httpx.Client) -> None:
    hello = {"role": "user", "messageId": "a", "parts": [{"text": "hi"}]}
    first = _stream(client, {"message": hello}, "SendStreamingMessage")[0]["result"]["task"]
    context_id = first["contextId"]
    again = {**hello, "messageId": "b", "contextId": context_id}
    second = _stream(client, {"message": again})[0]["result"]
    listed = _rpc(client, "ListTasks", {"contextId": context_id, "historyLength": 0})["result"]
    assert [t["id"] for t in listed["tasks"]] == [second["id"], first["id"]]
    assert listed["totalSize"] == 2
    page = _rpc(client, "ListTasks", {"contextId": context_id, "pageSize": 1, "pageToken": "1"})
    assert [t["id"] for t in page["result"]["tasks"]] == [first["id"]]
    assert page["result"]["nextPageToken"] == ""


def test_an_input_required_task_cannot_be_continued_or_cancelled(client: httpx.Client) -> None:
    task = _send(client, "hi", INTERRUPTER)
    assert task["status"]["state"] == "input-required"
    again = _rpc(
        client,
        "message/send",
        {
            "message": {
                "role": "user",
                "messageId": "n",
                "taskId": task["id"],
                "parts": [{"text": "y"}],
            }
        },
        INTERRUPTER,
    )
    assert again["error"]["code"] == -32004
    cancelled = _rpc(client, "tasks/cancel", {"id": task["id"]}, INTERRUPTER)
    assert cancelled["error"]["code"] == -32004


def test_a_failed_run_is_a_failed_task(client: httpx.Client) -> None:
    params = {"message": {"role": "user", "messageId": "m", "parts": [{"data": {"messages": 5}}]}}
    task = _rpc(client, "message/send", params)["result"]
    assert task["status"]["state"] == "failed"
    assert task["status"]["message"]["parts"][0]["text"].startswith("Error executing assistant: ")
    assert "artifacts" not in task
    got = _rpc(client, "tasks/get", {"id": task["id"]})["result"]
    assert got["status"]["state"] == "failed"
    assert got["status"]["message"]["parts"] == [
        {"kind": "text", "text": "Task failed with status: error"}
    ]


@pytest.mark.parametrize("role", [[1], {"a": 1}])
def test_a_role_that_is_no_string_is_invalid_params(client: httpx.Client, role: Any) -> None:
    # The real server answers -32603 Internal server error (docs/deviations.md).
    message = {"role": role, "messageId": "m", "parts": [{"text": "x"}]}
    assert _rpc(client, "message/send", {"message": message})["error"] == {
        "code": -32602,
        "message": "Invalid params: 'role' must be a string",
    }


def test_the_official_client_drives_the_mock(mock: LiveServer) -> None:
    async def session() -> tuple[Any, Any, Any]:
        async with httpx.AsyncClient() as http:
            resolver = A2ACardResolver(http, f"{mock.url}/a2a/{AGENT}")
            card = await resolver.get_agent_card()
        client = await create_client(card, client_config=ClientConfig(streaming=False))
        message = Message(role=Role.ROLE_USER, message_id="m1", parts=[Part(text="hello")])
        answers = [a async for a in client.send_message(SendMessageRequest(message=message))]
        task = answers[-1].task
        got = await client.get_task(GetTaskRequest(id=task.id))
        await client.close()
        return card, task, got

    card, task, got = asyncio.run(session())
    assert card.name == "agent"
    assert card.supported_interfaces[0].url == f"{mock.url}/a2a/{AGENT}"
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    assert task.id == f"{task.context_id}:{task.id.split(':')[1]}"
    assert [p.text for p in task.artifacts[0].parts] == ["agent saw 1 messages"]
    assert [m.role for m in task.history] == [Role.ROLE_USER, Role.ROLE_AGENT, Role.ROLE_AGENT]
    assert got.status.state == TaskState.TASK_STATE_COMPLETED
    assert [m.message_id for m in got.history][0] == "m1"


def test_the_official_client_streams_from_the_mock(mock: LiveServer) -> None:
    # As from the real server (tried with this client): the submitted task parses, the
    # updates after it (v0.x shapes with `kind`, not v1.0's `artifactUpdate`/`statusUpdate`)
    # come as empty answers; the task then reads as input-required.
    async def session() -> tuple[list[Any], Any]:
        async with httpx.AsyncClient() as http:
            card = await A2ACardResolver(http, f"{mock.url}/a2a/{INTERRUPTER}").get_agent_card()
        client = await create_client(card, client_config=ClientConfig(streaming=True))
        message = Message(role=Role.ROLE_USER, message_id="m1", parts=[Part(text="hello")])
        answers = [a async for a in client.send_message(SendMessageRequest(message=message))]
        got = await client.get_task(GetTaskRequest(id=answers[0].task.id))
        await client.close()
        return answers, got

    answers, got = asyncio.run(session())
    assert [a.WhichOneof("payload") for a in answers] == ["task", None, None]
    task = answers[0].task
    assert task.status.state == TaskState.TASK_STATE_SUBMITTED
    assert [m.message_id for m in task.history] == ["m1"]
    assert got.status.state == TaskState.TASK_STATE_INPUT_REQUIRED


@pytest.mark.parametrize("host", [None, "LOCALHOST", "localhost:443", "[::1]:9"])
@pytest.mark.parametrize("form", [str.lower, str.upper, lambda a: "{" + a + "}"])
def test_a_card_names_the_served_address_and_the_id_as_given(
    client: httpx.Client, mock: LiveServer, host: str | None, form: Any
) -> None:
    # As `langgraph dev` (its LANGGRAPH_API_URL): the address the server is reached at, not the
    # Host the client sent; the assistant in any UUID form, named back as the client wrote it.
    headers = {} if host is None else {"Host": host}
    given = form(AGENT)
    for path in (f"/a2a/{given}", f"/a2a/{given}/.well-known/agent-card.json"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.json()["url"] == f"{mock.url}/a2a/{given}"
    assert client.get("/a2a/agent").status_code == 400  # a graph id names no assistant here
