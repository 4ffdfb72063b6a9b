"""Shared pieces of the semantic checks: the failure type, when a check applies, probes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from schemathesis.core.failures import Failure, Severity

from mockserver.contract.api import Api

STATE = "/threads/{thread_id}/state"
T = TypeVar("T")


class SemanticFailure(Failure):
    """A semantic rule the response breaks; one per distinct message."""

    code: ClassVar[str] = "ST901"
    kind_title: ClassVar[str] = "Semantic check failed"

    @property
    def _unique_key(self) -> str:
        return f"{self.title}|{self.message}"


def applies(case: Any, response: Any, method: str, path: str, status: int = 200) -> bool:
    """A positive case of `method path` (the method actually sent) that got `status`."""
    if case.meta is not None and any(c.mode.is_negative for c in case.meta.components.values()):
        return False
    sent = (case.method.upper(), case.operation.path)
    return sent == (method, path) and response.status_code == status


def confirmed(mismatch: Callable[[bool], T | None]) -> T | None:
    """A mismatch that is still there when measured again, or None.

    Background runs (and stateless runs' temporary threads) change a deployment between two
    requests; a rule is broken only if a second, fresh measurement breaks it too.
    `mismatch(again)` measures (afresh when `again`) and describes what differs, if anything.
    """
    return mismatch(True) if mismatch(False) is not None else None


def body_of(case: Any) -> dict[str, Any]:
    return case.body if isinstance(case.body, dict) else {}


def fail(case: Any, title: str, message: str) -> SemanticFailure:
    return SemanticFailure(
        operation=case.operation.label, title=title, message=message, severity=Severity.HIGH
    )


def api(case: Any) -> Api:
    return Api(case.operation.schema)


def state_of(case: Any, thread_id: str) -> dict[str, Any]:
    """GET /threads/{thread_id}/state, asked of the same target."""
    state: dict[str, Any] = api(case).json("GET", STATE, thread_id=thread_id)
    return state
