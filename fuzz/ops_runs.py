"""Run operations: wait, create + join, streams, resumes, multitask pairs, run records.

The real server runs background runs from a queue that polls (about once a second), so
whatever races with a run is nondeterministic even between two real servers. Every run
created here is therefore joined (or streamed to its end) before anything else touches its
thread, and the only requests sent while a run is pending are a second create on the same
thread (`reject` answers 409, `enqueue` queues behind it), both decided before the queue can
pick the first run up. `interrupt`/`rollback` are only sent to idle threads: against a
pending run their effect depends on whether the queue has started it.
"""

from __future__ import annotations

import re
from typing import Any

from fuzz.model import ASSISTANT_IDS, GRAPHS, NODES, Model, Request, Thread, tags_of
from fuzz.ops_threads import thread_path
from fuzz.target import Answer

STREAM_MODES = ("values", "updates", "messages-tuple", "custom", "debug", "tasks", "checkpoints")
RUN_PATH_RE = re.compile(r"/threads/(\{\{id:\d+\}\})/runs/(\{\{id:\d+\}\})")


def _input(m: Model, graph: str) -> Any:
    roll = m.rng.random()
    if roll < 0.1:
        return None
    if roll < 0.4:
        return {"topic": f"in{m.rng.randint(0, 3)}"}
    if roll < 0.6:
        return {"messages": "hi"}
    return {"messages": [{"role": "user", "content": f"q{m.rng.randint(0, 3)}"}]}


def run_body(m: Model, thread: Thread | None, *, stream: bool = False) -> dict[str, Any]:
    """A run request for the thread's graph (sometimes another one)."""
    graph = thread.graph if thread is not None and thread.graph else m.rng.choice(GRAPHS)
    if m.rng.random() < 0.05:
        graph = m.rng.choice(GRAPHS)
    body: dict[str, Any] = {"assistant_id": ASSISTANT_IDS[graph] if m.rng.random() < 0.2 else graph}
    if thread is not None and thread.interrupted and m.rng.random() < 0.7:
        body["command"] = {"resume": m.rng.choice(["yes", "no", {"ok": True}])}
    else:
        body["input"] = _input(m, graph)
    if m.rng.random() < 0.1:
        body["interrupt_before"] = m.rng.choice([[m.rng.choice(NODES[graph])], "*"])
    if m.rng.random() < 0.1:
        body["interrupt_after"] = m.rng.choice([[m.rng.choice(NODES[graph])], "*"])
    if m.rng.random() < 0.3:
        body["metadata"] = {"purpose": m.rng.choice(["test", "demo"])}
    if m.rng.random() < 0.2:
        body["config"] = m.rng.choice(
            [
                {"tags": ["fuzz"]},
                {"configurable": {"user": "u1"}},
                {"tags": ["a", "b"], "recursion_limit": 10},
            ]
        )
    if m.rng.random() < 0.15:
        body["multitask_strategy"] = m.rng.choice(["reject", "rollback", "interrupt", "enqueue"])
    if thread is not None and thread.checkpoints and m.rng.random() < 0.05:
        body["checkpoint_id"] = m.rng.choice(thread.checkpoints)
    if stream:
        modes = m.rng.sample(STREAM_MODES, m.rng.randint(1, 3))
        body["stream_mode"] = modes[0] if len(modes) == 1 and m.rng.random() < 0.5 else modes
    return body


def _after_run(m: Model, thread: Thread | None, body: dict[str, Any]) -> Any:
    """Learn what a finished run did to its thread, from A's answer."""

    def learn(answer: Answer) -> None:
        if thread is None or answer.status != 200:
            return
        _learn_run_ids(m, thread, answer)
        thread.written = True
        if thread.graph is None:
            graph = str(body.get("assistant_id"))
            thread.graph = graph if graph in GRAPHS else None
        output = answer.body
        if isinstance(output, list) and output and isinstance(output[-1], dict):
            output = output[-1].get("data")  # a stream: its last event
        thread.interrupted = (
            isinstance(output, dict)
            and "__interrupt__" in output
            or bool(body.get("interrupt_before") or body.get("interrupt_after"))
        )

    return learn


def _learn_run_ids(m: Model, thread: Thread, answer: Answer) -> None:
    where = answer.headers.get("content-location", "")
    found = RUN_PATH_RE.search(where)
    if found and found.group(2) not in thread.runs:
        thread.runs.append(found.group(2))


def run_wait(m: Model) -> Request:
    path, thread = thread_path(m, "/runs/wait")
    body = run_body(m, thread)
    return Request(
        "POST /threads/{thread_id}/runs/wait",
        "POST",
        path,
        body,
        tags=tags_of(thread),
        learn=_after_run(m, thread, body),
    )


def run_stream(m: Model) -> Request:
    path, thread = thread_path(m, "/runs/stream")
    body = run_body(m, thread, stream=True)
    return Request(
        "POST /threads/{thread_id}/runs/stream",
        "POST",
        path,
        body,
        stream=True,
        tags=tags_of(thread),
        learn=_after_run(m, thread, body),
    )


def _join(m: Model, thread: Thread, run: str, body: dict[str, Any], *, stream: bool) -> Request:
    suffix = "stream" if stream else "join"
    op = f"GET /threads/{{thread_id}}/runs/{{run_id}}/{suffix}"
    return Request(
        op,
        "GET",
        f"/threads/{thread.tid}/runs/{run}/{suffix}",
        stream=stream,
        tags=thread.tags,
        learn=_after_run(m, thread, body),
    )


