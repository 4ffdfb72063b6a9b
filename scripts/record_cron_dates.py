#!/usr/bin/env python3
"""Record how the real Agent Server reads cron schedules: next run dates and refusals.

langgraph-api computes a cron's `next_run_date` with its own `next_cron_date` (croniter, the
schedule read in the cron's timezone, the answer in UTC) from the moment of the request, so
over HTTP the dates depend on the clock. This asks the real function for fixed moments, and the
real check for the schedules it refuses. Run it with the real server's own interpreter:

    .real-server/venv/bin/python scripts/record_cron_dates.py > tests/data/cron_schedules.json

tests/test_crons_api.py compares the mock's `crons.next_run` and `crons.check_schedule` with it.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from importlib.metadata import version

# What `langgraph dev` sets before langgraph-api reads its configuration at import.
for key, value in {
    "REDIS_URI": "fake",
    "DATABASE_URI": ":memory:",
    "MIGRATIONS_PATH": "__inmem",
    "LANGGRAPH_RUNTIME_EDITION": "inmem",
}.items():
    os.environ.setdefault(key, value)

from langgraph_api.utils import next_cron_date  # noqa: E402
from langgraph_runtime_inmem.ops import Crons  # noqa: E402

# A plain day, the night New York's clocks go forward, the day before a leap day.
MOMENTS = (
    "2026-11-29T14:57:13.947501+00:00",
    "2026-03-08T06:59:59+00:00",
    "2024-02-28T23:00:00+00:00",
)
SCHEDULES = (
    "* * * * *",
    "*/5 * * * *",
    "0 9 * * *",
    "0 9 * * MON-FRI",
    "30 2 * * *",
    "0 0 29 2 *",
    "0 0 L * *",
    "0 0 * * 5#3",
    "@daily",
    "@hourly",
    "@weekly",
    "@monthly",
    "@yearly",
    "* * * * * */10",
    "*/10 * * * * *",
    "* * * * * * *",
    "0 12 1 1 * 0 2030",
)
TIMEZONES = (None, "UTC", "America/New_York", "Asia/Kolkata", "Etc/GMT+5", "Europe/London")
REFUSED = ("bad", "", "@reboot", "L * * * *", "H * * * *", "*/0 * * * *", "60 * * * *", "* * *")
NO_DATE = ("0 0 31 2 *", "* * * * * * 2020")


def main() -> None:
    dates = []
    for moment in MOMENTS:
        base = datetime.fromisoformat(moment)
        for schedule in SCHEDULES:
            for timezone in TIMEZONES:
                found = next_cron_date(schedule, base, timezone)
                dates.append([schedule, moment, timezone, found.astimezone(UTC).isoformat()])
    refused = {}
    for schedule in REFUSED:
        try:
            Crons._validate_cron_schedule_or_throw(schedule)
        except Exception as exc:  # starlette's HTTPException
            refused[schedule] = [exc.status_code, exc.detail]  # type: ignore[attr-defined]
    no_date = {}
    for schedule in NO_DATE:
        Crons._validate_cron_schedule_or_throw(schedule)  # a valid schedule
        try:
            next_cron_date(schedule, datetime.fromisoformat(MOMENTS[0]))
        except ValueError as exc:  # the real server answers a ValueError with 400 str(exc)
            no_date[schedule] = str(exc)
    head = {"langgraph-api": version("langgraph-api"), "croniter": version("croniter")}
    out = json.dumps({**head, "refused": refused, "no_date": no_date}, indent=1)[:-2]
    # One [schedule, moment, timezone, next run date] a line.
    rows = ",\n  ".join(json.dumps(row) for row in dates)
    sys.stdout.write(f'{out},\n "next_dates": [\n  {rows}\n ]\n}}\n')


if __name__ == "__main__":
    main()
