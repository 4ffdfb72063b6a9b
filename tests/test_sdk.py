"""The thread life cycle driven by the official client, langgraph-sdk 0.4.14, against the mock.

The expected bodies are what the real server (langgraph-api 0.16.7, `langgraph dev`) answered to
the same SDK calls, copied from its recording (sdk-transcripts.json); ids, times and task ids are
mapped onto the ones this run produced. Where the mock differs from the real server on purpose
(see test_differential.py), the test says so and checks the mock's documented behaviour.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import get_client, get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import BadRequestError, NotFoundError

from mockserver.live import LiveServer

# ---- what the real server answered (sdk-transcripts.json), literally ----------------------------

REAL_TID = "01a1fe64-7921-76ce-af74-a9404accab30"
REAL_U1 = "1f1e5b34-8433-6ae4-8000-c943a2ff5cb8"  # update_state(values={"topic": "a"})
REAL_U2 = "1f1e5b34-8448-6f98-8001-c6a995a85192"  # ... as_node="agent"
REAL_U3 = "1f1e5b34-845d-6666-8002-0bbac311f216"  # ... as_node="tools"
REAL_FORK = "1f1e5b34-846e-6256-8001-dfad606e0ad7"  # checkpoint=u1["checkpoint"]
REAL_FORK2 = "1f1e5b34-847a-6836-8001-face13664718"  # checkpoint_id=u1 id (deprecated)

AI_HI = {
    "content": "hi",
    "additional_kwargs": {},
    "response_metadata": {},
    "type": "ai",
    "name": None,
    "id": "s1",
    "tool_calls": [],
    "invalid_tool_calls": [],
    "usage_metadata": None,
}
FRESH_STATE = {
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
THREAD_KEYS = [
    "thread_id",
    "created_at",
    "updated_at",
    "state_updated_at",
    "metadata",
    "status",
    "config",
    "values",
]


def _task(node: str, result: Any = None) -> dict[str, Any]:
    return {
        "id": "<task>",
        "name": node,
        "path": ["__pregel_pull", node],
        "error": None,
        "interrupts": [],
        "checkpoint": None,
        "state": None,
        "result": result,
    }


def _ref(cid: str, *, ns: bool = True) -> dict[str, Any]:
    ref = {"checkpoint_id": cid, "thread_id": REAL_TID}
    return {**ref, "checkpoint_ns": ""} if ns else ref


def _meta(step: int, fork_of: str | None = None) -> dict[str, Any]:
    head = (
        {"graph_id": "agent"}
        if fork_of is None
        else {"graph_id": "agent", "checkpoint_id": fork_of}
    )
    return {**head, "thread_id": REAL_TID, "source": "update", "step": step, "parents": {}}


def _state(
    values: dict[str, Any],
    nxt: list[str],
    tasks: list[dict[str, Any]],
    metadata: dict[str, Any],
    cid: str,
    parent: str | None,
    *,
    ns: bool = True,
) -> dict[str, Any]:
    return {
        "values": values,
        "next": nxt,
        "tasks": tasks,
        "metadata": metadata,
        "created_at": "<time>",
        "checkpoint": _ref(cid, ns=ns),
        "parent_checkpoint": _ref(parent) if parent else None,
        "interrupts": [],
        "checkpoint_id": cid,
        "parent_checkpoint_id": parent,
    }


# threads.get_history() after the five updates (transcript: "default limit=10"), newest first.
REAL_HISTORY = [
    _state(
        {"messages": [], "topic": "fork2"},
        ["agent"],
        [_task("agent")],
        _meta(1, REAL_U1),
        REAL_FORK2,
        REAL_U1,
    ),
    _state(
        {"messages": [], "topic": "fork"},
        ["agent"],
        [_task("agent")],
        _meta(1, REAL_U1),
        REAL_FORK,
        REAL_U1,
    ),
    _state({"messages": [AI_HI], "topic": "a"}, [], [], _meta(2), REAL_U3, REAL_U2),
    _state(
        {"messages": [AI_HI], "topic": "a"}, ["tools"], [_task("tools")], _meta(1), REAL_U2, REAL_U1
    ),
    _state(
        {"messages": [], "topic": "a"},
        ["agent"],
        [_task("agent", {"messages": [{"role": "ai", "content": "hi", "id": "s1"}]})],
        _meta(0),
        REAL_U1,
        None,
    ),
]
# threads.get_state(checkpoint_id=u2): the `checkpoint` ref has no checkpoint_ns there.
REAL_STATE_AT_U2 = {**REAL_HISTORY[3], "checkpoint": _ref(REAL_U2, ns=False)}

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")


def normalised(body: Any, ids: dict[str, str]) -> Any:
    """`body` with this run's ids replaced by the real server's, times and task ids masked."""
    if isinstance(body, dict):
        out = {k: normalised(v, ids) for k, v in body.items()}
        if "path" in out and "name" in out and isinstance(out.get("id"), str):
            out["id"] = "<task>"
        return out
    if isinstance(body, list):
        return [normalised(v, ids) for v in body]
    if isinstance(body, str):
        if TIME.fullmatch(body):
            return "<time>"
        return ids.get(body, body)
    return body


def step_of(checkpoint_id: str) -> int:
    """The step LangGraph encodes in a checkpoint id's 4th group (8000 = step 0)."""
    return int(checkpoint_id.split("-")[3], 16) - 0x8000


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def sdk(mock: LiveServer) -> Iterator[SyncLangGraphClient]:
    """The SDK's sync client on the live mock (api_key=None: read no key from the environment)."""
    with get_sync_client(url=mock.url, api_key=None, timeout=10) as client:
        yield client


