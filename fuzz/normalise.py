"""Normalise two answers to the same request side by side, pairing the ids they carry.

Both servers mint their own ids (threads, runs, checkpoints, messages, tasks, interrupts).
`Pairing` keeps one bijection per side between the actual ids and tokens (`{{id:7}}`): the
two answers are walked together, and an id that first shows up at the same place on both
sides gets one token for both. An id only one side has gets a token of its own, so it
differs from whatever the other side has there. Requests are templates over the same
tokens; `Pairing.render` turns a template into each side's actual request.

Besides ids: ISO timestamps become `{{time}}`, the server's own base URL `{{self}}`, and
the few numeric clock readings a run record carries (`__request_start_time_ms__`) `{{ms}}`.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

A, B = 0, 1
TOKEN_RE = re.compile(r"\{\{id:(\d+)\}\}")
ID_RE = re.compile(
    r"(?<![0-9A-Fa-f-])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}|[0-9a-f]{32})(?![0-9A-Fa-f-])"
)
TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
# Clock readings stored as numbers (langgraph_api/models/run.py puts the request's start time
# into the run's configurable): nondeterministic even between two real servers.
CLOCK_KEYS = frozenset({"__request_start_time_ms__"})
UNKNOWN_NAMESPACE = uuid.UUID("6f1c0f7e-5a43-4c3e-9d0e-fa22a0d2c0de")


def token(number: int) -> str:
    """The placeholder for id number ``number``."""
    return f"{{{{id:{number}}}}}"


@dataclass
class Pairing:
    """Per side, a bijection between actual ids and id tokens; plus each side's base URL."""

    urls: tuple[str, str] = ("", "")
    to_token: tuple[dict[str, int], dict[str, int]] = field(default_factory=lambda: ({}, {}))
    to_actual: tuple[dict[int, str], dict[int, str]] = field(default_factory=lambda: ({}, {}))
    next_number: int = 1

    def new_token(self) -> int:
        """A fresh token number, bound on no side yet."""
        number = self.next_number
        self.next_number += 1
        return number

    def bind(self, side: int, actual: str, number: int) -> None:
        """Bind ``actual`` on ``side`` to token ``number``."""
        key = actual.lower()
        self.to_token[side][key] = number
        self.to_actual[side][number] = actual

    def bind_both(self, actual: str) -> str:
        """A client-chosen id, the same on both sides; returns its token."""
        known = self.to_token[A].get(actual.lower())
        if known is not None and self.to_actual[B].get(known, "").lower() == actual.lower():
            return token(known)
        number = self.new_token()
        self.bind(A, actual, number)
        self.bind(B, actual, number)
        return token(number)

    def actual(self, side: int, number: int) -> str:
        """The id ``side`` knows for a token; an id nobody has when the side has none."""
        found = self.to_actual[side].get(number)
        return found if found is not None else str(uuid.uuid5(UNKNOWN_NAMESPACE, str(number)))

    def render(self, side: int, template: Any) -> Any:
        """Replace the tokens in a request template (strings, lists, dicts) by side's ids."""
        if isinstance(template, str):
            return TOKEN_RE.sub(lambda m: self.actual(side, int(m.group(1))), template)
        if isinstance(template, list):
            return [self.render(side, item) for item in template]
        if isinstance(template, dict):
            return {self.render(side, k): self.render(side, v) for k, v in template.items()}
        return template

    # ------------------------------------------------------------------ answers

    def normalise_pair(self, a: Any, b: Any) -> tuple[Any, Any]:
        """Both answers with ids paired and tokenised, times and own URLs replaced."""
        # An id both answers hold is the same thing on both sides (assistant uuid5s,
        # client-chosen thread ids): it pairs with itself, wherever each side shows it.
        shared = _ids_in(a) & _ids_in(b)
        for actual in sorted(shared):
            if actual not in self.to_token[A] and actual not in self.to_token[B]:
                self.bind_both(actual)
        return _Walk(self).pair(a, b, "")

    def normalise_one(self, side: int, value: Any) -> Any:
        """One answer alone (e.g. when the other side has no counterpart)."""
        return _Walk(self).single(side, value, "")

    def _ids(self, side: int, found: list[str], other: list[str]) -> list[int]:
        """Token numbers for the ids one string holds, pairing with the other side's string."""
        numbers = []
        for index, actual in enumerate(found):
            number = self.to_token[side].get(actual.lower())
            if number is None:
                peer = other[index] if index < len(other) else None
                number = self._pair(side, actual, peer, [o.lower() for o in other])
                self.bind(side, actual, number)
            numbers.append(number)
        return numbers

    def _pair(self, side: int, actual: str, peer: str | None, others: list[str]) -> int:
        """The token for an id this side shows for the first time."""
        mine, theirs = self.to_actual[side], self.to_token[1 - side]
        same = theirs.get(actual.lower())
        if same is not None and same not in mine:
            return same  # the same id on both sides (assistant uuid5s, client-chosen ids)
        if same is None and actual.lower() in others:
            number = self.new_token()
            self.bind(1 - side, actual, number)
            return number
        peer_number = theirs.get(peer.lower()) if peer is not None else None
        if peer_number is not None and peer_number not in mine:
            return peer_number  # the other side's id at this place: pair with it
        number = self.new_token()
        if peer is not None and peer_number is None and peer.lower() not in self.to_token[side]:
            self.bind(1 - side, peer, number)
        return number

    def text(self, side: int, value: str, other: str | None) -> str:
        """Normalise one string against the other side's string at the same place."""
        own_url = self.urls[side]
        if own_url:
            value = value.replace(own_url, "{{self}}")
        found = ID_RE.findall(value)
        if not found:
            return TIME_RE.sub("{{time}}", value)
        theirs = ID_RE.findall(other.replace(self.urls[1 - side] or "\0", "")) if other else []
        numbers = iter(self._ids(side, found, theirs))
        value = ID_RE.sub(lambda _m: token(next(numbers)), value)
        return TIME_RE.sub("{{time}}", value)


