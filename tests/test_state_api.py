"""Thread-state operations over HTTP: update state, read it (latest, at a checkpoint), history.
Each test reads as a transcript: request, status, body. Graph `agent` is
START -> agent -> tools -> END; graph `interrupter` is START -> ask -> finish -> END."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from rejections import locations
from shapes import ai, human

STATE_KEYS = [
    "values",
    "next",
    "tasks",
    "metadata",
    "created_at",
    "checkpoint",
    "parent_checkpoint",
    "interrupts",
    "checkpoint_id",
    "parent_checkpoint_id",
]
TASK_KEYS = ["id", "name", "path", "error", "interrupts", "checkpoint", "state", "result"]
EMPTY_STATE = {
    "values": {},
    "next": [],
    "tasks": [],
    "metadata": None,
    "created_at": None,
    "checkpoint": None,
    "parent_checkpoint": None,
    "interrupts": [],
    "checkpoint_id": None,
    "parent_checkpoint_id": None,
}
NO_GRAPH = (
    "Thread '{tid}' has no assigned graph ID. This usually occurs when no runs have been made on "
    "this particular thread. This operation requires a graph ID. Please ensure a run has been "
    "made for the thread or manually update the thread metadata (by setting the 'graph_id' "
    "field) before running this operation."
)
LIST_VALUES = (
    "Expected dict, got {values}\nFor troubleshooting, visit: "
    "https://docs.langchain.com/oss/python/langgraph/errors/INVALID_GRAPH_NODE_RETURN_VALUE"
)
GHOST = "1f000000-0000-6000-8000-000000000000"  # a checkpoint id no thread has
MISSING = "73fce8b8-95dd-4002-b575-6d37d340ea0a"  # a thread id no one created


# --- helpers -----------------------------------------------------------------------------------


def ref(thread_id: str, checkpoint_id: str, *, ns: bool = True) -> dict[str, str]:
    """A checkpoint as states name it: `{checkpoint_id, thread_id, checkpoint_ns}`."""
    out = {"checkpoint_id": checkpoint_id, "thread_id": thread_id}
    return {**out, "checkpoint_ns": ""} if ns else out


def new_thread(client: httpx.Client, graph_id: str | None = "agent") -> str:
    metadata = {"graph_id": graph_id} if graph_id else {}
    response = client.post("/threads", json={"metadata": metadata})
    assert response.status_code == 200
    return str(response.json()["thread_id"])


def update(client: httpx.Client, thread_id: str, **body: Any) -> str:
    """POST /state; the new checkpoint id."""
    response = client.post(f"/threads/{thread_id}/state", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["checkpoint_id"])


def refused(client: httpx.Client, thread_id: str, body: Any, status: int) -> str:
    """POST /state that must fail with `status` and write nothing; the detail."""
    before = history(client, thread_id)
    response = client.post(f"/threads/{thread_id}/state", json=body)
    assert response.status_code == status, response.text
    assert history(client, thread_id) == before
    return str(response.json()["detail"])


def state(client: httpx.Client, thread_id: str) -> dict[str, Any]:
    response = client.get(f"/threads/{thread_id}/state")
    assert response.status_code == 200, response.text
    return dict(response.json())


def state_at(client: httpx.Client, thread_id: str, checkpoint_id: str) -> dict[str, Any]:
    response = client.get(f"/threads/{thread_id}/state/{checkpoint_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def thread(client: httpx.Client, thread_id: str) -> dict[str, Any]:
    response = client.get(f"/threads/{thread_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def history(client: httpx.Client, thread_id: str, limit: int = 1000) -> list[dict[str, Any]]:
    response = client.post(f"/threads/{thread_id}/history", json={"limit": limit})
    assert response.status_code == 200, response.text
    return list(response.json())


def post_history(client: httpx.Client, thread_id: str, **body: Any) -> list[str]:
    """POST /history; the checkpoint ids, newest first."""
    response = client.post(f"/threads/{thread_id}/history", json=body)
    assert response.status_code == 200, response.text
    return [s["checkpoint_id"] for s in response.json()]


def get_history(client: httpx.Client, thread_id: str, **params: Any) -> list[str]:
    """GET /history; the checkpoint ids, newest first."""
    response = client.get(f"/threads/{thread_id}/history", params=params)
    assert response.status_code == 200, response.text
    return [s["checkpoint_id"] for s in response.json()]


def task(checkpoint: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [t for t in checkpoint["tasks"] if t["name"] == name]
    return dict(found)


def assert_invalid(response: httpx.Response, location: str) -> None:
    assert response.status_code == 422, response.text
    assert set(response.json()) == {"detail"}
    assert location in locations(response)


@pytest.fixture
def chain(client: httpx.Client, thread_id: str) -> list[str]:
    """Five updates in a row on `thread_id`: steps 0..4; the checkpoint ids, newest first.

    step 0 {}                 next [agent]
    step 1 topic a            next [agent]
    step 2 as agent, msg a1   next [tools]
    step 3 as tools, topic b  next []
    step 4 topic c            next [agent]
    """
    ids = [
        update(client, thread_id),
        update(client, thread_id, values={"topic": "a"}),
        update(
            client,
            thread_id,
            values={"messages": [{"role": "ai", "content": "x", "id": "a1"}]},
            as_node="agent",
        ),
        update(client, thread_id, values={"topic": "b"}, as_node="tools"),
        update(client, thread_id, values={"topic": "c"}),
    ]
    return ids[::-1]


# --- POST /threads/{id}/state: the response, the checkpoint it writes -----------------------------


def test_update_answers_the_new_checkpoint_three_times(
    client: httpx.Client, thread_id: str
) -> None:  # #56
    response = client.post(f"/threads/{thread_id}/state", json={})
    assert response.status_code == 200
    body = response.json()
    checkpoint_id = body["checkpoint_id"]
    expected = {"thread_id": thread_id, "checkpoint_ns": "", "checkpoint_id": checkpoint_id}
    assert body == {
        "checkpoint": expected,
        "configurable": expected,
        "checkpoint_id": checkpoint_id,
    }
    assert list(body) == ["checkpoint", "configurable", "checkpoint_id"]
    assert list(body["checkpoint"]) == ["thread_id", "checkpoint_ns", "checkpoint_id"]
    assert list(body["configurable"]) == ["thread_id", "checkpoint_ns", "checkpoint_id"]
    assert state(client, thread_id)["checkpoint_id"] == checkpoint_id


def test_empty_update_on_a_fresh_thread(client: httpx.Client, thread_id: str) -> None:  # #56-58
    checkpoint_id = update(client, thread_id)
    body = state(client, thread_id)
    assert list(body) == STATE_KEYS
    assert body["values"] == {"messages": []}
    assert body["next"] == ["agent"]
    (agent,) = body["tasks"]
    assert list(agent) == TASK_KEYS
    assert agent == {
        "id": agent["id"],
        "name": "agent",
        "path": ["__pregel_pull", "agent"],
        "error": None,
        "interrupts": [],
        "checkpoint": None,
        "state": None,
        "result": None,
    }
    uuid.UUID(agent["id"])
    assert body["metadata"] == {
        "graph_id": "agent",
        "thread_id": thread_id,
        "source": "update",
        "step": 0,
        "parents": {},
    }
    assert list(body["metadata"]) == ["graph_id", "thread_id", "source", "step", "parents"]
    assert body["checkpoint"] == ref(thread_id, checkpoint_id)
    assert list(body["checkpoint"]) == ["checkpoint_id", "thread_id", "checkpoint_ns"]
    assert body["parent_checkpoint"] is None
    assert body["parent_checkpoint_id"] is None
    assert body["interrupts"] == []
    assert body["created_at"].endswith("+00:00")
    after = thread(client, thread_id)
    assert after["status"] == "interrupted"  # `next` is not empty, though nothing interrupted
    assert after["values"] == {"messages": []}


def test_update_sets_updated_at_and_state_updated_at(client: httpx.Client, thread_id: str) -> None:
    before = thread(client, thread_id)
    update(client, thread_id, values={"topic": "t"})
    after = thread(client, thread_id)
    assert after["updated_at"] == after["state_updated_at"]
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(
        before["updated_at"]
    )
    assert after["created_at"] == before["created_at"]
    checkpoint_created = datetime.fromisoformat(state(client, thread_id)["created_at"])
    assert checkpoint_created <= datetime.fromisoformat(after["state_updated_at"])


def test_checkpoint_ids_increase_and_carry_the_step(client: httpx.Client, chain: list[str]) -> None:
    assert chain == sorted(chain, reverse=True)
    assert len(set(chain)) == len(chain)
    steps = [4, 3, 2, 1, 0]
    # uuid6, whose clock sequence (the 4th group) is the step: 8000 is step 0.
    assert [cid.split("-")[3] for cid in chain] == [f"{0x8000 + s:04x}" for s in steps]
    assert all(uuid.UUID(cid).version == 6 for cid in chain)


def test_the_input_superstep_has_step_minus_one_in_its_id(client: httpx.Client) -> None:
    response = client.post(
        "/threads",
        json={
            "metadata": {"graph_id": "agent"},
            "supersteps": [
                {"updates": [{"values": {"topic": "x"}, "as_node": "__input__"}]},
            ],
        },
    )
    assert response.status_code == 200
    (only,) = history(client, response.json()["thread_id"])
    assert only["metadata"]["step"] == -1
    assert only["checkpoint_id"].split("-")[3] == "bfff"


def test_each_update_is_the_child_of_the_last(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:
    states = history(client, thread_id)
    assert [s["checkpoint_id"] for s in states] == chain
    assert [s["parent_checkpoint_id"] for s in states] == [*chain[1:], None]
    assert [s["metadata"]["step"] for s in states] == [4, 3, 2, 1, 0]
    assert [s["next"] for s in states] == [["agent"], [], ["tools"], ["agent"], ["agent"]]


# --- values through the channel reducers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("updates", "values"),
    [
        pytest.param(
            [{"messages": [{"role": "user", "content": "hi", "id": "m1"}], "topic": "weather"}],
            {"messages": [human("hi", "m1")], "topic": "weather"},
            id="#59-60 human message",
        ),
        pytest.param(
            [
                {"messages": [{"role": "user", "content": "hi", "id": "m1"}]},
                {"messages": [{"role": "ai", "content": "calling tool", "id": "m2"}]},
            ],
            {"messages": [human("hi", "m1"), ai("calling tool", "m2")]},
            id="#62-63 ai message appended",
        ),
        pytest.param(
            [
                {
                    "messages": [
                        {"type": "human", "content": "typed", "id": "t1"},
                        {"role": "assistant", "content": "role", "id": "t2"},
                    ]
                }
            ],
            {"messages": [human("typed", "t1"), ai("role", "t2")]},
            id="type and role spellings",
        ),
        pytest.param(
            [
                {
                    "messages": [
                        {"role": "user", "content": "hi", "id": "m1"},
                        {"role": "ai", "content": "yo", "id": "m2"},
                    ]
                },
                {"messages": [{"role": "user", "content": "edited", "id": "m1"}]},
            ],
            {"messages": [human("edited", "m1"), ai("yo", "m2")]},
            id="same id replaces in place",
        ),
        pytest.param(
            [
                {
                    "messages": [
                        {"role": "user", "content": "hi", "id": "m1"},
                        {"role": "ai", "content": "yo", "id": "m2"},
                    ]
                },
                {"messages": [{"type": "remove", "content": "", "id": "m1"}]},
            ],
            {"messages": [ai("yo", "m2")]},
            id="type remove deletes",
        ),
        pytest.param(
            [
                {
                    "messages": [
                        {"role": "user", "content": "hi", "id": "m1"},
                        {"role": "ai", "content": "yo", "id": "m2"},
                    ]
                },
                {"messages": {"type": "remove", "content": "", "id": "m1"}},
            ],
            {"messages": [ai("yo", "m2")]},
            id="a lone remove dict deletes",
        ),
        pytest.param(
            [
                {"messages": [{"role": "user", "content": "hi", "id": "m1"}]},
                {"messages": {"role": "remove", "content": "", "id": "__remove_all__"}},
            ],
            {"messages": []},
            id="a lone remove-all dict clears",
        ),
        pytest.param(
            [{"messages": "plain string"}],
            {"messages": [human("plain string")]},
            id="#83 bare string is a human message",
        ),
        pytest.param(
            [{"messages": [{"role": "user", "content": "no id"}]}],
            {"messages": [human("no id")]},
            id="missing id is generated",
        ),
        pytest.param([{"bogus": 1}], {"messages": []}, id="#80 unknown key dropped"),
        pytest.param([{"topic": 123}], {"messages": [], "topic": 123}, id="#81 topic int"),
        pytest.param([{"topic": [1, "a"]}], {"messages": [], "topic": [1, "a"]}, id="topic list"),
        pytest.param(
            [{"topic": {"a": {"b": None}}}],
            {"messages": [], "topic": {"a": {"b": None}}},
            id="topic object",
        ),
        pytest.param([{"topic": True}], {"messages": [], "topic": True}, id="topic bool"),
        pytest.param([{"topic": 1.5}], {"messages": [], "topic": 1.5}, id="topic float"),
        pytest.param(
            [{"topic": "a"}, {"topic": "b"}],
            {"messages": [], "topic": "b"},
            id="topic: last value wins",
        ),
        pytest.param([{"topic": "a"}, {}], {"messages": [], "topic": "a"}, id="absent key kept"),
    ],
)
def test_values_go_through_the_reducers(
    client: httpx.Client, thread_id: str, updates: list[dict[str, Any]], values: dict[str, Any]
) -> None:
    for body in updates:
        update(client, thread_id, values=body)
    assert state(client, thread_id)["values"] == values
    assert thread(client, thread_id)["values"] == values


def test_generated_message_ids_differ(client: httpx.Client, thread_id: str) -> None:
    update(client, thread_id, values={"messages": ["one", "two"]})
    first, second = state(client, thread_id)["values"]["messages"]
    assert (first["content"], second["content"]) == ("one", "two")
    assert first["id"] != second["id"]


def test_earlier_checkpoints_keep_their_values(client: httpx.Client, thread_id: str) -> None:
    first = update(client, thread_id, values={"messages": [human("a", "m1")], "topic": "t1"})
    update(client, thread_id, values={"messages": [human("b", "m1")], "topic": "t2"})
    assert state_at(client, thread_id, first)["values"] == {
        "messages": [human("a", "m1")],
        "topic": "t1",
    }


def test_a_message_dict_without_role_is_400(client: httpx.Client, thread_id: str) -> None:  # #84
    detail = refused(client, thread_id, {"values": {"messages": [{"foo": "bar"}]}}, 400)
    assert detail == (
        "Message dict must contain 'role' and 'content' keys, got {'foo': 'bar'}\nFor "
        "troubleshooting, visit: "
        "https://docs.langchain.com/oss/python/langchain/errors/MESSAGE_COERCION_FAILURE "
    )


@pytest.mark.parametrize(
    "messages",
    [
        pytest.param({"type": "remove", "id": "m1"}, id="lone"),
        pytest.param([{"type": "remove", "id": "m1"}], id="in a list"),
    ],
)
def test_a_remove_dict_without_content_is_400(
    client: httpx.Client, thread_id: str, messages: Any
) -> None:  # the real server's words, for the lone dict and the list alike
    update(client, thread_id, values={"messages": [{"role": "user", "content": "hi", "id": "m1"}]})
    detail = refused(client, thread_id, {"values": {"messages": messages}}, 400)
    assert detail.startswith(
        "Message dict must contain 'role' and 'content' keys, got "
        "{'type': 'remove', 'id': 'm1'}\nFor troubleshooting"
    )


def test_removing_an_unknown_message_is_400(client: httpx.Client, thread_id: str) -> None:
    body = {"values": {"messages": [{"type": "remove", "content": "", "id": "nope"}]}}
    detail = refused(client, thread_id, body, 400)
    assert detail == "Attempting to delete a message with an ID that doesn't exist ('nope')"


# --- as_node ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("graph", "as_node", "next_nodes", "status"),
    [
        pytest.param("agent", None, ["agent"], "interrupted", id="no as_node: input"),
        pytest.param("agent", "__start__", ["agent"], "interrupted", id="#69 __start__"),
        pytest.param("agent", "agent", ["tools"], "interrupted", id="#62 agent"),
        pytest.param("agent", "tools", [], "idle", id="#65 tools"),
        pytest.param("interrupter", None, ["ask"], "interrupted", id="interrupter input"),
        pytest.param("interrupter", "ask", ["finish"], "interrupted", id="interrupter ask"),
        pytest.param("interrupter", "finish", [], "idle", id="interrupter finish"),
    ],
)
def test_as_node_decides_next_and_status(
    client: httpx.Client, graph: str, as_node: str | None, next_nodes: list[str], status: str
) -> None:
    thread_id = new_thread(client, graph)
    as_node_field = {} if as_node is None else {"as_node": as_node}
    update(client, thread_id, values={"topic": "t"}, **as_node_field)
    body = state(client, thread_id)
    assert body["next"] == next_nodes
    assert [t["name"] for t in body["tasks"]] == next_nodes
    assert body["values"] == {"messages": [], "topic": "t"}
    assert body["metadata"]["source"] == "update"
    assert thread(client, thread_id)["status"] == status


def test_as_node_tools_then_an_update_without_as_node(
    client: httpx.Client, thread_id: str
) -> None:  # #65-67, #77-79
    update(client, thread_id, values={"topic": "done"}, as_node="tools")
    assert thread(client, thread_id)["status"] == "idle"
    update(client, thread_id, values={"topic": "again"})
    assert state(client, thread_id)["next"] == ["agent"]
    assert thread(client, thread_id)["status"] == "interrupted"


def test_as_node_input_queues_input_and_leaves_values(
    client: httpx.Client, thread_id: str
) -> None:  # #72
    head = update(client, thread_id, values={"topic": "before"})
    checkpoint_id = update(client, thread_id, values={"topic": "input"}, as_node="__input__")
    body = state(client, thread_id)
    assert body["checkpoint_id"] == checkpoint_id
    assert body["parent_checkpoint_id"] == head
    assert body["values"] == {"messages": [], "topic": "before"}
    assert body["next"] == ["__start__", "agent"]
    assert body["metadata"] == {
        "graph_id": "agent",
        "thread_id": thread_id,
        "source": "input",
        "step": 1,
        "parents": {},
    }
    assert thread(client, thread_id)["status"] == "interrupted"


@pytest.mark.parametrize(
    "body", [{"as_node": "__input__"}, {"as_node": "__input__", "values": None}]
)
def test_an_input_update_without_values_is_refused(
    client: httpx.Client, thread_id: str, body: dict[str, Any]
) -> None:
    assert refused(client, thread_id, body, 400) == "Received no input writes for __start__"


def test_the_next_run_applies_the_input_an_as_node_input_update_queued(
    client: httpx.Client, thread_id: str
) -> None:  # real: __start__ writes it in the run's first superstep, beside agent
    update(client, thread_id, values={"topic": "a"})
    queued = update(
        client,
        thread_id,
        as_node="__input__",
        values={"messages": [{"role": "user", "content": "x", "id": "u1"}]},
    )
    assert task(state(client, thread_id), "__start__")["result"] is None
    run = client.post(
        f"/threads/{thread_id}/runs/wait", json={"assistant_id": "agent", "input": None}
    )
    assert run.status_code == 200
    contents = [m["content"] for m in run.json()["messages"]]
    assert contents == [
        "x",
        "agent saw 0 messages",
        "agent saw 2 messages",
        "tool result",
        "tool result",
    ]
    assert task(state_at(client, thread_id, queued), "__start__")["result"] == {
        "messages": [{"role": "user", "content": "x", "id": "u1"}]
    }


@pytest.mark.parametrize(
    "run_first",
    [pytest.param(True, id="after an interrupt"), pytest.param(False, id="never interrupted")],
)
def test_a_resume_after_an_update_reaches_the_node_that_interrupts(
    client: httpx.Client, run_first: bool
) -> None:  # real: the update's checkpoint has no interrupt, the resume still answers `ask`
    thread_id = new_thread(client, "interrupter")
    if run_first:
        client.post(
            f"/threads/{thread_id}/runs/wait",
            json={"assistant_id": "interrupter", "input": {"topic": "t"}},
        )
    update(client, thread_id, values={"topic": "u"})
    assert state(client, thread_id)["next"] == ["ask"]
    run = client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "interrupter", "command": {"resume": "ok"}},
    )
    assert run.status_code == 200
    assert run.json()["topic"] == "answer=ok"
    assert "__interrupt__" not in run.json()
    assert thread(client, thread_id)["status"] == "idle"


def _steps(client: httpx.Client, thread_id: str, limit: int) -> list[tuple[Any, ...]]:
    states = history(client, thread_id, limit)
    return [
        (s["metadata"]["step"], s["metadata"]["source"], s["next"], s["values"].get("topic"))
        for s in states
    ]


@pytest.mark.parametrize(
    ("command", "fork"),
    [
        pytest.param(None, (2, "fork", ["tools"], "t"), id="input null"),
        pytest.param({"goto": "agent"}, (2, "fork", ["agent", "tools"], "t"), id="goto"),
        pytest.param({"update": {"topic": "cu"}}, (2, "fork", ["tools"], "cu"), id="update"),
    ],
)
def test_a_run_without_input_from_an_older_checkpoint_starts_with_a_fork(
    client: httpx.Client, thread_id: str, command: Any, fork: tuple[Any, ...]
) -> None:  # real: LangGraph's replay saves a `source: fork` copy of the addressed checkpoint
    client.post(
        f"/threads/{thread_id}/runs/wait", json={"assistant_id": "agent", "input": {"topic": "t"}}
    )
    at_tools = history(client, thread_id)[1]
    assert (at_tools["metadata"]["step"], at_tools["next"]) == (1, ["tools"])
    body = {"assistant_id": "agent", "checkpoint_id": at_tools["checkpoint_id"]}
    body |= {"command": command} if command else {"input": None}
    assert client.post(f"/threads/{thread_id}/runs/wait", json=body).status_code == 200
    states = history(client, thread_id)
    (forked,) = [s for s in states if s["metadata"]["source"] == "fork"]
    assert _steps(client, thread_id, 10)[states.index(forked)] == fork
    assert forked["parent_checkpoint_id"] == at_tools["checkpoint_id"]
    assert (states[0]["metadata"]["source"], states[0]["next"]) == ("loop", [])


@pytest.mark.parametrize(
    ("body", "first"),
    [
        pytest.param(
            {"command": {"resume": "y"}},
            (1, "loop", ["finish"], "answer=y"),
            id="a resume at the head: no fork",
        ),
        pytest.param({"input": None}, (1, "fork", ["ask"], "t"), id="input null at the head"),
    ],
)
def test_a_run_addressed_at_an_interrupted_head(
    client: httpx.Client, body: dict[str, Any], first: tuple[Any, ...]
) -> None:
    thread_id = new_thread(client, "interrupter")
    client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "interrupter", "input": {"topic": "t"}},
    )
    head = state(client, thread_id)["checkpoint_id"]
    client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "interrupter", "checkpoint_id": head, **body},
    )
    assert _steps(client, thread_id, 10)[-3] == first


def test_a_run_without_input_from_the_update_at_the_head_does_not_fork(
    client: httpx.Client, thread_id: str
) -> None:
    head = update(client, thread_id, values={"topic": "u"})
    client.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "agent", "input": None, "checkpoint_id": head},
    )
    assert [step[:2] for step in _steps(client, thread_id, 10)] == [
        (2, "loop"),
        (1, "loop"),
        (0, "update"),
    ]


def test_as_node_copy_forks_the_head_as_its_sibling(client: httpx.Client, thread_id: str) -> None:
    parent = update(client, thread_id, values={"topic": "p"})
    head = update(client, thread_id, values={"topic": "h"}, as_node="agent")
    copy = update(client, thread_id, values={"topic": "ignored"}, as_node="__copy__")  # #73
    original, body = state_at(client, thread_id, head), state(client, thread_id)
    assert body["checkpoint_id"] == copy
    assert body["parent_checkpoint_id"] == parent  # the head's parent, not the head
    assert body["parent_checkpoint"] == ref(thread_id, parent)
    assert body["metadata"] == {"source": "fork", "step": 2, "parents": {}}
    assert body["values"] == original["values"] == {"messages": [], "topic": "h"}
    assert body["next"] == original["next"] == ["tools"]
    assert [s["checkpoint_id"] for s in history(client, thread_id)] == [copy, head, parent]


@pytest.mark.parametrize(
    "body", [pytest.param({}, id="no values"), pytest.param({"values": None}, id="values null")]
)
def test_as_node_end_without_values_clears_the_tasks(
    client: httpx.Client, thread_id: str, body: dict[str, Any]
) -> None:  # real: step+1, next [], the same values, idle
    first = update(client, thread_id, values={"topic": "a"})
    cleared = update(client, thread_id, as_node="__end__", **body)
    after = state(client, thread_id)
    assert after["checkpoint_id"] == cleared
    assert after["parent_checkpoint_id"] == first
    assert after["values"] == {"messages": [], "topic": "a"}
    assert after["next"] == after["tasks"] == []
    assert after["metadata"] == {
        "graph_id": "agent",
        "thread_id": thread_id,
        "source": "update",
        "step": 1,
        "parents": {},
    }
    assert task(state_at(client, thread_id, first), "agent")["result"] is None
    assert thread(client, thread_id)["status"] == "idle"


def test_as_node_end_on_a_fresh_thread_and_from_a_fork(
    client: httpx.Client, thread_id: str
) -> None:
    update(client, thread_id, values=None, as_node="__end__")
    fresh = state(client, thread_id)
    assert (fresh["values"], fresh["next"], fresh["metadata"]["step"]) == ({"messages": []}, [], 0)
    source = update(client, thread_id, values={"topic": "s"})
    update(client, thread_id, values={"topic": "t"})
    update(client, thread_id, values=None, as_node="__end__", checkpoint_id=source)
    forked = state(client, thread_id)
    assert forked["parent_checkpoint_id"] == source
    assert (forked["values"]["topic"], forked["next"], forked["metadata"]["step"]) == ("s", [], 2)
    assert forked["metadata"]["checkpoint_id"] == source


def test_as_node_copy_with_a_list_of_updates_writes_them_on_the_copy(
    client: httpx.Client, thread_id: str
) -> None:  # real: the copy (source fork), then a superstep on it
    parent = update(client, thread_id, values={"topic": "p"})
    head = update(client, thread_id, values={"topic": "h"})
    new = update(client, thread_id, values=[[{"topic": "cu"}, "agent"]], as_node="__copy__")
    states = history(client, thread_id)
    assert [s["checkpoint_id"] for s in states][2:] == [head, parent]
    written, copy = states[0], states[1]
    assert written["checkpoint_id"] == new
    assert copy["metadata"] == {"source": "fork", "step": 2, "parents": {}}
    assert copy["parent_checkpoint_id"] == parent
    assert task(copy, "agent")["result"] == {"topic": "cu"}
    assert written["parent_checkpoint_id"] == copy["checkpoint_id"]
    assert written["metadata"] == {
        "checkpoint_id": copy["checkpoint_id"],
        "thread_id": thread_id,
        "source": "update",
        "step": 3,
        "parents": {},
    }
    assert (written["values"]["topic"], written["next"]) == ("cu", ["tools"])


@pytest.mark.parametrize(
    ("values", "detail"),
    [
        pytest.param(
            [{"topic": "d"}],
            "Invalid update item: {'topic': 'd'} when copying checkpoint",
            id="an item that is not a pair",
        ),
        pytest.param(
            [[{"topic": "d"}]],
            "not enough values to unpack (expected 2, got 1)",
            id="a pair without a node",
        ),
        pytest.param([[{"topic": "d"}, "nope"]], "Node nope does not exist", id="unknown node"),
        pytest.param(
            [[{"topic": "d"}, "agent"], [{"topic": "e"}, "tools"]],
            "At key 'topic': Can receive only one value per step. Use an Annotated key "
            "to handle multiple values.\nFor troubleshooting, visit: https://docs."
            "langchain.com/oss/python/langgraph/errors/INVALID_CONCURRENT_GRAPH_UPDATE",
            id="two writes to a last-value channel",
        ),
    ],
)
def test_as_node_copy_with_bad_updates_is_400_and_keeps_the_copy(
    client: httpx.Client, thread_id: str, values: list[Any], detail: str
) -> None:
    head = update(client, thread_id, values={"topic": "h"})
    response = client.post(
        f"/threads/{thread_id}/state", json={"values": values, "as_node": "__copy__"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    copy, source = history(client, thread_id)
    assert source["checkpoint_id"] == head
    assert copy["metadata"] == {"source": "fork", "step": 1, "parents": {}}
    assert copy["values"] == source["values"]


def test_as_node_copy_of_a_fresh_thread_is_400(client: httpx.Client, thread_id: str) -> None:
    detail = refused(client, thread_id, {"values": None, "as_node": "__copy__"}, 400)
    assert detail == "Cannot copy a non-existent checkpoint"


def test_an_update_from_a_runs_input_checkpoint_is_as_the_last_node_that_ran(
    client: httpx.Client, thread_id: str
) -> None:  # real: the input checkpoint has seen what its base saw (tools), so next is []
    for text in ("hi", "again"):
        response = client.post(
            f"/threads/{thread_id}/runs/wait",
            json={
                "assistant_id": "agent",
                "input": {"messages": [{"role": "user", "content": text}]},
            },
        )
        assert response.status_code == 200
    second_input = [s for s in history(client, thread_id) if s["metadata"]["source"] == "input"][0]
    assert second_input["metadata"]["step"] == 3
    update(client, thread_id, values={"topic": "f"}, checkpoint_id=second_input["checkpoint_id"])
    forked = state(client, thread_id)
    assert (forked["metadata"]["step"], forked["next"]) == (4, [])


@pytest.mark.parametrize(
    "as_node",
    [
        pytest.param("nope", id="#68 unknown"),
        pytest.param("__end__", id="#71 __end__"),
        pytest.param("Agent", id="case matters"),
        pytest.param("ask", id="a node of another graph"),
    ],
)
def test_as_node_that_is_not_a_node_is_400(
    client: httpx.Client, thread_id: str, as_node: str
) -> None:
    update(client, thread_id, values={"topic": "kept"})
    detail = refused(client, thread_id, {"values": {"topic": "z"}, "as_node": as_node}, 400)
    assert detail == f"Node {as_node} does not exist"
    assert thread(client, thread_id)["values"]["topic"] == "kept"


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        pytest.param(
            [{"topic": "l1"}, {"topic": "l2"}],
            "[{'topic': 'l1'}, {'topic': 'l2'}]",
            id="#74 list of dicts",
        ),
        pytest.param([], "[]", id="empty list"),
        pytest.param(["x", 1, None, True], "['x', 1, None, True]", id="python repr of items"),
    ],
)
def test_values_as_a_list_is_400(
    client: httpx.Client, thread_id: str, values: list[Any], shown: str
) -> None:
    detail = refused(client, thread_id, {"values": values}, 400)
    assert detail == LIST_VALUES.format(values=shown)
    assert thread(client, thread_id)["values"] is None  # #75: nothing was written


def test_values_as_a_list_with_as_node_is_400(client: httpx.Client, thread_id: str) -> None:  # #76
    body = {"values": [{"topic": "l1"}], "as_node": "agent"}
    detail = refused(client, thread_id, body, 400)
    assert detail.startswith("Expected dict, got [{'topic': 'l1'}]\n")


@pytest.mark.parametrize(
    "as_node", [pytest.param({}, id="#77"), pytest.param({"as_node": "tools"}, id="#79 as tools")]
)
def test_values_null_writes_a_checkpoint_without_writes(
    client: httpx.Client, thread_id: str, as_node: dict[str, str]
) -> None:
    head = update(client, thread_id, values={"topic": "kept"})
    checkpoint_id = update(client, thread_id, values=None, **as_node)
    body = state(client, thread_id)
    assert body["checkpoint_id"] == checkpoint_id
    assert body["parent_checkpoint_id"] == head
    assert body["values"] == {"messages": [], "topic": "kept"}
    assert body["metadata"]["step"] == 1
    assert body["next"] == ([] if as_node else ["agent"])


@pytest.mark.parametrize(
    ("body", "location"),
    [
        pytest.param({"values": "x"}, "body.values", id="#97 values a string"),
        pytest.param({"values": 3}, "body.values", id="#98 values a number"),
        pytest.param({"as_node": 3}, "body.as_node", id="#99 as_node a number"),
        pytest.param({"as_node": None}, "body.as_node", id="#100 as_node null"),
        pytest.param({"checkpoint": "x"}, "body.checkpoint", id="#95 checkpoint a string"),
        pytest.param({"checkpoint_id": 1}, "body.checkpoint_id", id="checkpoint_id a number"),
        pytest.param([], "body", id="#105 body an array"),
        pytest.param(None, "body", id="#106 body null"),
    ],
)
def test_update_refuses_a_body_that_breaks_the_spec(
    client: httpx.Client, thread_id: str, body: Any, location: str
) -> None:
    assert_invalid(client.post(f"/threads/{thread_id}/state", json=body), location)
    assert history(client, thread_id) == []


def test_update_refuses_a_body_sent_as_text_plain(client: httpx.Client, thread_id: str) -> None:
    response = client.post(
        f"/threads/{thread_id}/state",
        content=b'{"values": {"topic": "p"}}',
        headers={"content-type": "text/plain"},
    )  # #108
    assert response.status_code == 415
    assert history(client, thread_id) == []


def test_update_ignores_unknown_fields(client: httpx.Client, thread_id: str) -> None:  # #107
    update(client, thread_id, values={"topic": "x"}, foo=1, subgraphs=True, config={})
    assert state(client, thread_id)["values"] == {"messages": [], "topic": "x"}


def test_update_on_a_thread_without_a_graph_is_400(client: httpx.Client) -> None:  # #52
    thread_id = new_thread(client, graph_id=None)
    detail = refused(client, thread_id, {"values": {"topic": "x"}}, 400)
    assert detail == NO_GRAPH.format(tid=thread_id)
    assert state(client, thread_id) == EMPTY_STATE
    assert thread(client, thread_id)["values"] is None


def test_update_after_patching_in_a_graph_works(client: httpx.Client) -> None:
    thread_id = new_thread(client, graph_id=None)
    response = client.patch(f"/threads/{thread_id}", json={"metadata": {"graph_id": "agent"}})
    assert response.status_code == 200
    update(client, thread_id, values={"topic": "x"})
    assert state(client, thread_id)["metadata"]["graph_id"] == "agent"


def test_update_on_an_unknown_thread_is_404(client: httpx.Client) -> None:  # #101
    response = client.post(f"/threads/{MISSING}/state", json={"values": {"topic": "x"}})
    assert response.status_code == 404
    assert response.json() == {"detail": f"Thread with ID {MISSING} not found"}


def test_update_on_an_unknown_thread_with_a_bad_body_is_422(client: httpx.Client) -> None:  # #109
    assert_invalid(client.post(f"/threads/{MISSING}/state", json={"values": 3}), "body.values")


def test_update_checkpoint_ns_names_an_unknown_subgraph(
    client: httpx.Client, thread_id: str
) -> None:  # #96
    body = {"values": {"topic": "x"}, "checkpoint": {"checkpoint_ns": "sub"}}
    assert refused(client, thread_id, body, 400) == "Subgraph sub not found"


def test_update_ignores_checkpoint_thread_id(client: httpx.Client, thread_id: str) -> None:  # #94
    other = new_thread(client)
    body = {"values": {"topic": "here"}, "checkpoint": {"thread_id": other, "checkpoint_ns": ""}}
    response = client.post(f"/threads/{thread_id}/state", json=body)
    assert response.status_code == 200
    assert response.json()["checkpoint"]["thread_id"] == thread_id
    assert state(client, thread_id)["values"]["topic"] == "here"
    assert history(client, other) == []


# --- forks --------------------------------------------------------------------------------------


@pytest.fixture
def lineage(client: httpx.Client, thread_id: str) -> list[str]:
    """Transcripts #146-149: L1 values, L2 as agent, L3 as tools; the ids, oldest first."""
    return [
        update(client, thread_id, values={"topic": "one"}),
        update(
            client,
            thread_id,
            values={"messages": [{"role": "ai", "content": "x", "id": "a1"}]},
            as_node="agent",
        ),
        update(client, thread_id, values={"topic": "three"}, as_node="tools"),
    ]


