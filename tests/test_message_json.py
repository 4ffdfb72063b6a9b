"""A message list's JSON, written once and extended: always what orjson writes for the list."""

from __future__ import annotations

import random

import orjson
import pytest

from mockserver import message_log
from mockserver.message_log import MessageLog, add_messages, encoded, encoded_parts


def _message(rng: random.Random, ids: list[str]) -> dict[str, object]:
    kind = rng.random()
    if kind < 0.15 and ids:  # a replacement of a message the log may hold
        return {"role": "human", "content": f"edited {rng.random()}", "id": rng.choice(ids)}
    ids.append(f"m{len(ids)}")
    return {"role": rng.choice(["ai", "human"]), "content": f"text é {len(ids)}", "id": ids[-1]}


@pytest.mark.parametrize("seed", range(5))
def test_encoded_is_orjson_of_the_list_through_appends_replaces_removals_and_forks(
    seed: int,
) -> None:
    rng = random.Random(seed)
    ids: list[str] = []
    versions = [MessageLog.EMPTY]
    for _ in range(300):
        log = rng.choice(versions[-3:]) if rng.random() < 0.2 else versions[-1]  # forks too
        roll = rng.random()
        try:
            if roll < 0.05 and len(log):
                victim = rng.choice(log.to_list())["id"]
                log = add_messages(log, {"type": "remove", "id": victim, "content": ""})
            elif roll < 0.07:
                log = add_messages(
                    log,
                    [{"type": "remove", "id": "__remove_all__", "content": ""}, _message(rng, ids)],
                )
            else:
                log = add_messages(log, [_message(rng, ids) for _ in range(rng.randint(0, 3))])
        except Exception:  # a removal of an id this version lacks: the reducer's own error
            continue
        versions.append(log)
        if rng.random() < 0.5:  # read now and then, as GETs do
            assert encoded(log) == orjson.dumps(log.to_list())
    for log in versions:
        assert encoded(log) == orjson.dumps(log.to_list())


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(message_log, "CACHE_ENTRIES", 4)
    log = MessageLog.EMPTY
    for i in range(20):
        log = add_messages(log, {"role": "ai", "content": "x", "id": f"b{i}"})
        encoded(log)
    assert len(message_log._cache) <= 4
    assert encoded(log) == orjson.dumps(log.to_list())


def test_a_growing_logs_json_is_a_few_parts_whatever_its_length() -> None:
    log, most = MessageLog.EMPTY, 0
    for i in range(2000):
        log = add_messages(log, {"role": "ai", "content": f"reply {i}", "id": f"g{i}"})
        parts = encoded_parts(log)
        assert b"".join(parts) + b"]" == orjson.dumps(log.to_list())
        most = max(most, len(parts))
    assert most <= 12  # about log2(2,000): each append is not a part of its own
    assert encoded(log) == orjson.dumps(log.to_list())
