"""The run machinery at its own level, no HTTP: the commit path, the engine's supersteps and
what they record, which events stream modes carry, and the worker's queue, cancel and reset."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from mockserver import events, runs, state
from mockserver.assistants import AssistantRegistry
from mockserver.engine import execute
from mockserver.errors import BadRequest
from mockserver.execution import Execution
from mockserver.graph import load_graphs
from mockserver.server import CommitLock
from mockserver.store import MemoryStore, Run, Store, Thread
from mockserver.worker import Worker

GRAPHS = load_graphs(
    {
        "graphs": {
            "chat": {
                "channels": {"messages": "add_messages", "topic": "last_value"},
                "nodes": {
                    "agent": {"reply": "heard {last_human}", "stream": True},
                    "ask": {"interrupt": "ok?", "writes": {"topic": "{resume}"}},
                    "broken": {"fail": "no"},
                },
                "edges": [["__start__", "agent"], ["agent", "ask"], ["ask", "__end__"]],
            },
            "failing": {
                "channels": {"topic": "last_value"},
                "nodes": {"broken": {"fail": "no"}},
                "edges": [["__start__", "broken"], ["broken", "__end__"]],
            },
            "pause": {
                "channels": {"topic": "last_value"},
                "nodes": {"wait": {"delay": 30, "writes": {"topic": "late"}}},
                "edges": [["__start__", "wait"], ["wait", "__end__"]],
            },
        }
    }
)
HI = {"messages": [{"type": "human", "content": "hi", "id": "h1"}]}


ASSISTANTS = AssistantRegistry(list(GRAPHS), "2026-11-29T00:00:00+00:00")


def new_run(store: Store, graph_id: str, body: Mapping[str, Any]) -> Run:
    assistant = ASSISTANTS.get(ASSISTANTS.resolve_id(graph_id))
    body = {"assistant_id": graph_id, "if_not_exists": "create", **body}
    run, _ = runs.create_run(store, assistant, None, body)
    return run


def drive(store: Store, run: Run) -> tuple[Execution, list[tuple[str, Any]]]:
    """Run `run` to its end on `store`, pauses skipped; the execution and what it streamed."""
    streamed: list[tuple[str, Any]] = []
    x = Execution(
        store, GRAPHS[run.graph_id], run, lambda name, data: streamed.append((name, data))
    )
    for _pause in execute(x):
        pass
    return x, streamed


def test_commit_saves_the_checkpoint_the_task_results_and_the_thread_record() -> None:
    store = MemoryStore()
    store.add_thread(
        Thread("t", "then", "then", "then", {}, error={"error": "E"}, run_status="error")
    )
    graph = GRAPHS["chat"]
    base = state.commit(store, "t", state.new_checkpoint(None, 0, {}, ("agent",), {}))
    child = state.new_checkpoint(base.checkpoint_id, 1, {"topic": "x"}, (), {})
    state.commit(store, "t", child, base=base, results={"agent": {"topic": "x"}})
    history, thread = store.history("t"), store.thread("t")
    assert history.ids == [base.checkpoint_id, child.checkpoint_id]
    assert history.writes_of(base.checkpoint_id).results == {"agent": {"topic": "x"}}
    assert (thread.error, thread.run_status, thread.updated_at) == (None, None, child.created_at)
    # reduce: the graph's channel order, unknown keys dropped, a refused write a BadRequest
    reduced = state.reduce(graph, {"topic": "a"}, {"zzz": 1, "messages": HI["messages"]})
    assert list(reduced) == ["messages", "topic"]
    with pytest.raises(BadRequest):
        state.reduce(graph, {}, {"messages": [{"type": "nonsense"}]})


def test_a_run_writes_input_then_one_checkpoint_per_superstep_and_stops_at_an_interrupt() -> None:
    store = MemoryStore()
    run = new_run(store, "chat", {"input": HI, "stream_mode": ["values", "updates"]})
    x, streamed = drive(store, run)
    history = store.history(run.thread_id)
    sources = [c.metadata["source"] for c in history.checkpoints]
    assert sources == ["input", "loop", "loop"] and x.error is None
    head = history.head
    assert head is not None and head.next == ("ask",)
    raised = history.writes_of(head.checkpoint_id).interrupts["ask"]
    assert [i["value"] for i in raised] == ["ok?"]
    names = [name for name, _ in streamed]
    assert names[0] == "metadata" and "messages" not in names  # not a mode it streams
    assert streamed[-1] == (
        "values",
        {
            **events.plain_values(head.values),
            "__interrupt__": [{"value": "ok?", "id": raised[0]["id"], "response_schema": None}],
        },
    )
    # The base's task result: what the agent node wrote.
    agent_base = history.checkpoints[1]
    assert "agent" in history.writes_of(agent_base.checkpoint_id).results


def test_a_failing_node_ends_the_run_and_records_its_error_on_the_task() -> None:
    store = MemoryStore()
    run = new_run(store, "failing", {"input": {"topic": "x"}})
    x, streamed = drive(store, run)
    assert x.error == {"error": "ValueError", "message": "no"}
    assert streamed[-1] == ("error", x.error)
    history = store.history(run.thread_id)
    assert history.head is not None
    errors = history.writes_of(history.head.checkpoint_id).errors
    assert errors == {"broken": "ValueError('no')"}


@pytest.mark.parametrize(
    ("modes", "event", "carried"),
    [
        (["values"], "metadata", True),
        (["values"], "error", True),
        (["values"], "updates", False),
        (["messages-tuple"], "messages", True),
        (["messages-tuple"], "messages/partial", False),
        (["messages"], "messages/partial", True),
        (["messages"], "messages", False),
        (["updates", "custom"], "custom", True),
    ],
)
def test_which_events_a_runs_stream_modes_carry(
    modes: list[str], event: str, carried: bool
) -> None:
    assert events.carries(frozenset(modes), event) is carried


def test_the_worker_runs_a_threads_runs_one_after_the_other() -> None:
    async def scenario() -> None:
        store = MemoryStore()
        worker = Worker(store, CommitLock(store))
        first = new_run(store, "chat", {"input": HI})
        # a second run on the same thread waits for the first
        chat = ASSISTANTS.get(ASSISTANTS.resolve_id("chat"))
        second, _ = runs.create_run(
            store, chat, first.thread_id, {"assistant_id": "chat", "input": HI}, queued=True
        )
        worker.submit(first, GRAPHS["chat"])
        worker.submit(second, GRAPHS["chat"])
        assert worker.queue(first.thread_id) == (first.run_id, second.run_id)
        await worker.final_answer(worker.active[second.run_id].stream, 0, first.thread_id)
        assert worker.queue(first.thread_id) == () and worker.active == {}
        finished = [store.run(first.run_id), store.run(second.run_id)]
        assert [r.status for r in finished if r is not None] == ["success", "success"]

    asyncio.run(scenario())


def test_a_reset_stops_a_run_in_its_pause_and_nothing_is_written_after() -> None:
    async def scenario() -> None:
        store = MemoryStore()
        lock = CommitLock(store)
        worker = Worker(store, lock)
        run = new_run(store, "pause", {"input": {"topic": "early"}})
        active = worker.submit(run, GRAPHS["pause"])
        while store.history(run.thread_id).head is None or active.steps is None:
            await asyncio.sleep(0)  # until the run has started and paused in its node
        with lock:
            worker.stop_all()
            store.reset()
        assert active.task is not None
        await asyncio.gather(active.task, return_exceptions=True)
        assert worker.active == {} and worker.queues == {}
        assert list(store.threads()) == [] and len(store.history(run.thread_id)) == 0

    asyncio.run(scenario())
