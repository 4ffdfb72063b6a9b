"""Drive two servers with the same seeded client sequence and classify every step."""

from __future__ import annotations

import json
import random
import secrets
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TextIO

from fuzz import ops_misc, ops_more, ops_runs, ops_state, ops_threads, ops_wide
from fuzz.compare import Difference, differences, signature
from fuzz.deviations import Deviation
from fuzz.model import ASSISTANT_IDS, DISAGREE, NAMESPACE_GRAPH, Model, Request
from fuzz.normalise import A, B, Pairing
from fuzz.target import Answer, Target

Operation = Callable[[Model], Request]
# How often each kind of step is chosen; runs and state updates dominate, as in real clients.
WEIGHTS: tuple[tuple[Operation, int], ...] = (
    (ops_threads.create_thread, 9),
    (ops_threads.get_thread, 4),
    (ops_threads.patch_thread, 3),
    (ops_threads.delete_thread, 2),
    (ops_threads.search_threads, 6),
    (ops_threads.count_threads, 3),
    (ops_threads.copy_thread, 2),
    (ops_state.get_state, 5),
    (ops_state.get_state_at, 3),
    (ops_state.post_state_checkpoint, 2),
    (ops_state.update_state, 14),
    (ops_state.history, 6),
    (ops_runs.run_wait, 7),
    (ops_runs.run_create_join, 4),
    (ops_runs.run_create_join_stream, 3),
    (ops_runs.run_stream, 6),
    (ops_runs.run_pair, 2),
    (ops_runs.list_runs, 3),
    (ops_runs.get_run, 2),
    (ops_runs.join_ended, 1),
    (ops_runs.cancel_run, 2),
    (ops_runs.delete_run, 1),
    (ops_runs.stateless, 2),
    (ops_misc.search_assistants, 1),
    (ops_misc.get_assistant, 1),
    (ops_misc.assistant_graph, 1),
    (ops_misc.assistant_schemas, 1),
    (ops_misc.invalid, 3),
    (ops_more.create_assistant, 2),
    (ops_more.patch_assistant, 1),
    (ops_more.get_created_assistant, 1),
    (ops_more.assistant_versions, 1),
    (ops_more.delete_assistant, 1),
    (ops_more.put_item, 2),
    (ops_more.get_item, 1),
    (ops_more.delete_item, 1),
    (ops_more.search_items, 1),
    (ops_more.list_namespaces, 1),
    (ops_more.create_cron, 1),
    (ops_more.search_crons, 1),
    (ops_more.delete_cron, 1),
    (ops_wide.bulk_cancel, 1),
    (ops_wide.prune_threads, 1),
    (ops_wide.search_threads_edges, 2),
    (ops_wide.subgraphs, 1),
    (ops_wide.search_assistants_more, 1),
    (ops_wide.get_cron, 1),
    (ops_wide.patch_cron, 1),
    (ops_wide.search_crons_more, 1),
    (ops_wide.search_items_operators, 1),
)
MIN_THREADS = 2
# The reference app's graphs (scripts/reference_app: also `slow`, which the fuzzer never runs):
# their system assistants have the same uuid5 on every server, so they pair with themselves.
SYSTEM_ASSISTANTS = (*ASSISTANT_IDS.values(), str(uuid.uuid5(NAMESPACE_GRAPH, "slow")))
RESET_PAGE = 100


@dataclass
class Step:
    """One request sent to both sides, and how their answers compare."""

    seed: int
    index: int
    op: str
    request: dict[str, Any]
    statuses: tuple[int, int]
    verdict: str  # identical, documented, different
    signature: str = ""
    differences: list[Difference] = field(default_factory=list)
    documented_by: list[Deviation] = field(default_factory=list)
    answers: tuple[dict[str, Any], dict[str, Any]] | None = None  # normalised


@dataclass
class SeedResult:
    seed: int
    steps: list[Step]
    seconds: float


def choose(model: Model) -> Request:
    """The next request: a queued follow-up, else a weighted random operation."""
    if model.followups:
        return model.followups.popleft()
    if len(model.live()) < MIN_THREADS and model.rng.random() < 0.7:
        return ops_threads.create_thread(model)
    operations, weights = zip(*WEIGHTS, strict=True)
    operation: Operation = model.rng.choices(operations, weights)[0]
    return operation(model)


