"""What the differential tests share: the mock served with its answers checked against the spec
and every 5xx it gives remembered, the paths where two normalised JSON values differ, and a
scenario's answers compared with the real server's recording, where each difference the mock
makes on purpose is listed (and a listed one that stops happening is a failure too)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from mockserver.app import create_app
from mockserver.journal import Exchange
from mockserver.live import LiveServer

# A record's index -> (the paths where the mock's answer differs on purpose, why)
Listed = Mapping[int, tuple[frozenset[str], str]]


def checked_app(**options: Any) -> tuple[Any, list[Exchange]]:
    """`create_app(check_responses=True, **options)`, and the list its 5xx answers go to."""
    errors: list[Exchange] = []

    def watch(exchange: Exchange) -> None:
        if exchange.status >= 500:
            errors.append(exchange)

    return create_app(check_responses=True, observer=watch, **options), errors


@contextmanager
def served(app: Any, errors: list[Exchange]) -> Iterator[httpx.Client]:
    """A client of `app` served on a free port; afterwards, no 5xx may have been answered."""
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http
    assert not errors, f"the mock answered with a server error: {errors}"


def differences(real: Any, mock: Any, path: str = "") -> list[str]:
    """Every path where two normalised JSON values differ."""
    if isinstance(real, dict) and isinstance(mock, dict):
        found = []
        for key in dict.fromkeys([*real, *mock]):
            where = f"{path}.{key}" if path else str(key)
            if key not in real or key not in mock:
                found.append(where)
            else:
                found += differences(real[key], mock[key], where)
        return found
    if isinstance(real, list) and isinstance(mock, list):
        if len(real) != len(mock):
            return [f"{path} (length {len(real)} != {len(mock)})"]
        return [
            d
            for i, (r, m) in enumerate(zip(real, mock, strict=True))
            for d in differences(r, m, f"{path}[{i}]")
        ]
    return [] if real == mock else [path]


def compared(
    real: list[dict[str, Any]], mock: list[dict[str, Any]], listed: Listed | None = None
) -> list[str]:
    """What is wrong with the mock's answers to one scenario: a difference not listed, or a
    listed one that is gone."""
    assert [r["call"] for r in mock] == [r["call"] for r in real]
    problems = []
    for index, (recorded, answered) in enumerate(zip(real, mock, strict=True)):
        found = set(differences(recorded, answered))
        expected, reason = (listed or {}).get(index, (frozenset(), ""))
        if expected and not expected <= found:
            problems.append(
                f"#{index} {recorded['call']}: the listed difference is gone "
                f"({sorted(expected - found)}: {reason})"
            )
        if unexpected := sorted(found - expected):
            problems.append(f"#{index} {recorded['call']}: {unexpected[:10]}")
    return problems
