"""The rest of the REST API a client uses beside threads and runs: assistants it creates,
patches, versions and deletes; the store (long-term memory); crons (never due during a seed:
their schedules name a day of the year, so neither server's scheduler fires them)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fuzz.model import ASSISTANT_IDS, GRAPHS, Model, Request
from fuzz.target import Answer

# Under the seed's own root label (Model.store_root): a namespace a read named stays on the
# real server for good (#70), so each run of the fuzzer keeps to namespaces of its own.
NAMESPACES = (("users", "u1"), ("users", "u2"), ("docs",), ("users", "u1", "prefs"))
KEYS = ("k1", "k2", "k3")
SCHEDULES = ("0 0 1 1 *", "30 4 2 2 *", "0 12 3 3 *")


# ---- assistants ------------------------------------------------------------------------------


def _mine(m: Model) -> str:
    """An assistant this client created (mostly), or an unknown id."""
    if m.assistants and m.rng.random() < 0.9:
        return m.rng.choice(m.assistants)
    return m.uuid()


def create_assistant(m: Model) -> Request:
    body: dict[str, Any] = {"graph_id": m.rng.choice(GRAPHS)}
    if m.rng.random() < 0.05:
        body["graph_id"] = "no-such-graph"
    if m.rng.random() < 0.6:
        body["name"] = f"helper {m.rng.randint(0, 3)}"
    if m.rng.random() < 0.5:
        body["metadata"] = {"team": m.rng.choice(["red", "blue"])}
    roll = m.rng.random()
    if roll < 0.25:
        body["config"] = {"configurable": {"model": m.rng.choice(["small", "large"])}}
    elif roll < 0.4:
        body["config"] = {"tags": ["fuzz"], "recursion_limit": 12}
    elif roll < 0.55:
        body["context"] = {"model": "small"}
    if m.rng.random() < 0.2:
        body["description"] = "made by the fuzzer"
    if m.assistants and m.rng.random() < 0.15:
        body["assistant_id"] = m.rng.choice(m.assistants)
        body["if_exists"] = m.rng.choice(["raise", "do_nothing"])

    def learn(answer: Answer) -> None:
        made = answer.body.get("assistant_id") if isinstance(answer.body, dict) else None
        if answer.status == 200 and isinstance(made, str) and made not in m.assistants:
            m.assistants.append(made)

    return Request("POST /assistants", "POST", "/assistants", body, learn=learn)


def patch_assistant(m: Model) -> Request:
    assistant = _mine(m)
    body: dict[str, Any] = {}
    roll = m.rng.random()
    if roll < 0.4:
        body["metadata"] = {"stage": m.rng.choice(["draft", "live"])}
    elif roll < 0.6:
        body["name"] = f"renamed {m.rng.randint(0, 3)}"
    elif roll < 0.8:
        body["config"] = {"configurable": {"model": "large"}}
    else:
        body["context"] = {"model": "large"}
    if m.rng.random() < 0.1:
        body["graph_id"] = m.rng.choice(GRAPHS)
    return Request("PATCH /assistants/{assistant_id}", "PATCH", f"/assistants/{assistant}", body)


def get_created_assistant(m: Model) -> Request:
    return Request("GET /assistants/{assistant_id}", "GET", f"/assistants/{_mine(m)}")


def assistant_versions(m: Model) -> Request:
    assistant = _mine(m)
    if m.rng.random() < 0.5:
        version = m.rng.randint(1, 3)
        return Request(
            "POST /assistants/{assistant_id}/latest",
            "POST",
            f"/assistants/{assistant}/latest",
            {"version": version},
        )
    body: dict[str, Any] = {}
    if m.rng.random() < 0.3:
        body["limit"] = m.rng.randint(1, 3)
    if m.rng.random() < 0.2:
        body["metadata"] = {"stage": "live"}
    return Request(
        "POST /assistants/{assistant_id}/versions",
        "POST",
        f"/assistants/{assistant}/versions",
        body,
    )


def delete_assistant(m: Model) -> Request:
    assistant = _mine(m)

    def learn(answer: Answer) -> None:
        if answer.status == 204 and assistant in m.assistants:
            m.assistants.remove(assistant)

    return Request(
        "DELETE /assistants/{assistant_id}", "DELETE", f"/assistants/{assistant}", learn=learn
    )


# ---- store -----------------------------------------------------------------------------------


def _namespace(m: Model) -> tuple[str, ...]:
    return (m.store_root, *m.rng.choice(NAMESPACES))


def _store_tags(m: Model) -> frozenset[str]:
    return frozenset({"phantom"}) if m.phantom else frozenset()


def put_item(m: Model) -> Request:
    namespace, key = _namespace(m), m.rng.choice(KEYS)
    body: dict[str, Any] = {
        "namespace": list(namespace),
        "key": key,
        "value": {"n": m.rng.randint(0, 3), "kind": m.rng.choice(["note", "pref"])},
    }
    if m.rng.random() < 0.05:
        body["namespace"] = [m.store_root, "bad.label"]  # the real plain-text 422

    def learn(answer: Answer) -> None:
        if answer.status == 204:
            m.items.setdefault(namespace, set()).add(key)

    return Request(
        "PUT /store/items", "PUT", "/store/items", body, tags=_store_tags(m), learn=learn
    )


def _named(m: Model, namespace: tuple[str, ...], key: str, *, deletes: bool) -> None:
    """What naming a namespace does on the real server: a read or delete where nothing is, or
    a delete of a namespace's last item, leaves a namespace the mock does not list (#70)."""
    held = m.items.get(namespace, set())
    if not held or (deletes and held == {key}):
        m.phantom = True
    if deletes:
        held.discard(key)


