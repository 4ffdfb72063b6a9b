"""`python -m bench --profile`: where the mock's time goes under workloads 1 and 3 (py-spy).

py-spy samples the `mockserver serve` process from outside (no change to the mock) while the
bench drives it; idle samples (waiting for the network) are left out, so percentages are of the
time the server was busy. Writes bench/PROFILE.md: top functions by own time and by inclusive
time, and own time by package.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench import loadgen, targets, workloads
from bench.workloads import Plan

RATE = 250  # samples per second
SECONDS = 12
TOP = 20
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]+)(?::\d+)?\)$")


def py_spy() -> str | None:
    sibling = Path(sys.executable).with_name("py-spy")
    return str(sibling) if sibling.exists() else shutil.which("py-spy")


def _short(path: str) -> str:
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            tail = path.split(marker, 1)[1]
            return tail.split("/", 1)[1] if marker.startswith("/lib") and "/" in tail else tail
    return path.split("/work/main/", 1)[-1]


def _package(short: str) -> str:
    first = short.split("/", 1)[0]
    return first.removesuffix(".py")


def summarise(raw: Path) -> tuple[int, Counter[str], Counter[str], Counter[str]]:
    """(samples, own time by function, inclusive time by function, own time by package)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        names = []
        for frame in stack.split(";"):
            match = _FRAME.match(frame)
            if match:
                names.append(
                    (f"{match['func']} ({_short(match['file'])})", _package(_short(match["file"])))
                )
        if not names:
            continue
        samples += count
        own[names[-1][0]] += count
        packages[names[-1][1]] += count
        for name in {n for n, _ in names}:
            total[name] += count
    return samples, own, total, packages


def _table(title: str, counts: Counter[str], samples: int) -> str:
    rows = [f"| {100 * n / samples:5.1f} % | `{name}` |" for name, n in counts.most_common(TOP)]
    return f"{title}\n\n| share | function |\n|---|---|\n" + "\n".join(rows)


def _record(spy: str, pid: int, out: Path) -> subprocess.Popen[bytes]:
    cmd = [
        spy,
        "record",
        "--pid",
        str(pid),
        "--rate",
        str(RATE),
        "--duration",
        str(SECONDS),
        "--format",
        "raw",
        "--output",
        str(out),
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def profile(plan: Plan, python: str, log_dir: Path, report: Path) -> int:
    spy = py_spy()
    if spy is None:
        print("py-spy is not installed: pip install -r bench/requirements.txt", file=sys.stderr)
        return 2
    try:
        server = targets.start("mock", python, log_dir)
    except RuntimeError as exc:
        print(f"the mock did not start: {exc}", file=sys.stderr)
        return 1
    sections = [
        f"# Profile of the mock\n\nMade by `python -m bench --profile`: py-spy "
        f"{RATE} Hz on `mockserver serve`, request log on ({server.stack}), busy "
        "samples only."
    ]
    try:
        for label, drive in (
            (
                "Workload 1: update_state + get_state, sequential",
                lambda: workloads.update_get(server.url, Plan(pairs=10**6, seconds=SECONDS - 2)),
            ),
            (
                "Workload 3: POST /threads, wrk 32 connections",
                lambda: loadgen.post_threads(
                    server.url, SECONDS - 2, plan.wrk_connections, warmup=False
                ),
            ),
        ):
            raw = log_dir / "profile.txt"
            spying = _record(spy, server.pid, raw)
            result = drive()
            _, err = spying.communicate(timeout=SECONDS + 60)
            if spying.returncode != 0 or not raw.exists():
                print(f"py-spy failed: {err.decode(errors='replace')[-300:]}", file=sys.stderr)
                return 1
            samples, own, total, packages = summarise(raw)
            rps = getattr(result, "rps", 0.0)
            sections.append(
                f"## {label}\n\n{samples:,} busy samples; {rps:,.0f} req/s while "
                "sampled (py-spy slows the server a little)."
            )
            sections.append(
                _table("Own time by package (the frame running when sampled):", packages, samples)
            )
            sections.append(_table("Own time by function:", own, samples))
            below_root = Counter({k: n for k, n in total.items() if n < 0.95 * samples})
            sections.append(
                _table(
                    "Inclusive time by function (frames in ≥ 95 % of samples, "
                    "the server's main loop, left out):",
                    below_root,
                    samples,
                )
            )
            ours = Counter(
                {
                    k: n
                    for k, n in total.items()
                    if "(mockserver/" in k
                    and "mockserver/cli.py" not in k
                    and "mockserver/serving.py" not in k
                }
            )
            sections.append(_table("Inclusive time, the mock's own functions:", ours, samples))
    finally:
        server.stop()
    text = "\n\n".join(sections) + "\n"
    print(text)
    report.write_text(text)
    print(f"wrote {report}", file=sys.stderr)
    return 0
