"""The sequential workloads: one keep-alive connection, prebuilt requests, every target alike.

Each loop is bounded by a count and by a deadline; what a loop actually did is in its Sample.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.client import Connection
from bench.stats import Clock, Sample, deadline, percentile

WARMUP = 30
TOPIC = json.dumps({"values": {"topic": "weather"}, "as_node": "agent"}).encode()
MESSAGE = json.dumps(
    {
        "values": {"messages": [{"role": "ai", "content": "It is sunny in Lisbon, 24 degrees."}]},
        "as_node": "agent",
    }
).encode()


@dataclass(frozen=True)
class Plan:
    """How much each workload does; `quick` is for smoke runs, not for numbers."""

    ok_requests: int = 2000
    pairs: int = 2000  # workload 1: update_state + get_state pairs
    messages: int = 2000  # workload 2: the message count the thread grows to
    window: int = 20  # workload 2: updates per latency window ("at 10" = updates 1..20)
    history_sizes: tuple[int, int] = (100, 10_000)
    history_requests: int = 1000
    wrk_seconds: int = 10
    wrk_connections: int = 32
    startups: int = 3  # mock start-up samples (the median is reported)
    repeats: int = 3  # workload 1 runs, for the median and spread of server CPU per request
    inprocess_pairs: int = 2000
    memory_threads: int = 100  # workload 7: threads x checkpoints each
    memory_checkpoints: int = 1000
    seconds: float = 300.0  # cap on any one sequential loop

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            ok_requests=100,
            pairs=100,
            messages=60,
            window=10,
            history_sizes=(10, 200),
            history_requests=50,
            wrk_seconds=1,
            startups=1,
            repeats=1,
            inprocess_pairs=100,
            memory_threads=4,
            memory_checkpoints=100,
            seconds=20.0,
        )


def create_thread(conn: Connection, supersteps: list[dict[str, object]] | None = None) -> str:
    body: dict[str, object] = {"metadata": {"graph_id": "agent"}}
    if supersteps:
        body["supersteps"] = supersteps
    status, reply = conn.request(conn.build("POST", "/threads", json.dumps(body).encode()))
    if status != 200:
        raise RuntimeError(f"POST /threads answered {status}: {reply[:200]!r}")
    return str(json.loads(reply)["thread_id"])


def get_ok(url: str, plan: Plan, pid: int | None = None) -> Sample:
    """Workload 0: GET /ok, the floor of each server's HTTP stack (and of the client)."""
    conn, sample, expired = Connection(url), Sample(), deadline(plan.seconds)
    raw = conn.build("GET", "/ok")
    _repeat(conn, [raw], plan.ok_requests, sample, expired, pid)
    return sample


def update_get(url: str, plan: Plan, pid: int | None = None) -> Sample:
    """Workload 1: update_state (topic, as_node agent) then get_state, on one thread."""
    conn, sample, expired = Connection(url), Sample(), deadline(plan.seconds)
    path = f"/threads/{create_thread(conn)}/state"
    update, get = conn.build("POST", path, TOPIC), conn.build("GET", path)
    _repeat(conn, [update, get], plan.pairs, sample, expired, pid)
    return sample


def update_get_repeated(url: str, plan: Plan, pid: int | None = None) -> Sample:
    """Workload 1, `plan.repeats` times (a fresh thread each): the run with the median server
    CPU per request, carrying every run's figure in `server_us_runs` (its spread)."""
    samples = [update_get(url, plan, pid) for _ in range(plan.repeats)]
    measured = sorted((s for s in samples if s.server_cpu_s is not None), key=lambda s: s.server_us)
    chosen = measured[(len(measured) - 1) // 2] if measured else samples[0]
    chosen.server_us_runs = [s.server_us for s in samples if s.server_cpu_s is not None]
    return chosen


@dataclass
class Growth:
    """Workload 2: every request, plus update and get latency by message count."""

    sample: Sample
    update_ns: list[int] = field(default_factory=list)  # [i]: the update making i+1 messages
    get_ns: list[int] = field(default_factory=list)
    final_messages: int = 0

    def update_p50_ms(self, first: int, last: int) -> float:
        """Median update latency over the updates that made `first`..`last` messages."""
        return percentile(self.update_ns[first - 1 : last], 50) / 1e6

    def curve(self, buckets: int = 40) -> list[tuple[float, float, float]]:
        """(message count, update p50 ms, get p50 ms) per bucket, for the plot."""
        width = max(1, len(self.update_ns) // buckets)
        points = []
        for start in range(0, len(self.update_ns) - width + 1, width):
            end = start + width
            points.append(
                (
                    (start + end + 1) / 2,
                    percentile(self.update_ns[start:end], 50) / 1e6,
                    percentile(self.get_ns[start:end], 50) / 1e6,
                )
            )
        return points


def growth(url: str, plan: Plan, pid: int | None = None) -> Growth:
    """Workload 2: each update adds one message (as_node agent); get_state after each."""
    conn, expired = Connection(url), deadline(plan.seconds)
    warm = f"/threads/{create_thread(conn)}/state"
    for _ in range(WARMUP):
        conn.request(conn.build("POST", warm, MESSAGE))
        conn.request(conn.build("GET", warm))
    path = f"/threads/{create_thread(conn)}/state"
    update, get = conn.build("POST", path, MESSAGE), conn.build("GET", path)
    result = Growth(Sample())
    sample = result.sample
    with Clock(sample, pid):
        for _ in range(plan.messages):
            status, body, ns = conn.timed(update)
            sample.check(status, body)
            result.update_ns.append(ns)
            status, body, get_ns = conn.timed(get)
            sample.check(status, body)
            result.get_ns.append(get_ns)
            sample.latencies_ns += (ns, get_ns)
            if expired():
                break
    status, body = conn.request(get)
    if status == 200:
        result.final_messages = len(json.loads(body)["values"].get("messages", []))
    conn.close()
    return result


def history(url: str, checkpoints: int, plan: Plan, pid: int | None = None) -> Sample:
    """Workload 4: GET history?limit=10 on a thread given `checkpoints` checkpoints."""
    conn, sample, expired = Connection(url, timeout=300), Sample(), deadline(plan.seconds)
    steps = [
        {"updates": [{"values": {"topic": f"t{i}"}, "as_node": "agent"}]}
        for i in range(checkpoints)
    ]
    raw = conn.build("GET", f"/threads/{create_thread(conn, steps)}/history?limit=10")
    status, body = conn.request(raw)
    if status != 200 or len(json.loads(body)) != 10:
        sample.check(status if status != 200 else 0, body)  # not 10 states: report it
    _repeat(conn, [raw], plan.history_requests, sample, expired, pid)
    return sample


def _repeat(
    conn: Connection,
    requests: list[bytes],
    rounds: int,
    sample: Sample,
    expired: Callable[[], bool],
    pid: int | None = None,
) -> None:
    """Warm up, then send `requests` in turn `rounds` times (or until `expired`), timing each
    (and the server's CPU time, given its `pid`); closes the connection."""
    for _ in range(WARMUP):
        for raw in requests:
            conn.request(raw)
    with Clock(sample, pid):
        for _ in range(rounds):
            for raw in requests:
                status, body, ns = conn.timed(raw)
                sample.latencies_ns.append(ns)
                sample.check(status, body)
            if expired():
                break
    conn.close()
