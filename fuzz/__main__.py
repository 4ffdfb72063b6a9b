"""python -m fuzz: the seeded differential fuzzer (see fuzz/README.md)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from fuzz.deviations import load_deviations
from fuzz.report import Summary, to_json, to_markdown
from fuzz.runner import Runner
from fuzz.target import REPO, Target, TargetError, start_target

DEFAULT_DEVIATIONS = REPO / "fuzz" / "deviations.yaml"
DOC = REPO / "docs" / "deviations.md"


def parse_seeds(text: str) -> list[int]:
    """`1-20`, `3,7,9` or a mix: `1-3,9`."""
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        seeds += range(int(low), int(high or low) + 1)
    return seeds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("1-5"))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--a", default="mock", help="mock, real or a base URL (default: mock)")
    parser.add_argument("--b", default="real", help="real or a base URL (default: real)")
    parser.add_argument("--report", type=Path, help="write the Markdown report here")
    parser.add_argument("--json", type=Path, help="write the JSON report here")
    parser.add_argument(
        "--instance",
        default="fuzz",
        metavar="PREFIX",
        help="real servers it starts are instances PREFIX-a and PREFIX-b",
    )
    parser.add_argument("--trace", type=Path, help="write every step here (JSON lines)")
    parser.add_argument("--deviations", type=Path, default=DEFAULT_DEVIATIONS)
    parser.add_argument("-q", "--quiet", action="store_true", help="no per-seed lines")
    return parser


def _exit_on_sigterm(signum: int, _frame: object) -> NoReturn:
    raise SystemExit(128 + signum)  # so that `finally` stops the servers this run started


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    deviations = load_deviations(args.deviations, DOC) if args.deviations else []
    targets: list[Target] = []
    try:
        targets.append(start_target(args.a, "A", f"{args.instance}-a"))
        targets.append(start_target(args.b, "B", f"{args.instance}-b"))
        trace = args.trace.open("w") if args.trace else None
        runner = Runner(targets[0], targets[1], deviations, trace)
        results = []
        for seed in args.seeds:
            result = runner.run_seed(seed, args.steps)
            results.append(result)
            if not args.quiet:
                odd = sum(step.verdict == "different" for step in result.steps)
                print(
                    f"seed {seed}: {len(result.steps)} steps, {odd} undocumented, "
                    f"{result.seconds:.1f} s",
                    flush=True,
                )
        runner.close()
        if trace is not None:
            trace.close()
    except TargetError as error:
        print(f"fuzz: {error}", file=sys.stderr)
        return 2
    finally:
        for target in targets:
            target.close()
    summary = Summary((targets[0].name, targets[1].name), results, deviations)
    markdown = to_markdown(summary)
    if args.report:
        args.report.write_text(markdown)
    if args.json:
        args.json.write_text(json.dumps(to_json(summary), indent=1, default=repr) + "\n")
    print(markdown.split("## Per operation")[0].rstrip())
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
