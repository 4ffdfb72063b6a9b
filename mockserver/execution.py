"""A run's context and what each of its steps does alike: writes, checkpoints, events.

`Execution` is one run on its thread (what it was asked, its stream modes, the metadata its
checkpoints carry); `RunFailed` ends it with an error. The helpers here are the ones every
part of the Pregel loop in engine.py shares: writes applied through the channels' reducers
(a refused write fails the run, not the request), a checkpoint saved through the one commit
path (state.commit) with the run's metadata, and the events that announce them (values,
checkpoints, task results, the graph's own events), sent only when a stream mode carries them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mockserver import events
from mockserver.errors import BadRequest, MockError
from mockserver.graph import Graph
from mockserver.state import commit, new_checkpoint, next_nodes, reduce
from mockserver.store import Checkpoint, Run, Store

Emit = Callable[[str, Any], None]
# configurable keys the saver leaves out of checkpoint metadata (request-scoped, or the
# checkpoint's own address)
_NOT_CHECKPOINT_METADATA = frozenset(
    {
        "checkpoint_ns",
        "checkpoint_id",
        "run_id",
        "thread_id",
        "langgraph_request_id",
        "langgraph_auth_user",
        "langgraph_auth_user_id",
        "langgraph_auth_permissions",
    }
)


class RunFailed(MockError):
    """Raised inside a run when a node (or the input) fails; ends the run with an error (the
    run's, not the request's: nothing answers it with a status)."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = {"error": error, "message": message}


class Execution:
    """One run on its thread: what it was asked, and what it has done so far."""

    def __init__(self, store: Store, graph: Graph, run: Run, emit: Emit) -> None:
        self.store, self.graph, self.run, self._emit = store, graph, run, emit
        self.thread_id = run.thread_id
        self.history = store.history(run.thread_id)
        kwargs = run.kwargs
        self.modes = frozenset(kwargs["stream_mode"])
        self.configurable: dict[str, Any] = kwargs["config"]["configurable"]
        self.run_metadata: dict[str, Any] = kwargs["config"]["metadata"]
        self.error: dict[str, Any] | None = None
        # the state the run ends with when it is not its last checkpoint's: what tasks beside
        # an interrupt wrote, applied (LangGraph's last values event)
        self.last_values: Mapping[str, Any] | None = None

    def emit(self, name: str, payload: Any) -> None:
        """Send an event if the run's stream modes carry it."""
        if events.carries(self.modes, name):
            self._emit(name, payload)

    def wants(self, event: str) -> bool:
        """Whether the run's stream modes carry this event (to skip building payloads nobody
        reads)."""
        return events.carries(self.modes, event)

    @property
    def node_metadata(self) -> dict[str, Any]:
        """The run's metadata as nodes see it (messages, events). A stateless run's lacks the
        graph: the real server adds it after the run's, then the run and its thread."""
        if "graph_id" not in self.run_metadata:
            return {
                **self.run_metadata,
                "graph_id": self.run.graph_id,
                "run_id": self.run.run_id,
                "thread_id": self.thread_id,
            }
        return {**self.run_metadata, "thread_id": self.thread_id, "run_id": self.run.run_id}

    def checkpoint_metadata(self, source: str, step: int) -> dict[str, Any]:
        """The metadata of a checkpoint this run writes: the configurable (the user's keys,
        graph_id, assistant_id, user_id), then the run's metadata, then the loop's (the
        in-memory saver's put, langgraph_runtime_inmem/checkpoint.py)."""
        kept = {
            k: v
            for k, v in self.configurable.items()
            if not k.startswith("__") and k not in _NOT_CHECKPOINT_METADATA
        }
        # a run started at a checkpoint names it too (the real server adds it to the run's
        # metadata, after what the worker added)
        started_at = self.configurable.get("checkpoint_id")
        # a run the cron scheduler made has no request id (None), which is not kept
        request_id = self.configurable.get("langgraph_request_id")
        return {
            **kept,
            **self.run_metadata,
            **({"checkpoint_id": started_at} if started_at else {}),
            "run_id": self.run.run_id,
            "thread_id": self.thread_id,
            "source": source,
            "step": step,
            "parents": {},
            "langgraph_auth_user_id": "",
            **({"langgraph_request_id": request_id} if request_id is not None else {}),
        }


def apply_writes(x: Execution, values: Mapping[str, Any], writes: Any) -> dict[str, Any]:
    if not isinstance(writes, Mapping):
        raise RunFailed("InvalidUpdateError", f"Expected dict, got {writes!r}")
    try:
        return reduce(x.graph, values, writes)
    except BadRequest as exc:
        raise RunFailed("ValueError", exc.detail) from None


def save_checkpoint(
    x: Execution,
    base: Checkpoint | None,
    values: dict[str, Any],
    upcoming: tuple[str, ...],
    source: str,
    results: Mapping[str, Any],
    last_ran: str | None,
) -> Checkpoint:
    step = base.step + 1 if base is not None else -1
    checkpoint = new_checkpoint(
        base.checkpoint_id if base else None,
        step,
        values,
        upcoming,
        x.checkpoint_metadata(source, step),
        last_ran=last_ran,
        written_by=x.graph.graph_id,
    )
    return commit(x.store, x.thread_id, checkpoint, base=base, results=results)


def announce_step(x: Execution, checkpoint: Checkpoint) -> None:
    stream_values(x, checkpoint.values)
    announce(x, checkpoint)


def announce(
    x: Execution,
    checkpoint: Checkpoint,
    *,
    stored: bool = False,
    upcoming: tuple[str, ...] | None = None,
) -> None:
    """A checkpoint's event (checkpoints, debug), its next nodes `upcoming` when the run
    has them from elsewhere (a command's goto)."""
    if not (x.wants("checkpoints") or x.wants("debug")):
        return
    writes = x.history.writes_of(checkpoint.checkpoint_id)
    payload = events.checkpoint_payload(
        checkpoint,
        writes,
        x.thread_id,
        x.configurable,
        stored=stored,
        upcoming=next_nodes(checkpoint, x.graph, x.history) if upcoming is None else upcoming,
    )
    x.emit("checkpoints", payload)
    x.emit("debug", events.debug_checkpoint(payload, checkpoint, x.thread_id))


def stream_values(
    x: Execution, values: Mapping[str, Any], interrupts: list[dict[str, Any]] | None = None
) -> None:
    if not x.wants("values"):
        return
    payload = events.plain_values(values)
    if interrupts:
        payload["__interrupt__"] = interrupts
    x.emit("values", payload)


def task_done(x: Execution, step: int, result: dict[str, Any]) -> None:
    x.emit("tasks", result)
    x.emit("debug", events.debug_task(step, "task_result", result))


def graph_event(x: Execution, kind: str, data: dict[str, Any]) -> None:
    if x.wants("events"):
        x.emit(
            "events",
            events.graph_event(x.graph.graph_id, x.run.run_id, x.node_metadata, kind, data),
        )