class _Walk:
    """One parallel walk over two JSON values (dict keys sorted, lists by index)."""

    def __init__(self, pairing: Pairing) -> None:
        self.pairing = pairing

    def pair(self, a: Any, b: Any, key: str) -> tuple[Any, Any]:
        if key in CLOCK_KEYS:
            return _clock(a), _clock(b)
        if isinstance(a, str) and isinstance(b, str):
            text_a = self.pairing.text(A, a, b)
            return text_a, self.pairing.text(B, b, a)
        if isinstance(a, dict) and isinstance(b, dict):
            a, b = self._rename_keys(a, b)
            out_a: dict[Any, Any] = {}
            out_b: dict[Any, Any] = {}
            for k in sorted(set(a) | set(b), key=str):
                if k in a and k in b:
                    out_a[k], out_b[k] = self.pair(a[k], b[k], k)
                elif k in a:
                    out_a[k] = self.single(A, a[k], k)
                else:
                    out_b[k] = self.single(B, b[k], k)
            return out_a, out_b
        if isinstance(a, list) and isinstance(b, list):
            both = [self.pair(x, y, key) for x, y in zip(a, b, strict=False)]
            rest_a = [self.single(A, x, key) for x in a[len(b) :]]
            rest_b = [self.single(B, y, key) for y in b[len(a) :]]
            return [x for x, _ in both] + rest_a, [y for _, y in both] + rest_b
        return self.single(A, a, key), self.single(B, b, key)

    def _rename_keys(
        self, a: dict[Any, Any], b: dict[Any, Any]
    ) -> tuple[dict[Any, Any], dict[Any, Any]]:
        """Keys that are ids (tasks in `interrupts`), tokenised; new ones paired in order."""
        ids_a = [k for k in a if isinstance(k, str) and ID_RE.search(k)]
        ids_b = [k for k in b if isinstance(k, str) and ID_RE.search(k)]
        if not ids_a and not ids_b:
            return a, b
        names_a: dict[Any, Any] = {}
        names_b: dict[Any, Any] = {}
        for index in range(max(len(ids_a), len(ids_b))):
            key_a = ids_a[index] if index < len(ids_a) else None
            key_b = ids_b[index] if index < len(ids_b) else None
            if key_a is not None:
                names_a[key_a] = self.pairing.text(A, key_a, key_b)
            if key_b is not None:
                names_b[key_b] = self.pairing.text(B, key_b, key_a)
        return (
            {names_a.get(k, k): v for k, v in a.items()},
            {names_b.get(k, k): v for k, v in b.items()},
        )

    def single(self, side: int, value: Any, key: str) -> Any:
        if key in CLOCK_KEYS:
            return _clock(value)
        if isinstance(value, str):
            return self.pairing.text(side, value, None)
        if isinstance(value, dict):
            return {
                self.pairing.text(side, k, None) if isinstance(k, str) else k: self.single(
                    side, v, k
                )
                for k, v in sorted(value.items(), key=str)
            }
        if isinstance(value, list):
            return [self.single(side, item, key) for item in value]
        return value


def _ids_in(value: Any) -> set[str]:
    return {found.lower() for found in ID_RE.findall(json.dumps(value))}


def _clock(value: Any) -> Any:
    return "{{ms}}" if isinstance(value, int | float) and not isinstance(value, bool) else value
