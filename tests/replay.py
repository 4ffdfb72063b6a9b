"""Replay recorded real-server exchanges against another server and report the differences."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Send = Callable[[str, str, dict[str, str], bytes | None], tuple[int, dict[str, str], Any]]

ID_TOKEN_RE = re.compile(r"\{\{id:(\d+)\}\}")
TOKEN_RE = re.compile(r"\{\{id:(\d+)\}\}|\{\{time\}\}")
ISO_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?"
ACTUAL_ID = (
    r"(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"|[0-9A-Fa-f]{32})"
)
MAX_DIFFS = 5
EXCERPT = 160


@dataclass(frozen=True, kw_only=True)
class Expectation:
    """A known, explained difference for one transcript number."""

    reason: str
    status: int | None = None  # the status the target answers with instead of the recorded one
    compare_body: bool = True
    skip: bool = False  # do not send the request at all

    def __post_init__(self) -> None:
        """Reject expectations that declare no difference or give no reason."""
        if not self.reason.strip():
            raise ValueError("an Expectation needs a reason")
        if self.status is None and self.compare_body and not self.skip:
            raise ValueError("an Expectation must set status, compare_body=False or skip")


@dataclass(frozen=True)
class Mismatch:
    """One difference between the recording and the target, for one transcript."""

    n: int
    name: str
    what: str
    recorded: str = ""
    actual: str = ""

    def __str__(self) -> str:
        """Render the mismatch for a test failure message."""
        head = f"#{self.n} {self.name.strip()}: {self.what}"
        if not (self.recorded or self.actual):
            return head
        return f"{head}\n    recorded: {self.recorded}\n    actual:   {self.actual}"


@dataclass(frozen=True)
class Diff:
    """A raw difference found while comparing one response."""

    kind: str  # "status" or "body" (headers count as body)
    what: str
    recorded: str  # excerpts, rendered when the diff is found
    actual: str


class Unbound(Exception):
    """A request needs a placeholder that no earlier response bound."""


@dataclass
class Bindings:
    """A bijection between placeholder numbers and the actual ids they stand for."""

    values: dict[int, str] = field(default_factory=dict)
    origin: dict[int, int] = field(default_factory=dict)  # placeholder -> transcript that bound it
    owners: dict[str, int] = field(default_factory=dict)

    def bind(self, number: int, value: str, n: int) -> str | None:
        """Bind a placeholder (or check it); return an error text when that breaks the bijection."""
        if number in self.values:
            if self.values[number] == value:
                return None
            bound, at = self.values[number], self.origin[number]
            return f"{{{{id:{number}}}}} was bound to {bound!r} at #{at}"
        if value in self.owners:
            other = self.owners[value]
            return f"{value!r} is already bound to {{{{id:{other}}}}} (at #{self.origin[other]})"
        self.values[number], self.origin[number], self.owners[value] = value, n, number
        return None

    def substitute(self, text: str) -> str:
        """Replace bound id placeholders in a request string."""

        def one(match: re.Match[str]) -> str:
            number = int(match.group(1))
            if number not in self.values:
                raise Unbound(match.group(0))
            return self.values[number]

        return ID_TOKEN_RE.sub(one, text)

    def substitute_json(self, value: Any) -> Any:
        """Replace bound id placeholders everywhere in a JSON request body."""
        if isinstance(value, str):
            return self.substitute(value)
        if isinstance(value, dict):
            return {self.substitute(k): self.substitute_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute_json(item) for item in value]
        return value


def excerpt(value: Any) -> str:
    """Render a value compactly as JSON for a report."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "..."


