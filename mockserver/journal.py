"""What the server received and answered, one `Exchange` per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Exchange:
    """One request the mock answered, as the pytest plugin's journal keeps it."""

    method: str
    path: str
    route: str  # the spec's path template, e.g. "/threads/{thread_id}/state"
    operation_id: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # the parsed JSON body (None when there was none or it was not JSON)
    status: int
    response: Any  # the parsed JSON response (None for an empty one)
    violations: tuple[str, ...] = field(default=())  # where the response broke the spec
    rejected: tuple[str, ...] = field(default=())  # where the request broke it (a 4xx)

    def __str__(self) -> str:
        line = f"{self.method} {self.path} -> {self.status}"
        return f"{line} ({'; '.join(self.rejected)})" if self.rejected else line
