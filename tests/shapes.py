"""Stored message shapes as the real server writes them, and a stand-in for generated ids."""

from __future__ import annotations

import re
from typing import Any

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class AnyUuid4:
    """Equal to any uuid4 string: stands for an id the server generated."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and UUID4.fullmatch(other) is not None

    def __repr__(self) -> str:
        return "<uuid4>"


GENERATED = AnyUuid4()


def human(content: str, id: object = GENERATED) -> dict[str, Any]:
    """A stored human message (transcript #60)."""
    return {
        "content": content,
        "additional_kwargs": {},
        "response_metadata": {},
        "type": "human",
        "name": None,
        "id": id,
    }


def ai(content: str, id: object = GENERATED, **more: Any) -> dict[str, Any]:
    """A stored ai message (transcript #63); `more` overrides fields."""
    return {
        "content": content,
        "additional_kwargs": {},
        "response_metadata": {},
        "type": "ai",
        "name": None,
        "id": id,
        "tool_calls": [],
        "invalid_tool_calls": [],
        "usage_metadata": None,
        **more,
    }
