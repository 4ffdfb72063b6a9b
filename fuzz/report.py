"""The verdict of a fuzz run: figures, a per-operation table, difference groups; Markdown, JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fuzz.compare import MISSING
from fuzz.deviations import Deviation
from fuzz.runner import SeedResult, Step

EXCERPT = 1500


@dataclass
class Group:
    """Steps whose first (undocumented) difference has the same signature."""

    signature: str
    verdict: str
    count: int = 0
    seeds: set[int] = field(default_factory=set)
    example: Step | None = None


@dataclass
class Summary:
    sides: tuple[str, str]
    seeds: list[SeedResult]
    deviations: list[Deviation]

    @property
    def steps(self) -> list[Step]:
        return [step for seed in self.seeds for step in seed.steps]

    def count(self, *verdicts: str) -> int:
        return sum(step.verdict in verdicts for step in self.steps)

    def percent(self, *verdicts: str) -> float:
        return 100.0 * self.count(*verdicts) / max(1, len(self.steps))

    def groups(self) -> list[Group]:
        found: dict[tuple[str, str], Group] = {}
        for step in self.steps:
            if step.verdict == "identical":
                continue
            key = (step.verdict, step.signature)
            group = found.setdefault(key, Group(step.signature, step.verdict))
            group.count += 1
            group.seeds.add(step.seed)
            group.example = group.example or step
        return sorted(
            found.values(), key=lambda g: (g.verdict != "different", -g.count, g.signature)
        )

    def unseen(self) -> list[Deviation]:
        seen = {id(d) for step in self.steps for d in step.documented_by}
        return [d for d in self.deviations if id(d) not in seen]

    def per_operation(self) -> list[tuple[str, Counter[str]]]:
        table: dict[str, Counter[str]] = {}
        for step in self.steps:
            table.setdefault(step.op, Counter())[step.verdict] += 1
        return sorted(table.items())

    def statuses(self) -> dict[str, Counter[str]]:
        """Per operation, how often each pair of statuses was answered."""
        table: dict[str, Counter[str]] = {}
        for step in self.steps:
            pair = f"{step.statuses[0]}/{step.statuses[1]}"
            table.setdefault(step.op, Counter())[pair] += 1
        return table

    @property
    def failed(self) -> bool:
        return self.count("different") > 0


def _dump(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= EXCERPT else text[:EXCERPT] + " ..."


def to_markdown(summary: Summary) -> str:
    total = len(summary.steps)
    seconds = sum(s.seconds for s in summary.seeds)
    lines = [
        "# Differential fuzz report",
        "",
        f"{summary.sides[0]}  ",
        f"{summary.sides[1]}  ",
        f"Seeds: {', '.join(str(s.seed) for s in summary.seeds)}; {total} steps in "
        f"{seconds:.0f} s ({seconds / max(1, len(summary.seeds)):.1f} s per seed)",
        "",
        f"- steps identical: **{summary.percent('identical'):.2f} %** "
        f"({summary.count('identical')}/{total})",
        f"- identical or documented: **{summary.percent('identical', 'documented'):.2f} %**",
        f"- undocumented differences: **{summary.count('different')}** steps",
        f"- verdict: **{'FAIL' if summary.failed else 'PASS'}**",
        "",
        "## Per operation",
        "",
        "| operation | steps | identical | documented | different | statuses (A/B) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    statuses = summary.statuses()
    for op, counts in summary.per_operation():
        seen = ", ".join(f"{pair}×{n}" for pair, n in statuses[op].most_common(6))
        lines.append(
            f"| `{op}` | {sum(counts.values())} | {counts['identical']} | "
            f"{counts['documented']} | {counts['different']} | {seen} |"
        )
    lines += ["", "## Difference groups (most frequent first)", ""]
    for group in summary.groups():
        lines += _group_markdown(group)
    unseen = summary.unseen()
    if unseen:
        lines += ["## Documented deviations not seen in this run", ""]
        lines += [f"- {d.name}: {d.reason}" for d in unseen]
    return "\n".join(lines) + "\n"


def _group_markdown(group: Group) -> list[str]:
    step = group.example
    assert step is not None and step.answers is not None
    head = "UNDOCUMENTED" if group.verdict == "different" else "documented"
    lines = [
        f"### [{head}] `{group.signature}`",
        "",
        f"{group.count} steps, seeds {sorted(group.seeds)}; example: seed {step.seed} "
        f"step {step.index}",
        "",
    ]
    if step.documented_by:
        lines.append("Documented: " + "; ".join(d.name for d in step.documented_by))
        lines.append("")
    for difference in step.differences[:6]:
        a = "<missing>" if difference.a is MISSING else _dump(difference.a)
        b = "<missing>" if difference.b is MISSING else _dump(difference.b)
        lines.append(f"- `{difference.path}`: A `{a[:300]}` / B `{b[:300]}`")
    lines += [
        "",
        "```",
        f"request: {_dump(step.request)}",
        f"A: {_dump(step.answers[0])}",
        f"B: {_dump(step.answers[1])}",
        "```",
        "",
    ]
    return lines


def to_json(summary: Summary) -> dict[str, Any]:
    return {
        "sides": list(summary.sides),
        "seeds": [
            {"seed": s.seed, "steps": len(s.steps), "seconds": round(s.seconds, 2)}
            for s in summary.seeds
        ],
        "steps": len(summary.steps),
        "identical_percent": round(summary.percent("identical"), 3),
        "identical_or_documented_percent": round(summary.percent("identical", "documented"), 3),
        "undocumented_steps": summary.count("different"),
        "per_operation": {op: dict(c) for op, c in summary.per_operation()},
        "groups": [_group_json(g) for g in summary.groups()],
        "unseen_deviations": [d.name for d in summary.unseen()],
    }


def _group_json(group: Group) -> dict[str, Any]:
    step = group.example
    assert step is not None
    return {
        "signature": group.signature,
        "verdict": group.verdict,
        "count": group.count,
        "seeds": sorted(group.seeds),
        "example": {
            "seed": step.seed,
            "step": step.index,
            "request": step.request,
            "differences": [{"path": d.path, "a": d.a, "b": d.b} for d in step.differences],
            "documented_by": [d.name for d in step.documented_by],
            "a": step.answers[0] if step.answers else None,
            "b": step.answers[1] if step.answers else None,
        },
    }