# ---- the life cycle --------------------------------------------------------------------------


def test_create_variants_match_the_real_server(sdk: SyncLangGraphClient) -> None:
    thread = sdk.threads.create(graph_id="agent", metadata={"sdk": True})
    assert list(thread) == THREAD_KEYS
    assert thread["metadata"] == {"sdk": True, "graph_id": "agent"}
    assert (thread["status"], thread["config"], thread["values"]) == ("idle", {}, None)
    assert uuid.UUID(thread["thread_id"]).version == 7
    assert thread["created_at"] == thread["updated_at"] == thread["state_updated_at"]

    assert sdk.threads.create()["metadata"] == {}
    assert sdk.threads.create(ttl=5)["metadata"] == {}  # accepted; no `ttl` key comes back

    seeded = sdk.threads.create(
        graph_id="agent",
        supersteps=[
            {"updates": [{"values": {"topic": "ss"}, "command": None, "as_node": "agent"}]}
        ],
    )
    assert list(seeded) == [*THREAD_KEYS, "error", "interrupts"]
    assert seeded["metadata"] == {"graph_id": "agent"}
    assert seeded["status"] == "interrupted"
    assert seeded["values"] == {"messages": [], "topic": "ss"}
    assert (seeded["error"], seeded["interrupts"]) == (None, {})

    assert sdk.threads.get_state(thread["thread_id"]) == FRESH_STATE


def test_life_cycle_matches_the_real_server(sdk: SyncLangGraphClient) -> None:
    tid = sdk.threads.create(graph_id="agent", metadata={"sdk": True})["thread_id"]

    u1 = sdk.threads.update_state(tid, {"topic": "a"})
    assert list(u1) == ["checkpoint", "configurable", "checkpoint_id"]
    assert (
        u1["checkpoint"]
        == u1["configurable"]
        == {"thread_id": tid, "checkpoint_ns": "", "checkpoint_id": u1["checkpoint_id"]}
    )
    u2 = sdk.threads.update_state(
        tid, {"messages": [{"role": "ai", "content": "hi", "id": "s1"}]}, as_node="agent"
    )
    u3 = sdk.threads.update_state(tid, None, as_node="tools")
    fork = sdk.threads.update_state(tid, {"topic": "fork"}, checkpoint=u1["checkpoint"])
    fork2 = sdk.threads.update_state(tid, {"topic": "fork2"}, checkpoint_id=u1["checkpoint_id"])
    cids = [u["checkpoint_id"] for u in (u1, u2, u3, fork, fork2)]
    assert [step_of(c) for c in cids] == [0, 1, 2, 1, 1]  # as the real ids encode them
    ids = dict(
        zip([tid, *cids], [REAL_TID, REAL_U1, REAL_U2, REAL_U3, REAL_FORK, REAL_FORK2], strict=True)
    )

    with pytest.raises(BadRequestError) as refused:
        sdk.threads.update_state(tid, {"topic": "x"}, as_node="nope")
    assert refused.value.status_code == 400
    assert str(refused.value) == "Node nope does not exist"

    latest = sdk.threads.get_state(tid)
    assert list(latest) == STATE_KEYS
    assert latest["values"] == {"messages": [], "topic": "fork2"}
    assert normalised(latest, ids) == REAL_HISTORY[0]

    at_u2 = sdk.threads.get_state(tid, checkpoint_id=u2["checkpoint_id"])
    assert normalised(at_u2, ids) == REAL_STATE_AT_U2
    by_config = sdk.threads.get_state(tid, checkpoint={"checkpoint_id": u2["checkpoint_id"]})
    assert normalised(by_config, ids) == normalised(at_u2, ids)

    history = sdk.threads.get_history(tid)  # the SDK's default limit is 10
    assert normalised(history, ids) == REAL_HISTORY
    assert sdk.threads.get_history(tid, limit=2) == history[:2]
    filtered = sdk.threads.get_history(tid, limit=2, metadata={"source": "update"})
    assert normalised(filtered, ids) == REAL_HISTORY[:2]
    assert sdk.threads.get_history(tid, metadata={"step": 2}) == [history[2]]


