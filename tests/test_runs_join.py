"""Join and join-stream as langgraph dev answers them: a run joined right after it was created
is read from its start (the real queue leaves it pending for 0.5-1 s), a run that has ended
is read from its thread, an unknown run is a 200 carrying the error."""

from __future__ import annotations

import httpx
from test_runs_api import stream

HI = {"messages": [{"role": "user", "content": "hi", "id": "u1"}]}
ERROR = {"error": "HTTPException", "message": "404: Run not found"}


def test_joining_an_interrupted_run_right_after_create_keeps_its_values(
    client: httpx.Client,
) -> None:
    tid = client.post("/threads", json={}).json()["thread_id"]
    run = client.post(
        f"/threads/{tid}/runs", json={"assistant_id": "interrupter", "input": HI}
    ).json()
    joined = client.get(f"/threads/{tid}/runs/{run['run_id']}/join").json()
    assert [m["content"] for m in joined["messages"]] == ["hi"]
    [interrupt] = joined["__interrupt__"]
    assert interrupt["value"] == {"question": "approve?"}
    assert interrupt["response_schema"] is None
    resumed = client.post(
        f"/threads/{tid}/runs", json={"assistant_id": "interrupter", "command": {"resume": 7}}
    ).json()
    final = client.get(f"/threads/{tid}/runs/{resumed['run_id']}/join").json()
    assert final["topic"] == "answer=7"
    assert "__interrupt__" not in final
    # the first run has ended: its join reads the thread, which has moved on
    assert client.get(f"/threads/{tid}/runs/{run['run_id']}/join").json() == final


def test_joining_in_updates_mode_answers_the_interrupt_chunk(client: httpx.Client) -> None:
    tid = client.post("/threads", json={}).json()["thread_id"]
    run = client.post(
        f"/threads/{tid}/runs",
        json={"assistant_id": "interrupter", "input": HI, "stream_mode": ["updates"]},
    ).json()
    joined = client.get(f"/threads/{tid}/runs/{run['run_id']}/join").json()
    assert list(joined) == ["__interrupt__"]
    assert joined["__interrupt__"][0]["response_schema"] is None


def test_join_stream_right_after_create_sees_every_event(client: httpx.Client) -> None:
    tid = client.post("/threads", json={}).json()["thread_id"]
    run = client.post(
        f"/threads/{tid}/runs",
        json={"assistant_id": "agent", "input": HI, "stream_mode": ["values", "updates"]},
    ).json()
    _, events = stream(client, f"/threads/{tid}/runs/{run['run_id']}/stream", method="GET")
    assert [e["event"] for e in events] == [
        "metadata",
        "values",
        "updates",
        "values",
        "updates",
        "values",
    ]
    assert events[0]["data"]["run_id"] == run["run_id"]


def test_joining_an_unknown_run_answers_200_with_the_error(client: httpx.Client) -> None:
    tid = client.post("/threads", json={}).json()["thread_id"]
    missing = "00000000-0000-0000-0000-0000000000f1"
    answer = client.get(f"/threads/{tid}/runs/{missing}/join")
    assert (answer.status_code, answer.json()) == (200, {"__error__": ERROR})
    assert answer.headers["location"] == f"/threads/{tid}/runs/{missing}/join"
    response, events = stream(client, f"/threads/{tid}/runs/{missing}/stream", method="GET")
    assert response.status_code == 200
    assert events == [{"event": "error", "data": ERROR}]
    # a missing thread is still a 404, as on every thread route
    gone = "00000000-0000-0000-0000-0000000000f2"
    assert client.get(f"/threads/{gone}/runs/{missing}/join").status_code == 404
