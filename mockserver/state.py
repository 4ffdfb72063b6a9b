"""Thread-state semantics on plain data: updates through reducers, `as_node`, forks, commits.

Everything here follows what the real server (LangGraph's `update_state`) does; see
docs/behaviour.md for the observations behind each rule. Reading a state back (the
ThreadState body, history) is snapshots.py.
"""

from __future__ import annotations

import functools
import hashlib
import random
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mockserver.errors import BadRequest, Conflict
from mockserver.graph import COPY, END, INPUT, START, Graph
from mockserver.reducers import INITIAL, REDUCERS
from mockserver.store import Checkpoint, History, Store, TaskWrites, Thread, utc_now

_random = random.Random()
_TASK_NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
_TASK_NAMESPACE_BYTES = _TASK_NAMESPACE.bytes
# 100-ns intervals from the UUID epoch (1582-10-15) to the Unix epoch, and the last timestamp
# a checkpoint id was given (ids are strictly increasing, as uuid6's are).
_UUID_EPOCH = 0x01B21DD213814000
_last_timestamp = 0
_LIST_VALUES_ERROR = (
    "Expected dict, got {values!r}\nFor troubleshooting, visit: "
    "https://docs.langchain.com/oss/python/langgraph/errors/INVALID_GRAPH_NODE_RETURN_VALUE"
)
_CONCURRENT_ERROR = (
    "At key '{channel}': Can receive only one value per step. Use an Annotated key to handle "
    "multiple values.\nFor troubleshooting, visit: "
    "https://docs.langchain.com/oss/python/langgraph/errors/INVALID_CONCURRENT_GRAPH_UPDATE"
)


def concurrent_update_error(channel: str) -> str:
    """LangGraph's words for a last-value channel written twice in one superstep."""
    return _CONCURRENT_ERROR.format(channel=channel)


def new_checkpoint_id(step: int) -> str:
    """A time-ordered uuid6 whose clock sequence is the step, as LangGraph makes them.

    What `str(uuid6.uuid6(node, clock_seq=step))` gives, without its two UUID objects: the
    100-ns timestamp (one more than the last one when the clock has not moved), version 6,
    the RFC 9562 variant, the step's low 14 bits, and 48 random node bits (they only need to
    differ, not to be secret: no os.urandom call per checkpoint).
    """
    global _last_timestamp
    timestamp = time.time_ns() // 100 + _UUID_EPOCH
    if timestamp <= _last_timestamp:
        timestamp = _last_timestamp + 1
    _last_timestamp = timestamp
    value = (
        ((timestamp >> 12) & 0xFFFFFFFFFFFF) << 80
        | 0x6 << 76
        | (timestamp & 0xFFF) << 64
        | (0x8000 | step & 0x3FFF) << 48
        | _random.getrandbits(48)
    )
    return _dashed(f"{value:032x}")


@functools.lru_cache(maxsize=8192)
def task_id(checkpoint_id: str, node: str) -> str:
    """The stable id of the task that runs `node` after a checkpoint: what
    `str(uuid.uuid5(_TASK_NAMESPACE, f"{checkpoint_id}:{node}"))` gives."""
    digest = bytearray(
        hashlib.sha1(
            _TASK_NAMESPACE_BYTES + f"{checkpoint_id}:{node}".encode(), usedforsecurity=False
        ).digest()[:16]
    )
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # the RFC 4122 variant
    return _dashed(digest.hex())


