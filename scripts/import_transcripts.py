"""Import the real-server transcripts as replay data with normalised ids and timestamps."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "transcripts.json"

# Either a canonical-layout UUID (any case) or a bare 32-hex id (dashless UUID, interrupt id).
ID_RE = re.compile(
    r"(?<![0-9A-Fa-f-])"
    r"(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"|[0-9A-Fa-f]{32})"
    r"(?![0-9A-Fa-f-])"
)
TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")
PLACEHOLDER_RE = re.compile(r"\{\{id:\d+\}\}")
THREAD_IN_PATH_RE = re.compile(r"^/threads/([^/?]+)")
KEPT_FIELDS = (
    "n",
    "section",
    "name",
    "method",
    "path",
    "request_headers",
    "request_body",
    "status",
    "response_headers",
    "response_body",
)


def canonical(raw_id: str) -> str:
    """Return the spelling-independent key of an id (lowercase hex, no dashes)."""
    return raw_id.replace("-", "").lower()


def strings_in(value: Any) -> list[str]:
    """Return every string (dict keys included) inside a JSON value, in document order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings_in(v)]]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def request_strings(ex: dict[str, Any]) -> list[str]:
    """Return the strings a client sent in one exchange: path and body."""
    return [ex["path"], *strings_in(ex["request_body"])]


def response_strings(ex: dict[str, Any]) -> list[str]:
    """Return the strings the server answered with in one exchange."""
    return strings_in(ex["response_body"])


def thread_of(ex: dict[str, Any]) -> str | None:
    """Return the canonical thread id addressed by an exchange's path, if any."""
    match = THREAD_IN_PATH_RE.match(ex["path"])
    return canonical(match.group(1)) if match else None


def created_thread(ex: dict[str, Any]) -> str | None:
    """Return the canonical id of the thread a successful POST /threads created, if any."""
    body = (ex["response_body"] or {}).get("json")
    if ex["method"] == "POST" and ex["path"] == "/threads" and isinstance(body, dict):
        tid = body.get("thread_id")
        return canonical(tid) if isinstance(tid, str) else None
    return None


def run_exclusions(exchanges: list[dict[str, Any]]) -> dict[int, str]:
    """Map each transcript number that needs graph runs to the reason it is excluded."""
    runs = [ex for ex in exchanges if "/runs" in ex["path"]]
    touched = {thread_of(ex) for ex in runs}
    run_sections = {ex["section"] for ex in runs}
    reasons: dict[int, str] = {}
    for ex in exchanges:
        if "/runs" in ex["path"]:
            reasons[ex["n"]] = "run request"
        elif thread_of(ex) in touched or created_thread(ex) in touched:
            reasons[ex["n"]] = "on a thread a run touched"
        elif ex["section"] in run_sections:
            # e.g. a search whose answer is made of run-produced thread states.
            reasons[ex["n"]] = f"in run section {ex['section']!r}, reflects run state"
    return reasons


def server_ids(exchanges: list[dict[str, Any]]) -> set[str]:
    """Return canonical ids whose first appearance in the full recording is a response."""
    seen: set[str] = set()
    generated: set[str] = set()
    for ex in exchanges:
        for origin, strings in (("req", request_strings(ex)), ("resp", response_strings(ex))):
            for found in (m for s in strings for m in ID_RE.findall(s)):
                key = canonical(found)
                if key not in seen:
                    seen.add(key)
                    if origin == "resp":
                        generated.add(key)
    return generated


class Normaliser:
    """Rewrite server-generated ids to numbered placeholders and timestamps to {{time}}."""

    def __init__(self, generated: set[str]) -> None:
        self.generated = generated
        self.numbers: dict[str, int] = {}

    def _id(self, match: re.Match[str]) -> str:
        key = canonical(match.group(0))
        if key not in self.generated:
            return match.group(0)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
        return f"{{{{id:{self.numbers[key]}}}}}"

    def text(self, value: str, times: bool) -> str:
        """Normalise one string; whole-string timestamps only where times is set."""
        if times and TIME_RE.fullmatch(value):
            return "{{time}}"
        return ID_RE.sub(self._id, value)

    def value(self, value: Any, times: bool) -> Any:
        """Normalise a JSON value recursively."""
        if isinstance(value, str):
            return self.text(value, times)
        if isinstance(value, dict):
            return {self.text(k, False): self.value(v, times) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item, times) for item in value]
        return value

    def exchange(self, ex: dict[str, Any]) -> dict[str, Any]:
        """Normalise one exchange, request before response so numbering follows the replay."""
        out = {field: ex[field] for field in KEPT_FIELDS}
        out["path"] = self.text(ex["path"], False)
        # Timestamps are only rewritten in responses: a client-sent time must be replayed as is.
        out["request_body"] = self.value(ex["request_body"], False)
        out["response_headers"] = {
            k: v
            for k, v in ex["response_headers"].items()
            if k.lower() == "content-type" or k.lower().startswith("x-pagination-")
        }
        out["response_body"] = self.value(ex["response_body"], True)
        return out


def check_keys(exchanges: list[dict[str, Any]]) -> None:
    """Fail if an id is used as a dict key in a kept response (the harness cannot bind keys)."""
    for ex in exchanges:
        keys = [k for k in _keys(ex["response_body"]) if ID_RE.search(k)]
        if keys:
            raise SystemExit(f"#{ex['n']}: id used as a dict key: {keys}")


def _keys(value: Any) -> list[str]:
    """Return every dict key inside a JSON value."""
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in [k, *_keys(v)]]
    if isinstance(value, list):
        return [k for item in value for k in _keys(item)]
    return []


def unbound_uses(exchanges: list[dict[str, Any]]) -> list[str]:
    """List requests that use a placeholder no earlier kept response introduced."""
    bound: set[str] = set()
    problems = []
    for ex in exchanges:
        used = set(PLACEHOLDER_RE.findall(json.dumps([ex["path"], ex["request_body"]])))
        problems += [f"#{ex['n']} uses {p} before any response shows it" for p in used - bound]
        bound |= set(PLACEHOLDER_RE.findall(json.dumps(ex["response_body"])))
    return problems


def convert(exchanges: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Return the normalised kept exchanges and the excluded numbers with reasons."""
    excluded = run_exclusions(exchanges)
    kept = [ex for ex in exchanges if ex["n"] not in excluded]
    check_keys(kept)
    # Server-generated-ness is decided on the full recording, numbering on the kept part.
    normaliser = Normaliser(server_ids(exchanges))
    return [normaliser.exchange(ex) for ex in kept], excluded


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path, help="the shared transcripts.json")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    kept, excluded = convert(json.loads(args.source.read_text()))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n")
    placeholders = set(PLACEHOLDER_RE.findall(json.dumps(kept)))
    print(f"kept {len(kept)} exchanges, {len(placeholders)} id placeholders -> {args.output}")
    for n, reason in excluded.items():
        print(f"excluded #{n}: {reason}", file=sys.stderr)
    problems = unbound_uses(kept)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
