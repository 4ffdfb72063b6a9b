"""Read what a 422 lists beside its `detail`: the X-Mockserver-Violations header."""

from __future__ import annotations

import json
from typing import Any


def violations(response: Any) -> list[str]:
    """The "location: message" strings a rejected request's answer lists."""
    listed = json.loads(response.headers["x-mockserver-violations"])
    assert isinstance(listed, list) and listed, listed
    return listed


def locations(response: Any) -> list[str]:
    """Where each listed violation is (`body.as_node`, `path.thread_id`, ...)."""
    return [item.split(": ", 1)[0] for item in violations(response)]
