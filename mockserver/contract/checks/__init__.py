"""The semantic checks; importing this package registers them with Schemathesis."""

from __future__ import annotations

from mockserver.contract.checks import state, threads  # noqa: F401  (registration by import)

NAMES = (
    "update_state_moves_head",
    "fork_parent_is_requested_checkpoint",
    "history_newest_first",
    "history_starts_at_state",
    "thread_values_match_state",
    "count_matches_search",
    "search_pages_add_up",
    "deleted_thread_is_gone",
)