def get_item(m: Model) -> Request:
    namespace, key = _namespace(m), m.rng.choice(KEYS)
    query = {"namespace": ".".join(namespace), "key": key}
    _named(m, namespace, key, deletes=False)
    return Request(
        "GET /store/items", "GET", f"/store/items?{urlencode(query)}", tags=_store_tags(m)
    )


def delete_item(m: Model) -> Request:
    namespace, key = _namespace(m), m.rng.choice(KEYS)
    _named(m, namespace, key, deletes=True)
    body = {"namespace": list(namespace), "key": key}
    return Request("DELETE /store/items", "DELETE", "/store/items", body, tags=_store_tags(m))


def search_items(m: Model) -> Request:
    body: dict[str, Any] = {"namespace_prefix": list(_namespace(m)[:2])}
    if m.rng.random() < 0.3:
        body["filter"] = {"kind": m.rng.choice(["note", "pref"])}
    if m.rng.random() < 0.3:
        body["limit"] = m.rng.randint(1, 3)
    if m.rng.random() < 0.2:
        body["offset"] = m.rng.randint(0, 2)
    return Request(
        "POST /store/items/search", "POST", "/store/items/search", body, tags=_store_tags(m)
    )


def list_namespaces(m: Model) -> Request:
    body: dict[str, Any] = {"prefix": [m.store_root]}
    if m.rng.random() < 0.4:
        body["prefix"] = [m.store_root, "users"]
    if m.rng.random() < 0.3:
        body["max_depth"] = m.rng.randint(2, 3)
    if m.rng.random() < 0.2:
        body["suffix"] = ["prefs"]
    return Request("POST /store/namespaces", "POST", "/store/namespaces", body, tags=_store_tags(m))


# ---- crons -----------------------------------------------------------------------------------


def create_cron(m: Model) -> Request:
    graph = m.rng.choice(GRAPHS)
    body: dict[str, Any] = {
        "assistant_id": graph if m.rng.random() < 0.5 else ASSISTANT_IDS[graph],
        "schedule": m.rng.choice(SCHEDULES),
        "input": {"topic": f"cron{m.rng.randint(0, 3)}"},
    }
    if m.rng.random() < 0.3:
        body["metadata"] = {"kind": "nightly"}
    if m.rng.random() < 0.05:
        body["schedule"] = "every day"  # the real 422
    thread = m.pick_thread(graph=True) if m.rng.random() < 0.4 else None
    path = "/runs/crons" if thread is None else f"/threads/{thread.tid}/runs/crons"
    op = "POST /runs/crons" if thread is None else "POST /threads/{thread_id}/runs/crons"

    def learn(answer: Answer) -> None:
        made = answer.body.get("cron_id") if isinstance(answer.body, dict) else None
        if answer.status == 200 and isinstance(made, str):
            m.crons.append(made)

    return Request(op, "POST", path, body, learn=learn)


def search_crons(m: Model) -> Request:
    body: dict[str, Any] = {}
    if m.rng.random() < 0.3:
        body["assistant_id"] = ASSISTANT_IDS[m.rng.choice(GRAPHS)]
    if m.rng.random() < 0.3:
        body["limit"] = m.rng.randint(1, 3)
    if m.rng.random() < 0.3:
        return Request("POST /runs/crons/count", "POST", "/runs/crons/count", body)
    return Request("POST /runs/crons/search", "POST", "/runs/crons/search", body)


def delete_cron(m: Model) -> Request:
    cron = m.rng.choice(m.crons) if m.crons and m.rng.random() < 0.9 else m.uuid()

    def learn(answer: Answer) -> None:
        if answer.status in (200, 204) and cron in m.crons:
            m.crons.remove(cron)

    return Request("DELETE /runs/crons/{cron_id}", "DELETE", f"/runs/crons/{cron}", learn=learn)