def test_no_write_task_result(sdk: SyncLangGraphClient) -> None:
    """update_state(None, as_node="tools"): `tools` wrote nothing and leads only to END, so its
    task on the base checkpoint has no result (null), as on the real server; `agent`, which
    triggers `tools`, shows {} for the same empty write."""
    tid = sdk.threads.create(graph_id="agent", metadata={"sdk": True})["thread_id"]
    u1 = sdk.threads.update_state(tid, {"topic": "a"})
    u2 = sdk.threads.update_state(
        tid, {"messages": [{"role": "ai", "content": "hi", "id": "s1"}]}, as_node="agent"
    )
    sdk.threads.update_state(tid, None, as_node="tools")
    ids = {tid: REAL_TID, u1["checkpoint_id"]: REAL_U1, u2["checkpoint_id"]: REAL_U2}
    at_u2 = sdk.threads.get_state(tid, checkpoint_id=u2["checkpoint_id"])
    assert at_u2["tasks"][0]["result"] is None
    assert normalised(at_u2, ids) == REAL_STATE_AT_U2

    other = sdk.threads.create(graph_id="agent")["thread_id"]
    first = sdk.threads.update_state(other, {"topic": "a"})
    sdk.threads.update_state(other, None, as_node="agent")
    at_first = sdk.threads.get_state(other, checkpoint_id=first["checkpoint_id"])
    assert [(t["name"], t["result"]) for t in at_first["tasks"]] == [("agent", {})]


@pytest.mark.parametrize(
    "before",
    [
        pytest.param("id", id="string"),
        pytest.param("config", id="checkpoint-dict"),
        pytest.param("configurable", id="configurable-dict"),
    ],
)
def test_history_before_works_in_every_form_the_sdk_sends(
    sdk: SyncLangGraphClient, before: str
) -> None:
    # The real server refuses the first two (422 and 500, see the module docstring of
    # test_differential.py); the mock accepts all three, as the SDK documents them.
    tid = sdk.threads.create(graph_id="agent")["thread_id"]
    u1 = sdk.threads.update_state(tid, {"topic": "a"})
    u2 = sdk.threads.update_state(tid, {"topic": "b"}, as_node="agent")
    sdk.threads.update_state(tid, None, as_node="tools")
    cid = u2["checkpoint_id"]
    arg: Any = {
        "id": cid,
        "config": {"checkpoint_id": cid},
        "configurable": {"configurable": {"checkpoint_id": cid}},
    }[before]
    older = sdk.threads.get_history(tid, limit=2, before=arg)
    assert [s["checkpoint_id"] for s in older] == [u1["checkpoint_id"]]
    assert older[0]["values"] == {"messages": [], "topic": "a"}


