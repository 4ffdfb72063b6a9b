"""The rest of what clients do beside the everyday calls: bulk cancels, prunes, cron reads and
patches, subgraphs, and the filters, sorts, selects and extracts of the searches.

All of them are free of races with the real run queue: they are chosen only between steps,
when every run the client made has ended (a created run is joined before anything else), so a
bulk cancel finds nothing to cancel on either side, and a prune deletes idle threads only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fuzz.model import ASSISTANT_IDS, GRAPHS, Model, Request
from fuzz.ops_more import SCHEDULES, _namespace, _store_tags
from fuzz.ops_threads import EXTRACTS, SELECT_FIELDS, _all_tags
from fuzz.target import Answer

CRON_SORTS = ("created_at", "updated_at", "next_run_date", "assistant_id")
CRON_FIELDS = ("cron_id", "assistant_id", "thread_id", "schedule", "metadata", "enabled")
ASSISTANT_FIELDS = ("assistant_id", "graph_id", "name", "version", "metadata", "config")
# Paths the real server reads in its own way (langgraph_api.utils.extract), and bad ones.
ODD_EXTRACTS = (
    "values..topic",
    "values.messages[ 0 ].content",
    "values.messages.0",
    "metadata.owner[0]",
    "metadata._private",
    "values.messages[-9]",
    "interrupts",
)
BAD_EXTRACTS = (
    {"a": "thread_id"},
    {"a": ""},
    {"status": "values.topic"},
    {"a-b": "values.topic"},
    {"a": "valuesx"},
)


# ---- runs ------------------------------------------------------------------------------------


def bulk_cancel(m: Model) -> Request:
    """POST /runs/cancel: by status, or by a thread's (ended) runs; some invalid bodies."""
    query = m.rng.choice(["", "", "?action=interrupt", "?action=rollback"])
    roll = m.rng.random()
    thread = m.pick_thread()
    body: dict[str, Any]
    if roll < 0.4 or thread is None:
        body = {"status": m.rng.choice(["pending", "running", "all"])}
    elif roll < 0.85:
        runs = thread.runs[:2] if thread.runs and m.rng.random() < 0.8 else [m.uuid()]
        body = {"thread_id": thread.tid, "run_ids": runs}
    else:
        body = m.rng.choice(
            [
                {"status": "all", "thread_id": thread.tid},
                {"run_ids": thread.runs[:1] or [m.uuid()]},
                {"status": "done"},
                {"thread_id": "nope", "run_ids": ["x"]},
            ]
        )
    return Request("POST /runs/cancel", "POST", "/runs/cancel" + query, body, note="ended runs")


# ---- threads ---------------------------------------------------------------------------------


def prune_threads(m: Model) -> Request:
    """POST /threads/prune (delete; `keep_latest` is the in-memory runtime's 422)."""
    chosen = m.rng.sample(m.threads, min(len(m.threads), m.rng.randint(0, 2)))
    ids = [t.tid for t in chosen]
    if m.rng.random() < 0.2:
        ids.append(m.uuid())
    body: dict[str, Any] = {"thread_ids": ids}
    if m.rng.random() < 0.3:
        body["strategy"] = m.rng.choice(["delete", "keep_latest"])
    if m.rng.random() < 0.05:
        body = m.rng.choice([{}, {"thread_ids": ["nope"]}, {"thread_ids": [], "strategy": "all"}])

    def learn(answer: Answer) -> None:
        if answer.status == 200 and body.get("strategy", "delete") == "delete":
            for thread in chosen:
                thread.deleted = True

    return Request("POST /threads/prune", "POST", "/threads/prune", body, learn=learn)


def search_threads_edges(m: Model) -> Request:
    """POST /threads/search with `ids` (empty, unknown, upper-case), `select` with `extract`,
    extract paths read the real server's way, and extracts it refuses."""
    body: dict[str, Any] = {}
    roll = m.rng.random()
    if roll < 0.3:
        known = [t.tid for t in m.rng.sample(m.threads, min(2, len(m.threads)))]
        body["ids"] = m.rng.choice([[], known + [m.uuid()], [i.upper() for i in known]])
    if m.rng.random() < 0.6:
        body["select"] = m.rng.sample(SELECT_FIELDS, m.rng.randint(1, 2))
    if roll > 0.9:
        body["extract"] = dict(m.rng.choice(BAD_EXTRACTS))
    else:
        paths = m.rng.sample((*EXTRACTS, *ODD_EXTRACTS), 2)
        body["extract"] = {f"x{i}": p for i, p in enumerate(paths)}
    if m.rng.random() < 0.3:
        body["limit"] = m.rng.randint(1, 3)
    return Request(
        "POST /threads/search", "POST", "/threads/search", body, tags=_all_tags(m), note="edges"
    )


# ---- assistants ------------------------------------------------------------------------------


def subgraphs(m: Model) -> Request:
    graph = m.rng.choice(GRAPHS)
    roll = m.rng.random()
    assistant = ASSISTANT_IDS[graph] if roll < 0.8 else (graph if roll < 0.9 else m.uuid())
    path = f"/assistants/{assistant}/subgraphs"
    op = "GET /assistants/{assistant_id}/subgraphs"
    if m.rng.random() < 0.3:
        path += f"/{m.rng.choice(['agent', 'tools', 'x|y'])}"
        op += "/{namespace}"
    if m.rng.random() < 0.3:
        path += "?recurse=true"
    return Request(op, "GET", path)


