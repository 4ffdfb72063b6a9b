"""The run's ledger: every case, every check outcome, every failure and the entry listing it.

Schemathesis calls `after_validate` with the outcome of each check on each response; the ledger
counts them (by phase, operation and check) and sorts each failure into *listed* (a deviation
entry matches it) or *new*. `judge()` then raises the new ones only, so a listed deviation never
fails a test and a new failure always does.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from schemathesis.core import NotSet
from schemathesis.core.failures import Failure, FailureGroup

from mockserver.contract.deviations import Deviation, find

SCENARIO_PHASE = "scenario"  # cases the life-cycle scenario builds by hand


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0


@dataclass
class Finding:
    """One distinct failure: where, which check, what it said, and whether it is listed."""

    operation: str
    check: str
    title: str
    message: str
    deviation: Deviation | None
    example: str = ""  # the first request that showed it, and the answer
    count: int = 0
    phases: set[str] = field(default_factory=set)

    @property
    def is_new(self) -> bool:
        return self.deviation is None

    @property
    def summary(self) -> str:
        first = self.message.strip().splitlines()[0] if self.message.strip() else ""
        return f"{self.title}: {first}" if first and first != self.title else self.title


class Ledger:
    def __init__(self, deviations: Iterable[Deviation] = (), *, keep_going: bool = False) -> None:
        self.deviations = list(deviations)
        self.keep_going = keep_going  # record new failures without failing the test
        self.cases: Counter[str] = Counter()  # by phase
        self.cases_by_operation: Counter[str] = Counter()
        self.tallies: defaultdict[tuple[str, str], Tally] = defaultdict(Tally)
        self.findings: dict[tuple[str, ...], Finding] = {}
        self._new: dict[str, list[tuple[str, Failure]]] = {}

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    def on_validate(self, case: Any, response: Any, results: Iterable[Any]) -> None:
        """The `after_validate` hook: record one validated response and its check results."""
        phase = case.meta.phase.name.value if case.meta is not None else SCENARIO_PHASE
        operation = case.operation.label
        self.cases[phase] += 1
        self.cases_by_operation[operation] += 1
        new = self._new.setdefault(case.id, [])
        exchange = ""
        for result in results:
            tally = self.tallies[(operation, result.name)]
            if result.failure is None:
                tally.passed += 1
                continue
            tally.failed += 1
            exchange = exchange or _exchange(case, response)
            finding = self._record(operation, result.name, result.failure, phase, exchange)
            if finding.is_new:
                new.append((result.name, result.failure))

    def _record(
        self, operation: str, check: str, failure: Failure, phase: str, exchange: str
    ) -> Finding:
        """File a failure under its finding: its deviation entry, or its title and first line.
        A deviation's `match` is searched in the failure's text and the request/answer."""
        text = f"{failure.title}\n{failure.message}\n{exchange}"
        deviation = find(self.deviations, operation, check, text)
        first_line = failure.message.strip().splitlines()[0] if failure.message.strip() else ""
        label = f"#{deviation.line}" if deviation else f"{failure.title}|{first_line}"
        finding = self.findings.get((operation, check, label))
        if finding is None:
            example = "\n".join(_short(line) for line in exchange.splitlines())
            finding = Finding(operation, check, failure.title, failure.message, deviation, example)
            self.findings[(operation, check, label)] = finding
        finding.count += 1
        finding.phases.add(phase)
        return finding

    def recorded(self, case: Any) -> bool:
        return case.id in self._new

    def judge(self, case: Any) -> None:
        """Raise the new failures the last validation of `case` found (listed ones pass)."""
        __tracebackhide__ = True
        new = self._new.pop(case.id, [])
        if not new or self.keep_going:
            return
        lines = [f"{len(new)} new failure(s) on {case.operation.label}, not listed as deviations:"]
        for check, failure in new:
            lines.append(
                f"\n- [{check}] {failure.title}\n    " + failure.message.replace("\n", "\n    ")
            )
        lines.append(f"\nReproduce with:\n\n    {case.as_curl_command()}\n")
        raise FailureGroup([failure for _, failure in new], "\n".join(lines)) from None

    def seen(self, deviation: Deviation) -> bool:
        return any(f.deviation is deviation for f in self.findings.values())

    def new_findings(self) -> list[Finding]:
        return [f for f in self.findings.values() if f.is_new]

    def listed_findings(self) -> list[Finding]:
        return [f for f in self.findings.values() if not f.is_new]


_ledger = Ledger()


def current() -> Ledger:
    return _ledger


def reset(deviations: Iterable[Deviation] = (), *, keep_going: bool = False) -> Ledger:
    global _ledger
    _ledger = Ledger(deviations, keep_going=keep_going)
    return _ledger


def validate(case: Any, response: Any = None, **kwargs: Any) -> Any:
    """`case.call_and_validate()` (or validate a response already received), then `judge`:
    every check runs, listed deviations pass, new failures raise."""
    __tracebackhide__ = True
    try:
        if response is None:
            response = case.call_and_validate(**kwargs)
        else:
            case.validate_response(response, **kwargs)
    except FailureGroup:
        if not current().recorded(case):
            raise  # validated without the ledger's hook: nothing can be judged, so fail
    current().judge(case)
    return response


def after_validate(context: Any, case: Any, response: Any, results: Any) -> None:
    """The hook `mockserver.contract.target` registers on the schema."""
    current().on_validate(case, response, results)


def _exchange(case: Any, response: Any) -> str:
    """The request (whole) and the answer (its start), one line each."""
    query = urlencode(case.query or {}, doseq=True)
    request = f"{case.method.upper()} {case.formatted_path}" + (f"?{query}" if query else "")
    if not isinstance(case.body, NotSet):
        request += " " + json.dumps(case.body, default=str, ensure_ascii=False)
    answer = " ".join(response.content[:2000].decode("utf-8", "replace").split())
    return f"{request}\n-> {response.status_code} {answer}"


def _short(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."
