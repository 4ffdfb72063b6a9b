"""Self-tests of the replay harness against fake servers built from the recording itself."""

from __future__ import annotations

import importlib.util
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from replay import ID_TOKEN_RE, Expectation, Mismatch, replay

ROOT = Path(__file__).resolve().parent.parent
DATA = json.loads((ROOT / "tests" / "data" / "transcripts.json").read_text())
BY_N = {ex["n"]: ex for ex in DATA}

Tamper = Callable[[int, dict[str, str], Any], tuple[int, dict[str, str], Any]]


class FakeServer:
    """Answers from the recording, with fresh ids and times consistently remapped."""

    def __init__(
        self,
        exchanges: list[dict[str, Any]],
        tamper: dict[int, Tamper] | None = None,
        alias: dict[int, int] | None = None,
    ) -> None:
        self.queue = list(exchanges)
        self.tamper = tamper or {}
        self.ids: dict[int, str] = {}
        self.alias = alias or {}  # placeholder -> placeholder whose fresh id it reuses (a bug)
        self.clock = datetime(2031, 1, 1, tzinfo=UTC)
        self.skipped: list[int] = []

    def fresh_id(self, number: int) -> str:
        """Return the fresh id standing for a placeholder."""
        number = self.alias.get(number, number)
        return self.ids.setdefault(number, str(uuid.uuid4()))

    def fresh_time(self) -> str:
        """Return a new, later ISO-8601 time."""
        self.clock += timedelta(microseconds=1234)
        return self.clock.isoformat()

    def render(self, value: Any, ids: dict[int, str] | None = None) -> Any:
        """Replace placeholders in a recorded value with this server's fresh values."""
        if isinstance(value, str):
            value = re.sub(r"\{\{time\}\}", lambda _: self.fresh_time(), value)
            return ID_TOKEN_RE.sub(
                lambda m: (ids or {}).get(int(m[1])) or self.fresh_id(int(m[1])), value
            )
        if isinstance(value, dict):
            return {self.render(k, ids): self.render(v, ids) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render(item, ids) for item in value]
        return value

    def sent(self, ex: dict[str, Any], method: str, path: str, body: bytes | None) -> bool:
        """Whether the harness sent this recorded request, with the right ids substituted."""
        if (method, path) != (ex["method"], self.render(ex["path"])):
            return False
        recorded = ex["request_body"]
        if recorded is None or body is None:
            return recorded is body
        if "raw" in recorded:
            return body == self.render(recorded["raw"]).encode()
        return bool(json.loads(body) == self.render(recorded["json"]))

    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str], Any]:
        """Answer the first queued exchange the request matches (the harness may skip some)."""
        while not self.sent(ex := self.queue.pop(0), method, path, body):
            self.skipped.append(ex["n"])
        recorded = ex["response_body"] or {}
        answer = self.render(recorded["json"] if "json" in recorded else recorded.get("text", ""))
        reply = (ex["status"], dict(ex["response_headers"]), answer)
        return self.tamper[ex["n"]](*reply) if ex["n"] in self.tamper else reply


def run(fake: FakeServer | None = None, **expectations: Expectation) -> list[Mismatch]:
    """Replay the whole data set through a fake (by default an honest one)."""
    table = {int(key.lstrip("n")): value for key, value in expectations.items()}
    return replay(DATA, fake or FakeServer(DATA), table)


def numbers(mismatches: list[Mismatch]) -> set[int]:
    """Return the transcript numbers that have mismatches."""
    return {m.n for m in mismatches}


def test_data_excludes_run_exchanges_and_keeps_only_wanted_headers() -> None:
    assert len(DATA) == 192
    assert not set(BY_N) & set(range(154, 180))
    assert all("/runs" not in ex["path"] for ex in DATA)
    for ex in DATA:
        assert {k for k in ex["response_headers"] if not k.startswith("x-pagination-")} <= {
            "content-type"
        }


def test_honest_fake_replays_without_mismatches() -> None:
    fake = FakeServer(DATA)
    assert run(fake) == []
    assert fake.skipped == [] and fake.queue == []


def test_swapped_checkpoint_ids_are_detected() -> None:
    history = BY_N[85]["response_body"]["json"]
    first, second = (int(ID_TOKEN_RE.fullmatch(s["checkpoint_id"])[1]) for s in history[:2])
    fake = FakeServer(DATA)

    def swap(status: int, headers: dict[str, str], _body: Any) -> tuple[int, dict[str, str], Any]:
        ids = {first: fake.fresh_id(second), second: fake.fresh_id(first)}
        return status, headers, fake.render(BY_N[85]["response_body"]["json"], ids)

    fake.tamper[85] = swap
    found = run(fake)
    assert 85 in numbers(found)
    assert any("was bound to" in m.what for m in found if m.n == 85)


def test_changed_status_is_detected() -> None:
    fake = FakeServer(DATA, tamper={56: lambda s, h, b: (201, h, b)})
    found = run(fake)
    assert [(m.n, m.what) for m in found] == [(56, "status differs")]


def test_reordered_list_is_detected() -> None:
    fake = FakeServer(DATA, tamper={111: lambda s, h, b: (s, h, b[::-1])})
    assert numbers(run(fake)) == {111}


