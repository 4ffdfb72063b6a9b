"""POST /threads/{id}/commands and /stream/events (mockserver/handlers/v3.py): what the recording
(test_v3_differential.py) leaves out: batch responses, forks, multitask strategies, the
tracer's checks, several responses at once, and the documented deviations (docs/deviations.md
110, 114)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.graph import load_graphs
from mockserver.live import LiveServer

HI = {"messages": [{"role": "user", "content": "hi"}]}


def command(client: httpx.Client, thread_id: str, method: str, **params: Any) -> Any:
    body = {"id": 1, "method": method, "params": params}
    response = client.post(f"/threads/{thread_id}/commands", json=body)
    assert response.status_code == 200
    return response.json()


def settle(client: httpx.Client, thread_id: str) -> dict[str, Any]:
    # the mock's runs of the packaged graphs end within the request that started them or
    # right after; a join waits for the end without any sleep
    for run in client.get(f"/threads/{thread_id}/runs").json():
        client.get(f"/threads/{thread_id}/runs/{run['run_id']}/join")
    return dict(client.get(f"/threads/{thread_id}/state").json())


def test_a_batch_of_one_response_resumes_the_interrupt(
    client: httpx.Client, thread_id: str
) -> None:
    command(client, thread_id, "run.start", assistant_id="interrupter", input=HI)
    state = settle(client, thread_id)
    [interrupt] = state["interrupts"]
    answer = {"interrupt_id": interrupt["id"], "response": "ok"}
    done = command(client, thread_id, "input.respond", responses=[answer])
    assert done == {"type": "success", "id": 1, "result": {}, "meta": {"applied_through_seq": 0}}
    assert settle(client, thread_id)["values"]["topic"] == "answer=ok"


def test_run_start_on_an_interrupted_thread_resumes_it(
    client: httpx.Client, thread_id: str
) -> None:
    command(client, thread_id, "run.start", assistant_id="interrupter", input=HI)
    settle(client, thread_id)
    command(client, thread_id, "run.start", assistant_id="interrupter", input=5)
    assert settle(client, thread_id)["values"]["topic"] == "answer=5"


def test_run_start_forks_from_a_checkpoint(client: httpx.Client, thread_id: str) -> None:
    command(client, thread_id, "run.start", assistant_id="agent", input=HI)
    settle(client, thread_id)
    history = client.post(f"/threads/{thread_id}/history", json={"limit": 10}).json()
    first = history[-2]["checkpoint"]["checkpoint_id"]  # after the input, before the agent
    config = {"configurable": {"checkpoint_id": first}}
    started = command(client, thread_id, "run.start", assistant_id="agent", config=config)
    assert started["type"] == "success"
    messages = settle(client, thread_id)["values"]["messages"]
    assert [m["content"] for m in messages] == ["hi", "agent saw 1 messages", "tool result"]


def test_a_refused_run_is_an_unknown_error_with_the_refusal(
    client: httpx.Client, thread_id: str
) -> None:
    # deviations.md 114: the real server waits for a busy thread before creating the run
    body = {"assistant_id": "slow", "input": {}}
    assert client.post(f"/threads/{thread_id}/runs", json=body).status_code == 200
    refused = command(
        client, thread_id, "run.start", assistant_id="slow", multitaskStrategy="reject"
    )
    assert refused == {
        "type": "error",
        "id": 1,
        "error": "unknown_error",
        "message": "409: Thread is already running a task. Wait for it to finish or choose a "
        "different multitask strategy.",
    }


@pytest.mark.parametrize(
    ("tracer", "message"),
    [
        ("x", "langsmith_tracer must be an object."),
        ({"x": "1"}, "langsmith_tracer has unsupported fields: ['x']."),
        ({"project_name": 1}, "langsmith_tracer.project_name must be a string."),
    ],
)
def test_the_tracer_is_checked(
    client: httpx.Client, thread_id: str, tracer: Any, message: str
) -> None:
    answer = command(client, thread_id, "run.start", assistant_id="agent", langsmith_tracer=tracer)
    assert (answer["error"], answer["message"]) == ("invalid_argument", message)


def test_a_thread_id_that_is_no_uuid_is_refused(client: httpx.Client) -> None:
    # deviations.md 110: the real server answers 200 (no_such_run, an empty stream)
    for path, body in (("commands", {"id": 1, "method": "agent.getTree"}), ("stream/events", {})):
        response = client.post(f"/threads/nope/{path}", json=body)
        assert response.status_code == 422
        assert response.json() == {"detail": "Invalid thread ID: must be a UUID"}


def test_input_respond_on_a_missing_thread_finds_no_run(client: httpx.Client) -> None:
    missing = "00000000-0000-0000-0000-0000000000e1"
    answer = command(client, missing, "input.respond", interrupt_id="x")
    assert answer["error"] == "no_such_run"
    assert answer["message"] == "No interrupted run is bound to this thread."


TWO_ASKS = {
    "graphs": {
        "two": {
            "channels": {"a": "last_value", "b": "last_value"},
            "nodes": {
                "ask_a": {"interrupt": "a?", "writes": {"a": "{resume}"}},
                "ask_b": {"interrupt": "b?", "writes": {"b": "{resume}"}},
            },
            "edges": [
                ["__start__", "ask_a"],
                ["__start__", "ask_b"],
                ["ask_a", "__end__"],
                ["ask_b", "__end__"],
            ],
        }
    }
}


def test_several_responses_resume_each_interrupt_with_its_own() -> None:
    app = create_app(graphs=load_graphs(TWO_ASKS), check_responses=True)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        thread_id = client.post("/threads", json={}).json()["thread_id"]
        command(client, thread_id, "run.start", assistant_id="two", input={})
        interrupts = settle(client, thread_id)["interrupts"]
        by_value = {i["value"]: i["id"] for i in interrupts}
        responses = [
            {"interrupt_id": by_value["a?"], "response": 1},
            {"interrupt_id": by_value["b?"], "response": 2, "namespace": []},
        ]
        assert command(client, thread_id, "input.respond", responses=responses)["result"] == {}
        assert settle(client, thread_id)["values"] == {"a": 1, "b": 2}
