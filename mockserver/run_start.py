"""Where a run begins: the start checkpoint, its input or command (update, goto, resume), the
nodes due there, and the entries LangGraph saves before the first superstep (engine.py runs
the supersteps)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from mockserver.execution import (
    Execution,
    RunFailed,
    announce,
    announce_step,
    apply_writes,
    save_checkpoint,
    stream_values,
)
from mockserver.graph import START
from mockserver.state import initial_values, next_nodes
from mockserver.store import Checkpoint, TaskWrites


def command_input(command: Mapping[str, Any]) -> dict[str, Any]:
    """A command as the graph gets it (langgraph_api's map_cmd): a Command's fields, a single
    goto as a list, a `{node, input}` goto as a Send (`{node, args}`)."""
    goto = command.get("goto")
    if goto is not None and not isinstance(goto, list):
        goto = [goto]
    sends = [
        {"node": it.get("node"), "args": it.get("input")} if isinstance(it, Mapping) else it
        for it in goto or ()
    ]
    return {
        "graph": None,
        "update": command.get("update"),
        "resume": command.get("resume"),
        "goto": sends or None,
    }


def update_as_mapping(command: Mapping[str, Any]) -> Mapping[str, Any]:
    """A command whose update is a list of `[channel, value]` pairs, as langgraph_api takes it
    (a sequence of writes), with the update as a mapping."""
    update = command.get("update")
    if isinstance(update, list) and all(
        isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) for pair in update
    ):
        return {**command, "update": dict(update)}
    return command


def due_at_start(x: Execution, base: Checkpoint) -> tuple[str, ...]:
    """The tasks a run without input finds at `base`. A checkpoint a run wrote names the
    channels its step wrote, and LangGraph looks only at the nodes those trigger: a node of
    this graph that was due before another graph ran is a task only from a checkpoint an
    update wrote (next_nodes)."""
    if base.metadata.get("source") == "update":
        return next_nodes(base, x.graph, x.history)
    return tuple(node for node in base.next if x.graph.has_node(node))


def foreign_lineage(x: Execution, base: Checkpoint) -> bool:
    """Whether a node this graph lacks ran or was due on the way to `base` (its checkpoint
    then holds channel versions LangGraph's interrupt check never marks as seen)."""
    checkpoint: Checkpoint | None = base
    while checkpoint is not None:
        nodes = (*checkpoint.next, *((checkpoint.last_ran,) if checkpoint.last_ran else ()))
        if any(not x.graph.has_node(node) for node in nodes):
            return True
        checkpoint = x.history.get(checkpoint.parent_id)
    return False


def nothing_written(x: Execution, base: Checkpoint) -> bool:
    """Whether LangGraph would see no channel written at all (its checkpoint's channel versions
    empty), so that a run without input is not resuming anything: only updates that wrote
    nothing but the defaults, and no node left to run."""
    return (
        not base.next
        and dict(base.values) == initial_values(x.graph)
        and all(c.metadata.get("source") == "update" for c in x.history.checkpoints)
    )


def time_travels(x: Execution, base: Checkpoint, command: Mapping[str, Any]) -> bool:
    """LangGraph's replay: a run without input addressed at a checkpoint (not a resume) saves
    a fork of it to start its branch, unless it is the head an update or a fork just wrote."""
    if not x.configurable.get("checkpoint_id") or command.get("resume") is not None:
        return False
    return base.metadata.get("source") not in ("update", "fork") or base is not x.history.head


def start_checkpoint(x: Execution) -> Checkpoint | None:
    wanted = x.configurable.get("checkpoint_id")
    return x.history.get(wanted) if wanted else x.history.head


def take_input(x: Execution, base: Checkpoint | None, given: Any) -> Checkpoint:
    values = dict(base.values) if base is not None else initial_values(x.graph)
    # The input checkpoint has seen what its base saw: an update there is as its last node.
    entry = save_checkpoint(x, base, values, (START,), "input", {}, base.last_ran if base else None)
    announce(x, entry)
    try:
        applied = apply_writes(x, values, given)
    except RunFailed as failure:
        fail_start(x, entry, failure)
    loop = save_checkpoint(
        x, entry, applied, x.graph.next_nodes(START), "loop", {START: given}, None
    )
    announce_step(x, loop)
    return loop


def failed_entry(x: Execution, command: Mapping[str, Any], failure: RunFailed) -> NoReturn:
    """A command on a thread that never ran: the input checkpoint is saved (with the
    command's update), its __start__ task fails for want of input."""
    values = initial_values(x.graph)
    if command.get("update") is not None:
        values = apply_writes(x, values, command["update"])
    entry = save_checkpoint(x, None, values, (START,), "input", {}, None)
    announce(x, entry)
    fail_start(x, entry, failure)


def fail_start(x: Execution, entry: Checkpoint, failure: RunFailed) -> NoReturn:
    error = f"{failure.error['error']}({failure.error['message']!r})"
    x.store.add_writes(x.thread_id, entry.checkpoint_id, TaskWrites(errors={START: error}))
    raise failure


def take_goto(x: Execution, command: Mapping[str, Any]) -> Checkpoint:
    # A goto on a thread that never ran starts the graph: the command's update is the input
    # (already in the input checkpoint), the goto's nodes run beside __start__'s successors,
    # and values stream only when the update wrote something (as langgraph dev does).
    update = command.get("update")
    values = initial_values(x.graph)
    if update is not None:
        values = apply_writes(x, values, update)
    entry = save_checkpoint(x, None, values, (START,), "input", {}, None)
    announce(x, entry)
    nodes = (*x.graph.next_nodes(START), *goto_nodes(x, command["goto"]))
    loop = save_checkpoint(x, entry, values, tuple(dict.fromkeys(nodes)), "loop", {}, None)
    if update:
        stream_values(x, loop.values)
    announce(x, loop)
    return loop


def goto_nodes(x: Execution, goto: Any) -> list[str]:
    # LangGraph sends a goto through the channel `branch:to:<node>`; a target that is no node
    # of the graph has no such channel and is dropped without an error (as on langgraph dev).
    targets = [] if goto is None else [goto] if isinstance(goto, str) else list(goto)
    return [t for t in targets if isinstance(t, str) and x.graph.has_node(t)]
