"""Control of one mock server from outside the API: reset, seed, dump, the journal, fault rules.

The admin API (`admin.py`, under /__mockserver/), `mockserver serve --seed/--faults` and the
pytest plugin (`testing.py`) all call this: one reset, one seed format. Framework-free.

The seed format, as YAML (JSON works the same):

    threads:
      - thread_id: 5b1f3c4e-0000-4000-8000-000000000001    # optional
        graph_id: agent                                    # optional, kept in metadata
        metadata: {owner: alice}
        updates:                                           # each one through update_state
          - values: {messages: [{role: user, content: hi}]}
          - {values: {messages: [{role: ai, content: hello}]}, as_node: agent}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import orjson
import yaml

from mockserver import __version__, state, threads
from mockserver.errors import ConfigError, MockError
from mockserver.events import plain_values
from mockserver.faults import FaultError, Faults
from mockserver.journal import Journal
from mockserver.reducers import to_plain
from mockserver.server import Server
from mockserver.store import Thread

_T = TypeVar("_T")
Seeder = Callable[[Server, Any], list[str]]


class SeedError(ConfigError):
    """Raised when a seed document is malformed or one of its updates is refused."""


class Control:
    """What the admin API and the test helpers act on. `start_seed` and `start_faults` are
    what the server started with (--seed, --faults): a reset goes back to them."""

    def __init__(self, server: Server, journal: Journal | None, faults: Faults) -> None:
        self.server = server
        self.journal = journal
        self.faults = faults
        self.start_seed: Mapping[str, Any] | None = None
        self.start_faults: list[Any] = []
        self.about: dict[str, Any] = {}  # what GET /__mockserver/info adds (app.py sets it)

    def reset(self) -> None:
        """Stop every run, forget every thread, the journal and the fault rules; then seed
        and arm what the server started with."""
        self.server.reset()
        if self.journal is not None:
            self.journal.clear()
        self.faults.clear()
        for rule in self.start_faults:
            self.faults.add(rule)
        if self.start_seed is not None:
            self.seed(self.start_seed)

    def start_with(self, seed: Path | None = None, faults: Path | None = None) -> None:
        """Seed and arm from files (--seed, --faults), now and after each reset; ValueError
        (SeedError, FaultError, a YAML error) or OSError names what is wrong."""
        self.start_seed = read_document(seed) if seed is not None else None
        rules = read_document(faults) if faults is not None else []
        if isinstance(rules, Mapping) and set(rules) == {"faults"}:
            rules = rules["faults"]
        if not isinstance(rules, list):
            raise FaultError(f"{faults}: expected a list of fault rules")
        self.start_faults = rules
        try:
            if any(True for _ in self.server.store.threads()):
                # A persistent store brought its threads back: they stay (a reset seeds again).
                self.faults.clear()
                for rule in self.start_faults:
                    self.faults.add(rule)
            else:
                self.reset()
        except MockError as exc:
            raise SeedError(f"{seed}: {exc.detail}") from exc
        except FaultError as exc:
            raise FaultError(f"{faults}: {exc}") from exc

    def seed(self, document: Mapping[str, Any]) -> dict[str, list[str]]:
        """Create what the document describes; the ids made, by resource."""
        if not isinstance(document, Mapping):
            raise SeedError('a seed document is an object, e.g. {"threads": [...]}')
        unknown = sorted(set(document) - set(SEEDERS))
        if unknown:
            raise SeedError(
                f"cannot seed {', '.join(map(str, unknown))}: this mock seeds {', '.join(SEEDERS)}"
            )
        with self.server.lock:
            return {
                name: SEEDERS[name](self.server, document[name])
                for name in SEEDERS
                if name in document
            }

    def fire_crons(self, at: datetime | None = None) -> list[str]:
        """Fire the crons due at `at` (now by default) as the scheduler's next poll would, on
        the server's loop: the ids of the runs made. A test need not wait for the poll."""
        with self.server.lock:
            return [run.run_id for run in self.server.scheduler.tick(at)]

    def info(self) -> dict[str, Any]:
        """What this mock serves: the document (its title, version, dialect, operations), and
        how it answers (the graphs behind the Agent Server's operations; generated answers and
        inferred collections for another document's)."""
        spec = self.server.spec
        info = spec.document.get("info") or {}
        document = {
            "title": info.get("title"),
            "version": info.get("version"),
            "openapi": spec.document.get("openapi"),
            "source": str(spec.source),
            "operations": len(spec.operations),
        }
        return {"mockserver": __version__, "document": document, **self.about}

    def dump(self) -> dict[str, Any]:
        """Every thread in the seed format: its id, metadata and current values (and the node
        that wrote them, so `next` comes back the same). History and runs are not kept."""
        with self.server.lock:
            dumped = [_dump_thread(self.server, t) for t in self.server.store.threads()]
        return {"threads": plain(dumped)}

    def arm(self, rules: Any) -> list[dict[str, Any]]:
        """Add fault rules (one JSON object or a list of them), all or none."""
        items = rules if isinstance(rules, list) else [rules]
        added = []
        try:
            for item in items:
                added.append(self.faults.add(item))
        except FaultError:
            for rule in added:
                self.faults.remove(rule.id)
            raise
        return [rule.to_json() for rule in added]


