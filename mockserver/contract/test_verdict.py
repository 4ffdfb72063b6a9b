"""The run's verdict on the deviations list, as a test: it runs after every other test.

A listed deviation that did not occur (a stale entry) fails here, so that JUnit shows it too;
and, with --keep-going, so does every new failure the other tests only recorded.
"""

from __future__ import annotations

from typing import Any

from mockserver.contract import ledger, target
from mockserver.contract.verdict import decide


def test_deviations_list_is_true(contract_run_state: dict[str, Any]) -> None:
    failed = [t for t in contract_run_state["failed"] if "test_verdict" not in t]
    verdict = decide(
        ledger.current(),
        failed,
        allow_stale=target.settings().allow_stale,
        complete=not contract_run_state["partial"],
    )
    stale = [f"#{d.line} {d.key}" for d in verdict.stale]
    assert verdict.allow_stale or not stale, (
        "listed deviations that did not occur (stale entries; remove them, or mark them "
        "`occasional` if only random data reaches them): " + "; ".join(stale)
    )
    if ledger.current().keep_going:  # otherwise each new failure already failed its test
        new = [f"{f.operation} [{f.check}] {f.summary}" for f in verdict.new]
        more = f"; and {len(new) - 5} more" if len(new) > 5 else ""
        assert not new, "new failures (not listed as deviations): " + "; ".join(new[:5]) + more