@pytest.mark.parametrize(
    "fork",
    [
        pytest.param(lambda cid: {"checkpoint": {"checkpoint_id": cid}}, id="#86 checkpoint"),
        pytest.param(lambda cid: {"checkpoint_id": cid}, id="#89 top-level checkpoint_id"),
        pytest.param(
            lambda cid: {"checkpoint": {"checkpoint_id": cid, "checkpoint_ns": ""}},
            id="checkpoint with root namespace",
        ),
    ],
)
def test_fork_from_an_earlier_checkpoint(
    client: httpx.Client, thread_id: str, lineage: list[str], fork: Any
) -> None:  # #150-153
    l1, l2, l3 = lineage
    new = update(client, thread_id, values={"topic": "fork"}, **fork(l1))
    body = state(client, thread_id)
    assert body["checkpoint_id"] == new
    assert body["parent_checkpoint"] == ref(thread_id, l1)
    assert body["values"] == {"messages": [], "topic": "fork"}  # L1's values, then the write
    assert body["next"] == ["agent"]
    assert body["metadata"] == {
        "graph_id": "agent",
        "checkpoint_id": l1,
        "thread_id": thread_id,
        "source": "update",
        "step": 1,
        "parents": {},
    }
    assert list(body["metadata"]) == [
        "graph_id",
        "checkpoint_id",
        "thread_id",
        "source",
        "step",
        "parents",
    ]
    # The thread follows the new head (the real server shows the fork source's values, #88).
    after = thread(client, thread_id)
    assert after["values"] == {"messages": [], "topic": "fork"}
    assert after["status"] == "interrupted"
    # The old branch is untouched, and history mixes both branches newest first (#151).
    states = history(client, thread_id)
    assert [s["checkpoint_id"] for s in states] == [new, l3, l2, l1]
    assert [s["metadata"]["step"] for s in states] == [1, 2, 1, 0]
    assert states[1]["values"] == {"messages": [ai("x", "a1")], "topic": "three"}