def search_assistants_more(m: Model) -> Request:
    """POST /assistants/search (or count) by name, with select and the sorts that keep an
    order (created assistants get random ids: never sorted by id once there are any)."""
    body: dict[str, Any] = {}
    if m.rng.random() < 0.5:
        body["name"] = m.rng.choice(["helper", "HELP", "renamed", "agent", "zzz"])
    if m.rng.random() < 0.3:
        body["metadata"] = {"team": m.rng.choice(["red", "blue"])}
    if m.rng.random() < 0.3:
        body["graph_id"] = m.rng.choice(GRAPHS)
    if m.rng.random() < 0.3:
        return Request("POST /assistants/count", "POST", "/assistants/count", body)
    keys = ["graph_id", "name", "created_at", "updated_at"]
    sorts = keys + ([] if m.assistants else ["assistant_id"])
    _sorted_page(m, body, sorts, ASSISTANT_FIELDS, sort_chance=0.5, max_offset=3)
    return Request("POST /assistants/search", "POST", "/assistants/search", body)


def _sorted_page(
    m: Model,
    body: dict[str, Any],
    sorts: Sequence[str],
    fields: Sequence[str],
    *,
    sort_chance: float,
    max_offset: int,
) -> None:
    """A search body's sort (now and then), `select` and `offset`."""
    if m.rng.random() < sort_chance:
        body["sort_by"] = m.rng.choice(sorts)
        body["sort_order"] = m.rng.choice(["asc", "desc"])
    if m.rng.random() < 0.4:
        body["select"] = m.rng.sample(fields, m.rng.randint(1, 3))
    if m.rng.random() < 0.2:
        body["offset"] = m.rng.randint(0, max_offset)


# ---- crons -----------------------------------------------------------------------------------


def _cron(m: Model) -> str:
    return m.rng.choice(m.crons) if m.crons and m.rng.random() < 0.9 else m.uuid()


def get_cron(m: Model) -> Request:
    return Request("GET /runs/crons/{cron_id}", "GET", f"/runs/crons/{_cron(m)}")


def patch_cron(m: Model) -> Request:
    """PATCH /runs/crons/{id}; schedules stay on a day of the year, so nothing fires."""
    body: dict[str, Any] = {}
    roll = m.rng.random()
    if roll < 0.3:
        body["enabled"] = m.rng.random() < 0.5
    elif roll < 0.5:
        body["schedule"] = m.rng.choice(SCHEDULES)
    elif roll < 0.65:
        body["metadata"] = {"kind": m.rng.choice(["nightly", "weekly"])}
    elif roll < 0.8:
        body["input"] = {"topic": "patched"}
    elif roll < 0.9:
        body["on_run_completed"] = m.rng.choice(["keep", "delete"])
    elif roll < 0.95:
        body["schedule"] = "every day"  # the real 422
    return Request("PATCH /runs/crons/{cron_id}", "PATCH", f"/runs/crons/{_cron(m)}", body)


def search_crons_more(m: Model) -> Request:
    """POST /runs/crons/search with sorts, select, enabled, metadata and offset (or count)."""
    body: dict[str, Any] = {}
    if m.rng.random() < 0.3:
        body["enabled"] = m.rng.random() < 0.5
    if m.rng.random() < 0.2:
        body["metadata"] = {"kind": "nightly"}
    thread = m.pick_thread(graph=True) if m.rng.random() < 0.2 else None
    if thread is not None:
        body["thread_id"] = thread.tid
    if m.rng.random() < 0.3:
        return Request("POST /runs/crons/count", "POST", "/runs/crons/count", body)
    # crons and threads get random ids on each side: never sorted by those
    _sorted_page(m, body, CRON_SORTS, CRON_FIELDS, sort_chance=0.6, max_offset=2)
    return Request("POST /runs/crons/search", "POST", "/runs/crons/search", body)


# ---- store -----------------------------------------------------------------------------------


def search_items_operators(m: Model) -> Request:
    """POST /store/items/search with comparison operators on the values the fuzzer puts
    (every item has a number `n` and a string `kind`)."""
    n = m.rng.randint(0, 3)
    filters = [
        {"n": {"$gt": n}},
        {"n": {"$gte": n, "$lt": n + 2}},
        {"n": {"$lte": n}, "kind": "note"},
        {"n": {"$ne": n}},
        {"kind": {"$eq": m.rng.choice(["note", "pref"])}},
        {"kind": {"$ne": "note"}},
        {"n": {"$in": [n]}},  # the real 400: an operator InMemoryStore lacks
    ]
    body: dict[str, Any] = {
        "namespace_prefix": list(_namespace(m)[:2]),
        "filter": m.rng.choice(filters),
    }
    if m.rng.random() < 0.3:
        body["limit"] = m.rng.randint(1, 3)
    return Request(
        "POST /store/items/search", "POST", "/store/items/search", body, tags=_store_tags(m)
    )
