"""Thread state operations: read (latest, at a checkpoint), update (and fork), history."""

from __future__ import annotations

from typing import Any

from fuzz.model import DISAGREE, NODES, Model, Request, Thread, tags_of
from fuzz.ops_threads import thread_path
from fuzz.target import Answer

SPECIAL_NODES = ("__start__", "__input__", "__copy__", "__end__", "nope")


def _checkpoint(m: Model, thread: Thread | None) -> str:
    """A checkpoint id the thread has (mostly), or a well-formed unknown one."""
    if thread is not None and thread.checkpoints and m.rng.random() < 0.85:
        return m.rng.choice(thread.checkpoints)
    return m.uuid()


def _learn_state(m: Model, thread: Thread | None) -> Any:
    def learn(answer: Answer) -> None:
        if thread is not None and answer.status == 200:
            m.learn_state(thread, answer.body)
            _learn_message_ids(thread, answer.body)

    return learn


def _learn_message_ids(thread: Thread, body: Any) -> None:
    values = body.get("values") if isinstance(body, dict) else None
    messages = values.get("messages") if isinstance(values, dict) else None
    for message in messages if isinstance(messages, list) else []:
        mid = message.get("id") if isinstance(message, dict) else None
        if isinstance(mid, str) and mid not in thread.message_ids:
            thread.message_ids.append(mid)


def get_state(m: Model) -> Request:
    path, thread = thread_path(m, "/state")
    return Request(
        "GET /threads/{thread_id}/state",
        "GET",
        path,
        tags=tags_of(thread),
        learn=_learn_state(m, thread),
    )


def get_state_at(m: Model) -> Request:
    path, thread = thread_path(m)
    checkpoint = _checkpoint(m, thread)
    return Request(
        "GET /threads/{thread_id}/state/{checkpoint_id}",
        "GET",
        f"{path}/state/{checkpoint}",
        tags=tags_of(thread),
        learn=_learn_state(m, thread),
    )


def post_state_checkpoint(m: Model) -> Request:
    path, thread = thread_path(m, "/state/checkpoint")
    ref: dict[str, Any] = {} if m.rng.random() < 0.15 else {"checkpoint_id": _checkpoint(m, thread)}
    if ref and m.rng.random() < 0.2:
        ref["checkpoint_ns"] = ""
    return Request(
        "POST /threads/{thread_id}/state/checkpoint",
        "POST",
        path,
        {"checkpoint": ref},
        tags=tags_of(thread),
        learn=_learn_state(m, thread),
    )


def message(m: Model, thread: Thread | None) -> Any:
    """One message in one of the shapes update_state accepts (or refuses)."""
    known = thread.message_ids if thread is not None else []
    shapes: list[Any] = [
        "plain text",
        {"role": "user", "content": "hello"},
        {"type": "human", "content": "typed"},
        {"role": "assistant", "content": "reply"},
        ["user", "a tuple"],
        {"role": "user", "content": [{"type": "text", "text": "a block"}]},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "call_9", "name": "search", "args": {"q": "x"}}],
        },
        {"role": "tool", "content": "found", "tool_call_id": "call_9"},
        {"role": "user", "content": "with id", "id": f"m{m.rng.randint(1, 3)}"},
        {"type": "remove", "id": m.rng.choice(known) if known else "m1"},
        {"type": "remove", "id": "never-there"},
        {"role": "system", "content": "be brief", "name": "sys"},
    ]
    if m.rng.random() < 0.04:
        shapes = [
            5,
            {"role": "tool", "content": "no call id"},
            {"content": "no role"},
            {"role": "assistant", "content": "", "tool_calls": "oops"},
            {"role": "wizard", "content": "unknown role"},
        ]
    return m.rng.choice(shapes)


