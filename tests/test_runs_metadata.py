"""What a run takes from its thread and leaves on it: metadata and config, as langgraph dev
merges them (Runs.put of the in-memory runtime; checked against the live server)."""

from __future__ import annotations

import json

import httpx

HI = {"messages": [{"role": "user", "content": "hi", "id": "u1"}]}
AGENT_ID = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"


def test_thread_metadata_is_merged_into_the_run_and_its_checkpoints(client: httpx.Client) -> None:
    tid = client.post(
        "/threads", json={"metadata": {"owner": "alice", "graph_id": "agent"}}
    ).json()["thread_id"]
    client.post(
        f"/threads/{tid}/runs/wait",
        json={
            "assistant_id": "agent",
            "input": HI,
            "metadata": {"origin": "x"},
            "config": {"configurable": {"foo": 1}, "metadata": {"cm": "y"}},
        },
    )
    run = client.get(f"/threads/{tid}/runs").json()[0]
    assert run["metadata"] == {
        "created_by": "system",
        "owner": "alice",
        "graph_id": "agent",
        "assistant_id": AGENT_ID,
        "cm": "y",
        "origin": "x",
    }
    assert run["kwargs"]["config"]["metadata"]["owner"] == "alice"
    history = client.post(f"/threads/{tid}/history", json={"limit": 10}).json()
    assert len(history) == 4
    for state in history:
        # the user's configurable first, then the run's metadata, then the loop's
        assert list(state["metadata"])[:7] == [
            "foo",
            "graph_id",
            "assistant_id",
            "user_id",
            "created_by",
            "owner",
            "cm",
        ]
        assert state["metadata"]["origin"] == "x"
    assert client.get(f"/threads/{tid}/state").json()["metadata"]["owner"] == "alice"


def test_the_thread_keeps_the_run_config(client: httpx.Client) -> None:
    tid = client.post("/threads", json={}).json()["thread_id"]
    assert client.get(f"/threads/{tid}").json()["config"] == {}
    client.post(
        f"/threads/{tid}/runs/wait",
        json={
            "assistant_id": "agent",
            "input": HI,
            "config": {"tags": ["t1"], "recursion_limit": 7, "configurable": {"foo": 1}},
        },
    )
    assert client.get(f"/threads/{tid}").json()["config"] == {
        "tags": ["t1"],
        "recursion_limit": 7,
        "configurable": {},
    }
    client.post(
        f"/threads/{tid}/runs/wait",
        json={"assistant_id": "agent", "input": HI, "config": {"tags": ["t2"]}},
    )
    assert client.get(f"/threads/{tid}").json()["config"] == {
        "tags": ["t2"],
        "recursion_limit": 7,
        "configurable": {},
    }
    # a copy starts with an empty config, whatever the source's
    copied = client.post(f"/threads/{tid}/copy").json()
    assert client.get(f"/threads/{copied['thread_id']}").json()["config"] == {}


def test_a_thread_created_by_its_run_takes_the_run_metadata(client: httpx.Client) -> None:
    tid = "00000000-0000-0000-0000-0000000000e1"
    client.post(
        f"/threads/{tid}/runs/wait",
        json={
            "assistant_id": "agent",
            "input": HI,
            "metadata": {"m": 1},
            "config": {"tags": ["c"]},
            "if_not_exists": "create",
        },
    )
    thread = client.get(f"/threads/{tid}").json()
    assert thread["metadata"] == {"graph_id": "agent", "assistant_id": AGENT_ID, "m": 1}
    assert thread["config"] == {"tags": ["c"], "configurable": {}}
    run = client.get(f"/threads/{tid}/runs").json()[0]
    assert run["metadata"] == {"created_by": "system", "m": 1, "assistant_id": AGENT_ID}


def test_a_stateless_run_has_no_graph_id_in_its_metadata(client: httpx.Client) -> None:
    run = client.post(
        "/runs", json={"assistant_id": "agent", "input": HI, "metadata": {"k": 1}}
    ).json()
    assert run["metadata"] == {"created_by": "system", "k": 1, "assistant_id": AGENT_ID}
    assert run["kwargs"]["config"]["metadata"] == run["metadata"]


def test_task_events_carry_the_config_tags(client: httpx.Client) -> None:
    tid = client.post("/threads", json={}).json()["thread_id"]
    with client.stream(
        "POST",
        f"/threads/{tid}/runs/stream",
        json={
            "assistant_id": "agent",
            "input": HI,
            "stream_mode": "tasks",
            "config": {"tags": ["a", "b"]},
        },
    ) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    starts = [json.loads(line[5:]) for line in lines][1::2]
    assert [list(s["metadata"])[-2:] for s in starts] == [["run_id", "tags"]] * 2
    assert starts[0]["metadata"]["tags"] == ["a", "b"]


def test_runs_name_the_url_the_live_mock_serves_at(client: httpx.Client) -> None:
    # langgraph dev names its own URL in run metadata; a live mock names the one it listens on.
    tid = client.post("/threads", json={}).json()["thread_id"]
    client.post(f"/threads/{tid}/runs/wait", json={"assistant_id": "agent", "input": HI})
    run = client.get(f"/threads/{tid}/runs").json()[0]
    assert run["kwargs"]["config"]["metadata"]["langgraph_api_url"] == str(client.base_url).rstrip(
        "/"
    )
