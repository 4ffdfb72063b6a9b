"""The differential fuzzer (fuzz/): normaliser, grouping, and mock-vs-mock runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fuzz.compare import Difference, differences, signature
from fuzz.deviations import Deviation, load_deviations
from fuzz.normalise import A, B, Pairing
from fuzz.report import Summary, to_json, to_markdown
from fuzz.runner import Runner
from fuzz.target import MockTarget
from mockserver.app import create_app
from mockserver.handlers import HANDLERS, Call, Reply

ROOT = Path(__file__).resolve().parent.parent
T1 = "0191e5a4-0000-7000-8000-000000000001"
T2 = "0191e5a4-0000-7000-8000-000000000002"
R1 = "0191e5a4-0000-7000-8000-0000000000a1"
R2 = "0191e5a4-0000-7000-8000-0000000000b2"
SHARED = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"


# --- normaliser ----------------------------------------------------------------------------


def test_ids_at_the_same_place_pair_and_render_back() -> None:
    pairing = Pairing()
    a, b = pairing.normalise_pair({"thread_id": T1}, {"thread_id": T2})
    assert a == b == {"thread_id": "{{id:1}}"}
    assert pairing.render(A, "/threads/{{id:1}}/state") == f"/threads/{T1}/state"
    assert pairing.render(B, {"ids": ["{{id:1}}"]}) == {"ids": [T2]}


def test_a_known_id_keeps_its_token_inside_text_and_headers() -> None:
    pairing = Pairing()
    pairing.normalise_pair({"run_id": R1}, {"run_id": R2})
    a, b = pairing.normalise_pair(
        {"location": f"/runs/{R1}/join", "detail": f"Run {R1.upper()}"},
        {"location": f"/runs/{R2}/join", "detail": f"Run {R2.upper()}"},
    )
    assert a == b == {"detail": "Run {{id:1}}", "location": "/runs/{{id:1}}/join"}


def test_an_id_only_one_side_shows_gets_its_own_token() -> None:
    pairing = Pairing()
    a, b = pairing.normalise_pair({"run_id": R1}, {"run_id": None})
    assert a == {"run_id": "{{id:1}}"} and b == {"run_id": None}
    assert pairing.render(B, "{{id:1}}") not in (R1, R2)  # an id B never saw


def test_the_same_id_on_both_sides_pairs_with_itself_wherever_it_is() -> None:
    pairing = Pairing()
    a, b = pairing.normalise_pair([SHARED, T1], [T2, SHARED])
    assert a[0] == b[1]
    assert a[1] != b[0] or a[1] == "{{id:2}}"


def test_times_clock_readings_and_the_own_url_are_normalised() -> None:
    pairing = Pairing(urls=("http://127.0.0.1:1111", "http://127.0.0.1:2222"))
    a, b = pairing.normalise_pair(
        {
            "at": "2026-11-29T11:38:51.625549+00:00",
            "__request_start_time_ms__": 17959,
            "langgraph_api_url": "http://127.0.0.1:1111",
        },
        {
            "at": "2026-11-29T11:40:00+00:00",
            "__request_start_time_ms__": 18000,
            "langgraph_api_url": "http://127.0.0.1:2222",
        },
    )
    assert (
        a
        == b
        == {
            "__request_start_time_ms__": "{{ms}}",
            "at": "{{time}}",
            "langgraph_api_url": "{{self}}",
        }
    )


def test_id_keys_pair_in_order_not_by_their_sort_order() -> None:
    pairing = Pairing()
    a, b = pairing.normalise_pair({"interrupts": {T2: [1]}}, {"interrupts": {T1: [1]}})
    assert a == b == {"interrupts": {"{{id:1}}": [1]}}


# --- differences, signatures, deviations ---------------------------------------------------


def test_differences_name_json_paths_and_signatures_generalise_them() -> None:
    a = {"status": 200, "body": [{"v": 1}, {"v": 2, "k": "x"}]}
    b = {"status": 200, "body": [{"v": 1}, {"v": 3}]}
    found = differences(a, b)
    assert [d.path for d in found] == ["body[1].k", "body[1].v"]
    assert signature("POST /x", (200, 200), found[1]) == "POST /x | 200/200 | body[*].v"


def test_a_length_mismatch_is_one_difference() -> None:
    found = differences({"body": [1, 2, 3, 4]}, {"body": [1]})
    assert [d.path for d in found] == ["body[1]"]


def test_deviations_match_operation_path_statuses_tags_and_request() -> None:
    entry = Deviation(
        doc=5,
        operation="POST /threads/search",
        path="*",
        reason="r",
        statuses=(500, 200),
        tags=frozenset({"forked"}),
        request='"values"',
    )
    diff = Difference("body", [], "Internal Server Error")
    request = {"body": {"values": {"topic": "x"}}}
    tags = frozenset({"forked", "written"})
    assert entry.matches("POST /threads/search", (200, 500), tags, request, diff)
    assert not entry.matches("POST /threads/count", (200, 500), tags, request, diff)
    assert not entry.matches("POST /threads/search", (200, 422), tags, request, diff)
    assert not entry.matches("POST /threads/search", (200, 500), frozenset(), request, diff)
    assert not entry.matches("POST /threads/search", (200, 500), tags, {"body": {}}, diff)


def test_a_path_pattern_reads_a_list_index_as_written() -> None:
    # `[*]` in an entry is the generalised index itself, not a glob character class.
    entry = Deviation(doc=9, operation="*", path="body[*].[vsie]*", reason="r")
    for path, expected in (
        ("body[2].status", True),
        ("body[0].values.topic", True),
        ("body[1].config", False),
        ("body.status", False),
    ):
        assert (
            entry.matches(
                "POST /threads/search", (200, 200), frozenset(), {}, Difference(path, 1, 2)
            )
            is expected
        ), path


def test_the_deviations_file_cites_rows_of_the_deviations_doc() -> None:
    entries = load_deviations(ROOT / "fuzz" / "deviations.yaml", ROOT / "docs" / "deviations.md")
    assert entries and all(entry.reason for entry in entries)


# --- whole runs on two in-process mocks ----------------------------------------------------


@pytest.fixture(scope="module")
def mocks() -> Iterator[tuple[MockTarget, MockTarget]]:
    a, b = MockTarget("A"), MockTarget("B")
    yield a, b
    a.close()
    b.close()


def _run(
    a: MockTarget,
    b: MockTarget,
    seeds: list[int],
    steps: int,
    deviations: list[Deviation] | None = None,
) -> Summary:
    runner = Runner(a, b, deviations or [])
    try:
        results = [runner.run_seed(seed, steps) for seed in seeds]
    finally:
        runner.close()
    return Summary((a.name, b.name), results, deviations or [])


def test_mock_against_mock_is_identical(mocks: tuple[MockTarget, MockTarget]) -> None:
    summary = _run(*mocks, seeds=[1, 2], steps=120)
    assert summary.percent("identical") == 100.0, to_markdown(summary)
    assert len({step.op for step in summary.steps}) > 15  # the run covers many operations


def _count_plus_one(call: Call) -> Reply:
    reply = HANDLERS["count_threads_threads_count_post"](call)
    return Reply(reply.status, reply.body + 1)


def test_a_patched_handler_is_caught_and_grouped(mocks: tuple[MockTarget, MockTarget]) -> None:
    handlers = {**HANDLERS, "count_threads_threads_count_post": _count_plus_one}
    patched = MockTarget("patched", create_app(handlers=handlers))
    try:
        summary = _run(mocks[0], patched, seeds=[3], steps=150)
    finally:
        patched.close()
    groups = summary.groups()
    assert summary.failed
    assert [g.signature for g in groups] == ["POST /threads/count | 200/200 | body"]
    assert groups[0].count == summary.count("different") > 0
    report: dict[str, Any] = to_json(summary)
    example = report["groups"][0]["example"]
    assert example["a"]["body"] + 1 == example["b"]["body"]


def test_a_documented_difference_does_not_fail_and_an_unseen_entry_is_listed(
    mocks: tuple[MockTarget, MockTarget],
) -> None:
    handlers = {**HANDLERS, "count_threads_threads_count_post": _count_plus_one}
    patched = MockTarget("patched", create_app(handlers=handlers))
    documented = [
        Deviation(doc=0, operation="POST /threads/count", path="body", reason="test"),
        Deviation(doc=0, operation="GET /nowhere", path="*", reason="never seen"),
    ]
    try:
        summary = _run(mocks[0], patched, seeds=[3], steps=150, deviations=documented)
    finally:
        patched.close()
    assert not summary.failed and summary.count("documented") > 0
    assert [d.operation for d in summary.unseen()] == ["GET /nowhere"]
    assert "never seen" in to_markdown(summary)
