"""Store operations (long-term memory): put, get and delete an item, search items, list
namespaces. The items live in the store (`Store.items`, items.py).

As langgraph-api's store routes, each checks a namespace's labels first and refuses an empty
one or one with a period in plain text (422); the store then checks the rest (BadRequest in
langgraph's words).
"""

from __future__ import annotations

from collections.abc import Sequence

from mockserver.errors import PlainTextRejection
from mockserver.handlers.base import Call, Reply
from mockserver.items import Namespace


def put_item(call: Call) -> Reply:
    """PUT /store/items: store or replace an item; `index` and `ttl` have no effect."""
    body = call.body
    namespace = _namespace(body["namespace"])
    call.server.store.items.put(namespace, body["key"], body["value"])
    return Reply(204)


def get_item(call: Call) -> Reply:
    """GET /store/items?namespace=a.b&key=k: the item, or `null`."""
    query = call.request.query
    namespace = _namespace(query.get("namespace", "").split("."))
    key = query.get("key")
    if not key:
        return Reply(400, {"error": "Key is required"})
    item = call.server.store.items.get(namespace, key)
    return Reply(200, None if item is None else item.to_json())


def delete_item(call: Call) -> Reply:
    """DELETE /store/items (a JSON body): 204 whether or not the item was there."""
    body = call.body
    call.server.store.items.delete(_namespace(body.get("namespace") or ()), body["key"])
    return Reply(204)


def search_items(call: Call) -> Reply:
    """POST /store/items/search: a page of items, each with `score: null` (no search index,
    so `query` changes nothing). A limit of 0 means the default, 10."""
    body = call.body
    prefix = _namespace(body.get("namespace_prefix") or ())
    found = call.server.store.items.search(
        prefix,
        filter=body.get("filter"),
        limit=int(body.get("limit") or 10),
        offset=int(body.get("offset") or 0),
    )
    return Reply(200, {"items": [{**item.to_json(), "score": None} for item in found]})


def list_namespaces(call: Call) -> Reply:
    """POST /store/namespaces: a page of the namespaces that hold items."""
    body = call.body
    prefix = _namespace(body["prefix"]) if body.get("prefix") else None
    suffix = _namespace(body["suffix"]) if body.get("suffix") else None
    max_depth = body.get("max_depth")
    found = call.server.store.items.namespaces(
        prefix=prefix,
        suffix=suffix,
        max_depth=None if max_depth is None else int(max_depth),
        limit=int(body.get("limit", 100)),
        offset=int(body.get("offset", 0)),
    )
    return Reply(200, {"namespaces": [list(namespace) for namespace in found]})


def _namespace(labels: Sequence[str]) -> Namespace:
    """The labels as a namespace; the real server's plain-text 422 for an empty label or one
    with a period."""
    for label in labels:
        if not label or "." in label:
            raise PlainTextRejection(
                f"Namespace label {label!r} must be a non-empty string without periods"
            )
    return tuple(labels)
