"""The add_messages reducer on a persistent log of stored messages (see messages.py for how
one incoming message is coerced)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

import orjson
from pyrsistent import PVector, pvector

from mockserver.errors import BadRequest
from mockserver.messages import REMOVE_ALL_MESSAGES, Message, coerce_message


@dataclass(frozen=True, slots=True)
class MessageLog:
    """Stored message dicts; versions share structure (a persistent vector).

    `index` maps ids to a position they were stored at. It is shared by every version derived
    from this one by appends and replaces (a whole thread's history, forks included), so a
    position may be another version's: lookups check it against this version's vector. Every
    id of this version is in it, so a missing id is new here without a scan.

    `base` is the version this one was made from by appending only (its messages are a prefix
    of these), so that its JSON can be extended instead of written again (see `encoded`).
    """

    EMPTY: ClassVar[MessageLog]
    messages: PVector[Message]
    index: dict[str, int]
    base: MessageLog | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, messages: list[Message]) -> MessageLog:
        """A log of stored messages; a repeated id indexes its last position, as in langgraph."""
        return cls(pvector(messages), {m["id"]: i for i, m in enumerate(messages)})

    def position(self, message_id: str) -> int | None:
        """Where this version holds `message_id` (its last occurrence), or None."""
        return _position(self.messages, self.index, message_id)

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages)

    def to_list(self) -> list[Message]:
        """The stored dicts themselves (shared with every version): read, never mutate."""
        return self.messages.tolist()


MessageLog.EMPTY = MessageLog(pvector(), {})


def add_messages(left: MessageLog, right: object) -> MessageLog:
    """The add_messages reducer: `right` is the raw update value (a message, or a list of them)."""
    if right is None:  # langgraph's wrapper blames the wrong side when `left` is empty
        side = "left" if len(left) else "right"
        detail = "Must specify non-null arguments for both 'left' and 'right'. Only received: "
        raise BadRequest(f"{detail}'{side}'.")
    incoming = [coerce_message(m) for m in (right if isinstance(right, list) else [right])]
    for i in range(len(incoming) - 1, -1, -1):
        if incoming[i]["type"] == "remove" and incoming[i]["id"] == REMOVE_ALL_MESSAGES:
            return MessageLog.of(incoming[i + 1 :])  # kept as they are, removes and repeats too
    return _merge(left, incoming)


def appended(log: MessageLog, stored: list[Message]) -> MessageLog:
    """`log` with stored messages of new ids appended, as `add_messages` appends them (a log
    read back from a file: the messages are stored dicts already)."""
    messages, index = log.messages, {} if log is MessageLog.EMPTY else log.index
    for message in stored:
        index[message["id"]] = len(messages)
        messages = messages.append(message)
    return MessageLog(messages, index, log)


def _merge(left: MessageLog, incoming: list[Message]) -> MessageLog:
    """Append new ids, replace known ids in place, then drop removed ids (the one O(n) step)."""
    # A log grown from EMPTY gets an index of its own: EMPTY is shared by every thread.
    messages, index = left.messages, {} if left is MessageLog.EMPTY else left.index
    doomed: set[str] = set()
    appended_only = True
    for message in incoming:
        message_id = message["id"]
        position = _position(messages, index, message_id)
        if position is None and message["type"] == "remove":
            detail = "Attempting to delete a message with an ID that doesn't exist"
            raise BadRequest(f"{detail} ('{message_id}')")
        if position is None:
            index[message_id] = len(messages)
            messages = messages.append(message)
        elif message["type"] == "remove":
            doomed.add(message_id)
        else:
            doomed.discard(message_id)
            messages = messages.set(position, message)
            appended_only = False
    if doomed:
        return MessageLog.of([m for m in messages if m["id"] not in doomed])
    return MessageLog(messages, index, left if appended_only else None)


def _position(messages: PVector[Message], index: dict[str, int], message_id: str) -> int | None:
    hint = index.get(message_id)
    if hint is None:
        return None
    if hint < len(messages) and messages[hint]["id"] == message_id:
        return hint
    # The hint is another version's (a fork, or a log rebuilt by a removal): look.
    for i in range(len(messages) - 1, -1, -1):
        if messages[i]["id"] == message_id:
            return i
    return None


# ---- JSON, written once -------------------------------------------------------------------

# The JSON of recently read logs, by identity (the entry holds the log, so its id stays its
# own): a GET of a long thread's state costs what was appended since the last GET, not the
# whole list. Bounded in entries and bytes; the least recently read goes first.
CACHE_ENTRIES = 512
CACHE_BYTES = 16 * 1024 * 1024
_BASES_LOOKED_AT = 64  # how far back along `base` a cached version is looked for
_cache: OrderedDict[int, tuple[MessageLog, bytes]] = OrderedDict()
_cached_bytes = 0
_cache_lock = threading.Lock()


def encoded(log: MessageLog) -> bytes:
    """The log as a JSON array, byte for byte what `orjson.dumps(log.to_list())` writes."""
    with _cache_lock:
        hit = _cached(log)
        if hit is not None:
            return hit
        ancestor, prefix = log.base, None
        for _ in range(_BASES_LOOKED_AT):
            if ancestor is None:
                break
            prefix = _cached(ancestor)
            if prefix is not None:
                break
            ancestor = ancestor.base
    if ancestor is not None and prefix is not None:
        start = len(ancestor.messages)
        tail = b",".join([orjson.dumps(m, default=_plain) for m in log.messages[start:]])
        if not tail:
            data = prefix
        else:  # "[a,b]" + c -> "[a,b,c]"
            data = b"".join([memoryview(prefix)[:-1], b"," if start else b"", tail, b"]"])
    else:
        data = orjson.dumps(log.messages.tolist(), default=_plain)
    with _cache_lock:
        _remember(log, data)
    return data


def _plain(value: object) -> object:
    # What endpoint.py's encoder does for a persistent vector inside a message (reducers.to_plain).
    if isinstance(value, PVector):
        return value.tolist()
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _cached(log: MessageLog) -> bytes | None:
    entry = _cache.get(id(log))
    if entry is None or entry[0] is not log:
        return None
    _cache.move_to_end(id(log))
    return entry[1]


def _remember(log: MessageLog, data: bytes) -> None:
    global _cached_bytes
    if len(data) > CACHE_BYTES:
        return
    old = _cache.pop(id(log), None)
    if old is not None:
        _cached_bytes -= len(old[1])
    _cache[id(log)] = (log, data)
    _cached_bytes += len(data)
    while len(_cache) > CACHE_ENTRIES or _cached_bytes > CACHE_BYTES:
        _, (_, dropped) = _cache.popitem(last=False)
        _cached_bytes -= len(dropped)