def _seed_threads(server: Server, items: Any) -> list[str]:
    if not isinstance(items, list):
        raise SeedError("threads must be a list")
    return [_seed_thread(server, item, index) for index, item in enumerate(items)]


def _seed_thread(server: Server, spec: Any, index: int) -> str:
    where = f"threads[{index}]"
    if not isinstance(spec, Mapping):
        raise SeedError(f"{where} is not an object")
    unknown = sorted(set(spec) - {"thread_id", "graph_id", "metadata", "updates"})
    if unknown:
        raise SeedError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
    metadata = dict(spec.get("metadata") or {})
    if "graph_id" in spec:
        metadata["graph_id"] = spec["graph_id"]
    body = {
        "metadata": metadata,
        **({"thread_id": spec["thread_id"]} if "thread_id" in spec else {}),
    }
    store, graphs = server.store, server.graphs
    try:
        thread, _ = threads.create_thread(store, graphs, body)
        for update in spec.get("updates") or []:
            graph = threads.graph_of(thread, graphs)
            in_flight = server.worker.queue(thread.thread_id)
            state.update_state(store, thread, graph, update, in_flight)
    except MockError as exc:
        raise SeedError(f"{where}: {exc.detail}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise SeedError(f"{where}: {exc}") from exc
    return thread.thread_id


# The resources a seed document may hold, in the order they are created.
SEEDERS: dict[str, Seeder] = {"threads": _seed_threads}


def _dump_thread(server: Server, thread: Thread) -> dict[str, Any]:
    dumped: dict[str, Any] = {"thread_id": thread.thread_id, "metadata": dict(thread.metadata)}
    head = server.store.history(thread.thread_id).head
    if head is not None:
        update: dict[str, Any] = {"values": plain_values(head.values)}
        graph = threads.graph_of(thread, server.graphs)
        writer = next((node for node in graph.nodes if graph.next_nodes(node) == head.next), None)
        if writer is not None:
            update["as_node"] = writer
        dumped["updates"] = [update]
    return dumped


def read_document(source: Mapping[str, Any] | str | Path) -> Any:
    """A seed or fault document from a mapping or a YAML/JSON file."""
    if isinstance(source, Mapping):
        return source
    text = Path(source).read_text("utf-8")
    return json.loads(text) if str(source).endswith(".json") else yaml.safe_load(text)


def parse_body(raw: bytes, content_type: str | None) -> Any:
    """A JSON or YAML request body (YAML without aliases: no billion laughs over HTTP)."""
    kind = (content_type or "application/json").split(";")[0].strip().lower()
    if "yaml" in kind:
        try:
            return yaml.load(raw.decode("utf-8"), Loader=_NoAliasLoader)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise SeedError(f"Invalid YAML in request body: {exc}") from None
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        raise SeedError("Invalid JSON in request body") from None


class _NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing aliases (`*name`)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed")
        return super().compose_node(parent, index)


def plain(value: _T) -> _T:
    """Through JSON and back: fresh plain data, never the store's shared values."""
    return cast(_T, orjson.loads(orjson.dumps(value, default=to_plain)))
