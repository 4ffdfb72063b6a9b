"""Checkpoint and task ids: the same strings the uuid6 and uuid modules make, written faster."""

from __future__ import annotations

import random
import uuid

import uuid6

from mockserver import state


def test_task_ids_are_uuid5_of_checkpoint_and_node() -> None:
    namespace = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
    rng = random.Random(7)
    for _ in range(500):
        checkpoint_id = str(uuid.UUID(int=rng.getrandbits(128)))
        node = rng.choice(["agent", "tools", "__start__", "é node", ""])
        assert state.task_id(checkpoint_id, node) == str(
            uuid.uuid5(namespace, f"{checkpoint_id}:{node}")
        )


def test_checkpoint_ids_are_uuid6_with_the_step_as_clock_sequence() -> None:
    ids = [state.new_checkpoint_id(step) for step in (-1, 0, 1, 2, 5000, 16383, 16384, 99999)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # strictly time-ordered
    for step, text in zip((-1, 0, 1, 2, 5000, 16383, 16384, 99999), ids, strict=True):
        parsed = uuid6.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 6 and parsed.variant == uuid.RFC_4122
        assert parsed.clock_seq == step & 0x3FFF
        # the same fields uuid6 itself sets from that timestamp, step and node
        again = uuid6.UUID(
            int=(parsed.time >> 12) << 80
            | (parsed.time & 0xFFF) << 64
            | (step & 0x3FFF) << 48
            | parsed.node,
            version=6,
        )
        assert str(again) == text


def test_checkpoint_ids_follow_the_clock() -> None:
    before = uuid6.uuid6().time
    made = uuid6.UUID(state.new_checkpoint_id(3)).time
    after = uuid6.uuid6().time
    assert before <= made <= after