def run_create(m: Model, *, stream_join: bool = False, second: str | None = None) -> Request:
    """POST /runs; its join (or join stream) follows at once, after a second create if asked."""
    path, thread = thread_path(m, "/runs")
    body = run_body(m, thread)
    if stream_join:
        body["stream_mode"] = m.rng.sample(STREAM_MODES, m.rng.randint(1, 2))
    if second is not None:
        body.pop("multitask_strategy", None)

    def learn(answer: Answer) -> None:
        run = created_run(answer)
        if thread is None or run is None:
            return
        thread.runs.append(run)
        if second is None:
            m.followups.append(_join(m, thread, run, body, stream=stream_join))
            return
        other = dict(run_body(m, thread), multitask_strategy=second)
        other.pop("command", None)
        other.setdefault("input", {"topic": "second"})
        m.followups.append(_second_create(m, thread, other, first=(run, body)))

    note = "then join_stream" if stream_join else f"then {second} + joins" if second else ""
    return Request(
        "POST /threads/{thread_id}/runs",
        "POST",
        path,
        body,
        note=note,
        tags=tags_of(thread),
        learn=learn,
    )


def _second_create(
    m: Model, thread: Thread, body: dict[str, Any], first: tuple[str, dict[str, Any]]
) -> Request:
    def learn(answer: Answer) -> None:
        # The queued run is joined first: that join waits for both runs, and the first run's
        # join then reads an ended run. The other order races on the real server: the second
        # run may end before its join arrives, and a join answers differently then.
        run = created_run(answer)
        if run is not None:
            thread.runs.append(run)
            m.followups.append(_join(m, thread, run, body, stream=False))
        m.followups.append(_join(m, thread, first[0], first[1], stream=False))

    return Request(
        "POST /threads/{thread_id}/runs",
        "POST",
        f"/threads/{thread.tid}/runs",
        body,
        note="while the first run is pending",
        tags=thread.tags,
        learn=learn,
    )


def created_run(answer: Answer) -> str | None:
    """The run a create made on either side: it must be joined even if only one side made it,
    or it races with the next requests on that side."""
    for seen in (answer, answer.peer):
        body = seen.body if seen is not None else None
        if isinstance(body, dict) and isinstance(body.get("run_id"), str):
            return str(body["run_id"])  # a Run body (the status may read DISAGREE)
    return None


def run_create_join(m: Model) -> Request:
    return run_create(m)


def run_create_join_stream(m: Model) -> Request:
    return run_create(m, stream_join=True)


def run_pair(m: Model) -> Request:
    return run_create(m, second=m.rng.choice(["reject", "enqueue"]))


def _run_path(m: Model, suffix: str = "") -> tuple[str, Thread | None]:
    path, thread = thread_path(m)
    if thread is not None and thread.runs and m.rng.random() < 0.9:
        return f"{path}/runs/{m.rng.choice(thread.runs)}{suffix}", thread
    return f"{path}/runs/{m.uuid()}{suffix}", thread


def list_runs(m: Model) -> Request:
    path, thread = thread_path(m, "/runs")
    query = []
    if m.rng.random() < 0.4:
        query.append(f"limit={m.rng.randint(1, 4)}")
    if m.rng.random() < 0.2:
        query.append(f"offset={m.rng.randint(0, 2)}")
    if m.rng.random() < 0.2:
        query.append(f"status={m.rng.choice(['success', 'pending', 'error', 'interrupted'])}")
    suffix = "?" + "&".join(query) if query else ""
    return Request("GET /threads/{thread_id}/runs", "GET", path + suffix, tags=tags_of(thread))


def get_run(m: Model) -> Request:
    path, thread = _run_path(m)
    return Request("GET /threads/{thread_id}/runs/{run_id}", "GET", path, tags=tags_of(thread))


def join_ended(m: Model) -> Request:
    path, thread = _run_path(m, "/join")
    return Request(
        "GET /threads/{thread_id}/runs/{run_id}/join",
        "GET",
        path,
        note="an ended run",
        tags=tags_of(thread),
    )


def cancel_run(m: Model) -> Request:
    path, thread = _run_path(m, "/cancel")
    query = m.rng.choice(["", "?wait=true", "?action=interrupt", "?action=rollback"])
    return Request(
        "POST /threads/{thread_id}/runs/{run_id}/cancel",
        "POST",
        path + query,
        note="an ended or unknown run",
        tags=tags_of(thread),
    )


def delete_run(m: Model) -> Request:
    path, thread = _run_path(m)

    def learn(answer: Answer) -> None:
        run = path.rsplit("/", 1)[-1]
        if thread is not None and answer.status in (200, 204) and run in thread.runs:
            thread.runs.remove(run)

    return Request(
        "DELETE /threads/{thread_id}/runs/{run_id}",
        "DELETE",
        path,
        tags=tags_of(thread),
        learn=learn,
    )


def stateless(m: Model) -> Request:
    """/runs/wait or /runs/stream; `on_completion: keep`, since the deletion of a temporary
    thread races with the next request on the real server."""
    stream = m.rng.random() < 0.5
    body = run_body(m, None, stream=stream)
    body["on_completion"] = "keep"
    graph = next((g for g, a in ASSISTANT_IDS.items() if body["assistant_id"] in (g, a)), None)

    def learn(answer: Answer) -> None:
        found = RUN_PATH_RE.search(answer.headers.get("content-location", ""))
        if answer.status == 200 and found:
            thread = m.add_thread({"thread_id": found.group(1)}, graph)
            if thread is not None:
                thread.written = True
                thread.runs.append(found.group(2))

    op = "POST /runs/stream" if stream else "POST /runs/wait"
    return Request(op, "POST", op.split()[1], body, stream=stream, learn=learn)
