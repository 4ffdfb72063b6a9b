#!/usr/bin/env python3
"""Record the real server's A2A answers (/a2a/{assistant_id}, agent cards) into
tests/data/a2a_recording.json.

Usage: python scripts/record_a2a.py URL   (URL: a fresh `langgraph dev`, scripts/real_server.py)

The steps run in order; `{A}` / `{I}` are the `agent` / `interrupter` system assistants,
`{S}` the `slow` one, `{T1}` / `{C1}` (and so on) the task and context ids of an earlier
step's answer (a run of the runs API sets up a task still going; only the A2A answers are
compared). Each exchange keeps the request, the status, the content-type and the body (a
stream's events as sent) with server-made ids, timestamps and the server's address
normalised (see `normalised`). Requests the real server answers with a 500 are not
recorded (docs/deviations.md). Stdlib only.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "a2a_recording.json"
AGENT = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"
INTERRUPTER = "fc7dd03f-cf33-529f-91df-327d1231b64e"
SLOW = "cad1b5ad-d177-59d1-ab39-5e327188ed3a"
SLOW_CONTEXT = "4a4a4a4a-0000-4000-8000-000000000004"
SLOW_RUN = '{"assistant_id":"{S}","input":{"topic":"t"},"if_not_exists":"create"}'
JSON = "application/json"
SSE = "text/event-stream"


def send(message: str, id_: int = 1, method: str = "message/send", extra: str = "") -> str:
    return (
        f'{{"jsonrpc":"2.0","id":{id_},"method":"{method}","params":{{"message":'
        f'{{"role":"user","messageId":"m{id_}",{message}}}{extra}}}}}'
    )


def rpc(method: str, params: str, id_: int = 1) -> str:
    return f'{{"jsonrpc":"2.0","id":{id_},"method":"{method}","params":{params}}}'


HI = '"parts":[{"kind":"text","text":"hello"}]'
AGAIN = '"contextId":"{C1}","parts":[{"kind":"text","text":"again"}]'
# (http method, path, accept, body, name to keep the answer's task id under)
STEPS: list[tuple[str, str, str | None, str, str | None]] = [
    ("GET", "/a2a/{A}", None, "", None),
    ("GET", "/a2a/{A}/.well-known/agent-card.json", None, "", None),
    ("GET", "/.well-known/agent-card.json?assistant_id={I}", None, "", None),
    ("GET", "/.well-known/agent-card.json", None, "", None),
    ("GET", "/a2a/00000000-0000-0000-0000-000000000000", None, "", None),
    ("DELETE", "/a2a/{A}", None, "", None),
    ("POST", "/a2a/{A}", JSON, "xx", None),
    ("POST", "/a2a/{A}", JSON, "[1]", None),
    ("POST", "/a2a/{A}", JSON, '{"id":1}', None),
    ("POST", "/a2a/{A}", JSON, '{"jsonrpc":"2.0","id":[1],"method":"tasks/get"}', None),
    ("POST", "/a2a/{A}", JSON, '{"jsonrpc":"2.0","id":1,"method":5}', None),
    ("POST", "/a2a/{A}", JSON, '{"jsonrpc":"2.0","id":1,"method":"foo"}', None),
    ("POST", "/a2a/{A}", JSON, rpc("message/send", "5", 1), None),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":1,"method":"message/send","params":{}}',
        None,
    ),
    ("POST", "/a2a/{A}", "text/html", '{"jsonrpc":"2.0","id":1,"method":"tasks/get"}', None),
    ("POST", "/a2a/{A}", None, '{"jsonrpc":"2.0","id":1,"method":"tasks/get"}', None),
    ("POST", "/a2a/{A}", JSON, '{"jsonrpc":"2.0","id":1,"result":{}}', None),
    ("POST", "/a2a/{A}", JSON, '{"jsonrpc":"2.0","id":1}', None),
    ("POST", "/a2a/{A}", JSON, '{"jsonrpc":"2.0","method":"tasks/get"}', None),
    ("POST", "/a2a/nope", JSON, rpc("tasks/get", "{}", 1), None),
    ("POST", "/a2a/00000000-0000-0000-0000-000000000000", JSON, send(HI), None),
    ("POST", "/a2a/{A}", JSON, send('"parts":[]'), None),
    ("POST", "/a2a/{A}", JSON, send('"parts":[{"kind":"file"}]'), None),
    ("POST", "/a2a/{A}", JSON, send('"parts":[{"data":5}]'), None),
    ("POST", "/a2a/{A}", JSON, send('"contextId":"abc",' + HI), None),
    ("POST", "/a2a/{A}", JSON, send('"taskId":"abc",' + HI), None),
    ("POST", "/a2a/{A}", JSON, send(HI, extra=',"configuration":{"historyLength":11}'), None),
    ("POST", "/a2a/{A}", JSON, send(HI, extra=',"configuration":{"historyLength":-1}'), None),
    ("POST", "/a2a/{A}", JSON, send(HI, extra=',"configuration":5'), None),
    ("POST", "/a2a/{A}", JSON, rpc("tasks/get", "{}", 1), None),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":5}}',
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"abc"}}',
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":1,"method":"tasks/cancel","params":{"id":"abc"}}',
        None,
    ),
    ("POST", "/a2a/{A}", JSON, send(HI), "1"),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        send(AGAIN, 2),
        "2",
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":3,"method":"tasks/get","params":{"id":"{T1}"}}',
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":3,"method":"GetTask","params":{"id":"{T2}"}}',
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":3,"method":"tasks/get","params":{"id":"{T1}","historyLength":0}}',
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":3,"method":"tasks/get","params":{"id":"{T1}","contextId":"x"}}',
        None,
    ),
    (
        "POST",
        "/a2a/{I}",
        JSON,
        '{"jsonrpc":"2.0","id":3,"method":"tasks/get","params":{"id":"{T1}"}}',
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":4,"method":"tasks/cancel","params":{"id":"{T1}"}}',
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        '{"jsonrpc":"2.0","id":4,"method":"CancelTask","params":{"id":"{T2}"}}',
        None,
    ),
    ("POST", "/a2a/{A}", JSON, send('"taskId":"{T1}",' + HI), None),
    ("POST", "/a2a/{I}", JSON, send(HI, 5), "3"),
    (
        "POST",
        "/a2a/{I}",
        JSON,
        '{"jsonrpc":"2.0","id":3,"method":"tasks/get","params":{"id":"{T3}"}}',
        None,
    ),
    ("POST", "/a2a/{A}", JSON, send('"parts":[{"kind":"data","data":{"topic":"x"}}]', 6), None),
    ("POST", "/a2a/{A}", JSON, send(HI, 7, extra=',"configuration":{"historyLength":1}'), None),
    ("POST", "/a2a/{A}", JSON, send(HI, 8, extra=',"configuration":{"historyLength":0}'), None),
    ("POST", "/a2a/{A}", "*/*", send(HI, 9, "SendMessage").replace('"user"', '"ROLE_USER"'), None),
    ("POST", "/a2a/{A}", JSON, '{"jsonrpc":"2.0","id":1,"method":"GetExtendedAgentCard"}', None),
    # a task whose run is still going (set up through the runs API, not compared): cancelled
    ("POST", f"/threads/{SLOW_CONTEXT}/runs", JSON, SLOW_RUN, "4"),
    ("POST", "/a2a/{S}", JSON, rpc("tasks/cancel", '{"id":"{T4}"}', 4), None),
    ("POST", "/a2a/{S}", JSON, rpc("tasks/get", '{"id":"{T4}"}', 3), None),
    ("POST", "/a2a/{S}", JSON, rpc("tasks/cancel", '{"id":"{T4}"}', 4), None),
    # streaming: the Accept header must allow text/event-stream
    ("POST", "/a2a/{A}", JSON, send(HI, 10, "message/stream"), None),
    ("POST", "/a2a/{A}", None, send(HI, 10, "message/stream"), None),
    ("POST", "/a2a/{A}", SSE, send(HI, 10, "message/stream"), "5"),
    ("POST", "/a2a/{A}", "*/*", send(AGAIN.replace("C1", "C5"), 11, "message/stream"), "6"),
    ("POST", "/a2a/{A}", SSE, send('"parts":[]', 12, "message/stream"), None),
    ("POST", "/a2a/{A}", SSE, send('"taskId":"abc",' + HI, 12, "message/stream"), None),
    ("POST", "/a2a/{A}", SSE, send('"taskId":"{T1}",' + HI, 12, "message/stream"), None),
    (
        "POST",
        "/a2a/{A}",
        SSE,
        send('"parts":[{"text":"x","data":{}}]', 12, "message/stream"),
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        SSE,
        rpc("message/stream", '{"message":{"role":"user","parts":[{"text":"x"}]}}', 12),
        None,
    ),
    ("POST", "/a2a/{A}", SSE, send('"parts":[{"data":5}]', 12, "message/stream"), None),
    (
        "POST",
        "/a2a/{A}",
        SSE,
        send(HI, 13, "message/stream", ',"configuration":{"historyLength":11}'),
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        f"{JSON}, {SSE}",
        send('"parts":[{"kind":"data","data":{"topic":"x"}}]', 14, "message/stream"),
        None,
    ),
    (
        "POST",
        "/a2a/{I}",
        SSE,
        send(HI, 15, "SendStreamingMessage").replace('"user"', '"ROLE_USER"'),
        "7",
    ),
    ("POST", "/a2a/{I}", SSE, send(HI, 16, "message/stream"), None),
    ("POST", "/a2a/{I}", JSON, rpc("tasks/get", '{"id":"{T7}"}', 17), None),
    # ListTasks (v1.0 only: tasks/list is no method)
    ("POST", "/a2a/{A}", JSON, rpc("tasks/list", "{}", 20), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"contextId":"{C5}"}', 21), None),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        rpc("ListTasks", '{"contextId":"{C1}","historyLength":1}', 22),
        None,
    ),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"contextId":"{C1}","pageSize":1}', 23), None),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        rpc("ListTasks", '{"contextId":"{C1}","pageSize":1,"pageToken":"1"}', 24),
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        rpc("ListTasks", '{"contextId":"{C1}","historyLength":0,"includeArtifacts":true}', 25),
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        rpc("ListTasks", '{"contextId":"{C5}","status":"completed","historyLength":0}', 26),
        None,
    ),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        rpc("ListTasks", '{"contextId":"{C5}","status":"TASK_STATE_FAILED"}', 27),
        None,
    ),
    ("POST", "/a2a/{I}", JSON, rpc("ListTasks", '{"historyLength":0}', 28), None),
    ("POST", "/a2a/{I}", JSON, rpc("ListTasks", '{"contextId":"{C1}"}', 29), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"contextId":"abc"}', 30), None),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        rpc("ListTasks", '{"contextId":"' + SLOW_CONTEXT[:-1] + '9"}', 30),
        None,
    ),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"contextId":5}', 31), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"pageSize":0}', 31), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"pageSize":101}', 31), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"pageSize":"5"}', 31), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"pageToken":5}', 31), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"pageToken":"x"}', 31), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"status":"done"}', 31), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"statusTimestampAfter":"nope"}', 31), None),
    ("POST", "/a2a/{A}", JSON, rpc("ListTasks", '{"historyLength":11}', 31), None),
    (
        "POST",
        "/a2a/{A}",
        JSON,
        rpc("ListTasks", '{"contextId":"{C1}","statusTimestampAfter":"2999-01-01T00:00:00Z"}', 32),
        None,
    ),
]
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX32 = re.compile(r"\b[0-9a-f]{32}\b")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")
_BASE = re.compile(r"http://[^/\"]+/a2a/")


def normalised(text: str) -> str:
    """Server-made ids, timestamps and the server's address replaced."""
    text = _BASE.sub("<base>/a2a/", text)
    seen: dict[str, str] = {}  # each uuid by its order of appearance: which ids repeat shows
    text = _UUID.sub(lambda m: seen.setdefault(m[0], f"<uuid{len(seen) + 1}>"), text)
    return _HEX32.sub("<id>", _TIME.sub("<time>", text))


