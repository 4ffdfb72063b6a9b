"""One task of a run: a node executing its script (scripts.py) on the state it was given.

The task is a generator: it yields the seconds it wants to pause (a delay, the time between
two streamed tokens), sends its custom and messages events through `emit` as it goes, and
returns what the node did: its writes, an interrupt, or an error.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

from uuid6 import uuid7

from mockserver import events
from mockserver.graph import Graph
from mockserver.messages import coerce_message
from mockserver.scripts import NOTHING, NodeScript, Reply, message_channel, message_text, render

Emit = Callable[[str, Any], None]
_TOKEN = re.compile(r"(\s)")
_TYPES = {"human": "last_human", "ai": "last_ai", "tool": "last_tool"}


@dataclass(frozen=True)
class Outcome:
    """What a task did: wrote `writes` (None: the node returned nothing), or was interrupted,
    or failed with `(error type, message)`."""

    writes: dict[str, Any] | None = None
    interrupts: list[dict[str, Any]] | None = None
    error: tuple[str, str] | None = None
    # the writes as the node returned them (updates, task results); `writes` is what the
    # reducers take: a message object as the constructor arguments that make it again
    shown: dict[str, Any] | None = None


@dataclass(frozen=True)
class Task:
    """A node about to run, with everything its script may read."""

    graph: Graph
    node: str
    task_id: str
    step: int  # the step LangGraph reports for the task: its checkpoint's step + 1
    values: Mapping[str, Any]  # the plain state the node sees
    resume: Any
    emit: Emit
    modes: frozenset[str]
    metadata: Mapping[str, Any]  # the run's metadata, with run_id and thread_id

    def wants(self, event: str) -> bool:
        """Whether the run streams this event (events.carries): payloads nobody reads are not
        built."""
        return events.carries(self.modes, event)

    @property
    def script(self) -> NodeScript:
        """The node's script (an unscripted node writes nothing)."""
        return self.graph.scripts.get(self.node) or NodeScript()


def interrupt_id(task_id: str) -> str:
    """A stable 32-hex interrupt id per task, shaped like LangGraph's."""
    return hashlib.sha256(task_id.encode()).hexdigest()[:32]


def run_task(task: Task) -> Generator[float, None, Outcome]:
    """Execute a node's script; yields pauses, returns its Outcome."""
    script = task.script
    variables = template_variables(task)
    for payload in script.custom:
        task.emit("custom", render(payload, variables))
    if script.delay:
        yield script.delay
    if script.interrupt is not NOTHING and task.resume is NOTHING:
        value = render(script.interrupt, variables)
        return Outcome(interrupts=[{"id": interrupt_id(task.task_id), "value": value}])
    if script.fail is not None:
        return Outcome(error=script.fail)
    writes = None if script.writes is None else dict(render(script.writes, variables))
    made: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (constructor, message)
    if script.replies:
        made.append((yield from _reply(task, _pick(task, script), variables)))
    if script.tool_result is not None:
        made += _tool_messages(task, script.tool_result, variables)
    if not made:
        return Outcome(writes=writes, shown=writes)
    channel = message_channel(task.graph.channels)
    assert channel is not None  # checked when the model was loaded
    before = _as_list((writes or {}).get(channel))
    shown = {**(writes or {}), channel: [*before, *(message for _, message in made)]}
    writes = {**(writes or {}), channel: [*before, *(args for args, _ in made)]}
    return Outcome(writes=writes, shown=shown)


def template_variables(task: Task) -> dict[str, Any]:
    """What a template can name: each channel, message facts, the resume value, the node."""
    variables: dict[str, Any] = {c: "" for c in task.graph.channels}
    variables.update({k: v for k, v in task.values.items() if v is not None})
    channel = message_channel(task.graph.channels)
    messages = list(task.values.get(channel) or []) if channel else []
    variables.update(
        message_count=len(messages),
        node=task.node,
        last_human="",
        last_ai="",
        last_tool="",
        resume="" if task.resume is NOTHING else task.resume,
    )
    for message in messages:
        if (name := _TYPES.get(message.get("type"))) is not None:
            variables[name] = message_text(message.get("content"))
    return variables


def _pick(task: Task, script: NodeScript) -> Reply:
    # Replies take turns, one per AI message already in the conversation: deterministic, and
    # the same on every branch of a thread.
    channel = message_channel(task.graph.channels)
    messages = task.values.get(channel or "") or []
    answered = sum(1 for m in messages if m.get("type") == "ai")
    return script.replies[answered % len(script.replies)]


def _reply(
    task: Task, reply: Reply, variables: Mapping[str, Any]
) -> Generator[float, None, tuple[dict[str, Any], dict[str, Any]]]:
    calls = [
        {
            "name": c["name"],
            "args": render(dict(c.get("args") or {}), variables),
            "id": str(c.get("id") or f"call_{uuid.uuid4().hex[:24]}"),
            "type": "tool_call",
        }
        for c in reply.tool_calls
    ]
    text = str(render(reply.text, variables))
    args = {"type": "ai", "content": text, "id": f"lc_run--{uuid7()}", "tool_calls": calls}
    message = coerce_message(dict(args))
    if not task.script.stream:
        _complete(task, message, "langgraph")
        return args, message
    metadata = _metadata(task, "langchain_chat_model")
    tokens = [t for t in _TOKEN.split(text) if t] or [""]
    if task.wants("messages/metadata"):
        task.emit("messages/metadata", {message["id"]: {"metadata": metadata}})
    so_far = ""
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        so_far += token
        if task.wants("messages"):
            task.emit("messages", [events.message_chunk(message, token, last=last), metadata])
        if task.wants("messages/partial"):
            task.emit("messages/partial", [events.partial_message(message, so_far, last=last)])
        if not last:
            yield task.script.token_delay
    return args, message


def _tool_messages(
    task: Task, template: str, variables: Mapping[str, Any]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    channel = message_channel(task.graph.channels)
    history = task.values.get(channel or "") or []
    last_ai = next((m for m in reversed(history) if m.get("type") == "ai"), None)
    messages = []
    for call in (last_ai or {}).get("tool_calls") or []:
        scope = {**variables, "tool_name": call["name"], "tool_args": json.dumps(call["args"])}
        args = {
            "type": "tool",
            "content": str(render(template, scope)),
            "tool_call_id": call["id"],
            "name": call["name"],
            "id": str(uuid.uuid4()),
        }
        message = coerce_message(dict(args))
        _complete(task, message, "langgraph")
        messages.append((args, message))
    return messages


def _complete(task: Task, message: dict[str, Any], integration: str) -> None:
    # A message a node returns whole is streamed once, when the node ends.
    metadata = _metadata(task, integration)
    if task.wants("messages"):
        task.emit("messages", [message, metadata])
    if task.wants("messages/complete"):
        task.emit("messages/metadata", {message["id"]: {"metadata": metadata}})
        task.emit("messages/complete", [message])


def _metadata(task: Task, integration: str) -> dict[str, Any]:
    return events.node_metadata(task.metadata, task.node, task.task_id, task.step, integration)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