def update_values(m: Model, thread: Thread | None) -> Any:
    roll = m.rng.random()
    if roll < 0.05:
        return m.rng.choice([None, {}, [{"topic": "as list"}]])
    values: dict[str, Any] = {}
    if roll < 0.45:
        values["topic"] = f"t{m.rng.randint(0, 5)}"
    if roll > 0.3:
        kind = m.rng.random()
        if kind < 0.25:
            values["messages"] = message(m, thread)  # one message alone (str, dict, remove)
        else:
            values["messages"] = [message(m, thread) for _ in range(m.rng.randint(1, 3))]
    return values


def update_state(m: Model) -> Request:
    path, thread = thread_path(m, "/state")
    body: dict[str, Any] = {}
    if m.rng.random() < 0.95:
        body["values"] = update_values(m, thread)
    roll = m.rng.random()
    graph = thread.graph if thread is not None else None
    if roll < 0.55 and graph is not None:
        body["as_node"] = m.rng.choice(NODES[graph])
    elif roll < 0.75:
        body["as_node"] = m.rng.choice(SPECIAL_NODES)
    fork = None
    if m.rng.random() < 0.15:
        fork = _checkpoint(m, thread)
        if m.rng.random() < 0.5:
            body["checkpoint"] = {"checkpoint_id": fork}
        else:
            body["checkpoint_id"] = fork

    def learn(answer: Answer) -> None:
        if thread is None:
            return
        if answer.status in (400, DISAGREE) and thread.written and "as_node" in body:
            # (the real server keeps the writes only when the node is one the thread waits on,
            # which the client does not always know: the tag may cover a little more; a 500
            # there, #18, keeps them too)
            said = [answer.body, answer.peer.body if answer.peer is not None else None]
            details = [b.get("detail") for b in said if isinstance(b, dict)]
            thread.poisoned = thread.poisoned or any("COERCION" in str(d) for d in details)
        if answer.status != 200:
            return
        m.learn_checkpoints(thread, answer.body)
        thread.forked = thread.forked or fork is not None
        thread.interrupted = False

    note = "fork" if fork else ""
    return Request(
        "POST /threads/{thread_id}/state",
        "POST",
        path,
        body,
        note=note,
        tags=tags_of(thread),
        learn=learn,
    )


def history(m: Model) -> Request:
    path, thread = thread_path(m, "/history")
    learn = _learn_history(m, thread)
    if m.rng.random() < 0.4:
        query = []
        if m.rng.random() < 0.7:
            query.append(f"limit={m.rng.choice([1, 2, 5, 10, 0])}")
        if m.rng.random() < 0.3:
            query.append(f"before={_checkpoint(m, thread)}")
        suffix = "?" + "&".join(query) if query else ""
        return Request(
            "GET /threads/{thread_id}/history",
            "GET",
            path + suffix,
            tags=tags_of(thread),
            learn=learn,
        )
    body: dict[str, Any] = {}
    if m.rng.random() < 0.7:
        body["limit"] = m.rng.choice([1, 2, 3, 10])
    roll = m.rng.random()
    if roll < 0.1:
        body["before"] = {"configurable": {"checkpoint_id": _checkpoint(m, thread)}}
    elif roll < 0.13:
        body["before"] = {"checkpoint_id": _checkpoint(m, thread)}  # #2
    elif roll < 0.16:
        body["before"] = _checkpoint(m, thread)  # #3
    if m.rng.random() < 0.2:
        body["metadata"] = m.rng.choice([{"source": "update"}, {"source": "loop"}, {"step": 1}])
    if m.rng.random() < 0.1:
        body["checkpoint"] = {"checkpoint_id": _checkpoint(m, thread)}
    return Request(
        "POST /threads/{thread_id}/history", "POST", path, body, tags=tags_of(thread), learn=learn
    )


def _learn_history(m: Model, thread: Thread | None) -> Any:
    def learn(answer: Answer) -> None:
        if thread is not None and answer.status == 200:
            m.learn_checkpoints(thread, answer.body)

    return learn
