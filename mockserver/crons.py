"""Crons: run payloads on a schedule, kept as records; cron_scheduler.py fires the due ones.

A cron holds a run request (`payload`), a schedule in croniter's syntax (five fields, or six
with seconds, or seven with years; `@daily` and the like), an optional IANA timezone the
schedule reads in, and an optional end. Its `next_run_date` is the schedule's first date after
the moment the cron was made, rescheduled or last fired, in UTC, as langgraph-api computes it
(`next_cron_date`). Checks, texts and the order they come in are langgraph-api's
(api/runs.py, langgraph_runtime_inmem ops.Crons).

Knows nothing about HTTP.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from uuid6 import uuid7

from mockserver import paging
from mockserver.assistants import AssistantRegistry
from mockserver.errors import BadRequest, InvalidValue, MockError, NotFound
from mockserver.store import Cron, Store
from mockserver.webhooks import check_webhook

BAD_SCHEDULE = (
    "Invalid cron schedule: '{schedule}'. Reason: Invalid cron schedule. Ensure the schedule "
    "uses the standard cron format (minute hour day_of_month month day_of_week). "
    "Example: '*/5 * * * *' for every 5 minutes."
)
BAD_TIMEZONE = "Invalid timezone: '{timezone}'. Use IANA timezone format (e.g. 'America/New_York')."
# The mock's own words: the real server takes any string as an end time (check_end_time).
BAD_END_TIME = "Invalid end_time: '{end_time}'. Use an ISO 8601 date-time."
NO_ASSISTANT = "Assistant '{assistant_id}' not found"
NO_THREAD = (
    "Thread with ID '{thread_id}' not found. Please verify the ID is correct and the thread "
    "hasn't been deleted or expired."
)
NO_CRON = "Cron '{cron_id}' not found"  # PATCH's words; GET and DELETE say `Not Found`
EMPTY_PATCH = "Request body cannot be empty"
# What langgraph-api strips from a request before it reads it (validation.py).
RESERVED_METADATA = frozenset(
    {"thread_id", "assistant_id", "run_id", "cron_id", "counters_since_delta_snapshot"}
)
RESERVED_CONFIGURABLE = frozenset(
    {
        "langgraph_auth_user",
        "langgraph_auth_user_id",
        "langgraph_auth_permissions",
        "langgraph_request_id",
        "__langsmith_project__",
        "__langsmith_example_id__",
        "__request_start_time_ms__",
        "__after_seconds__",
        "__otel_traceparent__",
        "__otel_tracestate__",
        "__dd_trace_headers__",
        "__pregel_node_finished",
        "__context_provided__",
    }
)
_FIELDS = tuple(f.name for f in fields(Cron))
_BY_TEXT = frozenset({"cron_id", "assistant_id", "thread_id"})  # sorted as lowercase text
_NEVER = datetime.min.replace(tzinfo=UTC)  # where a missing date sorts


# ---- records ----------------------------------------------------------------------------------


def render_cron(cron: Cron) -> dict[str, Any]:
    """A cron as the Cron body, keys in the real server's order."""
    return {name: getattr(cron, name) for name in _FIELDS}


def canonical(cron_id: str) -> str:
    """A cron id (validated as a UUID) in canonical form."""
    return str(uuid.UUID(cron_id))


def get_cron(store: Store, cron_id: str) -> Cron:
    """The cron; NotFound (`Not Found`, the real server's words for GET and DELETE)."""
    cron = store.cron(canonical(cron_id))
    if cron is None:
        raise NotFound("Not Found")
    return cron


