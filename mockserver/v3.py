"""v3 thread streaming: a thread's runs as protocol events (langgraph_api.event_streaming).

`EventSession` is one connection's view of a thread, as the real server builds one per
`POST /threads/{id}/stream/events`: it reads the thread's stream from its beginning (every run
kept, then the live ones) and turns each run's raw events into protocol events, numbered by
one `seq` across the whole thread (the same for every connection: a client's `since` works
on any of them). What the real server sends for the reference graphs (langgraph's v3 stream
mux over them): the root `lifecycle` (`running`, then `completed`, `failed` or
`interrupted`), `values` with messages normalised to `{type, content, id, ...}`, and an
`input.requested` for each interrupt, followed at once by `lifecycle interrupted`. Other
run events (updates, tasks, checkpoints, debug) carry nothing on the wire.

`ProtocolError` is a command's refusal (`{"type": "error", ...}`), answered with a 200.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mockserver.events import plain_values

CHANNELS = frozenset(
    {
        "values",
        "updates",
        "checkpoints",
        "messages",
        "tools",
        "custom",
        "lifecycle",
        "input",
        "tasks",
    }
)
# The stream modes a v3 run is created with (langgraph_api.event_streaming.constants).
RUN_STREAM_MODES = [
    "values",
    "updates",
    "messages",
    "tools",
    "lifecycle",
    "custom",
    "tasks",
    "checkpoints",
]
KNOWN_COMMANDS = frozenset(
    {
        "run.start",
        "input.respond",
        "agent.getTree",
        "subscription.subscribe",
        "subscription.unsubscribe",
        "subscription.reconnect",
    }
)
_MESSAGE_TYPES = {"assistant": "ai", "user": "human"}
_STATE_MESSAGE_TYPES = frozenset({"ai", "human", "system", "tool", "remove"})


class ProtocolError(Exception):
    """A command refused with a protocol error envelope (`error` is its code)."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


def supported_channel(channel: Any) -> bool:
    """A channel a stream may name: one of CHANNELS, or `custom:<name>`."""
    if not isinstance(channel, str):
        return False
    return channel in CHANNELS or (channel.startswith("custom:") and len(channel) > 7)


def error_envelope(command_id: Any, error: str, message: str) -> dict[str, Any]:
    """A protocol error answer."""
    return {"type": "error", "id": command_id, "error": error, "message": message}


