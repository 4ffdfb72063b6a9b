"""The thread life cycle, step by step: create → update state → get state → history → state at
checkpoint → fork → copy → search and count → delete.

Generated data reaches some semantic rules only by luck (a fork needs an existing checkpoint id);
this scenario reaches every one of them on every run. Each response goes through every check,
built-in and semantic, exactly like a generated case, and the ledger judges it.
"""

from __future__ import annotations

import uuid
from typing import Any

from mockserver.contract import ledger, target
from mockserver.contract.api import Api
from mockserver.contract.checks import NAMES as SEMANTIC_CHECKS

THREAD = "/threads/{thread_id}"
STATE = "/threads/{thread_id}/state"
HISTORY = "/threads/{thread_id}/history"


class Scenario:
    def __init__(self) -> None:
        self.api = Api(target.schema())

    def step(
        self, method: str, path: str, body: Any = None, *, expect: int | None = 200, **params: Any
    ) -> Any:
        """Send one request, validate it like a generated case, return its JSON body.
        `expect`: the status the scenario needs to go on (None: whatever the checks accept)."""
        case = self.api.case(method, path, **({} if body is None else {"body": body}), **params)
        response = self.api.call(case)
        ledger.validate(case, response, headers=self.api.headers)
        assert expect is None or response.status_code == expect, (
            f"{method} {path} answered {response.status_code}, the scenario needs {expect}: "
            f"{response.text[:300]}"
        )
        return response.json() if response.status_code == 200 and response.content else None

    def thread(self, marker: str) -> str:
        body = {"metadata": {"graph_id": "agent", "contract_scenario": marker}}
        return str(self.step("POST", "/threads", body)["thread_id"])

    def update(self, thread_id: str, body: dict[str, Any]) -> str:
        return str(self.step("POST", STATE, body, thread_id=thread_id)["checkpoint_id"])


def test_thread_life_cycle() -> None:
    before = _exercised()
    run, marker = Scenario(), uuid.uuid4().hex
    thread = run.thread(marker)
    first = run.update(thread, {"values": {"topic": "one"}})
    second = run.update(thread, {"values": {"topic": "two"}, "as_node": "agent"})
    run.step("GET", STATE, thread_id=thread)
    run.step("GET", HISTORY, thread_id=thread, limit=10)
    run.step("POST", HISTORY, {"limit": 10}, thread_id=thread)
    _history_before(run, thread, second)
    run.step("GET", STATE + "/{checkpoint_id}", thread_id=thread, checkpoint_id=first)
    run.step(
        "POST", STATE + "/checkpoint", {"checkpoint": {"checkpoint_id": first}}, thread_id=thread
    )
    run.update(thread, {"values": {"topic": "fork"}, "checkpoint": {"checkpoint_id": first}})
    run.step("GET", THREAD, thread_id=thread)
    run.step("PATCH", THREAD, {"metadata": {"step": "patched"}}, thread_id=thread)
    copy = run.step("POST", THREAD + "/copy", thread_id=thread)["thread_id"]
    run.step("GET", THREAD, thread_id=copy)
    run.step("GET", HISTORY, thread_id=copy, limit=10)
    run.thread(marker)  # never written: values null
    _search_and_count(run, {"contract_scenario": marker})
    run.step("DELETE", THREAD, thread_id=thread, expect=204)
    run.step("DELETE", THREAD, thread_id=copy, expect=204)
    missed = [name for name in SEMANTIC_CHECKS if _exercised()[name] == before[name]]
    assert not missed, f"the scenario did not exercise these semantic checks: {missed}"


def _history_before(run: Scenario, thread: str, checkpoint: str) -> None:
    """History older than a checkpoint, in each shape the spec documents for `before`."""
    run.step("GET", HISTORY, thread_id=thread, before=checkpoint, limit=10)
    for before in (
        checkpoint,
        {"checkpoint_id": checkpoint},
        {"configurable": {"checkpoint_id": checkpoint}},
    ):
        run.step("POST", HISTORY, {"before": before, "limit": 10}, thread_id=thread, expect=None)


def _search_and_count(run: Scenario, metadata: dict[str, str]) -> None:
    """Three matching threads, one page of one: X-Pagination-Total and count must say 3."""
    run.step("POST", "/threads/search", {"metadata": metadata, "limit": 1})
    run.step("POST", "/threads/count", {"metadata": metadata})
    with_values = {"metadata": metadata, "values": {"topic": "fork"}}
    run.step("POST", "/threads/search", with_values, expect=None)
    run.step("POST", "/threads/count", with_values, expect=None)


def _exercised() -> dict[str, int]:
    """How often each semantic check has run (passed or failed) so far."""
    counts = dict.fromkeys(SEMANTIC_CHECKS, 0)
    for (_, check), tally in ledger.current().tallies.items():
        if check in counts:
            counts[check] += tally.passed + tally.failed
    return counts
