"""`python -m bench`: the mock side by side with the real server and Prism, in one run.

    python -m bench                              # all targets, full counts, writes bench/RESULTS.md
    python -m bench --quick --targets mock --out -   # seconds, mock only, print only
    python -m bench --profile                    # py-spy the mock under workloads 1 and 3

See bench/README.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from bench.run import Run, execute, say
from bench.workloads import Plan

BENCH = Path(__file__).resolve().parent
TARGETS = ("mock", "sqlite", "floor", "real", "prism")


def _targets(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(TARGETS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"targets are a comma list of {', '.join(TARGETS)}")
    return list(dict.fromkeys(names))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny counts: checks the command works, the numbers mean little",
    )
    p.add_argument(
        "--targets",
        type=_targets,
        default=list(TARGETS),
        help="comma list of mock,sqlite,floor,real,prism (default: all five)",
    )
    p.add_argument(
        "--out",
        default=str(BENCH / "RESULTS.md"),
        help="Markdown report to write, with its PNG beside it; '-' writes nothing "
        "(default: bench/RESULTS.md)",
    )
    p.add_argument(
        "--mock-python",
        default=sys.executable,
        help="Python of the environment whose `mockserver` to bench (default: this one)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="instead of the tables: py-spy the mock under workloads 1 and 3 and "
        "write bench/PROFILE.md",
    )
    return p


def _terminate(signum: int, _frame: object) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop servers


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    plan = Plan.quick() if args.quick else Plan()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-logs-") as logs:
        if args.profile:
            from bench.profile import profile

            return profile(plan, args.mock_python, Path(logs), BENCH / "PROFILE.md")
        run = execute(Run(plan, args.quick, args.targets), args.mock_python, Path(logs))
    from bench.plot import plot
    from bench.results import PLOT_NAME, render

    out = None if args.out == "-" else Path(args.out)
    plot_note, link = "", None
    if out is not None:
        plot_note = plot(run, out.parent / PLOT_NAME)
        link = None if plot_note else PLOT_NAME
    text = render(run, plot_note, link)
    elapsed = time.perf_counter() - started
    command = (
        "python -m bench"
        + (" --quick" if args.quick else "")
        + ("" if args.targets == list(TARGETS) else f" --targets {','.join(args.targets)}")
    )
    text = (
        f"# Benchmark results\n\nMade by `{command}` in {elapsed:.0f} s "
        f"(see [README.md](README.md) for what each workload does).\n\n{text}"
    )
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        say(f"wrote {out}" + (f" and {out.parent / PLOT_NAME}" if link else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
