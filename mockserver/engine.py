"""A run, executed: supersteps over the graph model, a checkpoint per step, stream events.

`execute` is a generator that mutates the thread step by step and yields the seconds it wants
to pause; the worker drives it (asyncio.sleep between steps). The order of events and the
checkpoints follow LangGraph's Pregel loop as the real server shows it: an input checkpoint
(source `input`), then one checkpoint per superstep (source `loop`).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping
from dataclasses import replace
from typing import Any, NamedTuple

from mockserver import events
from mockserver.execution import (
    Execution,
    RunFailed,
    announce,
    announce_step,
    apply_writes,
    graph_event,
    save_checkpoint,
    stream_values,
    task_done,
)
from mockserver.graph import END, START
from mockserver.run_start import (
    command_input,
    due_at_start,
    failed_entry,
    foreign_lineage,
    goto_nodes,
    nothing_written,
    start_checkpoint,
    take_goto,
    take_input,
    time_travels,
    update_as_mapping,
)
from mockserver.scripts import NOTHING
from mockserver.state import concurrent_update_error, task_id
from mockserver.store import Checkpoint, TaskWrites
from mockserver.tasks import Outcome, Task, run_task

_INTERRUPT_ID = re.compile(r"[0-9a-f]{32}")  # how LangGraph tells a resume map


def execute(x: Execution) -> Generator[float, None, None]:
    """Run `x` to its end; yields pauses. Sets x.error."""
    x.emit("metadata", {"run_id": x.run.run_id, "attempt": 1})
    command = x.run.kwargs.get("command")
    given = command_input(command) if command else x.run.kwargs["input"]
    graph_event(x, "on_chain_start", {"input": given})
    try:
        yield from _supersteps(x)
    except RunFailed as failure:
        x.error = failure.error
        x.emit("error", failure.error)
        return
    if x.wants("events"):
        head = x.history.head
        final = x.last_values if x.last_values is not None else head and head.values
        graph_event(x, "on_chain_end", {"output": events.plain_values(final) if final else None})


def _supersteps(x: Execution) -> Generator[float, None, None]:
    base = start_checkpoint(x)
    command = update_as_mapping(x.run.kwargs.get("command") or {})
    given = x.run.kwargs.get("input")
    resume, skip_before = NOTHING, False
    if given is not None and not command:
        base = take_input(x, base, given)
        current, tasks = base.values, list(base.next)
    elif base is None and command.get("goto") is not None and command.get("resume") is None:
        base = take_goto(x, command)
        current, tasks = base.values, list(base.next)
    else:
        if base is None and command:
            # What the real server answers for a resume (or a bare update) on a thread that
            # never ran: LangGraph saved the input checkpoint first, and its __start__ task
            # failed on the missing input.
            failed_entry(x, command, RunFailed("TypeError", "'NoneType' object is not iterable"))
        if base is None or (not command and nothing_written(x, base)):
            raise RunFailed("EmptyInputError", "Received no input for __start__")
        current = base.values
        if command.get("update") is not None:
            current = apply_writes(x, current, command["update"])
        # A task of a node this graph lacks (the thread ran another graph) never runs; one of
        # this graph's that was due before another graph ran is due still (next_nodes). A goto
        # adds its nodes; LangGraph lists tasks in the graph's node order.
        order = [START, *x.graph.nodes]
        tasks = sorted(
            dict.fromkeys(
                node
                for node in (*due_at_start(x, base), *goto_nodes(x, command.get("goto")))
                if node == START or x.graph.has_node(node)
            ),
            key=order.index,
        )
        travels = time_travels(x, base, command)
        if travels:
            # The fork starts the run's branch and carries the command's writes; the loop
            # announces it as it saves it, not as read back.
            base = save_checkpoint(x, base, dict(current), tuple(tasks), "fork", {}, base.last_ran)
        elif current is not base.values:
            # LangGraph keeps the command's update as writes on the checkpoint it ran from
            update = TaskWrites(update=dict(command["update"]))
            x.store.add_writes(x.thread_id, base.checkpoint_id, update)
        stream_values(x, current)
        # the checkpoint as the run found it, with what the command wrote into its channels
        found = base if current is base.values else replace(base, values=current)
        announce(x, found, stored=not travels, upcoming=tuple(tasks))
        # A resumed or continued run does not stop again before the nodes it was stopped at,
        # unless another graph ran on the thread: LangGraph marks as seen only the channels of
        # the graph that runs now, so another graph's channels always count as news.
        resume, skip_before = command.get("resume", NOTHING), not foreign_lineage(x, base)
    while tasks:
        if not skip_before and _matches(x.run.kwargs.get("interrupt_before"), tasks):
            return _stop(x)
        skip_before = False
        nodes = list(dict.fromkeys(tasks))
        outcomes = {}
        saved = x.history.writes_of(base.checkpoint_id)
        # A resume goes to the interrupted tasks; with none (an update replaced the interrupted
        # checkpoint), LangGraph's null resume goes to the node that calls interrupt().
        raised = saved.interrupts
        interrupted = any(raised.get(node) for node in nodes)
        # What a task that ran from this checkpoint before wrote (the input __start__ took,
        # the tasks that ended beside an interrupt): LangGraph applies the saved writes again
        # instead of running the task (__start__ is hidden: nothing is said of it). From a
        # checkpoint the thread moved past (a resume addressed at it) the tasks run again, a
        # node that asked getting the answer it got then (its saved writes).
        replaying = base is not x.history.head
        done = {
            node: dict(saved.results[node])
            for node in nodes
            if isinstance(saved.results.get(node), Mapping) and not raised.get(node)
        }
        cached = {n: w for n, w in done.items() if n == START or not replaying}
        answered = {
            n: w for n, w in done.items() if replaying and "interrupt" in x.graph.nodes.get(n, {})
        }
        if START in nodes and START not in cached and base.pending_input is None:
            # __start__ with nothing to read: the input never came (an input checkpoint a
            # command on a thread that never ran left), as LangGraph fails on it again
            raise RunFailed("TypeError", "'NoneType' object is not iterable")
        # LangGraph starts every task of a superstep before any of them ends.
        started = {node: _start_task(x, base, current, node) for node in nodes if node != START}
        for node, writes in cached.items():
            outcomes[node] = Outcome(writes=writes, shown=writes)
            if node != START:
                x.emit("updates", {node: writes, "__metadata__": {"cached": True}})
        for node in nodes:
            if node in cached:
                continue
            if node == START:
                # LangGraph's __start__ is a hidden task: it writes the queued input, silently.
                outcomes[node] = _queued_input(x, base)
                continue
            if node in answered:
                outcomes[node] = _answered_again(x, started[node], answered[node])
                continue
            pending = bool(raised.get(node)) or not interrupted
            given = _resume_of(resume, raised.get(node) or []) if pending else NOTHING
            outcomes[node] = yield from _run(x, started[node], given)
        # LangGraph's tasks run side by side (their own events as they go); it tells of their
        # ends in task order.
        for node, task in started.items():
            if node not in cached:
                _report(x, current, task, outcomes[node])
        step = _finish_superstep(x, base, current, outcomes)
        if step is None:
            return
        if _matches(x.run.kwargs.get("interrupt_after"), list(outcomes)):
            return _stop(x)
        base, current, tasks, resume = step, step.values, list(step.next), NOTHING


class _Started(NamedTuple):
    """A task whose start has been announced."""

    task_id: str
    node: str
    step: int
    values: dict[str, Any]  # the plain state it runs on
    metadata: dict[str, Any]  # what its events carry


def _refused_input(x: Execution, base: Checkpoint) -> tuple[str, str] | None:
    """The error queued input (`as_node: __input__`) fails with as the channels take it."""
    try:
        apply_writes(x, base.values, dict(base.pending_input or {}))
    except RunFailed as failure:
        return failure.error["error"], failure.error["message"]
    return None


def _start_task(x: Execution, base: Checkpoint, current: Mapping[str, Any], node: str) -> _Started:
    tid, step = task_id(base.checkpoint_id, node), base.step + 1
    values = events.plain_values(current)
    tags = x.run.kwargs["config"].get("tags")
    # the task's metadata: the run's, with the config's tags when there are any; a stateless
    # run's lacks the graph, which its thread's metadata adds last
    task_metadata = {**x.run_metadata, "run_id": x.run.run_id, **({"tags": tags} if tags else {})}
    if "graph_id" not in task_metadata:
        task_metadata["graph_id"] = x.run.graph_id
    start = events.task_start(tid, node, values, task_metadata)
    x.emit("tasks", start)
    x.emit("debug", events.debug_task(step, "task", start))
    meta = events.node_metadata(x.node_metadata, node, tid, step, "langgraph")
    if x.wants("events"):
        x.emit(
            "events",
            events.node_event(x.run.run_id, node, meta, "on_chain_start", {"input": values}),
        )
    return _Started(tid, node, step, values, meta)


def _queued_input(x: Execution, base: Checkpoint) -> Outcome:
    """What __start__ writes of the input an `as_node: __input__` update queued. Writes the
    channels refuse fail as LangGraph saves them: the run fails once the superstep's other
    tasks are done (_finish_superstep)."""
    given = dict(base.pending_input or {})
    return Outcome(writes=given, shown=given, error=_refused_input(x, base))


def _run(x: Execution, task: _Started, resume: Any) -> Generator[float, None, Outcome]:
    tid, node, step, values, meta = task
    outcome = yield from run_task(
        Task(x.graph, node, tid, step, values, resume, x.emit, x.modes, x.node_metadata)
    )
    if outcome.interrupts is None and outcome.error is None and x.wants("events"):
        for kind, data in (
            ("on_chain_stream", {"chunk": outcome.shown}),
            ("on_chain_end", {"output": outcome.shown, "input": values}),
        ):
            x.emit("events", events.node_event(x.run.run_id, node, meta, kind, data))
    return outcome


def _answered_again(x: Execution, task: _Started, writes: dict[str, Any]) -> Outcome:
    """A node that asked, run again where it was answered: it writes what it wrote then."""
    outcome = Outcome(writes=writes, shown=writes)
    if x.wants("events"):
        for kind, data in (
            ("on_chain_stream", {"chunk": writes}),
            ("on_chain_end", {"output": writes, "input": task.values}),
        ):
            x.emit("events", events.node_event(x.run.run_id, task.node, task.metadata, kind, data))
    return outcome


def _report(x: Execution, current: Mapping[str, Any], task: _Started, outcome: Outcome) -> None:
    """How a task ended: an interrupt with the state it stopped on, or its update."""
    tid, node, step = task.task_id, task.node, task.step
    if outcome.interrupts is not None:
        items = events.interrupt_items(outcome.interrupts)
        x.emit("updates", {"__interrupt__": items})
        stream_values(x, current, items)
        task_done(x, step, events.task_result(tid, node, interrupts=outcome.interrupts))
    elif outcome.error is None:
        x.emit("updates", {node: outcome.shown})
        task_done(x, step, events.task_result(tid, node, result=outcome.shown))


def _finish_superstep(
    x: Execution, base: Checkpoint, current: Mapping[str, Any], outcomes: Mapping[str, Outcome]
) -> Checkpoint | None:
    step = base.step + 1
    refused_input = outcomes[START].error if START in outcomes else None
    for node, outcome in outcomes.items():
        if outcome.error is not None and node != START:
            error, message = outcome.error
            failed = TaskWrites(errors={node: f"{error}({message!r})"})
            x.store.add_writes(x.thread_id, base.checkpoint_id, failed)
            task_done(
                x,
                step,
                events.task_result(
                    task_id(base.checkpoint_id, node),
                    node,
                    error={"error": error, "message": message},
                ),
            )
            raise RunFailed(error, message)
    interrupted = {n: o.interrupts for n, o in outcomes.items() if o.interrupts}
    if interrupted:
        # What the other tasks wrote stays beside the interrupts (LangGraph's pending writes).
        done = {n: o for n, o in outcomes.items() if o.interrupts is None and o.error is None}
        results = {n: o.shown for n, o in done.items()}
        writes = TaskWrites(results=results, interrupts=interrupted)
        x.store.add_writes(x.thread_id, base.checkpoint_id, writes)
        if refused_input is not None:
            queued = TaskWrites(results={START: outcomes[START].shown})
            x.store.add_writes(x.thread_id, base.checkpoint_id, queued)
            raise RunFailed(*refused_input)
        # LangGraph's last values event: the state with those writes, if they wrote any.
        if any(set(o.writes or ()) & set(x.graph.channels) for o in done.values()):
            try:
                x.last_values = _applied(x, current, done)
            except RunFailed:
                pass
            else:
                stream_values(x, x.last_values)
        return None
    successors = [n for node, outcome in outcomes.items() for n in _successors(x, node, outcome)]
    results = {n: o.shown for n, o in outcomes.items()}
    try:
        values = _applied(x, current, outcomes)
    except RunFailed:
        # LangGraph saves each task's writes before it applies them: writes the channels
        # refuse stay as the tasks' results on the checkpoint they ran from.
        x.store.add_writes(x.thread_id, base.checkpoint_id, TaskWrites(results=results))
        raise
    checkpoint = save_checkpoint(
        x, base, values, tuple(dict.fromkeys(successors)), "loop", results, list(outcomes)[-1]
    )
    announce_step(x, checkpoint)
    return checkpoint


def _applied(
    x: Execution, current: Mapping[str, Any], outcomes: Mapping[str, Outcome]
) -> dict[str, Any]:
    """`current` with a superstep's writes, task by task; a last-value channel takes one write
    per superstep, as LangGraph's LastValue (InvalidUpdateError)."""
    once = [c for c, reducer in x.graph.channels.items() if reducer == "last_value"]
    for channel in once:
        if sum(channel in (o.writes or {}) for o in outcomes.values()) > 1:
            raise RunFailed("InvalidUpdateError", concurrent_update_error(channel))
    values = dict(current)
    for outcome in outcomes.values():
        values = apply_writes(x, values, outcome.writes or {})
    return values


