"""Thread operations: create, get, patch, delete, search, count, copy."""

from __future__ import annotations

from typing import Any

from fuzz.model import GRAPHS, NODES, Model, Request, Thread, tags_of
from fuzz.target import Answer

OWNERS = ("ann", "bob", "cy")
SORT_FIELDS = ("thread_id", "status", "created_at", "updated_at", "state_updated_at")
SELECT_FIELDS = (
    "thread_id",
    "created_at",
    "updated_at",
    "state_updated_at",
    "metadata",
    "config",
    "status",
    "values",
    "interrupts",
)
EXTRACTS = (
    "values.topic",
    "values.messages[-1]",
    "values.messages[0].content",
    "metadata.owner",
    "metadata.graph_id",
    "config",
    "interrupts",
)
STATUSES = ("idle", "busy", "interrupted", "error")


def thread_path(m: Model, suffix: str = "") -> tuple[str, Thread | None]:
    """A path to a known thread (sometimes a deleted or unknown one)."""
    roll = m.rng.random()
    thread = m.pick_thread(live=roll > 0.05)
    if thread is None or roll < 0.03:
        return f"/threads/{m.uuid()}{suffix}", None
    return f"/threads/{thread.tid}{suffix}", thread


def metadata(m: Model) -> dict[str, Any]:
    meta: dict[str, Any] = {"owner": m.rng.choice(OWNERS)}
    if m.rng.random() < 0.3:
        meta["n"] = m.rng.randint(0, 3)
    if m.rng.random() < 0.1:
        meta["nested"] = {"k": m.rng.choice(["x", "y"])}
    return meta


def superstep_updates(m: Model, graph: str) -> list[dict[str, Any]]:
    steps = []
    for _ in range(m.rng.randint(1, 3)):
        node = m.rng.choice(NODES[graph])
        values: dict[str, Any] = m.rng.choice(
            [
                {"topic": f"s{m.rng.randint(0, 9)}"},
                {"messages": [{"role": "user", "content": "hi"}]},
            ]
        )
        update: dict[str, Any] = {"values": values, "as_node": node}
        if m.rng.random() < 0.1:
            update = {"command": {"update": values}, "as_node": node}  # #4: no goto
        steps.append({"updates": [update]})
    return steps


def create_thread(m: Model) -> Request:
    body: dict[str, Any] = {}
    graph = m.rng.choice([*GRAPHS, *GRAPHS, None])
    meta = metadata(m) if m.rng.random() < 0.7 else {}
    if graph is not None:
        meta["graph_id"] = graph
    if meta or m.rng.random() < 0.5:
        body["metadata"] = meta
    existing = m.pick_thread(live=False) if m.rng.random() < 0.15 else None
    if existing is not None:
        body["thread_id"] = existing.tid
        body["if_exists"] = m.rng.choice(["raise", "do_nothing"])
    elif m.rng.random() < 0.25:
        chosen = m.uuid()
        body["thread_id"] = chosen.upper() if m.rng.random() < 0.1 else chosen
    if graph is not None and existing is None and m.rng.random() < 0.2:
        body["supersteps"] = superstep_updates(m, graph)
    if m.rng.random() < 0.05:
        body["ttl"] = {"strategy": "delete", "ttl": 60}

    crashes = any(  # the real server's 500 (#4), after it made the thread
        "command" in update and "goto" not in update["command"]
        for step in body.get("supersteps", ())
        for update in step["updates"]
    )

    def learn(answer: Answer) -> None:
        if crashes and answer.status != 200:
            # The sides disagreed (or A is the real server): the model cannot name the thread
            # the crash left, but search and count show it.
            m.halfmade = True
        if answer.status == 200:
            thread = m.add_thread(answer.body, graph if existing is None else existing.graph)
            if thread is not None and isinstance(answer.body, dict):
                thread.written = thread.written or answer.body.get("values") is not None
                given = body.get("thread_id")
                thread.split = thread.split or (
                    "supersteps" in body and isinstance(given, str) and given != given.lower()
                )
                thread.halfmade = thread.halfmade or crashes

    tags = tags_of(existing) if existing is not None else frozenset()
    return Request("POST /threads", "POST", "/threads", body, tags=tags, learn=learn)