def test_thread_operations(sdk: SyncLangGraphClient) -> None:
    tid = sdk.threads.create(graph_id="agent", metadata={"sdk": True})["thread_id"]
    other = sdk.threads.create(metadata={"sdk": False})["thread_id"]
    u1 = sdk.threads.update_state(tid, {"topic": "a"})
    sdk.threads.update_state(tid, {"topic": "fork2"}, checkpoint_id=u1["checkpoint_id"])

    thread = sdk.threads.get(tid)
    assert list(thread) == [*THREAD_KEYS, "error", "interrupts"]
    assert thread["status"] == "interrupted"
    assert (thread["error"], thread["interrupts"]) == (None, {})
    # The real server shows the fork source's values here (its fork bug); the mock follows the
    # new head, which is what GET state says too.
    assert (
        thread["values"]
        == sdk.threads.get_state(tid)["values"]
        == {"messages": [], "topic": "fork2"}
    )

    patched = sdk.threads.update(tid, metadata={"patched": 1})
    assert patched["metadata"] == {"sdk": True, "graph_id": "agent", "patched": 1}
    assert patched["status"] == "interrupted"
    assert patched["state_updated_at"] == thread["state_updated_at"]
    assert patched["updated_at"] > thread["updated_at"]

    found = sdk.threads.search(metadata={"sdk": True})
    assert [t["thread_id"] for t in found] == [tid]
    assert found[0] == patched
    assert {t["thread_id"] for t in sdk.threads.search()} == {tid, other}
    assert sdk.threads.count() == 2
    assert sdk.threads.count(metadata={"sdk": False}) == 1

    copied = sdk.threads.copy(tid)
    assert copied["thread_id"] not in (tid, other)
    assert uuid.UUID(copied["thread_id"]).version == 4  # as the real server makes copy ids
    assert copied["metadata"] == patched["metadata"]
    copy_history = sdk.threads.get_history(copied["thread_id"])
    original = sdk.threads.get_history(tid)
    assert [s["checkpoint_id"] for s in copy_history] == [s["checkpoint_id"] for s in original]
    assert [s["values"] for s in copy_history] == [s["values"] for s in original]
    assert {s["metadata"]["thread_id"] for s in copy_history} == {copied["thread_id"]}
    assert sdk.threads.count() == 3

    assert sdk.threads.delete(tid) is None
    with pytest.raises(NotFoundError) as gone:
        sdk.threads.get(tid)
    assert gone.value.status_code == 404
    assert str(gone.value) == f"Thread with ID {tid} not found"
    assert sdk.threads.count() == 2
    assert sdk.threads.get_state(copied["thread_id"])["values"] == {
        "messages": [],
        "topic": "fork2",
    }


def test_unknown_thread_maps_to_not_found(sdk: SyncLangGraphClient) -> None:
    missing = str(uuid.uuid4())
    message = f"Thread with ID {missing} not found"
    calls = [
        lambda: sdk.threads.get(missing),
        lambda: sdk.threads.get_state(missing),
        lambda: sdk.threads.get_state(missing, checkpoint_id=str(uuid.uuid4())),
        lambda: sdk.threads.update_state(missing, {"topic": "x"}),
        lambda: sdk.threads.get_history(missing),
        lambda: sdk.threads.delete(missing),
    ]
    for call in calls:
        with pytest.raises(NotFoundError) as raised:
            call()
        assert raised.value.status_code == 404
        assert str(raised.value) == message
    with pytest.raises(NotFoundError):
        sdk.threads.copy(missing)  # the real server says 409 here; the mock 404 (deviation)
    with pytest.raises(NotFoundError):
        sdk.threads.update(missing, metadata={"a": 1})


def test_async_client(mock: LiveServer) -> None:
    async def scenario() -> None:
        async with get_client(url=mock.url, api_key=None, timeout=10) as client:
            thread = await client.threads.create(graph_id="agent", metadata={"async": True})
            tid = thread["thread_id"]
            await client.threads.update_state(tid, {"topic": "a"})
            await client.threads.update_state(
                tid, {"messages": [{"role": "ai", "content": "hi", "id": "s1"}]}, as_node="agent"
            )
            state = await client.threads.get_state(tid)
            assert state["values"] == {"messages": [AI_HI], "topic": "a"}
            assert state["next"] == ["tools"]
            history = await client.threads.get_history(tid, limit=5)
            assert [s["metadata"]["step"] for s in history] == [1, 0]
            with pytest.raises(BadRequestError, match="Node nope does not exist"):
                await client.threads.update_state(tid, {"topic": "x"}, as_node="nope")
            assert await client.threads.count(metadata={"async": True}) == 1
            await client.threads.delete(tid)
            with pytest.raises(NotFoundError):
                await client.threads.get(tid)

    asyncio.run(scenario())