def success_envelope(command_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    """A protocol success answer; an HTTP command's session has sent nothing yet (seq 0)."""
    return {
        "type": "success",
        "id": command_id,
        "result": result,
        "meta": {"applied_through_seq": 0},
    }


@dataclass(frozen=True)
class Filter:
    """What one stream asks for: channels, namespaces (prefixes) and depth, and `since`."""

    channels: frozenset[str]
    namespaces: tuple[tuple[str, ...], ...] | None = None
    depth: int | None = None
    since: int | None = None

    def wants(self, event: dict[str, Any]) -> bool:
        """Whether the stream sends this protocol event."""
        if self.since is not None and event["seq"] <= self.since:
            return False
        method = event["method"]
        params = event["params"]
        if method == "custom":
            name = (params.get("data") or {}).get("name")
            if "custom" not in self.channels and f"custom:{name}" not in self.channels:
                return False
        elif ("input" if method == "input.requested" else method) not in self.channels:
            return False
        namespace = tuple(params["namespace"])
        if self.namespaces is None:
            return True  # a depth alone limits nothing
        return any(
            _under(namespace, prefix)
            and (self.depth is None or len(namespace) - len(prefix) <= self.depth)
            for prefix in self.namespaces
        )


def _under(namespace: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    """Whether a namespace starts with the prefix; a prefix segment without `:` also matches a
    segment with a task suffix (`tools` matches `tools:<id>`), as langgraph-api compares them."""
    if len(prefix) > len(namespace):
        return False
    return all(
        have == want or (":" not in want and have.split(":")[0] == want)
        for have, want in zip(namespace, prefix, strict=False)
    )


def stream_filter(body: dict[str, Any], channels: list[str]) -> Filter:
    """A stream's filter from its (checked) body, read as leniently as the real server:
    namespaces other than lists of strings, and a depth or since that is no natural number,
    are ignored."""
    raw = body.get("namespaces")
    namespaces = None
    if isinstance(raw, list):
        kept = [
            tuple(ns) for ns in raw if isinstance(ns, list) and all(isinstance(s, str) for s in ns)
        ]
        namespaces = tuple(kept) or None
    return Filter(
        frozenset(channels), namespaces, _natural(body.get("depth")), _natural(body.get("since"))
    )


def _natural(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def normalise_state(value: Any) -> Any:
    """A values payload as the protocol shows it: messages as `{type, content, id, ...}`
    (state_normalizers.normalize_event_streaming_state_payload), no `__interrupt__`."""
    if isinstance(value, list):
        return [_message(item) if _is_message(item) else normalise_state(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, entry in value.items():
        if key == "__interrupt__":
            continue
        if key == "messages" and isinstance(entry, list):
            out[key] = [_message(item) if _is_message(item) else item for item in entry]
        else:
            out[key] = normalise_state(entry)
    return out


def _is_message(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return False
    return _MESSAGE_TYPES.get(value["type"], value["type"]) in _STATE_MESSAGE_TYPES


def _message(value: dict[str, Any]) -> dict[str, Any]:
    kind = _MESSAGE_TYPES.get(value["type"], value["type"])
    message: dict[str, Any] = {"type": kind, "content": value.get("content", "")}
    for key in ("id", "name"):
        if isinstance(value.get(key), str):
            message[key] = value[key]
    if kind in ("ai", "human") and isinstance(value.get("example"), bool):
        message["example"] = value["example"]
    if isinstance(value.get("response_metadata"), dict) and value["response_metadata"]:
        message["response_metadata"] = value["response_metadata"]
    if kind == "tool":
        if isinstance(value.get("tool_call_id"), str):
            message["tool_call_id"] = value["tool_call_id"]
        if value.get("status") in ("success", "error"):
            message["status"] = value["status"]
        if "artifact" in value:
            message["artifact"] = value["artifact"]
    if kind == "ai":
        calls = [
            {"type": "tool_call", "name": c["name"], "args": c.get("args") or {}, "id": c["id"]}
            if isinstance(c.get("id"), str)
            else {"type": "tool_call", "name": c["name"], "args": c.get("args") or {}}
            for c in value.get("tool_calls") or []
            if isinstance(c, dict) and isinstance(c.get("name"), str)
        ]
        if calls:
            message["tool_calls"] = calls
    return message


# The name of a run's graph and its status now (None: no such run), from the store.
RunFacts = Callable[[str], tuple[str, str] | None]


class EventSession:
    """One connection's protocol view of a thread: raw run events in, protocol events out."""

    def __init__(self, run_facts: RunFacts) -> None:
        self._facts = run_facts
        self._seq = 0
        self._run_id: str | None = None
        self._graph = "root"
        self._ended = False  # the current run's terminal lifecycle has been sent
        self._seen: set[str] = set()  # raw event ids, which replay and live may both bring
        self.pending: dict[str, list[str]] = {}  # interrupt id -> its namespace
        self._open: tuple[str, str] | None = None  # the streaming message: id, text sent
        self._ids = _EventIds(None)

    def feed(self, raw: dict[str, Any]) -> list[dict[str, Any]]:
        """The protocol events one raw thread-stream event makes (often none)."""
        raw_id = raw.get("id")
        if raw_id is not None:
            if raw_id in self._seen:
                return []
            self._seen.add(raw_id)
        name, data = raw["event"], raw["data"]
        self._ids = _EventIds(str(raw_id) if raw_id is not None else None)
        if name == "messages/partial":
            return self._partial(data) if self._run_id is not None else []
        out = [] if name.startswith("messages") else self._finish_message()
        if name == "metadata" and isinstance(data, dict):
            if "attempt" in data and "run_id" in data:
                return out + self._started(str(data["run_id"]))
            if data.get("status") == "run_done" and data.get("run_id") == self._run_id:
                return out + self._done()
            return out
        if self._run_id is None or name != "values":
            return out
        out += self._interrupts(data)
        cleaned = normalise_state(plain_values(data) if isinstance(data, dict) else data)
        if not isinstance(cleaned, dict) or cleaned:
            out.append(self._event("values", cleaned, self._ids.next()))
        return out

    def _partial(self, data: Any) -> list[dict[str, Any]]:
        # A chat model's message as it streams (the mock's scripted tokens: the message so far,
        # each time): message-start and a text block, then each new piece as a delta; finished
        # by whatever the run sends next (langgraph's v3 messages transformer).
        message = data[0] if isinstance(data, list) and data else None
        if not isinstance(message, dict) or not isinstance(message.get("id"), str):
            return []
        content = message.get("content")
        text: str = content if isinstance(content, str) else ""
        out = []
        if self._open is not None and self._open[0] != message["id"]:
            out += self._finish_message()
        if self._open is None:
            start = {"event": "message-start", "role": "ai", "id": message["id"]}
            block = {"event": "content-block-start", "index": 0, "content": _text("")}
            out += [self._event("messages", start, self._ids.next())]
            out += [self._event("messages", block, self._ids.next())]
            self._open = (message["id"], "")
        sent = self._open[1]
        if text.startswith(sent) and len(text) > len(sent):
            delta = {"type": "text-delta", "text": text[len(sent) :]}
            piece = {"event": "content-block-delta", "index": 0, "delta": delta}
            out.append(self._event("messages", piece, self._ids.next()))
            self._open = (message["id"], text)
        return out

    def _finish_message(self) -> list[dict[str, Any]]:
        if self._open is None:
            return []
        text, self._open = self._open[1], None
        finish = {"event": "content-block-finish", "index": 0, "content": _text(text)}
        return [
            self._event("messages", finish, self._ids.next()),
            self._event("messages", {"event": "message-finish"}, self._ids.next()),
        ]

    def _started(self, run_id: str) -> list[dict[str, Any]]:
        facts = self._facts(run_id)
        if facts is None:
            return []
        self._run_id, self._graph, self._ended = run_id, facts[0], False
        return [self._lifecycle("running")]

    def _done(self) -> list[dict[str, Any]]:
        assert self._run_id is not None
        if self._ended:
            return []
        facts = self._facts(self._run_id)
        status = {"success": "completed", "error": "failed", "interrupted": "interrupted"}.get(
            facts[1] if facts else "", "running"
        )
        if status == "running":
            return []
        self._ended = True
        return [self._lifecycle(status)]

    def _interrupts(self, data: Any) -> list[dict[str, Any]]:
        found = data.get("__interrupt__") if isinstance(data, dict) else None
        out = []
        for item in found if isinstance(found, list) else []:
            interrupt_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(interrupt_id, str) or interrupt_id in self.pending:
                continue
            self.pending[interrupt_id] = []
            request: dict[str, Any] = {"interrupt_id": interrupt_id}
            if "value" in item:
                request["payload"] = item["value"]
            out.append(self._event("input", request, self._synth("input", "", interrupt_id)))
        if out and not self._ended:
            self._ended = True
            out.append(self._lifecycle("interrupted"))
        return out

    def _lifecycle(self, phase: str) -> dict[str, Any]:
        data = {"event": phase, "graph_name": self._graph}
        return self._event("lifecycle", data, self._synth("lc", "", phase))

    def _synth(self, *parts: str) -> str:
        return f"synth:{self._run_id}:" + "|".join(parts)

    def _event(self, method: str, data: Any, event_id: str | None) -> dict[str, Any]:
        self._seq += 1
        if event_id is None or event_id.startswith("synth:"):
            stamp = int(time.time() * 1000)  # made by the session: now
        else:
            stamp = int(event_id.partition("-")[0])  # the run's event: when it was sent
        return {
            "type": "event",
            "event_id": event_id if event_id is not None else self._synth(str(self._seq)),
            "seq": self._seq,
            "method": "input.requested" if method == "input" else method,
            "params": {"namespace": [], "timestamp": stamp, "data": data},
        }


class _EventIds:
    """The event ids of the protocol events one raw event makes: its stream id, then
    `<id>.1`, `<id>.2`, ... (None: the session makes one up)."""

    def __init__(self, raw_id: str | None) -> None:
        self._raw, self._count = raw_id, 0

    def next(self) -> str | None:
        if self._raw is None:
            return None
        count, self._count = self._count, self._count + 1
        return self._raw if count == 0 else f"{self._raw}.{count}"


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def frames(events: Iterable[dict[str, Any]], wanted: Filter) -> list[dict[str, Any]]:
    """The server-sent events a stream sends for these protocol events: the method as the
    event name, the event as data, its seq as the id."""
    return [
        {"event": e["method"], "data": e, "id": str(e["seq"])} for e in events if wanted.wants(e)
    ]