def get_thread(m: Model) -> Request:
    path, thread = thread_path(m)
    if m.rng.random() < 0.1:
        path += "?include=ttl"
    return Request("GET /threads/{thread_id}", "GET", path, tags=tags_of(thread))


def patch_thread(m: Model) -> Request:
    path, thread = thread_path(m)
    body: dict[str, Any] = {"metadata": metadata(m)}
    if m.rng.random() < 0.1:
        body["metadata"]["thread_id"] = "reserved"  # stripped by the real server
    headers = {"prefer": "return=minimal"} if m.rng.random() < 0.1 else {}
    return Request(
        "PATCH /threads/{thread_id}", "PATCH", path, body, headers=headers, tags=tags_of(thread)
    )


def delete_thread(m: Model) -> Request:
    path, thread = thread_path(m)

    def learn(answer: Answer) -> None:
        if thread is not None and answer.status in (200, 204):
            thread.deleted = True

    return Request("DELETE /threads/{thread_id}", "DELETE", path, tags=tags_of(thread), learn=learn)


def search_body(m: Model, *, paging: bool) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if m.rng.random() < 0.4:
        body["metadata"] = m.rng.choice(
            [{"owner": m.rng.choice(OWNERS)}, {"graph_id": m.rng.choice(GRAPHS)}, {"n": 1}]
        )
    if m.rng.random() < 0.15:
        body["values"] = m.rng.choice([{"topic": "s1"}, {"topic": "answer=yes"}])
    if m.rng.random() < 0.3:
        body["status"] = m.rng.choice(STATUSES)
    if not paging:
        return body
    if m.rng.random() < 0.2 and m.threads:
        body["ids"] = [t.tid for t in m.rng.sample(m.threads, min(2, len(m.threads)))]
    if m.rng.random() < 0.5:
        body["limit"] = m.rng.randint(1, 5)
    if m.rng.random() < 0.3:
        body["offset"] = m.rng.randint(0, 4)
    if m.rng.random() < 0.5:
        fields = [f for f in SORT_FIELDS if f != "thread_id" or not m.any_copies]
        # Copies get random (uuid4) ids on both sides, so their order by id is a coin toss.
        body["sort_by"] = m.rng.choice(fields)
    if m.rng.random() < 0.4:
        body["sort_order"] = m.rng.choice(["asc", "desc"])
    if m.rng.random() < 0.25:
        body["select"] = m.rng.sample(SELECT_FIELDS, m.rng.randint(1, 3))
    if m.rng.random() < 0.2:
        body["extract"] = {f"x{i}": p for i, p in enumerate(m.rng.sample(EXTRACTS, 2))}
    return body


def search_threads(m: Model) -> Request:
    return Request(
        "POST /threads/search",
        "POST",
        "/threads/search",
        search_body(m, paging=True),
        tags=_all_tags(m),
    )


def count_threads(m: Model) -> Request:
    return Request(
        "POST /threads/count",
        "POST",
        "/threads/count",
        search_body(m, paging=False),
        tags=_all_tags(m),
    )


def _all_tags(m: Model) -> frozenset[str]:
    """A search may show any live thread: the tags of all of them."""
    tags = {tag for thread in m.live() for tag in thread.tags}
    return frozenset(tags | {"halfmade"} if m.halfmade else tags)


def copy_thread(m: Model) -> Request:
    path, source = thread_path(m, "/copy")

    def learn(answer: Answer) -> None:
        if answer.status == 200 and source is not None:
            copy = m.add_thread(answer.body, source.graph)
            if copy is not None:
                copy.copied, copy.written = True, source.written
                # a split source's checkpoints are filed where the real copy does not look
                # (#39): the real copy has none, as a never-written thread's (#34)
                copy.hollow = not source.written or source.hollow or source.split
                copy.interrupted, copy.forked = source.interrupted, source.forked
                copy.poisoned = source.poisoned  # the refused writes are copied too (#120)
                m.any_copies = True

    return Request(
        "POST /threads/{thread_id}/copy", "POST", path, tags=tags_of(source), learn=learn
    )