def _dashed(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def next_nodes(
    checkpoint: Checkpoint, graph: Graph | None, history: History | None = None
) -> tuple[str, ...]:
    """The checkpoint's next nodes as `graph` reads it: the real server reads a checkpoint with
    the thread's current graph, and a node only another graph has is no task there.

    A node is due when its trigger channel (LangGraph's `branch:to:<node>`) holds a write it
    has not seen. Only the node's own graph writes or clears that channel, so the steps of
    another graph leave it as it was: on a checkpoint another graph wrote, this graph's nodes
    are due as they were at the last checkpoint it wrote on the way there (with `history`),
    after `__start__` (whose channel every graph shares)."""
    if graph is None:
        return checkpoint.next
    own: Checkpoint | None = checkpoint
    while own is not None and _written_by_another(own, graph):
        own = history.get(own.parent_id) if history is not None else None
    if own is checkpoint:
        return tuple(node for node in checkpoint.next if graph.has_node(node))
    carried = (n for n in (own.next if own is not None else ()) if n != START)
    return (
        *((START,) if START in checkpoint.next else ()),
        *(node for node in carried if graph.has_node(node)),
    )


def _written_by_another(checkpoint: Checkpoint, graph: Graph) -> bool:
    return checkpoint.written_by is not None and checkpoint.written_by != graph.graph_id


# ---- writes ---------------------------------------------------------------------------------


def update_state(
    store: Store, thread: Thread, graph: Graph, update: Mapping[str, Any], in_flight: Sequence[str]
) -> Checkpoint:
    """Apply a ThreadStateUpdate body; store and return the new checkpoint.

    Conflict while runs (`in_flight`) hold the thread, as on the real server (transcript #177).
    """
    if in_flight:
        runs = ", ".join(
            f"{{'run_id': UUID('{run_id}'), 'thread_id': UUID('{thread.thread_id}')}}"
            for run_id in in_flight
        )
        raise Conflict(f"Thread {thread.thread_id} has in-flight runs: [{runs}]")
    history = store.history(thread.thread_id)
    config = update.get("checkpoint") or {}
    if namespace := config.get("checkpoint_ns"):
        # The mock's graphs have no subgraphs; LangGraph refuses to write into one (#96).
        raise BadRequest(f"Subgraph {namespace} not found")
    fork_id = config.get("checkpoint_id") or update.get("checkpoint_id")
    base = history.get(fork_id) if fork_id else history.head
    as_node = update.get("as_node")
    write = functools.partial(_write, store, thread, graph)
    if as_node == END and update.get("values") is None:
        # LangGraph's "clear all tasks": the same values, nothing left to run.
        return write(base, [], fork_id)
    if as_node is not None and not (graph.has_node(as_node) or as_node in (INPUT, COPY)):
        raise BadRequest(f"Node {as_node} does not exist")
    if as_node == COPY:
        copy = commit(store, thread.thread_id, _copy_of(base))
        if not (isinstance(update.get("values"), list) and update["values"]):
            return copy
        # `[[values, as_node], ...]`: a superstep on the copy. The copy stays when it fails.
        return write(copy, _copy_updates(graph, copy, update["values"]), None, superstep=True)
    node = as_node or _implied_node(base)
    if node == INPUT and update.get("values") is None:
        raise BadRequest("Received no input writes for __start__")  # the real server's words
    return write(base, [(node, update.get("values"), None)], fork_id)


def apply_supersteps(
    store: Store, thread: Thread, graph: Graph, supersteps: Iterable[Mapping[str, Any]]
) -> None:
    """Write one checkpoint per superstep (POST /threads `supersteps`)."""
    history = store.history(thread.thread_id)
    for superstep in supersteps:
        base = history.head
        updates = []
        for item in superstep["updates"]:
            command = item.get("command") or {}
            values = command["update"] if "update" in command else item.get("values")
            if not graph.has_node(item["as_node"]) and item["as_node"] != INPUT:
                raise BadRequest(f"Node {item['as_node']} does not exist")
            updates.append((item["as_node"], values, command.get("goto")))
        # The real server passes the previous checkpoint's id along with each later superstep,
        # so its metadata reads like a fork's and carries no graph_id (transcript #25).
        _write(store, thread, graph, base, updates, None, superstep=base is not None)


def update_response(thread_id: str, checkpoint: Checkpoint) -> dict[str, Any]:
    """The body of a successful update: the new checkpoint, three times, as the server says it."""
    ref = {"thread_id": thread_id, "checkpoint_ns": "", "checkpoint_id": checkpoint.checkpoint_id}
    return {"checkpoint": ref, "configurable": dict(ref), "checkpoint_id": checkpoint.checkpoint_id}


def new_checkpoint(
    parent_id: str | None,
    step: int,
    values: Mapping[str, Any],
    next_nodes: tuple[str, ...],
    metadata: Mapping[str, Any],
    *,
    last_ran: str | None = None,
    pending_input: Mapping[str, Any] | None = None,
    written_by: str | None = None,
) -> Checkpoint:
    """A checkpoint made now, with a new time-ordered id."""
    return Checkpoint(
        checkpoint_id=new_checkpoint_id(step),
        parent_id=parent_id,
        step=step,
        values=values,
        next=next_nodes,
        metadata=metadata,
        created_at=utc_now(),
        last_ran=last_ran,
        pending_input=pending_input,
        written_by=written_by,
    )


def commit(
    store: Store,
    thread_id: str,
    checkpoint: Checkpoint,
    *,
    base: Checkpoint | None = None,
    results: Mapping[str, Any] | None = None,
) -> Checkpoint:
    """Save a new checkpoint of the thread, what it records of its base's tasks (`results`:
    what each node wrote), and the thread record it leaves: updated now, and its status
    following the new head (a new state replaces what the last run left; a copy's record
    becomes the real thing). The one way a state is written: updates, supersteps, copies of
    a checkpoint and runs all come here."""
    if base is not None and results:
        store.add_writes(thread_id, base.checkpoint_id, TaskWrites(results=dict(results)))
    store.add_checkpoint(thread_id, checkpoint)
    thread = store.find_thread(thread_id)
    if thread is not None:  # else deleted while a run wrote to it
        store.save_thread(thread.written(checkpoint.created_at))
    return checkpoint


def reduce(graph: Graph, values: Mapping[str, Any], writes: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with `writes` applied through each channel's reducer, in the graph's channel
    order; a key that is no channel of the graph is dropped, as LangGraph drops it. A reducer
    that refuses a write raises BadRequest."""
    out = dict(values)
    for channel, value in writes.items():
        reducer = graph.channels.get(channel)
        if reducer is not None:
            out[channel] = REDUCERS[reducer](out.get(channel, INITIAL.get(reducer)), value)
    return {c: out[c] for c in ordered_channels(graph, out)}


def _copy_updates(graph: Graph, copy: Checkpoint, items: list[Any]) -> list[tuple[str, Any, Any]]:
    """The updates of `as_node: __copy__` with a list of values, as LangGraph reads them:
    pairs, grouped by node in the order the nodes first appear."""
    by_node: dict[str, list[tuple[str, Any, Any]]] = {}
    for item in items:
        if not isinstance(item, list):
            raise BadRequest(f"Invalid update item: {item!r} when copying checkpoint")
        if len(item) < 2:
            raise BadRequest(f"not enough values to unpack (expected 2, got {len(item)})")
        values, node = item[:2]
        if node is None and len(items) > 1:
            raise BadRequest("as_node is required when applying multiple updates")
        node = _implied_node(copy) if node is None else node
        if not (isinstance(node, str) and graph.has_node(node)):
            raise BadRequest(f"Node {node} does not exist")
        by_node.setdefault(node, []).append((node, values, None))
    return [u for group in by_node.values() for u in group]


def _implied_node(base: Checkpoint | None) -> str:
    # LangGraph takes the node that ran last in a run; with no run yet the update is input.
    return base.last_ran if base is not None and base.last_ran else START


def _write(
    store: Store,
    thread: Thread,
    graph: Graph,
    base: Checkpoint | None,
    updates: list[tuple[str, Any, Any]],
    fork_id: str | None,
    *,
    superstep: bool = False,
) -> Checkpoint:
    values: Mapping[str, Any] = base.values if base is not None else initial_values(graph)
    upcoming: list[str] = []
    results: dict[str, Any] = {}
    source = "update"
    written: set[str] = set()
    pending_input = None
    reduced = False
    for node, raw, goto in updates:
        if isinstance(raw, list):
            raise BadRequest(_LIST_VALUES_ERROR.format(values=raw))
        writes = {k: v for k, v in (raw or {}).items() if k in graph.channels}
        for channel in writes:
            # A last-value channel takes one write per superstep (LangGraph's LastValue).
            if graph.channels[channel] == "last_value" and channel in written:
                raise BadRequest(concurrent_update_error(channel))
            written.add(channel)
        if node == INPUT:
            # Input waits in __start__'s channel; nothing reaches the state until a run takes it.
            source, pending_input = "input", writes
            due = next_nodes(base, graph, store.history(thread.thread_id)) if base else ()
            upcoming += [START, *(n for n in due if n != START)]
            continue
        values, reduced = reduce(graph, values, writes), True  # reduce orders the channels
        successors = _goto_nodes(graph, goto) if goto else graph.next_nodes(node)
        upcoming += successors
        # A node that wrote nothing, not even a trigger for a next node, leaves no task result.
        if base is not None and node in base.next and (writes or successors):
            results[node] = writes
    step = base.step + 1 if base is not None else (-1 if source == "input" else 0)
    parent_id = base.checkpoint_id if base is not None else fork_id
    metadata: dict[str, Any] = {}
    if superstep:
        metadata["checkpoint_id"] = parent_id
    else:
        if thread.graph_id is not None:
            metadata["graph_id"] = thread.graph_id
        if fork_id:
            metadata["checkpoint_id"] = fork_id
    metadata.update(thread_id=thread.thread_id, source=source, step=step, parents={})
    checkpoint = new_checkpoint(
        parent_id,
        step,
        values if reduced else {c: values[c] for c in ordered_channels(graph, values)},
        tuple(dict.fromkeys(upcoming)),
        metadata,
        last_ran=base.last_ran if base is not None else None,
        pending_input=pending_input,
        written_by=thread.graph_id,
    )
    # The base's task shows what the node wrote once an update ran it (transcript #85), unless
    # the update forks from a checkpoint the thread moved past: LangGraph then keeps the writes
    # on the fork alone (checkpoint_superseded in langgraph.pregel).
    head = store.history(thread.thread_id).head
    if (
        fork_id
        and head is not None
        and base is not None
        and base.checkpoint_id != head.checkpoint_id
    ):
        results = {}
    return commit(store, thread.thread_id, checkpoint, base=base, results=results)


def _copy_of(base: Checkpoint | None) -> Checkpoint:
    # `__copy__` re-saves the checkpoint as a sibling: same values and tasks, its parent's child.
    if base is None:
        raise BadRequest("Cannot copy a non-existent checkpoint")
    step = base.step + 1
    metadata = {"source": "fork", "step": step, "parents": {}}
    return new_checkpoint(
        base.parent_id,
        step,
        base.values,
        base.next,
        metadata,
        last_ran=base.last_ran,
        written_by=base.written_by,
    )


def _goto_nodes(graph: Graph, goto: Any) -> tuple[str, ...]:
    nodes = (goto,) if isinstance(goto, str) else tuple(goto)
    for node in nodes:
        if not graph.has_node(node):
            raise BadRequest(f"Node {node} does not exist")
    return nodes


def initial_values(graph: Graph) -> dict[str, Any]:
    return {c: INITIAL[r] for c, r in graph.channels.items() if r in INITIAL}


def ordered_channels(graph: Graph, values: Mapping[str, Any]) -> list[str]:
    declared = [c for c in graph.channels if c in values]
    return declared + [c for c in values if c not in graph.channels]