def bound(text: str, names: dict[str, str]) -> str:
    for name, value in names.items():
        text = text.replace("{" + name + "}", value)
    return text


def kept(keep: str, answer: dict) -> dict[str, str]:
    """The task and context ids of an answer (a task, or a run of the runs API)."""
    if "run_id" in answer:
        task_id = f"{answer['thread_id']}:{answer['run_id']}"
    else:
        task_id = answer["result"].get("task", answer["result"])["id"]
    return {"T" + keep: task_id, "C" + keep: task_id.split(":")[0]}


def first_answer(raw: str) -> dict:
    """A JSON answer, or the first event's data of a server-sent event stream."""
    if raw.startswith("event:"):
        raw = next(line for line in raw.splitlines() if line.startswith("data: "))[6:]
    return json.loads(raw)


def exchange(url: str, method: str, path: str, accept: str | None, body: str) -> dict:
    request = urllib.request.Request(
        url + path, data=body.encode() if method == "POST" else None, method=method
    )
    request.add_header("Accept", accept or "")
    if method == "POST":
        request.add_header("Content-Type", JSON)
    try:
        with urllib.request.urlopen(request) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    return {"status": status, "content_type": headers.get("content-type"), "raw": raw.decode()}


def main() -> None:
    url = sys.argv[1].rstrip("/")
    names = {"A": AGENT, "I": INTERRUPTER, "S": SLOW}
    recorded = []
    for method, path, accept, body, keep in STEPS:
        answer = exchange(url, method, bound(path, names), accept, bound(body, names))
        assert answer["status"] < 500, (path, body, answer)
        if keep:
            names.update(kept(keep, first_answer(answer["raw"])))
        recorded.append(
            {
                "method": method,
                "path": path,
                "accept": accept,
                "body": body,
                "keep": keep,
                "status": answer["status"],
                "content_type": answer["content_type"],
                "response": normalised(answer["raw"]),
            }
        )
    OUT.write_text(json.dumps(recorded, indent=1) + "\n")
    print(f"{len(recorded)} exchanges -> {OUT}")


if __name__ == "__main__":
    main()