def create_cron(
    store: Store, assistants: AssistantRegistry, thread_id: str | None, body: Mapping[str, Any]
) -> Cron:
    """POST /runs/crons (`thread_id` None) and POST /threads/{thread_id}/runs/crons: the new
    cron, its payload the request with the assistant's id and `config.configurable.cron_id`."""
    body = _sanitized(body)
    if webhook := body.get("webhook"):
        check_webhook(str(webhook))
    given = body["assistant_id"]
    if given and given not in assistants.graph_ids and not _is_uuid(given):
        raise NotFound(NO_ASSISTANT.format(assistant_id=given))
    schedule, timezone, end_time = body["schedule"], body.get("timezone"), body.get("end_time")
    check_timezone(timezone)
    check_end_time(end_time)
    check_schedule(schedule)
    try:
        assistant_id = assistants.get(assistants.resolve_id(given)).assistant_id
    except MockError:
        raise NotFound(NO_ASSISTANT.format(assistant_id=given)) from None
    if thread_id is not None and store.find_thread(thread_id) is None:
        raise NotFound(NO_THREAD.format(thread_id=thread_id))
    cron_id = str(uuid7())
    payload = dict(body)
    payload["assistant_id"] = assistant_id
    config = payload.setdefault("config", {})
    config.setdefault("configurable", {})["cron_id"] = cron_id
    now = datetime.now(UTC)
    cron = Cron(
        cron_id=cron_id,
        assistant_id=assistant_id,
        thread_id=thread_id,
        user_id="",
        end_time=end_time,
        schedule=schedule,
        timezone=timezone,
        payload=payload,
        next_run_date=next_run(schedule, now, timezone),
        metadata=copy.deepcopy(body.get("metadata") or {}),
        # Only a stateless cron has a thread to keep or delete.
        on_run_completed=None if thread_id else body.get("on_run_completed") or "delete",
        enabled=body.get("enabled", True),
        created_at=now.isoformat(),
        updated_at=now.isoformat(),
    )
    store.save_cron(cron)
    return cron


def patch_cron(store: Store, cron_id: str, body: Mapping[str, Any]) -> Cron:
    """PATCH /runs/crons/{cron_id}: the fields given replace the cron's (`end_time: null`
    clears it; `metadata` is merged); a new schedule or timezone reschedules it. Every field
    given also goes into the payload (its `assistant_id` and `cron_id` stay), as on the real
    server. Nothing is written when any check fails."""
    if not body:
        raise BadRequest(EMPTY_PATCH)
    body = _sanitized(body)
    timezone = body.get("timezone")
    check_timezone(timezone)
    if webhook := body.get("webhook"):
        check_webhook(str(webhook))
    check_end_time(body.get("end_time"))
    cron = store.cron(canonical(cron_id))
    if cron is None:
        raise NotFound(NO_CRON.format(cron_id=cron_id))
    now = datetime.now(UTC)
    changes: dict[str, Any] = {}
    if timezone is not None:
        changes["timezone"] = timezone
    if (schedule := body.get("schedule")) is not None:
        check_schedule(schedule)
        changes["schedule"] = schedule
    if schedule is not None or timezone is not None:
        changes["next_run_date"] = next_run(
            changes.get("schedule", cron.schedule), now, changes.get("timezone", cron.timezone)
        )
    if "end_time" in body:
        changes["end_time"] = body["end_time"]
    for name in ("enabled", "on_run_completed"):
        if body.get(name) is not None:
            changes[name] = body[name]
    if (metadata := body.get("metadata")) is not None:
        changes["metadata"] = {**cron.metadata, **metadata}
    payload = {**cron.payload, **body}
    payload["assistant_id"] = cron.payload.get("assistant_id", payload.get("assistant_id"))
    config = dict(payload.get("config") or {})
    config["configurable"] = {**(config.get("configurable") or {}), "cron_id": cron.cron_id}
    payload["config"] = config
    cron = replace(cron, **changes, payload=payload, updated_at=now.isoformat())
    store.save_cron(cron)
    return cron


