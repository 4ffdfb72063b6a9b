"""Known deviations: the failures a target is expected to have, each with its reason.

A deviations file (`mockserver/contract/deviations/<target>.yaml`) lists entries of

    - operation: POST /threads/{thread_id}/copy     # the operation whose response fails
      check: status_code_conformance                 # the check that fails on it
      match: "Received: 409"          # optional: a regex searched in the failure's text and
                                      # the request and answer that showed it
      occasional: true                # optional: only random data reaches it (see below)
      reason: An unknown thread gives 409, not 404 (docs/deviations.md #7, transcript #211).

A failure is *listed* when an entry matches it, *new* otherwise; an entry no failure matched in
a run is *stale*, unless it is `occasional` (reached only when generated data happens to hit
it): then it is only reported as not seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

_KEYS = {"operation", "check", "match", "reason", "occasional"}


class DeviationsError(ValueError):
    """The deviations file is malformed or names an unknown operation or check."""


@dataclass(frozen=True)
class Deviation:
    operation: str
    check: str
    reason: str
    match: str | None = None
    occasional: bool = False
    line: int = 0  # 1-based position in the file's list, to name the entry in reports

    def matches(self, operation: str, check: str, text: str) -> bool:
        if (operation, check) != (self.operation, self.check):
            return False
        return self.match is None or re.search(self.match, text) is not None

    @property
    def key(self) -> str:
        suffix = f" /{self.match}/" if self.match else ""
        return f"{self.operation} · {self.check}{suffix}"


def load(
    path: Path | None, *, operations: Iterable[str] = (), checks: Iterable[str] = ()
) -> list[Deviation]:
    """Read a deviations file (None: no deviations); unknown operations or checks are errors
    when `operations` / `checks` name the known ones."""
    if path is None:
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DeviationsError(f"cannot read {path}: {exc}") from None
    entries = data.get("deviations") if isinstance(data, dict) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise DeviationsError(f"{path}: `deviations` must be a list")
    deviations = [_entry(path, number, entry) for number, entry in enumerate(entries, 1)]
    _validate(path, deviations, set(operations), set(checks))
    return deviations


def _entry(path: Path, number: int, entry: object) -> Deviation:
    where = f"{path}: entry {number}"
    if not isinstance(entry, dict) or not {"operation", "check", "reason"} <= entry.keys():
        raise DeviationsError(f"{where} needs `operation`, `check` and `reason`")
    if unknown := set(entry) - _KEYS:
        raise DeviationsError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    if not str(entry["reason"]).strip():
        raise DeviationsError(f"{where} has an empty `reason`")
    match = entry.get("match")
    if match is not None:
        try:
            re.compile(str(match))
        except re.error as exc:
            raise DeviationsError(f"{where}: `match` is not a valid regex: {exc}") from None
    if not isinstance(entry.get("occasional", False), bool):
        raise DeviationsError(f"{where}: `occasional` must be true or false")
    return Deviation(
        str(entry["operation"]),
        str(entry["check"]),
        str(entry["reason"]).strip(),
        None if match is None else str(match),
        bool(entry.get("occasional")),
        number,
    )


def _validate(
    path: Path, deviations: Sequence[Deviation], operations: set[str], checks: set[str]
) -> None:
    for deviation in deviations:
        if operations and deviation.operation not in operations:
            raise DeviationsError(
                f"{path}: entry {deviation.line} names an operation the spec does not have: "
                f"{deviation.operation!r}"
            )
        if checks and deviation.check not in checks:
            raise DeviationsError(
                f"{path}: entry {deviation.line} names an unknown check: {deviation.check!r}"
            )
    keys = [d.key for d in deviations]
    if duplicates := sorted({k for k in keys if keys.count(k) > 1}):
        raise DeviationsError(f"{path}: duplicate entries: {'; '.join(duplicates)}")


def find(
    deviations: Iterable[Deviation], operation: str, check: str, text: str
) -> Deviation | None:
    """The first entry that lists this failure, or None (a new failure)."""
    return next((d for d in deviations if d.matches(operation, check, text)), None)