def kind(value: Any) -> str:
    """Return the JSON type name of a value (bool is not a number here)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


@dataclass
class Walker:
    """Compares a recorded JSON value with an actual one, binding placeholders on the way."""

    bindings: Bindings
    n: int
    diffs: list[Diff] = field(default_factory=list)

    def diff(self, where: str, what: str, recorded: Any, actual: Any) -> None:
        """Record one body difference."""
        self.diffs.append(Diff("body", f"{where}: {what}", excerpt(recorded), excerpt(actual)))

    def compare(self, recorded: Any, actual: Any, where: str = "$") -> None:
        """Walk recorded and actual values in parallel."""
        if isinstance(recorded, str) and isinstance(actual, str):
            self.compare_str(recorded, actual, where)
        elif kind(recorded) != kind(actual):
            self.diff(where, f"{kind(recorded)} != {kind(actual)}", recorded, actual)
        elif isinstance(recorded, dict):
            self.compare_dicts(recorded, actual, where)
        elif isinstance(recorded, list):
            self.compare_lists(recorded, actual, where)
        elif recorded != actual:
            self.diff(where, "values differ", recorded, actual)

    def compare_dicts(self, recorded: dict[str, Any], actual: dict[str, Any], where: str) -> None:
        """Compare key sets, then the values of common keys (key order is ignored)."""
        missing, extra = recorded.keys() - actual.keys(), actual.keys() - recorded.keys()
        if missing or extra:
            what = f"keys differ (missing {sorted(missing)}, extra {sorted(extra)})"
            self.diff(where, what, recorded, actual)
        for key in recorded.keys() & actual.keys():
            self.compare(recorded[key], actual[key], f"{where}.{key}")

    def compare_lists(self, recorded: list[Any], actual: list[Any], where: str) -> None:
        """Compare lists element-wise; a length difference stops the walk."""
        if len(recorded) != len(actual):
            # WHY: walking misaligned elements would bind placeholders to the wrong ids.
            self.diff(where, f"length {len(recorded)} != {len(actual)}", recorded, actual)
            return
        for index, (rec, act) in enumerate(zip(recorded, actual, strict=True)):
            self.compare(rec, act, f"{where}[{index}]")

    def compare_str(self, recorded: str, actual: str, where: str) -> None:
        """Compare strings; placeholders match ids or times and bind on first sight."""
        if "{{" not in recorded:
            if recorded != actual:
                self.diff(where, "strings differ", recorded, actual)
            return
        pattern, numbers = self.pattern(recorded)
        match = re.fullmatch(pattern, actual)
        if match is None:
            self.diff(where, self.explain(recorded, actual), recorded, actual)
            return
        for number, group in numbers.items():
            error = self.bindings.bind(number, match.group(group), self.n)
            if error:
                self.diff(where, error, recorded, actual)

    def pattern(self, recorded: str) -> tuple[str, dict[int, str]]:
        """Build a regex for a recorded string; return it and the groups of unbound ids."""
        parts: list[str] = []
        numbers: dict[int, str] = {}
        last = 0
        for match in TOKEN_RE.finditer(recorded):
            parts.append(re.escape(recorded[last : match.start()]))
            last = match.end()
            if match.group(1) is None:
                parts.append(ISO_TIME)
                continue
            number = int(match.group(1))
            if number in self.bindings.values:
                parts.append(re.escape(self.bindings.values[number]))
            elif number in numbers:
                parts.append(f"(?P={numbers[number]})")
            else:
                numbers[number] = f"id{number}"
                parts.append(f"(?P<id{number}>{ACTUAL_ID})")
        parts.append(re.escape(recorded[last:]))
        return "".join(parts), numbers

    def explain(self, recorded: str, actual: str) -> str:
        """Say why a string with placeholders did not match."""
        whole = ID_TOKEN_RE.fullmatch(recorded)
        if whole and int(whole.group(1)) in self.bindings.values:
            number = int(whole.group(1))
            text = f"{recorded} was bound to {self.bindings.values[number]!r} at "
            text += f"#{self.bindings.origin[number]}"
            owner = self.bindings.owners.get(actual)
            return text + (f"; the actual value is {{{{id:{owner}}}}}" if owner else "")
        if recorded == "{{time}}":
            return "not an ISO-8601 time"
        return "does not match the recorded pattern"


def media_type(headers: dict[str, str]) -> str | None:
    """Return the lowercase media type of a content-type header, if present."""
    value = headers.get("content-type")
    return value.split(";")[0].strip().lower() if value else None


def pagination(headers: dict[str, str]) -> dict[str, str]:
    """Return the x-pagination-* headers."""
    return {k: v for k, v in headers.items() if k.startswith("x-pagination-")}


def header_diffs(recorded: dict[str, str], actual: dict[str, str]) -> list[Diff]:
    """Compare the content-type media type and the pagination headers."""
    rec = {k.lower(): v for k, v in recorded.items()}
    act = {k.lower(): v for k, v in actual.items()}
    diffs = []
    if media_type(rec) and media_type(rec) != media_type(act):
        diffs.append(
            Diff("body", "content-type differs", excerpt(media_type(rec)), excerpt(media_type(act)))
        )
    if pagination(rec) != pagination(act):
        diffs.append(
            Diff(
                "body",
                "x-pagination headers differ",
                excerpt(pagination(rec)),
                excerpt(pagination(act)),
            )
        )
    return diffs


def recorded_body(ex: dict[str, Any]) -> Any:
    """Return the recorded response body as JSON value or text."""
    body = ex["response_body"] or {}
    return body["json"] if "json" in body else body.get("text", "")


def error_diffs(status: int, recorded: Any, actual: Any, walker: Walker) -> None:
    """Compare a 4xx body: only `detail`, and for 422 only that it is a non-empty string."""
    detail = actual.get("detail") if isinstance(actual, dict) else None
    if not isinstance(detail, str) or not detail:
        walker.diff("$.detail", "missing or not a non-empty string", recorded, actual)
    elif status != 422:
        # WHY: 422 texts are the validator's own wording; other details are part of the contract.
        walker.compare(recorded.get("detail"), detail, "$.detail")


def response_diffs(
    ex: dict[str, Any], status: int, headers: dict[str, str], actual: Any, walker: Walker
) -> list[Diff]:
    """Return every difference between a recorded response and an actual one."""
    recorded = recorded_body(ex)
    if status != ex["status"]:
        return [
            Diff(
                "status",
                "status differs",
                f"{ex['status']} {excerpt(recorded)}",
                f"{status} {excerpt(actual)}",
            )
        ]
    if 400 <= status < 500 and isinstance(recorded, dict) and "detail" in recorded:
        error_diffs(status, recorded, actual, walker)
    else:
        walker.compare(recorded, actual)
    return header_diffs(ex["response_headers"], headers) + walker.diffs


def request_bytes(ex: dict[str, Any], bindings: Bindings) -> bytes | None:
    """Render the request body with bound ids."""
    body = ex["request_body"]
    if body is None:
        return None
    if "raw" in body:
        return bindings.substitute(body["raw"]).encode()
    return json.dumps(bindings.substitute_json(body["json"])).encode()


def judge(
    ex: dict[str, Any], expectation: Expectation | None, status: int, diffs: list[Diff]
) -> list[Mismatch]:
    """Turn raw diffs into mismatches, honouring and verifying an expectation."""
    shown = diffs
    stale = None
    if expectation is not None:
        shown = [d for d in diffs if not covered(d, expectation, status)]
        if expectation.status is not None and status != expectation.status:
            stale = f"expected status {expectation.status}, got {status}"
        elif not diffs:
            stale = "the response now matches the recording"
    result = [mismatch(ex, d) for d in shown[:MAX_DIFFS]]
    if len(shown) > MAX_DIFFS:
        result.append(Mismatch(ex["n"], ex["name"], f"... and {len(shown) - MAX_DIFFS} more"))
    if stale and expectation is not None:
        what = f"expectation no longer holds ({expectation.reason}): {stale}"
        result.append(Mismatch(ex["n"], ex["name"], what, str(ex["status"]), str(status)))
    return result


def covered(diff: Diff, expectation: Expectation, status: int) -> bool:
    """Whether an expectation explains a diff."""
    if diff.kind == "status":
        return expectation.status == status
    return not expectation.compare_body


def mismatch(ex: dict[str, Any], diff: Diff) -> Mismatch:
    """Build a readable mismatch from a raw diff."""
    return Mismatch(ex["n"], ex["name"], diff.what, diff.recorded, diff.actual)


def replay_one(
    ex: dict[str, Any], send: Send, expectation: Expectation | None, bindings: Bindings
) -> list[Mismatch]:
    """Send one recorded request and compare its answer."""
    if expectation is not None and expectation.skip:
        return []
    try:
        path, body = bindings.substitute(ex["path"]), request_bytes(ex, bindings)
    except Unbound as unbound:
        what = f"cannot send: {unbound} is unbound (the exchange that binds it differed)"
        return [Mismatch(ex["n"], ex["name"], what)]
    status, headers, actual = send(ex["method"], path, dict(ex["request_headers"]), body)
    walker = Walker(bindings, ex["n"])
    # WHY: bindings made while walking a differing body are kept, so one bad field in a response
    # does not turn every later request that uses its ids into a "cannot send".
    diffs = response_diffs(ex, status, headers, actual, walker)
    return judge(ex, expectation, status, diffs)


def check_data(exchanges: list[dict[str, Any]]) -> None:
    """Raise ValueError when a request uses a placeholder no earlier response introduces."""
    introduced: set[str] = set()
    for ex in exchanges:
        request = json.dumps([ex["path"], ex["request_body"]])
        if "{{time}}" in request:
            raise ValueError(f"#{ex['n']}: a request cannot contain {{{{time}}}}")
        unknown = set(ID_TOKEN_RE.findall(request)) - introduced
        if unknown:
            raise ValueError(f"#{ex['n']}: request uses unintroduced placeholders {unknown}")
        introduced |= set(ID_TOKEN_RE.findall(json.dumps(ex["response_body"])))


def stale_numbers(
    exchanges: list[dict[str, Any]], expectations: dict[int, Expectation]
) -> list[Mismatch]:
    """Report expectations for transcript numbers the data does not hold."""
    known = {ex["n"] for ex in exchanges}
    return [
        Mismatch(n, "?", f"expectation for a transcript not in the data ({e.reason})")
        for n, e in sorted(expectations.items())
        if n not in known
    ]


def replay(
    exchanges: list[dict[str, Any]], send: Send, expectations: dict[int, Expectation]
) -> list[Mismatch]:
    """Replay exchanges in order through send; return every unexplained difference."""
    check_data(exchanges)
    bindings = Bindings()
    mismatches = stale_numbers(exchanges, expectations)
    for ex in exchanges:
        mismatches += replay_one(ex, send, expectations.get(ex["n"]), bindings)
    return mismatches
