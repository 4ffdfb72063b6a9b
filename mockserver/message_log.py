"""The add_messages reducer on a persistent log of stored messages (see messages.py for how
one incoming message is coerced)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

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

# A log's JSON is kept as a rope: parts whose concatenation, then "]", is the array (the first
# part starts with "["). A version made by appending shares its base's parts and adds one for
# what it appended; the last two merge while the newer is at least half the older, so a log
# of n messages has at most about log2(n) parts and each byte is copied about log2(n) times
# in all, not once per read. A GET of a long thread's state sends the parts as they are
# (splice.py); `encoded` joins them once for everyone else.
#
# The ropes (and joined JSON) of recently read logs, by identity (the entry holds the log, so
# its id stays its own). Bounded in entries and bytes; the least recently read goes first.
CACHE_ENTRIES = 512
CACHE_BYTES = 16 * 1024 * 1024
_BASES_LOOKED_AT = 64  # how far back along `base` a cached version is looked for
Rope = tuple[bytes, ...]
_cache: OrderedDict[int, list[Any]] = OrderedDict()  # id -> [log, rope, joined JSON or None]
_cached_bytes = 0
_cache_lock = threading.Lock()


def encoded(log: MessageLog) -> bytes:
    """The log as a JSON array, byte for byte what `orjson.dumps(log.to_list())` writes."""
    global _cached_bytes
    entry = _entry(log)
    joined = entry[2]
    if joined is None:
        joined = b"".join([*entry[1], b"]"])
        with _cache_lock:
            entry[2] = joined
            if _cache.get(id(log)) is entry:
                _cached_bytes += len(joined)
                _evict()
    return cast(bytes, joined)


def encoded_parts(log: MessageLog) -> Rope:
    """The log's JSON array as parts, without its closing "]": `b"".join(parts) + b"]"` is
    `encoded(log)`. The parts are shared by the versions (immutable bytes)."""
    return cast(Rope, _entry(log)[1])


def _entry(log: MessageLog) -> list[Any]:
    with _cache_lock:
        hit = _cached(log)
        if hit is not None:
            return hit
        ancestor, rope = log.base, None
        for _ in range(_BASES_LOOKED_AT):
            if ancestor is None:
                break
            found = _cached(ancestor)
            if found is not None:
                rope = found[1]
                break
            ancestor = ancestor.base
    if ancestor is not None and rope is not None:
        start = len(ancestor.messages)
        tail = b",".join([orjson.dumps(m, default=_plain) for m in log.messages[start:]])
        if tail:
            rope = _merged((*rope, b"," + tail if start else tail))
    else:
        rope = (orjson.dumps(log.messages.tolist(), default=_plain)[:-1],)
    entry = [log, rope, None]
    with _cache_lock:
        _remember(log, entry)
    return entry


def _merged(rope: Rope) -> Rope:
    while len(rope) > 1 and 2 * len(rope[-1]) >= len(rope[-2]):
        rope = (*rope[:-2], b"".join(rope[-2:]))
    return rope


def _plain(value: object) -> object:
    # What endpoint.py's encoder does for a persistent vector inside a message (reducers.to_plain).
    if isinstance(value, PVector):
        return value.tolist()
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _size(entry: list[Any]) -> int:
    return sum(map(len, entry[1])) + len(entry[2] or b"")


def _cached(log: MessageLog) -> list[Any] | None:
    entry = _cache.get(id(log))
    if entry is None or entry[0] is not log:
        return None
    _cache.move_to_end(id(log))
    return entry


def _remember(log: MessageLog, entry: list[Any]) -> None:
    global _cached_bytes
    size = _size(entry)
    if size > CACHE_BYTES:
        return
    old = _cache.pop(id(log), None)
    if old is not None:
        _cached_bytes -= _size(old)
    _cache[id(log)] = entry
    _cached_bytes += size
    _evict()


def _evict() -> None:
    global _cached_bytes
    while len(_cache) > CACHE_ENTRIES or _cached_bytes > CACHE_BYTES:
        _, dropped = _cache.popitem(last=False)
        _cached_bytes -= _size(dropped)
