"""Runs through the official Python client, langgraph-sdk 0.4.14: stream (each mode), wait,
join, join_stream, cancel, multitask strategies, stateless runs, assistants.

The reference graphs' event sequences are the real server's (tests/data/runs_recording.json,
see test_runs_differential.py); the scripted chat graphs (tests/data/chat_graphs.yaml) show what
a frontend sees from an LLM agent: streamed tokens, tool calls, custom events, interrupts.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk.errors import ConflictError
from langgraph_sdk.schema import Command

from mockserver.assistant_records import assistant_id

DATA = Path(__file__).parent / "data"
RECORDING = json.loads((DATA / "runs_recording.json").read_text())
CHAT = pytest.mark.mockserver(graphs=str(DATA / "chat_graphs.yaml"))
HI = {"messages": [{"role": "user", "content": "hi", "id": "u1"}]}
ASK = {"messages": [{"role": "user", "content": "weather in Paris"}]}


def names(parts: Any) -> list[str]:
    return [part.event for part in parts]


def recorded_names(mode: str) -> list[str]:
    """The event names the real server sent for the agent graph in one mode (from the
    all-modes recording, filtered)."""
    events = RECORDING["agent_all_modes"][0]["events"]
    return [e["event"] for e in events if e["event"] in ("metadata", mode)]


@pytest.mark.parametrize(
    "mode", ["values", "updates", "debug", "tasks", "checkpoints", "custom", "messages-tuple"]
)
def test_each_stream_mode_streams_what_the_real_server_streams(
    langgraph_sync_client: Any, mode: str
) -> None:
    client = langgraph_sync_client
    thread = client.threads.create()
    parts = list(client.runs.stream(thread["thread_id"], "agent", input=HI, stream_mode=mode))
    expected = recorded_names("messages" if mode == "messages-tuple" else mode)
    assert names(parts) == expected
    assert parts[0].data["run_id"]


def test_wait_answers_with_the_final_values(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    thread = client.threads.create()
    values = client.runs.wait(thread["thread_id"], "agent", input=HI)
    assert [m["content"] for m in values["messages"]] == [
        "hi",
        "agent saw 1 messages",
        "tool result",
    ]
    assert values["topic"] == "+tools"
    assert client.threads.get(thread["thread_id"])["metadata"] == {
        "graph_id": "agent",
        "assistant_id": "fe096781-5601-53d2-b2f6-0d3403f7e9ca",
    }


def test_an_interrupt_is_resumed_with_a_command(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    asked = client.runs.wait(tid, "interrupter", input={"topic": "q"})
    assert asked["__interrupt__"][0]["value"] == {"question": "approve?"}
    thread = client.threads.get(tid)
    assert thread["status"] == "interrupted"
    assert list(thread["interrupts"].values())[0][0]["value"] == {"question": "approve?"}
    done = client.runs.wait(tid, "interrupter", command=Command(resume="yes"))
    assert done["topic"] == "answer=yes"
    assert done["messages"][-1]["content"] == "done"
    assert client.threads.get(tid)["status"] == "idle"


def test_background_run_join_get_list_delete(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    run = client.runs.create(tid, "agent", input=HI)
    assert run["status"] == "pending"
    assert client.runs.join(tid, run["run_id"])["topic"] == "+tools"
    assert client.runs.get(tid, run["run_id"])["status"] == "success"
    assert [r["run_id"] for r in client.runs.list(tid)] == [run["run_id"]]
    client.runs.delete(tid, run["run_id"])
    assert client.runs.list(tid) == []


def test_join_stream_right_after_create_gets_the_whole_run(langgraph_sync_client: Any) -> None:
    # As on langgraph dev, whose queue picks the run up 0.5-1 s later: nothing is missed.
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    run = client.runs.create(tid, "agent", input=HI)
    parts = list(client.runs.join_stream(tid, run["run_id"]))
    assert names(parts) == ["metadata", "values", "values", "values"]
    assert [len(p.data["messages"]) for p in parts[1:]] == [1, 2, 3]


@CHAT
def test_a_streamed_reply_comes_token_by_token(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    parts = list(
        client.runs.stream(
            tid, "agent", input=ASK, stream_mode=["messages-tuple", "custom", "values"]
        )
    )
    assert names(parts)[:3] == ["metadata", "values", "custom"]
    assert parts[2].data == {"progress": "thinking about weather in Paris"}
    final = parts[-1].data["messages"]
    assert [m["type"] for m in final] == ["human", "ai", "tool", "ai"]
    assert final[1]["tool_calls"][0]["name"] == "search"
    assert final[2]["tool_call_id"] == final[1]["tool_calls"][0]["id"]
    tokens = [p.data[0] for p in parts if p.event == "messages"]
    reply = "".join(t["content"] for t in tokens if t["id"] == final[3]["id"])
    assert (
        reply
        == final[3]["content"]
        == ('You said: weather in Paris. I found: 3 results for {"query": "weather in Paris"}')
    )
    assert {t["type"] for t in tokens} == {"AIMessageChunk", "tool"}
    metadata = parts[next(i for i, p in enumerate(parts) if p.event == "messages")].data[1]
    assert metadata["langgraph_node"] == "agent"
    assert metadata["langgraph_step"] == 1


@CHAT
def test_the_legacy_messages_mode_sends_partial_and_complete_messages(
    langgraph_sync_client: Any,
) -> None:
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    parts = list(
        client.runs.stream(
            tid, "approval", input={"messages": ["email bob"]}, stream_mode="messages"
        )
    )
    seen = names(parts)
    assert seen[:2] == ["metadata", "messages/metadata"]
    assert set(seen[2:]) == {"messages/partial"}
    assert parts[-1].data[0]["content"] == "I would send: email bob"
    resumed = list(
        client.runs.stream(tid, "approval", command=Command(resume="ok"), stream_mode="messages")
    )
    assert names(resumed) == ["metadata", "messages/metadata", "messages/complete"]
    assert resumed[-1].data[0]["content"] == "Sent (ok)."


@CHAT
def test_a_failing_node_streams_an_error(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    parts = list(client.runs.stream(tid, "broken", input=HI, stream_mode=["values", "updates"]))
    assert names(parts) == ["metadata", "values", "error"]
    assert parts[-1].data == {"error": "ValueError", "message": "scripted failure"}
    thread = client.threads.get(tid)
    assert thread["status"] == "error"
    assert thread["error"] == {"error": "ValueError", "message": "scripted failure"}
    state = client.threads.get_state(tid)
    assert state["tasks"][0]["error"] == "ValueError('scripted failure')"
    assert client.runs.list(tid)[0]["status"] == "error"


@CHAT
def test_a_run_in_flight_makes_the_thread_busy_and_can_be_cancelled(
    langgraph_sync_client: Any,
) -> None:
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    run = client.runs.create(tid, "slow", input={"topic": "a"})
    assert client.threads.get(tid)["status"] == "busy"
    with pytest.raises(ConflictError):
        client.threads.update_state(tid, {"topic": "during"})
    with pytest.raises(ConflictError):
        client.runs.create(tid, "slow", input={"topic": "b"}, multitask_strategy="reject")
    client.runs.cancel(tid, run["run_id"])
    assert client.runs.get(tid, run["run_id"])["status"] == "interrupted"
    # Cancelled while the real server still holds it pending: it never ran there.
    thread = client.threads.get(tid)
    assert (thread["status"], thread["values"], thread.get("error")) == ("idle", None, None)
    assert client.runs.get(tid, run["run_id"])["kwargs"]["config"]["metadata"] == {
        "created_by": "system",
        "graph_id": "slow",
        "assistant_id": "cad1b5ad-d177-59d1-ab39-5e327188ed3a",
    }
    client.threads.update_state(tid, {"topic": "after"})  # no longer busy


@CHAT
@pytest.mark.parametrize(
    "strategy, first_status, inputs", [("enqueue", "success", 2), ("interrupt", "interrupted", 1)]
)
def test_multitask_strategies(
    langgraph_sync_client: Any, strategy: str, first_status: str, inputs: int
) -> None:
    # The first run is interrupted while the real server still holds it pending: it never
    # ran, so only the second run's checkpoints are in the history (as on langgraph dev).
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    first = client.runs.create(tid, "slow", input={"topic": "first"})
    second = client.runs.create(tid, "slow", input={"topic": "second"}, multitask_strategy=strategy)
    assert client.runs.join(tid, second["run_id"]) == {"topic": "slow-done"}
    assert client.runs.get(tid, first["run_id"])["status"] == first_status
    sources = [s["metadata"]["source"] for s in client.threads.get_history(tid, limit=10)]
    assert sources.count("input") == inputs


@CHAT
def test_rollback_deletes_the_run_it_replaces(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    first = client.runs.create(tid, "slow", input={"topic": "first"})
    client.runs.wait(tid, "slow", input={"topic": "second"}, multitask_strategy="rollback")
    assert [r["run_id"] for r in client.runs.list(tid)] != [first["run_id"]]
    assert len(client.runs.list(tid)) == 1
    history = client.threads.get_history(tid, limit=10)
    assert [s["metadata"]["step"] for s in history] == [1, 0, -1]


@CHAT
def test_a_resumable_stream_is_joined_and_replayed(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    run = client.runs.create(
        tid, "agent", input=ASK, stream_resumable=True, stream_mode=["values", "messages-tuple"]
    )
    live = list(client.runs.join_stream(tid, run["run_id"], last_event_id="-1"))
    assert live[0].event == "metadata"
    assert live[-1].event == "values"
    assert all(part.id for part in live)
    middle = live[len(live) // 2].id
    replayed = list(client.runs.join_stream(tid, run["run_id"], last_event_id=middle))
    assert [p.id for p in replayed] == [p.id for p in live[len(live) // 2 + 1 :]]
    only_values = list(
        client.runs.join_stream(tid, run["run_id"], last_event_id="-1", stream_mode="values")
    )
    # a mode filter drops metadata (and error) events too, as langgraph dev's join does
    assert set(names(only_values)) == {"values"}
    # the JS SDK sends several modes as a JSON list
    as_json = client.http.client.get(
        f"/threads/{tid}/runs/{run['run_id']}/stream",
        params={"stream_mode": '["messages-tuple"]'},
        headers={"Last-Event-ID": "-1"},
    )
    assert {line for line in as_json.text.splitlines() if line.startswith("event:")} == {
        "event: messages"
    }


@CHAT
def test_on_disconnect_cancel_cancels_the_run(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    tid = client.threads.create()["thread_id"]
    stream = client.runs.stream(tid, "slow", input={"topic": "a"}, on_disconnect="cancel")
    assert next(iter(stream)).event == "metadata"
    stream.close()
    deadline = time.monotonic() + 5
    while client.runs.list(tid)[0]["status"] != "interrupted":
        assert time.monotonic() < deadline, "the run was not cancelled"
        time.sleep(0.02)


def test_stateless_runs_leave_no_thread(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    assert client.runs.wait(None, "agent", input={"topic": "x"})["topic"] == "x+tools"
    parts = list(client.runs.stream(None, "agent", input={"topic": "y"}, stream_mode="updates"))
    assert names(parts) == ["metadata", "updates", "updates"]
    assert client.threads.search() == []


def test_assistants_are_the_graphs(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    found = client.assistants.search()
    assert [a["graph_id"] for a in found] == ["slow", "interrupter", "agent"]
    agent = client.assistants.get("fe096781-5601-53d2-b2f6-0d3403f7e9ca")
    assert agent["name"] == "agent" and agent["metadata"] == {"created_by": "system"}
    graph = client.assistants.get_graph(agent["assistant_id"])
    assert [n["id"] for n in graph["nodes"]] == ["__start__", "agent", "tools", "__end__"]
    schemas = client.assistants.get_schemas(agent["assistant_id"])
    assert set(schemas["state_schema"]["properties"]) == {"messages", "topic"}


def test_batches_bulk_cancel_and_prune_through_the_sdk(langgraph_sync_client: Any) -> None:
    client = langgraph_sync_client
    made = client.runs.create_batch(
        [{"assistant_id": "agent", "input": HI}, {"assistant_id": "slow", "input": {}}]
    )
    assert [r["assistant_id"] for r in made] == [assistant_id("agent"), assistant_id("slow")]
    assert all(r["status"] == "pending" for r in made)
    thread = client.threads.create()
    running = client.runs.create(thread["thread_id"], "slow", input={})
    client.runs.cancel_many(thread_id=thread["thread_id"], run_ids=[running["run_id"]])
    assert client.runs.get(thread["thread_id"], running["run_id"])["status"] == "interrupted"
    other = client.threads.create()
    pruned = client.threads.prune([thread["thread_id"], other["thread_id"]])
    assert pruned == {"pruned_count": 2}
    assert client.threads.search(ids=[thread["thread_id"], other["thread_id"]]) == []
