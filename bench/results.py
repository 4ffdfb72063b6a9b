"""The whole report: machine, stacks, the three tables and the notes; RESULTS.md is this text."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

from bench.goals import goals_table
from bench.loadgen import WrkRun
from bench.memory import Memory
from bench.report import throughput_table, values_table
from bench.run import Run
from bench.stats import Sample
from bench.workloads import Growth

PLOT_NAME = "latency-vs-messages.png"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine(run: Run) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(run.started))
    load = " / ".join(f"{a:.2f}" for a in run.load_before[:1] + run.load_after[:1])
    return (
        f"- date: {when}; mode: {'quick' if run.quick else 'full'}; "
        f"targets: {', '.join(run.targets)}\n"
        f"- machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, "
        f"Linux {platform.release()}; load average (1 min) before / after: {load}\n"
        f"- Python {platform.python_version()} (bench client and in-process workload)"
    )


def stacks(run: Run) -> str:
    lines = [f"- {name}: {stack}" for name, stack in run.stacks.items()]
    lines += [f"- {name}: **unavailable** — {why}" for name, why in run.unavailable.items()]
    return "\n".join(lines)


def notes(run: Run, plot_note: str) -> str:
    out = []
    floor, mine = run.get("floor", "client"), run.get("update_get", "mock")
    if isinstance(floor, Sample) and floor.count:
        in_situ = (
            f", {mine.client_us:.0f} µs in workload 1 on the mock"
            if isinstance(mine, Sample) and mine.count
            else ""
        )
        out.append(
            f"Client overhead: raw socket, prebuilt requests, one keep-alive connection. "
            f"Against a server that does no work a request takes {floor.p(50) * 1e3:.0f} "
            f"µs (p50, loopback included; {floor.rps:,.0f} req/s): that floor is inside "
            f"every sequential latency. Client CPU (user + system) per request: "
            f"{floor.client_us:.0f} µs there{in_situ} (mostly kernel time spent going "
            f"to sleep in recv and waking up while the server works, so it overlaps the "
            f"server's time rather than adding to it)."
        )
    spreads = []
    for name in run.targets:
        cell = run.get("update_get", name)
        if isinstance(cell, Sample) and cell.server_us_runs:
            runs = sorted(cell.server_us_runs)
            spreads.append(f"{name} {cell.server_us:.0f} ({runs[0]:.0f}–{runs[-1]:.0f})")
    if spreads:
        out.append(
            f"Server CPU per update+get request, workload 1 run "
            f"{run.plan.repeats} times (the table shows the median run; µs, median "
            f"(min–max)): {', '.join(spreads)}. Read from /proc/<pid>/stat in 10 ms "
            f"ticks."
        )
    growth = {name: run.get("growth", name) for name in ("mock", "floor")}
    if all(
        isinstance(cell, Growth) and len(cell.update_ns) >= run.plan.messages
        for cell in growth.values()
    ):
        out.append(
            "Workload 2 on the floor: the bare app answers the same message list "
            "(same shape, about as many bytes) with no work but json.dumps, so its "
            f"update p50 at {run.plan.messages:,} ÷ at ~{(run.plan.window + 1) // 2} "
            "messages is what a large GET body between updates costs on this stack "
            "and client by themselves."
        )
    if "prism" in run.targets:
        out.append(
            "Prism answers every request from the spec (examples or schema-generated "
            "bodies), validating requests, keeping no state: it serves workloads 0, 1 "
            "and 3 and start-up (5); workload 1 on Prism is the same requests, answered "
            "statelessly. Workloads 2 and 4 need state; 6 and 7 are mock-only."
        )
    mem = run.get("memory", "mock")
    if isinstance(mem, Memory):
        out.append(
            f"Workload 7: a fresh mock; {mem.checkpoints:,} checkpoints (one AI message "
            f"each) written as POST /threads supersteps in {mem.seconds:.1f} s; RSS "
            f"{mem.rss_start_mb:.0f} MB → {mem.rss_after_mb:.0f} MB."
        )
    for workload, cells in run.results.items():
        for name, cell in cells.items():
            sample = cell.sample if isinstance(cell, Growth) else cell
            if isinstance(sample, Sample) and sample.errors:
                out.append(
                    f"{workload} on {name}: {sample.errors} unexpected answers, the first "
                    f"{sample.first_error}"
                )
            if isinstance(cell, WrkRun) and cell.errors:
                out.append(f"{workload} on {name}: {cell.errors} wrk errors/non-2xx answers")
            if isinstance(cell, Growth) and cell.final_messages != len(cell.update_ns):
                out.append(
                    f"workload 2 on {name}: {len(cell.update_ns)} updates but "
                    f"{cell.final_messages} messages in the final state"
                )
            if isinstance(cell, Growth) and len(cell.update_ns) < run.plan.messages:
                out.append(
                    f"workload 2 on {name}: stopped by the time cap after "
                    f"{len(cell.update_ns):,} messages"
                )
    busiest = max(run.load_before[:1] + run.load_after[:1], default=0.0)
    if busiest >= (os.cpu_count() or 1):
        out.append(
            f"The machine was busy with other work (load average up to {busiest:.1f} on "
            f"{os.cpu_count()} CPUs): expect noisy numbers, mostly in p99 and req/s."
        )
    if plot_note:
        out.append(plot_note)
    if run.seconds:
        spent = ", ".join(f"{name} {secs:.0f} s" for name, secs in run.seconds.items())
        out.append(f"Wall time per target (start, workloads, stop): {spent}.")
    return "\n".join(f"- {line}" for line in out)


def render(run: Run, plot_note: str, plot_link: str | None) -> str:
    parts = [
        "## Machine\n\n" + machine(run),
        '## Servers (uvicorn\'s loop="auto", http="auto" pick what is installed)\n\n' + stacks(run),
        "## Throughput and latency\n\nRatios are mock ÷ this target, measured in this run "
        "(req/s: above 1 is the mock serving more; p50: below 1 is the mock answering faster)."
        "\n\n" + throughput_table(run),
        "## Other measures\n\n" + values_table(run),
        "## Goals (from this run; reported, not asserted)\n\n" + goals_table(run),
        "## Notes\n\n" + notes(run, plot_note),
    ]
    if plot_link:
        parts.append(
            f"## Latency against state size\n\n![update and get_state latency against "
            f"the message count]({plot_link})"
        )
    return "\n\n".join(parts) + "\n"
