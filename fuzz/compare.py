"""Where two normalised answers differ: JSON paths, and the signature a difference groups by."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_DIFFERENCES = 20
INDEX_RE = re.compile(r"\[\d+\]")
TOKEN_RE = re.compile(r"\{\{id:\d+\}\}")


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Difference:
    """One place where side A's answer and side B's differ."""

    path: str  # e.g. "status", "headers.location", "body.values.messages[2].id"
    a: Any
    b: Any

    @property
    def pattern(self) -> str:
        """The path with its list indexes generalised: body.messages[*].id."""
        return generalise(self.path)


def generalise(path: str) -> str:
    """List indexes and id keys (`interrupts.{{id:7}}`) made generic."""
    return TOKEN_RE.sub("{id}", INDEX_RE.sub("[*]", path))


def differences(a: Any, b: Any, path: str = "") -> list[Difference]:
    """Every difference (up to MAX_DIFFERENCES), in walk order: dict keys sorted, lists by index."""
    found: list[Difference] = []
    _walk(a, b, path, found)
    return found


def _walk(a: Any, b: Any, path: str, found: list[Difference]) -> None:
    if len(found) >= MAX_DIFFERENCES:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            where = f"{path}.{key}" if path else str(key)
            _walk(a.get(key, MISSING), b.get(key, MISSING), where, found)
    elif isinstance(a, list) and isinstance(b, list):
        for index in range(max(len(a), len(b))):
            left = a[index] if index < len(a) else MISSING
            right = b[index] if index < len(b) else MISSING
            _walk(left, right, f"{path}[{index}]", found)
            if left is MISSING or right is MISSING:
                return  # one difference for a length mismatch, not one per extra item
    elif type(a) is not type(b) or a != b:
        found.append(Difference(path, a, b))


def signature(op: str, statuses: tuple[int, int], difference: Difference) -> str:
    """What a group of differences shares: operation, status pair, generalised path."""
    return f"{op} | {statuses[0]}/{statuses[1]} | {difference.pattern}"
