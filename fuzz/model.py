"""The client model: what a client knows of its threads, and the requests it makes next.

The model holds tokens (`{{id:n}}`), never actual ids, so one request template serves both
sides. It learns only from side A's normalised answers, so its choices (and so the whole
sequence) depend on the seed and on A alone.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fuzz.target import NO_BODY, Answer

GRAPHS = ("agent", "interrupter")
NODES = {"agent": ("agent", "tools"), "interrupter": ("ask", "finish")}
# A graph's system assistant is uuid5(NAMESPACE_GRAPH, graph_id) on every langgraph-api
# server (langgraph_api/graph.py) and in the mock.
NAMESPACE_GRAPH = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
ASSISTANT_IDS = {graph: str(uuid.uuid5(NAMESPACE_GRAPH, graph)) for graph in GRAPHS}

Learn = Callable[[Answer], None]
DISAGREE = 0  # the status the model sees when the two sides answered different statuses


@dataclass
class Request:
    """One request, as a template over id tokens; `learn` updates the model from A's answer."""

    op: str  # method and path template, e.g. "POST /threads/{thread_id}/state"
    method: str
    path: str
    body: Any = NO_BODY
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    stream: bool = False
    note: str = ""
    tags: frozenset[str] = frozenset()  # facts about the thread that deviations may key on
    learn: Learn | None = None

    def describe(self) -> dict[str, Any]:
        """The request for a report."""
        out: dict[str, Any] = {"method": self.method, "path": self.path}
        if self.body is not NO_BODY:
            out["body"] = self.body
        if self.raw is not None:
            out["raw"] = self.raw.decode(errors="replace")
        if self.headers:
            out["headers"] = self.headers
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Thread:
    """What the client knows of one thread."""

    tid: str
    graph: str | None
    checkpoints: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    written: bool = False
    interrupted: bool = False
    forked: bool = False
    copied: bool = False
    deleted: bool = False
    # created with an upper-case id and supersteps: the real server files those checkpoints
    # under the upper-case id, where its other routes do not look (docs/deviations.md #39)
    split: bool = False
    # the copy of a thread never written: its state routes and runs crash the real server
    # (docs/deviations.md #34)
    hollow: bool = False
    # an update refused (400) as the node the thread waits on: the real server keeps the
    # refused writes as that task's, and the thread's state and runs may fail with them (#120)
    poisoned: bool = False
    # created with a superstep the real server crashes on (#4): there the thread exists with
    # only the supersteps before that one
    halfmade: bool = False

    @property
    def tags(self) -> frozenset[str]:
        flags = {
            "forked": self.forked,
            "copied": self.copied,
            "deleted": self.deleted,
            "interrupted": self.interrupted,
            "written": self.written,
            "split": self.split,
            "hollow": self.hollow,
            "poisoned": self.poisoned,
            "halfmade": self.halfmade,
        }
        return frozenset(name for name, on in flags.items() if on)


def tags_of(thread: Thread | None) -> frozenset[str]:
    """The thread's tags; `unknown` for a thread the client never created."""
    return thread.tags if thread is not None else frozenset({"unknown"})


@dataclass
class Model:
    """The client's threads and the requests queued to follow the last one."""

    rng: random.Random
    threads: list[Thread] = field(default_factory=list)
    followups: deque[Request] = field(default_factory=deque)
    fresh_ids: Callable[[], str] | None = None
    any_copies: bool = False
    assistants: list[str] = field(default_factory=list)  # tokens of the assistants it made
    crons: list[str] = field(default_factory=list)  # tokens of its crons
    store_root: str = "fuzz"  # the first label of every namespace it uses
    items: dict[tuple[str, ...], set[str]] = field(default_factory=dict)  # keys it put
    # a namespace exists on the real server that the mock does not list (#70)
    phantom: bool = False
    # a create crashed on one side but left its thread there (#4): search and count show it
    halfmade: bool = False

    def live(self) -> list[Thread]:
        return [t for t in self.threads if not t.deleted]

    def pick_thread(self, *, graph: bool = False, live: bool = True) -> Thread | None:
        """A known thread (mostly a live one), or None when there is none to pick."""
        pool = [
            t for t in (self.live() if live else self.threads) if not graph or t.graph is not None
        ]
        return self.rng.choice(pool) if pool else None

    def by_token(self, tid: str) -> Thread | None:
        return next((t for t in self.threads if t.tid == tid), None)

    def uuid(self) -> str:
        """A fresh, seeded uuid4 (the same sequence for a given seed)."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add_thread(self, body: Any, graph: str | None) -> Thread | None:
        """Learn a thread from a Thread body; None when the body names none."""
        if not isinstance(body, dict) or not isinstance(body.get("thread_id"), str):
            return None
        known = self.by_token(body["thread_id"])
        if known is not None:
            known.deleted = False
            return known
        thread = Thread(body["thread_id"], graph)
        self.threads.append(thread)
        return thread

    def learn_checkpoints(self, thread: Thread, body: Any) -> None:
        """Collect the checkpoint tokens a state, history or update answer shows."""
        for item in body if isinstance(body, list) else [body]:
            if not isinstance(item, dict):
                continue
            for key in ("checkpoint", "parent_checkpoint"):
                ref = item.get(key)
                if isinstance(ref, dict) and isinstance(ref.get("checkpoint_id"), str):
                    self._add_checkpoint(thread, ref["checkpoint_id"])
            if isinstance(item.get("checkpoint_id"), str):
                self._add_checkpoint(thread, item["checkpoint_id"])

    def _add_checkpoint(self, thread: Thread, cid: str) -> None:
        if cid.startswith("{{id:") and cid not in thread.checkpoints:
            thread.checkpoints.append(cid)
            thread.written = True

    def learn_state(self, thread: Thread, body: Any) -> None:
        """Interrupted or not, from a ThreadState body."""
        if isinstance(body, dict) and "next" in body:
            thread.interrupted = bool(body.get("interrupts")) or bool(body.get("next"))
            self.learn_checkpoints(thread, body)
