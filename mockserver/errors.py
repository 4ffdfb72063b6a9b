"""Errors the mock raises while answering a request.

Each error carries the HTTP status it is rendered with; `app.py` renders every one of them in
one place as the spec's ErrorResponse, `{"detail": "..."}`. The core raises them on plain data
and never imports the web framework.

    MockError
    ├── BadRequest            400  the request is well-formed but the graph cannot apply it
    ├── NotFound              404  an unknown thread (or route)
    ├── Conflict              409  a duplicate thread
    ├── PayloadTooLarge       413  the body is over the size limit
    ├── UnsupportedMediaType  415  the body is not sent as JSON
    └── ValidationFailed      422  the request breaks the spec (or the status the spec's
                                   `x-error` gives); lists the violations
"""

from __future__ import annotations

from dataclasses import dataclass


class MockError(Exception):
    """Raised when a request cannot be answered with a success status."""

    status_code = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(MockError):
    """Raised when the graph rejects an otherwise valid request (unknown node, list values)."""

    status_code = 400


class NotFound(MockError):
    """Raised when a thread, or anything else named by the request, does not exist."""

    status_code = 404


class Conflict(MockError):
    """Raised when a request clashes with what is stored (a thread id already taken)."""

    status_code = 409


class NotSupported(MockError):
    """Raised when a request asks for what the in-memory server does not do (it says 422)."""

    status_code = 422


class PayloadTooLarge(MockError):
    """Raised when a request body is over the configured size limit."""

    status_code = 413


class UnsupportedMediaType(MockError):
    """Raised when a body comes with a content type other than JSON."""

    status_code = 415


@dataclass(frozen=True)
class Violation:
    """One way a request breaks the spec: where (`path.thread_id`, `body.limit`) and what."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ValidationFailed(MockError):
    """Raised when a request breaks the spec; `violations` lists them (the first few).

    `detail` is what the client reads, worded as the real server words it (wording.py);
    the violations travel beside it, in a response header and the request log.
    """

    status_code = 422

    def __init__(
        self, violations: list[Violation], detail: str | None = None, status: int = 422
    ) -> None:
        super().__init__(detail or describe_violations(violations))
        self.violations = violations
        self.status_code = status


def describe_violations(violations: list[Violation]) -> str:
    """One human-readable string naming every violation with its location."""
    if len(violations) == 1:
        return str(violations[0])
    lines = [f"{len(violations)} validation errors:"]
    lines.extend(f"- {v}" for v in violations)
    return "\n".join(lines)