def test_fork_step_is_the_parent_step_plus_one(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:
    new = update(client, thread_id, values={"topic": "f"}, checkpoint_id=chain[2])  # step 2
    forked = state_at(client, thread_id, new)
    assert forked["metadata"]["step"] == 3
    assert forked["checkpoint_id"].split("-")[3] == "8003"
    assert forked["values"]["messages"] == [ai("x", "a1")]
    assert forked["values"]["topic"] == "f"
    # Forking from a checkpoint whose next was `tools` and writing as tools ends the graph.
    idle = update(client, thread_id, values={"topic": "g"}, checkpoint_id=chain[2], as_node="tools")
    assert state_at(client, thread_id, idle)["next"] == []
    assert thread(client, thread_id)["status"] == "idle"


def test_fork_from_the_head_is_a_plain_update_that_names_its_source(
    client: httpx.Client, thread_id: str, lineage: list[str]
) -> None:
    new = update(
        client, thread_id, values={"topic": "four"}, checkpoint={"checkpoint_id": lineage[2]}
    )
    body = state(client, thread_id)
    assert body["checkpoint_id"] == new
    assert body["parent_checkpoint_id"] == lineage[2]
    assert body["metadata"]["checkpoint_id"] == lineage[2]
    assert body["metadata"]["step"] == 3


@pytest.mark.parametrize(
    "fork",
    [
        pytest.param({"checkpoint": {"checkpoint_id": GHOST}}, id="#91 checkpoint"),
        pytest.param({"checkpoint_id": GHOST}, id="top-level checkpoint_id"),
    ],
)
def test_fork_from_a_nonexistent_checkpoint_starts_empty(
    client: httpx.Client, thread_id: str, lineage: list[str], fork: dict[str, Any]
) -> None:  # #91-92
    new = update(client, thread_id, values={"topic": "ghost"}, **fork)
    body = state(client, thread_id)
    assert body["checkpoint_id"] == new
    assert body["values"] == {"messages": [], "topic": "ghost"}
    assert body["next"] == ["agent"]
    assert body["metadata"] == {
        "graph_id": "agent",
        "checkpoint_id": GHOST,
        "thread_id": thread_id,
        "source": "update",
        "step": 0,
        "parents": {},
    }
    assert body["parent_checkpoint"] == ref(thread_id, GHOST)  # dangling
    assert body["parent_checkpoint_id"] == GHOST
    assert new.split("-")[3] == "8000"
    assert [s["checkpoint_id"] for s in history(client, thread_id)] == [new, *lineage[::-1]]


def test_fork_from_a_garbage_checkpoint_id_still_writes(
    client: httpx.Client, thread_id: str
) -> None:  # #93
    new = update(client, thread_id, values={"topic": "g"}, checkpoint={"checkpoint_id": "garbage"})
    body = state(client, thread_id)
    assert body["checkpoint_id"] == new
    assert body["parent_checkpoint_id"] == "garbage"
    assert body["metadata"]["step"] == 0


# --- task results ---------------------------------------------------------------------------------


def test_a_task_shows_what_the_next_update_wrote_as_that_node(
    client: httpx.Client, thread_id: str, lineage: list[str]
) -> None:  # #85, #151
    l1, l2, l3 = lineage
    by_id = {s["checkpoint_id"]: s for s in history(client, thread_id)}
    # L2 ran `agent` from L1 and L3 ran `tools` from L2: their raw writes are the results.
    assert task(by_id[l1], "agent")["result"] == {
        "messages": [{"role": "ai", "content": "x", "id": "a1"}]
    }
    assert task(by_id[l2], "tools")["result"] == {"topic": "three"}
    assert by_id[l3]["tasks"] == []
    # A fork from L1 without as_node is input, not `agent`: L1's result stays.
    fork = update(client, thread_id, values={"topic": "fork"}, checkpoint_id=l1)
    assert task(state_at(client, thread_id, l1), "agent")["result"]["messages"][0]["id"] == "a1"
    assert task(state(client, thread_id), "agent")["result"] is None  # the head's task has not run
    assert state(client, thread_id)["checkpoint_id"] == fork


def test_no_result_when_the_next_update_was_another_node(
    client: httpx.Client, thread_id: str
) -> None:
    first = update(client, thread_id, values={"topic": "a"})  # next [agent]
    update(client, thread_id, values={"topic": "b"})  # input again, not agent
    assert task(state_at(client, thread_id, first), "agent")["result"] is None


def test_the_result_of_an_input_update_from_start(client: httpx.Client, thread_id: str) -> None:
    # `__input__` leaves a pending __start__ task; the next plain update runs it, writing nothing.
    update(client, thread_id, values={"topic": "a"})
    queued = update(client, thread_id, values={"topic": "b"}, as_node="__input__")
    update(client, thread_id, values=None)
    queued_state = state_at(client, thread_id, queued)
    assert task(queued_state, "__start__")["result"] == {}
    assert task(queued_state, "agent")["result"] is None


# --- GET /threads/{id}/state, GET /threads/{id}/state/{checkpoint_id} -----------------------------


@pytest.mark.parametrize(
    "graph", [pytest.param(None, id="#48 no graph"), pytest.param("agent", id="#49 agent")]
)
def test_a_fresh_thread_has_the_empty_state(client: httpx.Client, graph: str | None) -> None:
    thread_id = new_thread(client, graph)
    response = client.get(f"/threads/{thread_id}/state")
    assert response.status_code == 200
    assert response.json() == EMPTY_STATE
    assert list(response.json()) == STATE_KEYS


def test_state_with_subgraphs_is_the_same(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:  # #140
    response = client.get(f"/threads/{thread_id}/state", params={"subgraphs": "true"})
    assert response.status_code == 200
    assert response.json() == state(client, thread_id)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param(f"/threads/{MISSING}/state", 404, id="#53 unknown thread"),
        pytest.param("/threads/not-a-uuid/state", 422, id="#54 malformed id"),
        pytest.param(f"/threads/{MISSING}/state/{GHOST}", 404, id="#138 at checkpoint, unknown"),
        pytest.param(f"/threads/{MISSING}/history", 404, id="#117 history, unknown"),
        pytest.param("/threads/nope/history", 422, id="#118 history, malformed"),
    ],
)
def test_read_an_unknown_or_malformed_thread(client: httpx.Client, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    if status == 404:
        assert response.json() == {"detail": f"Thread with ID {MISSING} not found"}
    else:
        assert_invalid(response, "path.thread_id")


def test_state_at_a_checkpoint(client: httpx.Client, thread_id: str, chain: list[str]) -> None:
    middle = chain[2]  # step 2, written as agent
    response = client.get(f"/threads/{thread_id}/state/{middle}")  # #135
    assert response.status_code == 200
    body = response.json()
    assert list(body) == STATE_KEYS
    assert body["checkpoint"] == ref(thread_id, middle, ns=False)  # no checkpoint_ns here
    assert body["parent_checkpoint"] == ref(thread_id, chain[3])
    assert body["checkpoint_id"] == middle
    assert body["values"] == {"messages": [ai("x", "a1")], "topic": "a"}
    assert body["next"] == ["tools"]
    assert body["metadata"]["step"] == 2
    (in_history,) = [s for s in history(client, thread_id) if s["checkpoint_id"] == middle]
    assert body == {**in_history, "checkpoint": ref(thread_id, middle, ns=False)}


def test_state_at_the_head_is_the_latest_state(client: httpx.Client, thread_id: str) -> None:
    head = update(client, thread_id, values={"topic": "x"})
    assert state_at(client, thread_id, head) == {
        **state(client, thread_id),
        "checkpoint": ref(thread_id, head, ns=False),
    }


def test_state_at_an_unknown_checkpoint_is_the_empty_state_echoing_the_id(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:  # #136
    response = client.get(f"/threads/{thread_id}/state/{GHOST}")
    assert response.status_code == 200
    assert response.json() == {
        **EMPTY_STATE,
        "checkpoint": ref(thread_id, GHOST, ns=False),
        "checkpoint_id": GHOST,
    }
    assert list(response.json()) == STATE_KEYS


def test_state_at_a_checkpoint_of_another_thread_is_empty(
    client: httpx.Client, thread_id: str
) -> None:
    other = new_thread(client)
    foreign = update(client, other, values={"topic": "theirs"})
    body = state_at(client, thread_id, foreign)
    assert body["values"] == {}
    assert body["checkpoint_id"] == foreign
    assert body["metadata"] is None


@pytest.mark.parametrize(
    "checkpoint_id", [pytest.param("garbage", id="#137 garbage"), pytest.param("1234", id="digits")]
)
def test_state_at_a_checkpoint_id_that_is_not_a_uuid_is_422(
    client: httpx.Client, thread_id: str, checkpoint_id: str
) -> None:
    response = client.get(f"/threads/{thread_id}/state/{checkpoint_id}")
    assert_invalid(response, "path.checkpoint_id")


# --- POST /threads/{id}/state/checkpoint ----------------------------------------------------------


def test_post_state_at_checkpoint(client: httpx.Client, thread_id: str, chain: list[str]) -> None:
    response = client.post(
        f"/threads/{thread_id}/state/checkpoint", json={"checkpoint": {"checkpoint_id": chain[2]}}
    )  # #141
    assert response.status_code == 200
    assert response.json() == state_at(client, thread_id, chain[2])
    assert response.json()["checkpoint"] == ref(thread_id, chain[2], ns=False)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"checkpoint": {}}, id="#142 empty checkpoint"),
        pytest.param({"checkpoint": {"checkpoint_ns": ""}}, id="root namespace"),
        pytest.param({"checkpoint": {}, "subgraphs": True}, id="#144 subgraphs"),
    ],
)
def test_post_state_at_checkpoint_without_an_id_is_the_latest(
    client: httpx.Client, thread_id: str, chain: list[str], body: dict[str, Any]
) -> None:
    response = client.post(f"/threads/{thread_id}/state/checkpoint", json=body)
    assert response.status_code == 200
    assert response.json() == state(client, thread_id)
    assert response.json()["checkpoint_id"] == chain[0]


