"""Semantic checks on thread state: update_state, forks, history."""

from __future__ import annotations

from typing import Any

import schemathesis

from mockserver.contract.checks.common import (
    STATE,
    api,
    applies,
    body_of,
    confirmed,
    fail,
    state_of,
)

HISTORY = "/threads/{thread_id}/history"


@schemathesis.check
def update_state_moves_head(ctx: Any, response: Any, case: Any) -> bool | None:
    """After update_state, GET state's checkpoint is the one the update returned."""
    if not applies(case, response, "POST", STATE):
        return True
    returned = response.json()["checkpoint_id"]
    head = state_of(case, case.path_parameters["thread_id"])["checkpoint_id"]
    if head != returned:
        raise fail(
            case,
            "State head is not the new checkpoint",
            f"GET state after update_state shows another checkpoint\n"
            f"update_state returned {returned}; GET state shows {head}",
        )
    return None


def _fork_source(body: dict[str, Any]) -> str | None:
    """The checkpoint an update forks from: `checkpoint.checkpoint_id`, else the deprecated
    top-level `checkpoint_id` (the nested one wins when both are given, on the real server)."""
    nested = body.get("checkpoint")
    if isinstance(nested, dict) and nested.get("checkpoint_id"):
        return str(nested["checkpoint_id"])
    top = body.get("checkpoint_id")
    return str(top) if top else None


@schemathesis.check
def fork_parent_is_requested_checkpoint(ctx: Any, response: Any, case: Any) -> bool | None:
    """A fork's new checkpoint has the requested checkpoint as its parent."""
    if not applies(case, response, "POST", STATE) or not (source := _fork_source(body_of(case))):
        return True
    state = state_of(case, case.path_parameters["thread_id"])
    if state["checkpoint_id"] == response.json()["checkpoint_id"] and (
        state["parent_checkpoint_id"] != source
    ):
        raise fail(
            case,
            "Fork has the wrong parent",
            f"the fork's parent is not the requested checkpoint\n"
            f"requested {source}; parent {state['parent_checkpoint_id']}",
        )
    return None


def _is_history(case: Any, response: Any) -> bool:
    return applies(case, response, "GET", HISTORY) or applies(case, response, "POST", HISTORY)


def _unfiltered(case: Any) -> bool:
    """A history request with no filter and a positive limit: its first item is the head."""
    if case.method.upper() == "GET":
        source: dict[str, Any] = dict(case.query or {})
        filtered = bool(source.get("before"))
    else:
        source = body_of(case)
        checkpoint = source.get("checkpoint")
        filtered = bool(
            source.get("before")
            or source.get("metadata")
            or (
                isinstance(checkpoint, dict)
                and (checkpoint.get("checkpoint_id") or checkpoint.get("checkpoint_ns"))
            )
        )
    try:
        return not filtered and int(source.get("limit", 1)) >= 1
    except (TypeError, ValueError):
        return False


@schemathesis.check
def history_newest_first(ctx: Any, response: Any, case: Any) -> bool | None:
    """History lists checkpoints newest first (by checkpoint id, strictly descending)."""
    if not _is_history(case, response):
        return True
    ids = [item["checkpoint_id"] for item in response.json()]
    if ids != sorted(ids, reverse=True) or len(set(ids)) != len(ids):
        raise fail(
            case,
            "History is not newest first",
            "history items are not in descending checkpoint-id order\n" + ", ".join(ids),
        )
    return None


@schemathesis.check
def history_starts_at_state(ctx: Any, response: Any, case: Any) -> bool | None:
    """Unfiltered history's first item equals GET state (and is empty only for no state)."""
    if not _is_history(case, response) or not _unfiltered(case):
        return True

    def mismatch(again: bool) -> str | None:
        items = (api(case).call(case) if again else response).json()
        state = state_of(case, case.path_parameters["thread_id"])
        first = items[0] if items else None
        if first == state or (state["checkpoint"] is None and first is None):
            return None
        return str(sorted(k for k in state if first is None or first.get(k) != state[k]))

    if keys := confirmed(mismatch):
        raise fail(
            case,
            "History does not start at the state",
            f"the first history item differs from GET state\ndiffering keys: {keys}",
        )
    return None