def _successors(x: Execution, node: str, outcome: Outcome) -> list[str]:
    route = x.graph.scripts[node].route if node in x.graph.scripts else {}
    if not route:
        return list(x.graph.next_nodes(node))
    messages = [
        m
        for written in (outcome.shown or {}).values()
        if isinstance(written, list)
        for m in written
        if isinstance(m, dict)
    ]
    calls = any(m.get("tool_calls") for m in messages)
    target = route.get("tool_calls") if calls else route.get("default")
    return [] if target in (None, END) else [str(target)]


def _stop(x: Execution) -> None:
    # interrupt_before / interrupt_after: the run ends with nodes still to run, no interrupt.
    x.emit("updates", {"__interrupt__": []})


def _resume_of(resume: Any, raised: list[dict[str, Any]]) -> Any:
    """What a task is resumed with: a map of interrupt ids (every key 32 hex digits, as
    LangGraph tells one) gives each interrupt its own value, and a task none of whose
    interrupts it names nothing; any other value goes as it is."""
    if not isinstance(resume, dict) or not all(
        isinstance(k, str) and _INTERRUPT_ID.fullmatch(k) for k in resume
    ):
        return resume
    return next((resume[i["id"]] for i in raised if i.get("id") in resume), NOTHING)


def _matches(wanted: Any, nodes: list[str]) -> bool:
    return wanted == "*" or (isinstance(wanted, list) and any(n in wanted for n in nodes))
