"""Documented deviations: which differences docs/deviations.md already explains.

`fuzz/deviations.yaml` lists entries; each matches differences by operation and path pattern
(shell-style globs over the generalised path, e.g. `body.values*`), optionally by the pair of
statuses (in either order), by tags the client model put on the request (`forked`,
`copied`, ...) and by a regular expression searched in the request. Each entry cites its row
of docs/deviations.md (`doc: 7`); a row that does not exist is an error.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fuzz.compare import Difference

DOC_ROW_RE = re.compile(r"^\| (\d+) ", re.MULTILINE)


class DeviationsError(Exception):
    """Raised when the deviations file is malformed or cites a row that does not exist."""


@dataclass(frozen=True)
class Deviation:
    """One documented difference."""

    doc: int
    operation: str
    path: str
    reason: str
    statuses: tuple[int, int] | None = None
    tags: frozenset[str] = frozenset()
    request: str | None = None

    @property
    def name(self) -> str:
        return f"#{self.doc} {self.operation} {self.path}"

    def matches(
        self,
        op: str,
        statuses: tuple[int, int],
        tags: frozenset[str],
        request: dict[str, Any],
        difference: Difference,
    ) -> bool:
        """Whether this entry explains ``difference`` of a step."""
        if not fnmatch.fnmatchcase(op, self.operation):
            return False
        if not fnmatch.fnmatchcase(difference.pattern, _glob(self.path)):
            return False
        if self.statuses is not None and sorted(self.statuses) != sorted(statuses):
            return False
        if not self.tags <= tags:
            return False
        return self.request is None or re.search(self.request, json.dumps(request)) is not None


def _glob(path: str) -> str:
    """An entry's path pattern for fnmatch: `[*]` stands for a generalised list index (the
    literal characters), not for a character class."""
    return path.replace("[*]", "[[]*[]]")


def load_deviations(path: Path, doc: Path | None = None) -> list[Deviation]:
    """Read a deviations file; with ``doc``, check each entry cites one of its rows."""
    data = yaml.safe_load(path.read_text()) or {}
    rows = set(map(int, DOC_ROW_RE.findall(doc.read_text()))) if doc else None
    entries = data.get("deviations", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise DeviationsError(f"{path}: expected a `deviations:` list")
    return [_entry(path, item, rows) for item in entries]


def _entry(path: Path, item: Any, rows: set[int] | None) -> Deviation:
    if not isinstance(item, dict) or not {"doc", "operation", "path", "reason"} <= item.keys():
        raise DeviationsError(f"{path}: each entry needs doc, operation, path, reason: {item}")
    if rows is not None and item["doc"] not in rows:
        raise DeviationsError(f"{path}: docs/deviations.md has no row #{item['doc']}")
    statuses = item.get("statuses")
    return Deviation(
        doc=int(item["doc"]),
        operation=str(item["operation"]),
        path=str(item["path"]),
        reason=str(item["reason"]).strip(),
        statuses=(int(statuses[0]), int(statuses[1])) if statuses else None,
        tags=frozenset(item.get("tags", [])),
        request=item.get("request"),
    )
