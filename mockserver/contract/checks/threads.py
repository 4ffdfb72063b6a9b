"""Semantic checks on threads: their values, count vs. search, deletion."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.core.failures import FailureGroup

from mockserver.contract.checks.common import api, applies, body_of, confirmed, fail, state_of

THREAD = "/threads/{thread_id}"
# Operations that answer one Thread body.
THREAD_ANSWERS = (
    ("GET", THREAD),
    ("PATCH", THREAD),
    ("POST", "/threads"),
    ("POST", "/threads/{thread_id}/copy"),
)
FILTERS = ("metadata", "values", "status")
PAGE = 1000  # the largest search page the spec allows


@schemathesis.check
def thread_values_match_state(ctx: Any, response: Any, case: Any) -> bool | None:
    """A thread's `values` are its head state's values (null only with no state; absent on
    a copy's record until the copy is next written, as langgraph-api keeps it)."""
    if not any(applies(case, response, method, path) for method, path in THREAD_ANSWERS):
        return True
    thread_id = response.json()["thread_id"]

    def mismatch(again: bool) -> tuple[str, str] | None:
        thread = api(case).json("GET", THREAD, thread_id=thread_id) if again else response.json()
        return _values_mismatch(thread, state_of(case, thread_id))

    if found := confirmed(mismatch):
        raise fail(case, *found)
    return None


def _values_mismatch(thread: dict[str, Any], state: dict[str, Any]) -> tuple[str, str] | None:
    """(title, message) when the thread's values are not its state's, else None."""
    values = thread.get("values")
    if state["checkpoint"] is None:
        if values in (None, {}):
            return None
        return (
            "Thread values without a state",
            "the thread has values, but its state has no checkpoint\n"
            f"thread {thread['thread_id']}: values {values!r}",
        )
    if "values" not in thread or values == state["values"]:
        return None
    return (
        "Thread values differ from its state",
        f"the thread's values are not its head state's values (they differ)\n"
        f"thread {thread['thread_id']}: values {values!r}; state: {state['values']!r}",
    )


def _filters(case: Any) -> dict[str, Any]:
    return {k: v for k, v in body_of(case).items() if k in FILTERS}


def _search_all(case: Any, filters: dict[str, Any]) -> int:
    """How many threads POST /threads/search returns for `filters`, over every page."""
    total, offset = 0, 0
    while True:
        body = {**filters, "limit": PAGE, "offset": offset, "select": ["thread_id"]}
        page = api(case).json("POST", "/threads/search", body=body)
        total += len(page)
        if len(page) < PAGE:
            return total
        offset += PAGE


@schemathesis.check
def count_matches_search(ctx: Any, response: Any, case: Any) -> bool | None:
    """POST /threads/count equals the number of threads search returns for the same filters."""
    if not applies(case, response, "POST", "/threads/count"):
        return True
    filters = _filters(case)

    def mismatch(again: bool) -> str | None:
        count = (
            api(case).json("POST", "/threads/count", body=filters) if again else (response.json())
        )
        found = _search_all(case, filters)
        return None if count == found else f"count {count}; search {found}; filters {filters!r}"

    if found := confirmed(mismatch):
        raise fail(
            case, "Count differs from search", f"count is not the number of search results\n{found}"
        )
    return None


def _header(response: Any, name: str) -> str | None:
    values = next((v for k, v in response.headers.items() if k.lower() == name.lower()), None)
    return values[0] if values else None


@schemathesis.check
def search_pages_add_up(ctx: Any, response: Any, case: Any) -> bool | None:
    """POST /threads/search's pagination headers, as langgraph-api counts: while more threads
    follow, X-Pagination-Next is offset+limit and X-Pagination-Total one more; on the last page
    the total is offset plus the threads shown, and a page that shows any ends at the count."""
    if not applies(case, response, "POST", "/threads/search"):
        return True
    body = body_of(case)
    offset, limit = int(body.get("offset") or 0), int(body.get("limit") or 10)

    def mismatch(again: bool) -> str | None:
        answer = api(case).call(case) if again else response
        total, following = (
            _header(answer, name) for name in ("X-Pagination-Total", "X-Pagination-Next")
        )
        shown = len(answer.json())
        if following is not None:
            expected = (str(offset + limit + 1), str(offset + limit))
            if (total, following) == expected:
                return None
            return f"total {total}, next {following}; expected {expected}"
        if total != str(offset + shown):
            return f"total {total} on the last page; expected offset + {shown} threads shown"
        if shown and "ids" not in body:  # count has no `ids` filter to compare with
            count = api(case).json("POST", "/threads/count", body=_filters(case))
            if offset + shown != count:
                return f"the last page ends at {offset + shown}; count {count}"
        return None

    if found := confirmed(mismatch):
        raise fail(
            case,
            "Search pages do not add up",
            f"X-Pagination-Total / X-Pagination-Next do not add up\n{found}\nrequest {body!r}",
        )
    return None


@schemathesis.check
def deleted_thread_is_gone(ctx: Any, response: Any, case: Any) -> bool | None:
    """After DELETE /threads/{thread_id}, every route of that thread answers 404."""
    if not (
        200 <= response.status_code < 300
        and applies(case, response, "DELETE", THREAD, response.status_code)
    ):
        return True
    thread_id, probe = case.path_parameters["thread_id"], api(case)
    failures = []
    for method, path, body in probe.thread_routes():
        status = probe.send_to_thread(method, path, body, thread_id).status_code
        if status != 404:
            failures.append(
                fail(
                    case,
                    "Deleted thread still answers",
                    f"{method} {path} answered {status}, not 404, after the "
                    f"thread was deleted\nthread {thread_id}",
                )
            )
    if failures:
        raise FailureGroup(failures, f"{len(failures)} route(s) still answer for a deleted thread")
    return None