def reset(target: Target) -> None:
    """Delete every thread (and so every run), every assistant but the system ones, every
    cron and every store item on one side."""
    while True:
        found = target.send(
            "POST", "/threads/search", {"limit": RESET_PAGE, "select": ["thread_id"]}
        )
        if found.status != 200 or not found.body:
            break
        for thread in found.body:
            target.send("DELETE", f"/threads/{thread['thread_id']}")
    made = target.send("POST", "/assistants/search", {"limit": 1000})
    for assistant in made.body if made.status == 200 else []:
        if assistant["assistant_id"] not in SYSTEM_ASSISTANTS:
            target.send("DELETE", f"/assistants/{assistant['assistant_id']}")
    crons = target.send("POST", "/runs/crons/search", {"limit": 1000})
    for cron in crons.body if crons.status == 200 else []:
        target.send("DELETE", f"/runs/crons/{cron['cron_id']}")
    spaces = target.send("POST", "/store/namespaces", {"limit": 1000})
    for namespace in spaces.body.get("namespaces", []) if spaces.status == 200 else []:
        items = target.send(
            "POST", "/store/items/search", {"namespace_prefix": namespace, "limit": 1000}
        )
        for item in items.body.get("items", []) if items.status == 200 else []:
            target.send(
                "DELETE", "/store/items", {"namespace": item["namespace"], "key": item["key"]}
            )


class Runner:
    """Runs seeds against two targets; both stay up across seeds."""

    def __init__(
        self, a: Target, b: Target, deviations: list[Deviation], trace: TextIO | None = None
    ) -> None:
        self.targets = (a, b)
        self.deviations = deviations
        self.trace = trace  # every step as a JSON line: request, normalised answers, verdict
        self.pool = ThreadPoolExecutor(max_workers=2)
        # namespaces a run used stay listed on the real server: each run names its own
        self.nonce = secrets.token_hex(3)

    def close(self) -> None:
        self.pool.shutdown()

    def run_seed(self, seed: int, steps: int) -> SeedResult:
        started = time.monotonic()
        list(self.pool.map(reset, self.targets))
        model = Model(random.Random(seed), store_root=f"fuzz-{seed}-{self.nonce}")
        pairing = Pairing(urls=(self.targets[A].url, self.targets[B].url))
        for assistant in SYSTEM_ASSISTANTS:
            pairing.bind_both(assistant)
        results: list[Step] = []
        while len(results) < steps or model.followups:  # never leave a run unjoined
            results.append(self.step(seed, len(results), model, pairing, choose(model)))
        return SeedResult(seed, results, time.monotonic() - started)

    def _send(self, side: int, pairing: Pairing, request: Request) -> Answer:
        return self.targets[side].send(
            request.method,
            pairing.render(side, request.path),
            pairing.render(side, request.body),
            raw=request.raw,
            headers=request.headers,
            stream=request.stream,
        )

    def step(self, seed: int, index: int, model: Model, pairing: Pairing, request: Request) -> Step:
        a, b = self.pool.map(lambda side: self._send(side, pairing, request), (A, B))
        norm_a, norm_b = pairing.normalise_pair(a.as_json(), b.as_json())
        if request.learn is not None:
            # The model learns from A's answer, and only from a status both sides agree on:
            # an object only one side created (say, a thread the real server's 500 lost) would
            # turn every later step on it into a difference.
            status = a.status if a.status == b.status else DISAGREE
            peer = Answer(b.status, norm_b["headers"], norm_b["body"])
            request.learn(Answer(status, norm_a["headers"], norm_a["body"], peer))
        step = self.classify(seed, index, request, (norm_a, norm_b))
        if self.trace is not None:
            line = {
                "seed": seed,
                "step": index,
                "verdict": step.verdict,
                "op": request.op,
                "request": step.request,
                "a": norm_a,
                "b": norm_b,
            }
            self.trace.write(json.dumps(line, default=repr) + "\n")
        return step

    def classify(
        self,
        seed: int,
        index: int,
        request: Request,
        answers: tuple[dict[str, Any], dict[str, Any]],
    ) -> Step:
        statuses = (answers[A]["status"], answers[B]["status"])
        step = Step(seed, index, request.op, request.describe(), statuses, "identical")
        step.differences = differences(answers[A], answers[B])
        if not step.differences:
            return step
        step.answers = answers
        undocumented = []
        for difference in step.differences:
            entry = next(
                (
                    d
                    for d in self.deviations
                    if d.matches(request.op, statuses, request.tags, step.request, difference)
                ),
                None,
            )
            if entry is None:
                undocumented.append(difference)
            elif entry not in step.documented_by:
                step.documented_by.append(entry)
        step.verdict = "different" if undocumented else "documented"
        step.signature = signature(request.op, statuses, (undocumented or step.differences)[0])
        return step