def test_reused_id_breaks_the_bijection() -> None:
    # Thread #3 and the supersteps thread of #22 are distinct; a server giving both one id is wrong.
    first = int(ID_TOKEN_RE.fullmatch(BY_N[3]["response_body"]["json"]["thread_id"])[1])
    second = int(ID_TOKEN_RE.fullmatch(BY_N[22]["response_body"]["json"]["thread_id"])[1])
    found = run(FakeServer(DATA, alias={second: first}))
    assert any(m.n == 22 and "already bound" in m.what for m in found)


def test_time_placeholder_needs_an_iso_time() -> None:
    fake = FakeServer(DATA, tamper={3: lambda s, h, b: (s, h, {**b, "created_at": "yesterday"})})
    found = run(fake)
    assert [(m.n, m.what) for m in found] == [(3, "$.created_at: not an ISO-8601 time")]


def test_id_inside_a_string_must_match_the_bound_id() -> None:
    fake = FakeServer(
        DATA,
        tamper={46: lambda s, h, b: (s, h, {"detail": f"Thread with ID {uuid.uuid4()} not found"})},
    )
    assert numbers(run(fake)) == {46}


def test_422_detail_is_lenient_but_must_be_a_non_empty_string() -> None:
    reworded = FakeServer(DATA, tamper={11: lambda s, h, b: (s, h, {"detail": "bad if_exists"})})
    assert run(reworded) == []
    empty = FakeServer(DATA, tamper={11: lambda s, h, b: (s, h, {"detail": ""})})
    assert numbers(run(empty)) == {11}


def test_other_4xx_detail_must_match_exactly() -> None:
    fake = FakeServer(DATA, tamper={33: lambda s, h, b: (s, h, {"detail": "Not Found"})})
    assert numbers(run(fake)) == {33}


def test_pagination_headers_are_compared() -> None:
    def drop(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
        return status, {"content-type": "application/json"}, body

    assert numbers(run(FakeServer(DATA, tamper={183: drop}))) == {183}


def test_expectation_that_holds_silences_the_difference() -> None:
    fake = FakeServer(DATA, tamper={121: lambda s, h, b: (200, h, [])})
    known = Expectation(status=200, compare_body=False, reason="mock accepts before.checkpoint_id")
    assert run(fake, n121=known) == []


def test_expectation_that_no_longer_holds_is_reported() -> None:
    status = Expectation(status=200, compare_body=False, reason="mock answers 200")
    body = Expectation(compare_body=False, reason="body differs")
    found = run(n121=status, n57=body)
    assert numbers(found) == {57, 121}
    assert all("expectation no longer holds" in m.what for m in found)


def test_expectation_for_unknown_transcript_is_reported() -> None:
    found = run(n160=Expectation(skip=True, reason="needs a run"))
    assert [m.n for m in found] == [160]


def test_skipping_a_binding_exchange_reports_the_requests_that_need_it() -> None:
    found = run(n43=Expectation(skip=True, reason="test"))
    assert numbers(found) == {44, 45, 46}
    assert all("cannot send" in m.what for m in found)


def test_unintroduced_placeholder_in_a_request_is_a_data_error() -> None:
    broken = [{**BY_N[44], "n": 1}]
    with pytest.raises(ValueError, match="unintroduced"):
        replay(broken, FakeServer(broken), {})


def test_expectation_must_declare_a_difference() -> None:
    with pytest.raises(ValueError):
        Expectation(reason="nothing declared")


def load_importer() -> Any:
    """Import scripts/import_transcripts.py, which is not a package module."""
    spec = importlib.util.spec_from_file_location(
        "import_transcripts", ROOT / "scripts" / "import_transcripts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exchange(
    n: int, method: str, path: str, request: Any, status: int, response: Any, section: str = "s"
) -> dict[str, Any]:
    """Build a minimal raw transcript entry."""
    return {
        "n": n,
        "section": section,
        "name": f"x{n}",
        "method": method,
        "path": path,
        "request_headers": {},
        "request_body": None if request is None else {"json": request},
        "status": status,
        "response_headers": {"content-type": "application/json", "content-length": "9"},
        "response_body": {"json": response},
        "ms": 1.0,
    }


def test_importer_normalises_server_ids_and_times_only() -> None:
    server, client, other = (str(uuid.uuid4()) for _ in range(3))
    raw = [
        exchange(
            1,
            "POST",
            "/threads",
            {},
            200,
            {"thread_id": server, "created_at": "2026-01-01T00:00:00.5+00:00"},
        ),
        exchange(
            2,
            "POST",
            "/threads",
            {"thread_id": client.replace("-", "").upper()},
            200,
            {"thread_id": client},
        ),
        exchange(
            3,
            "GET",
            f"/threads/{server}/x?before={server}",
            None,
            404,
            {"detail": f"Thread with ID {server} not found"},
        ),
        exchange(4, "POST", f"/threads/{other}/runs/wait", {}, 200, {}, section="runs"),
    ]
    kept, excluded = load_importer().convert(raw)
    assert excluded == {4: "run request"}
    assert kept[0]["response_body"]["json"] == {"thread_id": "{{id:1}}", "created_at": "{{time}}"}
    assert kept[0]["response_headers"] == {"content-type": "application/json"}
    assert kept[1]["response_body"]["json"] == {"thread_id": client}
    assert kept[2]["path"] == "/threads/{{id:1}}/x?before={{id:1}}"
    assert kept[2]["response_body"]["json"]["detail"] == "Thread with ID {{id:1}} not found"
    assert "ms" not in kept[0]
