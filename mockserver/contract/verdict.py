"""The verdict of a run: new failures, listed ones, stale entries, and whether the run passes.

- A *new* failure (no deviation entry matches it) fails the run.
- A *listed* failure is expected: it is reported, and passes.
- A *stale* entry (listed, but no failure matched it) fails the run too, unless it is marked
  `occasional` (only random data reaches it; it is then reported as not seen) or the run says
  `--allow-stale`: a list that claims a deviation the target no longer has is untrue, and a
  list that is allowed to rot stops meaning anything (the same rule as `xfail_strict`, and as
  `tests/test_differential.py` for docs/deviations.md). Staleness is judged only when every
  test ran to the end: when a test failed or errored, generation stopped early and an entry
  not seen is only *unverified*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mockserver.contract.deviations import Deviation
from mockserver.contract.ledger import Finding, Ledger


@dataclass
class Verdict:
    new: list[Finding]
    listed: list[Finding]
    stale: list[Deviation]
    unverified: list[Deviation]  # not seen, but the run stopped early or the entry is occasional
    failed_tests: list[str] = field(default_factory=list)
    allow_stale: bool = False

    @property
    def passed(self) -> bool:
        return not self.new and not self.failed_tests and (self.allow_stale or not self.stale)

    def headline(self) -> str:
        word = "PASS" if self.passed else "FAIL"
        parts = [
            f"{len(self.new)} new failure(s)",
            f"{len({f.deviation for f in self.listed})} listed deviation(s) seen",
            f"{len(self.stale)} stale entr{'y' if len(self.stale) == 1 else 'ies'}"
            + (" (allowed)" if self.stale and self.allow_stale else ""),
        ]
        if self.unverified:
            parts.append(f"{len(self.unverified)} not seen (occasional or not reached)")
        if self.failed_tests:
            parts.append(f"{len(self.failed_tests)} failed test(s)")
        return f"{word}: " + ", ".join(parts)


def decide(
    ledger: Ledger, failed_tests: list[str], *, allow_stale: bool = False, complete: bool = True
) -> Verdict:
    """`complete`: every test of the suite ran (none deselected); staleness is judged only then,
    and only when no test failed."""
    unseen = [d for d in ledger.deviations if not ledger.seen(d)]
    complete = complete and not failed_tests
    stale = [d for d in unseen if complete and not d.occasional]
    return Verdict(
        new=ledger.new_findings(),
        listed=ledger.listed_findings(),
        stale=stale,
        unverified=[d for d in unseen if d not in stale],
        failed_tests=failed_tests,
        allow_stale=allow_stale,
    )