def search_crons(store: Store, query: Mapping[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """POST /runs/crons/search: one page of the matching crons (newest first unless `sort_by`
    says otherwise; `sort_order` counts only with a `sort_by`), and how many match."""
    found = _filter(store, query)
    sort_by = query.get("sort_by")
    if sort_by is None:
        found.sort(key=lambda c: _instant(c.created_at), reverse=True)
    elif sort_by in _BY_TEXT:
        paging.sort(found, lambda c: str(getattr(c, sort_by)).lower(), query)
    else:
        paging.sort(found, lambda c: _instant(getattr(c, sort_by)), query)
    rows = [render_cron(c) for c in paging.page(found, query)]
    return paging.select(rows, query.get("select"), row_order=True), len(found)


def count_crons(store: Store, query: Mapping[str, Any]) -> int:
    """POST /runs/crons/count: by assistant, thread and metadata (`enabled` does not count
    here, as on the real server)."""
    return len(_filter(store, {k: v for k, v in query.items() if k != "enabled"}))


def _filter(store: Store, query: Mapping[str, Any]) -> list[Cron]:
    found = list(store.crons())
    for name in ("assistant_id", "thread_id"):
        if (wanted := query.get(name)) is not None:
            # An empty id filters too, and matches nothing (it is not checked as a UUID).
            wanted = canonical(wanted) if wanted else wanted
            found = [c for c in found if getattr(c, name) == wanted]
    if (enabled := query.get("enabled")) is not None:
        found = [c for c in found if c.enabled == enabled]
    if metadata := query.get("metadata"):
        found = [c for c in found if _contained(c.metadata, metadata)]
    return found


def _contained(superset: Mapping[str, Any], subset: Mapping[str, Any]) -> bool:
    """langgraph_runtime_inmem's is_jsonb_contained: nested objects by containment, anything
    else by equality."""
    for key, value in subset.items():
        if key not in superset:
            return False
        if isinstance(value, dict) and isinstance(superset[key], dict):
            if not _contained(superset[key], value):
                return False
        elif superset[key] != value:
            return False
    return True


# ---- schedules --------------------------------------------------------------------------------


def check_schedule(schedule: str) -> None:
    """InvalidValue (422) unless croniter can read the schedule."""
    from croniter import croniter  # WHY: 10 ms to import; only a cron needs it, not start-up

    if not croniter.is_valid(schedule):
        raise InvalidValue(BAD_SCHEDULE.format(schedule=schedule))


def check_timezone(timezone: str | None) -> None:
    """InvalidValue (422) for a timezone the machine's IANA database lacks; BadRequest (400,
    Python's words) for a name zoneinfo refuses to look up, as the real server answers."""
    if timezone is None:
        return
    try:
        ZoneInfo(timezone)
    except ValueError as exc:  # not a relative path ("", "/etc/x", "../x"), a NUL
        raise BadRequest(str(exc)) from None
    except (KeyError, OSError):  # not found; a folder or a name too long (a 500 there)
        raise InvalidValue(BAD_TIMEZONE.format(timezone=timezone)) from None


def next_run(schedule: str, after: datetime, timezone: str | None) -> str:
    """The schedule's first date after `after`, the schedule read in `timezone` (UTC without
    one), as an ISO-8601 UTC string; BadRequest when the schedule has no date left."""
    from croniter import CroniterError, croniter  # WHY: see check_schedule

    if timezone:
        after = after.astimezone(ZoneInfo(timezone))
    try:
        found = croniter(schedule, after).get_next(datetime)
    except (CroniterError, ValueError, OverflowError) as exc:
        raise BadRequest(str(exc)) from None
    return str(found.astimezone(UTC).isoformat())


def check_end_time(end_time: str | None) -> None:
    """InvalidValue (422) unless the end time is an ISO 8601 date-time (UTC when it names no
    offset). The real server takes any string (docs/deviations.md #52)."""
    if end_time is None:
        return
    try:
        _instant(end_time)
    except ValueError:
        raise InvalidValue(BAD_END_TIME.format(end_time=end_time)) from None


def _instant(text: str | None) -> datetime:
    """An ISO-8601 string as an aware datetime (UTC when it names no offset); None as the
    earliest moment, where the real server sorts a missing date."""
    if text is None:
        return _NEVER
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def is_due(cron: Cron, now: datetime) -> bool:
    """Whether the scheduler fires the cron at `now`: enabled, not past its end, its next run
    date reached."""
    if not cron.enabled or cron.next_run_date is None:
        return False
    if cron.end_time is not None and _instant(cron.end_time) < now:
        return False
    return _instant(cron.next_run_date) <= now


def _sanitized(body: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of the request without the keys langgraph-api strips from it: reserved
    metadata keys (in `metadata` and `config.metadata`) and reserved configurable keys (in
    `config.configurable` and `context`)."""
    clean: dict[str, Any] = copy.deepcopy(dict(body))
    config = clean.get("config")
    for holder, key, reserved in (
        (clean, "metadata", RESERVED_METADATA),
        (config, "metadata", RESERVED_METADATA),
        (config, "configurable", RESERVED_CONFIGURABLE),
        (clean, "context", RESERVED_CONFIGURABLE),
    ):
        if isinstance(holder, dict) and isinstance(holder.get(key), dict):
            holder[key] = {k: v for k, v in holder[key].items() if k not in reserved}
    return clean


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