def test_post_state_at_checkpoint_in_a_subgraph_is_empty(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:  # as the real server answers (checked on langgraph dev 0.16.7)
    response = client.post(
        f"/threads/{thread_id}/state/checkpoint", json={"checkpoint": {"checkpoint_ns": "sub"}}
    )
    assert response.status_code == 200
    assert response.json() == EMPTY_STATE
    response = client.post(
        f"/threads/{thread_id}/state/checkpoint",
        json={"checkpoint": {"checkpoint_ns": "sub", "checkpoint_id": chain[0]}},
    )
    assert response.status_code == 200
    assert response.json()["checkpoint"] == {
        "checkpoint_id": chain[0],
        "thread_id": thread_id,
        "checkpoint_ns": "sub",
    }
    assert response.json()["values"] == {}


def test_post_state_at_an_unknown_checkpoint(client: httpx.Client, thread_id: str) -> None:
    response = client.post(
        f"/threads/{thread_id}/state/checkpoint", json={"checkpoint": {"checkpoint_id": GHOST}}
    )
    assert response.status_code == 200
    assert response.json() == {
        **EMPTY_STATE,
        "checkpoint": ref(thread_id, GHOST, ns=False),
        "checkpoint_id": GHOST,
    }


def test_post_state_at_checkpoint_on_a_fresh_thread(client: httpx.Client, thread_id: str) -> None:
    response = client.post(f"/threads/{thread_id}/state/checkpoint", json={"checkpoint": {}})
    assert response.status_code == 200
    assert response.json() == EMPTY_STATE


@pytest.mark.parametrize(
    ("body", "location"),
    [
        pytest.param({}, "body", id="#143 missing checkpoint"),
        pytest.param({"checkpoint": "x"}, "body.checkpoint", id="checkpoint a string"),
    ],
)
def test_post_state_at_checkpoint_refuses_a_bad_body(
    client: httpx.Client, thread_id: str, body: dict[str, Any], location: str
) -> None:
    assert_invalid(client.post(f"/threads/{thread_id}/state/checkpoint", json=body), location)


def test_post_state_at_checkpoint_unknown_thread(client: httpx.Client) -> None:  # #145
    response = client.post(f"/threads/{MISSING}/state/checkpoint", json={"checkpoint": {}})
    assert response.status_code == 404
    assert response.json() == {"detail": f"Thread with ID {MISSING} not found"}


# --- GET /threads/{id}/history --------------------------------------------------------------------


def test_history_of_a_fresh_thread_is_empty(client: httpx.Client) -> None:  # #50, #51
    for graph in ("agent", None):
        thread_id = new_thread(client, graph)
        assert get_history(client, thread_id, limit=10) == []
        assert post_history(client, thread_id, limit=10) == []


def test_history_get_defaults_to_one(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:  # #110
    response = client.get(f"/threads/{thread_id}/history")
    assert response.status_code == 200
    assert response.json() == [state(client, thread_id)]


@pytest.mark.parametrize(
    ("limit", "size"),
    [
        pytest.param("3", 3, id="#112 3"),
        pytest.param("100", 5, id="#111 more than there are"),
        pytest.param("5", 5, id="exactly all"),
        pytest.param("0", 0, id="#115 zero"),
        pytest.param("-1", 0, id="#116 negative"),
    ],
)
def test_history_get_limit(
    client: httpx.Client, thread_id: str, chain: list[str], limit: str, size: int
) -> None:
    assert get_history(client, thread_id, limit=limit) == chain[:size]


def test_history_get_limit_not_an_integer_is_422(client: httpx.Client, thread_id: str) -> None:
    response = client.get(f"/threads/{thread_id}/history", params={"limit": "abc"})  # #114
    assert_invalid(response, "query.limit")


@pytest.mark.parametrize(
    ("before", "limit", "expected"),
    [
        pytest.param(2, 3, [3, 4], id="#113 before the middle"),
        pytest.param(0, 10, [1, 2, 3, 4], id="before the head"),
        pytest.param(1, 1, [2], id="with limit 1"),
        pytest.param(4, 10, [], id="before the first"),
    ],
)
def test_history_get_before(
    client: httpx.Client,
    thread_id: str,
    chain: list[str],
    before: int,
    limit: int,
    expected: list[int],
) -> None:
    ids = get_history(client, thread_id, limit=limit, before=chain[before])
    assert ids == [chain[i] for i in expected]


def test_history_get_before_an_unknown_id_is_by_id_order(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:
    # Strictly older by id: an id sorting after every checkpoint keeps them all.
    assert (
        get_history(client, thread_id, limit=10, before="ffffffff-ffff-6fff-bfff-ffffffffffff")
        == chain
    )
    assert get_history(client, thread_id, limit=10, before=GHOST) == []


def test_history_items_are_the_states_at_their_checkpoints(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:
    states = client.get(f"/threads/{thread_id}/history", params={"limit": 10}).json()
    assert states[0] == state(client, thread_id)
    for item in states:
        assert list(item) == STATE_KEYS
        assert item["checkpoint"] == ref(item["checkpoint"]["thread_id"], item["checkpoint_id"])
        cid = item["checkpoint_id"]
        assert state_at(client, thread_id, cid) == {
            **item,
            "checkpoint": ref(thread_id, cid, ns=False),
        }


# --- POST /threads/{id}/history -------------------------------------------------------------------


def test_history_post_defaults_to_one(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:  # #119
    response = client.post(f"/threads/{thread_id}/history", json={})
    assert response.status_code == 200
    assert response.json() == [state(client, thread_id)]


@pytest.mark.parametrize(
    ("limit", "size"),
    [pytest.param(1, 1, id="1"), pytest.param(4, 4, id="#120 4"), pytest.param(1000, 5, id="1000")],
)
def test_history_post_limit(
    client: httpx.Client, thread_id: str, chain: list[str], limit: int, size: int
) -> None:
    assert post_history(client, thread_id, limit=limit) == chain[:size]


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(0, id="#129 0"),
        pytest.param(1001, id="#130 1001"),
        pytest.param(-1, id="-1"),
        pytest.param("3", id="#131 a string"),
        pytest.param(2.5, id="a fraction"),
    ],
)
def test_history_post_limit_out_of_bounds_is_422(
    client: httpx.Client, thread_id: str, limit: Any
) -> None:
    response = client.post(f"/threads/{thread_id}/history", json={"limit": limit})
    assert_invalid(response, "body.limit")


@pytest.mark.parametrize(
    "before",
    [
        pytest.param(lambda cid: cid, id="#123 a checkpoint id, as langgraph-sdk sends it"),
        pytest.param(lambda cid: {"checkpoint_id": cid}, id="#121 CheckpointConfig"),
        pytest.param(lambda cid: {"configurable": {"checkpoint_id": cid}}, id="#122 configurable"),
        pytest.param(
            lambda cid: {"thread_id": "x", "checkpoint_ns": "", "checkpoint_id": cid},
            id="a full CheckpointConfig",
        ),
    ],
)
def test_history_post_before(
    client: httpx.Client, thread_id: str, chain: list[str], before: Any
) -> None:
    ids = post_history(client, thread_id, limit=3, before=before(chain[1]))
    assert ids == chain[2:5]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        pytest.param({"source": "update"}, [0, 1, 2, 3, 4], id="#124 source"),
        pytest.param({"step": 1}, [3], id="#125 step"),
        pytest.param({"graph_id": "agent"}, [0, 1, 2, 3, 4], id="#126 graph_id"),
        pytest.param({"source": "update", "step": 4}, [0], id="two keys"),
        pytest.param({"source": "input"}, [], id="no match"),
        pytest.param({"step": "1"}, [], id="exact values: a string is not a number"),
    ],
)
def test_history_post_metadata_filter(
    client: httpx.Client,
    thread_id: str,
    chain: list[str],
    metadata: dict[str, Any],
    expected: list[int],
) -> None:
    ids = post_history(client, thread_id, limit=100, metadata=metadata)
    assert ids == [chain[i] for i in expected]


def test_history_post_metadata_filter_null_matches_a_missing_key(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:
    assert post_history(client, thread_id, limit=100, metadata={"nope": None}) == chain
    assert post_history(client, thread_id, limit=100, metadata={"nope": None, "step": 3}) == [
        chain[1]
    ]


def test_history_post_metadata_filter_counts_after_filtering(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:
    update(client, thread_id, values={"topic": "in"}, as_node="__input__")
    ids = post_history(client, thread_id, limit=1, metadata={"source": "update"})
    assert ids == [chain[0]]  # the newest `update`, skipping the newer `input`


def test_history_post_checkpoint_is_just_that_checkpoint(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:  # #127
    assert post_history(client, thread_id, limit=3, checkpoint={"checkpoint_id": chain[2]}) == [
        chain[2]
    ]
    assert post_history(client, thread_id, limit=3, checkpoint={"checkpoint_id": GHOST}) == []


@pytest.mark.parametrize(
    ("checkpoint", "size"),
    [
        pytest.param({"checkpoint_ns": ""}, 3, id="#128 root namespace"),
        pytest.param({}, 3, id="empty"),
    ],
)
def test_history_post_checkpoint_namespace(
    client: httpx.Client, thread_id: str, chain: list[str], checkpoint: dict[str, str], size: int
) -> None:
    assert post_history(client, thread_id, limit=3, checkpoint=checkpoint) == chain[:size]


def test_history_post_in_a_subgraph_is_empty(client: httpx.Client, thread_id: str) -> None:
    response = client.post(
        f"/threads/{thread_id}/history", json={"checkpoint": {"checkpoint_ns": "sub"}}
    )
    assert response.status_code == 200
    assert response.json() == []


def test_history_post_unknown_thread_is_404(client: httpx.Client) -> None:  # #132
    response = client.post(f"/threads/{MISSING}/history", json={})
    assert response.status_code == 404
    assert response.json() == {"detail": f"Thread with ID {MISSING} not found"}


@pytest.mark.parametrize(
    "raw", [pytest.param(b"", id="#134 empty"), pytest.param(b"{x", id="#133 not JSON")]
)
def test_history_post_needs_json(client: httpx.Client, thread_id: str, raw: bytes) -> None:
    response = client.post(
        f"/threads/{thread_id}/history", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Invalid JSON in request body"


def test_history_is_newest_first_across_branches(
    client: httpx.Client, thread_id: str, chain: list[str]
) -> None:  # #151
    fork_a = update(client, thread_id, values={"topic": "fa"}, checkpoint_id=chain[3])
    fork_b = update(client, thread_id, values={"topic": "fb"}, checkpoint_id=chain[1])
    on_a = update(client, thread_id, values={"topic": "fa2"}, checkpoint_id=fork_a)
    states = history(client, thread_id)
    assert [s["checkpoint_id"] for s in states] == [on_a, fork_b, fork_a, *chain]
    assert [s["checkpoint_id"] for s in states] == sorted(
        [s["checkpoint_id"] for s in states], reverse=True
    )
    assert [s["parent_checkpoint_id"] for s in states[:3]] == [fork_a, chain[1], chain[3]]
    assert [s["values"]["topic"] for s in states[:3]] == ["fa2", "fb", "fa"]
    assert states[0] == state(client, thread_id)
    # `before` and `limit` work on the mixed list too.
    assert post_history(client, thread_id, limit=2, before=fork_a) == chain[:2]
    assert get_history(client, thread_id, limit=2, before=fork_b) == [fork_a, chain[0]]


def test_an_update_as_the_waiting_node_from_a_checkpoint_the_thread_moved_past_is_no_task_result(
    client: httpx.Client, thread_id: str
) -> None:  # checked on langgraph dev (fuzz seeds 8, 9): LangGraph's checkpoint_superseded
    old = update(
        client, thread_id, values={"messages": {"role": "user", "content": "a"}}, as_node="agent"
    )
    update(client, thread_id, values={"topic": "x"})
    update(client, thread_id, values={"topic": "t4"}, as_node="tools", checkpoint_id=old)
    assert task(state_at(client, thread_id, old), "tools")["result"] is None
    head = update(
        client, thread_id, values={"messages": {"role": "user", "content": "b"}}, as_node="agent"
    )
    update(client, thread_id, values={"topic": "t5"}, as_node="tools", checkpoint_id=head)
    assert task(state_at(client, thread_id, head), "tools")["result"] == {"topic": "t5"}
