"""What an operation's `security` asks of a request, in words, and a request lacking it."""

from __future__ import annotations

from mockserver.errors import ValidationFailed
from mockserver.spec import Operation


def wanted(operation: Operation) -> str:
    """An operation's security alternatives in words: `header x-api-key or authorization bearer`."""
    return " or ".join(
        " and ".join(f"{where} {name}" for where, name in needed) for needed in operation.security
    )


def lacks_authorization(exc: ValidationFailed) -> bool:
    """Whether a rejected request lacks a required `Authorization` header parameter: missing
    credentials, answered as a request without those its `security` asks for is (401 where
    declared), not as a malformed one."""
    return any(
        v.location.lower() == "header.authorization" and "missing" in v.message
        for v in exc.violations
    )
