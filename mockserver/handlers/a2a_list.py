"""A2A `ListTasks` (v1.0 only; `tasks/list` is no method) as langgraph_api/api/a2a.py's
handle_list_tasks answers it: the assistant's tasks, of one context (`contextId`; an unknown
or malformed one has none) or of every context, filtered by state and by time, newest first,
paged by a numeric `pageToken`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from mockserver.handlers.a2a import _resolve  # a task's run and state, as GetTask finds them
from mockserver.handlers.a2a_parts import a2a_history, run_messages, task_ids_by_start
from mockserver.handlers.a2a_rpc import (
    INVALID_PARAMS,
    STATES,
    Refused,
    check_history_length,
    check_history_scope,
)
from mockserver.handlers.base import Call


def list_tasks(call: Call, params: dict[str, Any], assistant_id: str) -> dict[str, Any]:
    """ListTasks: the assistant's tasks (of one context, or of all), newest first, a page."""
    page_size = params.get("pageSize")
    if page_size is not None and (
        not isinstance(page_size, int) or isinstance(page_size, bool) or not 1 <= page_size <= 100
    ):
        raise Refused(INVALID_PARAMS, "pageSize must be an integer between 1 and 100.")
    history_length = params.get("historyLength")
    check_history_length(history_length)
    check_history_scope(params)
    status = params.get("status")
    if isinstance(status, str):
        status = {v: k for k, v in STATES.items()}.get(status, status)
    if status is not None and (not isinstance(status, str) or status not in STATES):
        raise Refused(INVALID_PARAMS, f"Invalid status value: '{status}'.")
    after = params.get("statusTimestampAfter")
    if after is not None and not _iso_timestamp(after):
        text = "statusTimestampAfter must be a valid ISO 8601 timestamp."
        raise Refused(INVALID_PARAMS, text)
    token = params.get("pageToken")
    if token is not None and not isinstance(token, str):
        raise Refused(INVALID_PARAMS, "pageToken must be a string.")
    offset = _page_offset(token) if token else 0
    context_id = params.get("contextId")
    if context_id is not None and not isinstance(context_id, str):
        raise Refused(INVALID_PARAMS, "contextId must be a string.")
    store = call.server.store
    if context_id is None:
        contexts = [t.thread_id for t in store.threads()]
    else:
        found = _find_thread(call, context_id)
        contexts = [] if found is None else [found]
    tasks, runs = [], {}
    for thread_id in contexts:
        for run in store.runs_of(thread_id):
            if run.assistant_id != assistant_id:
                continue
            task_id = f"{thread_id}:{run.run_id}"
            _, state = _resolve(call, {"id": task_id})
            timestamp = run.updated_at or run.created_at
            if (status and state != status) or (isinstance(after, str) and timestamp < after):
                continue
            task: dict[str, Any] = {
                "kind": "task",
                "id": task_id,
                "contextId": thread_id,
                "status": {"state": state, "timestamp": timestamp},
            }
            if not params.get("includeArtifacts", False):
                task["artifacts"] = []  # sic: the real server's, for includeArtifacts false
            tasks.append(task)
            runs[task_id] = run
    tasks.sort(key=lambda t: t["status"]["timestamp"], reverse=True)
    page = tasks[offset : offset + (page_size or 50)]
    if history_length != 0:
        for task in page:
            run = runs[task["id"]]
            messages, _ = run_messages(call, run)
            starts = task_ids_by_start(call, run.thread_id, assistant_id)
            task["history"] = a2a_history(
                messages, task["id"], run.thread_id, starts, history_length
            )
    following = offset + len(page)
    return {
        "tasks": page,
        "totalSize": len(tasks),
        "pageSize": len(page),
        "nextPageToken": str(following) if following < len(tasks) else "",
    }


def _page_offset(token: str) -> int:
    try:
        return max(int(token), 0)
    except ValueError:
        raise Refused(INVALID_PARAMS, "Invalid pageToken.") from None


def _find_thread(call: Call, context_id: str) -> str | None:
    try:
        thread = call.server.store.find_thread(str(uuid.UUID(context_id)))
    except ValueError:
        return None
    return None if thread is None else thread.thread_id


def _iso_timestamp(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
