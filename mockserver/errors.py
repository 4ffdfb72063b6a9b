"""Every error the mock raises on purpose: one tree, rooted at `MockError`.

Each error carries the HTTP status it is rendered with when a request meets it; `endpoint.py`
renders every one of them in one place as the spec's ErrorResponse, `{"detail": "..."}` (a
`plain_text` one as its bare detail, as text/plain). The core raises them on plain data and
never imports the web framework.

    MockError
    ├── BadRequest            400  the request is well-formed but the graph cannot apply it
    ├── NotFound              404  an unknown thread (or route)
    ├── Conflict              409  a duplicate thread
    ├── PayloadTooLarge       413  the body is over the size limit
    ├── Unprocessable         422  a handler's own check refuses a value
    ├── UnsupportedMediaType  415  the body is not sent as JSON
    ├── PlainTextRejection    422  refused in plain text, as the real server refuses a
    │                              store namespace label
    ├── InvalidValue          422  a value the spec allows cannot be used (a cron schedule,
    │                              a timezone)
    ├── ValidationFailed      422  the request breaks the spec (or the status the spec's
    │                              `x-error` gives); lists the violations
    ├── StoreFull             507  the --max-threads cap (store.py)
    ├── ConfigError           422  a file or setting is wrong (also a ValueError): SpecError,
    │                              GraphModelError, ScriptError, YamlFileError, FaultError,
    │                              SeedError (start-up, or the admin API)
    └── RunFailed                  a node failed: it ends the run, not the request (execution.py)
"""

from __future__ import annotations

from dataclasses import dataclass


class MockError(Exception):
    """Raised when a request cannot be answered with a success status."""

    status_code = 500
    plain_text = False  # rendered as the bare detail, text/plain

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(MockError):
    """Raised when the graph rejects an otherwise valid request (unknown node, list values)."""

    status_code = 400


class Unauthorized(MockError):
    """Raised when a request lacks the credentials its operation's `security` asks for."""

    status_code = 401


class NotFound(MockError):
    """Raised when a thread, or anything else named by the request, does not exist."""

    status_code = 404


class Conflict(MockError):
    """Raised when a request clashes with what is stored (a thread id already taken)."""

    status_code = 409


class Unprocessable(MockError):
    """Raised when a handler's own check refuses a value the spec lets through (the real
    server's 422s that its schemas do not express)."""

    status_code = 422


class NotSupported(MockError):
    """Raised when a request asks for what the in-memory server does not do (it says 422)."""

    status_code = 422


class PayloadTooLarge(MockError):
    """Raised when a request body is over the configured size limit."""

    status_code = 413


class UnsupportedMediaType(MockError):
    """Raised when a body comes with a content type other than JSON."""

    status_code = 415


class InvalidValue(MockError):
    """Raised when a value of the right type cannot be used (a cron schedule croniter cannot
    read, a timezone the IANA database lacks)."""

    status_code = 422


class ConfigError(MockError, ValueError):
    """Raised when a file or setting the mock is given is wrong: at start-up (the CLI says
    it in one line and exits 2), or through the admin API (a 422)."""

    status_code = 422


class PlainTextRejection(MockError):
    """Raised where the real server refuses a request with a plain-text body: a store
    namespace label that is empty or holds a period (the real server sends no content type;
    the mock says text/plain, docs/deviations.md #74)."""

    status_code = 422
    plain_text = True


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
