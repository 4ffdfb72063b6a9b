"""The run's summary (terminal, grouped by operation and check) and its drift report (Markdown)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mockserver.contract.deviations import Deviation
from mockserver.contract.ledger import Finding, Ledger
from mockserver.contract.target import Settings
from mockserver.contract.verdict import Verdict

PHASES = ("examples", "coverage", "fuzzing", "stateful", "scenario")


@dataclass
class Run:
    settings: Settings
    ledger: Ledger
    verdict: Verdict
    seconds: float
    seed: int | None

    def cases_line(self) -> str:
        cases = self.ledger.cases
        by_phase = ", ".join(f"{p} {cases[p]:,}" for p in PHASES if cases[p])
        return f"{self.ledger.total_cases:,} cases in {self.seconds:.1f} s ({by_phase})"


def _by_operation(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: defaultdict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.operation].append(finding)
    return grouped


def _status(finding: Finding) -> str:
    return "NEW" if finding.deviation is None else f"listed #{finding.deviation.line}"


def text_summary(run: Run) -> list[str]:
    """Per operation: its cases, each check that failed (listed or new), the rest in one line."""
    ledger = run.ledger
    lines = [
        f"target: {run.settings.target_name}; seed {run.seed}; "
        f"max examples {run.settings.max_examples}",
        run.cases_line(),
        "",
    ]
    findings = _by_operation(ledger.findings.values())
    for operation in sorted(ledger.cases_by_operation):
        checks = {c: t for (op, c), t in ledger.tallies.items() if op == operation}
        failing = sorted({f.check for f in findings.get(operation, [])})
        lines.append(f"{operation}  ({ledger.cases_by_operation[operation]:,} cases)")
        for check in failing:
            tally = checks[check]
            lines.append(f"    {check:<38} {tally.passed:>6,} ok {tally.failed:>5,} failed")
            for finding in (f for f in findings[operation] if f.check == check):
                lines.append(
                    f"        {_status(finding):<10} {finding.count:>4}x  {finding.summary}"
                )
        passing = len(checks) - len(failing)
        results = sum(t.passed for c, t in checks.items() if c not in failing)
        other = " other" if failing else ""
        lines.append(f"    {passing}{other} checks passed on every response ({results:,} results)")
    return [*lines, "", *_by_check(ledger), *_stale_lines(run.verdict), run.verdict.headline()]


def _check_totals(ledger: Ledger) -> dict[str, list[int]]:
    """Per check: [passed, failed listed, failed new] over every operation."""
    totals: dict[str, list[int]] = {}
    for (_, check), tally in ledger.tallies.items():
        totals.setdefault(check, [0, 0, 0])[0] += tally.passed
    for finding in ledger.findings.values():
        totals.setdefault(finding.check, [0, 0, 0])[2 if finding.is_new else 1] += finding.count
    return dict(sorted(totals.items()))


def _by_check(ledger: Ledger) -> list[str]:
    lines = [f"per check: {'':<29} {'passed':>8} {'listed':>8} {'new':>8}"]
    for check, (passed, listed, new) in _check_totals(ledger).items():
        lines.append(f"  {check:<38} {passed:>8,} {listed:>8,} {new:>8,}")
    return lines


def _stale_lines(verdict: Verdict) -> list[str]:
    lines: list[str] = []
    for label, entries in (("stale", verdict.stale), ("not seen", verdict.unverified)):
        for entry in entries:
            why = " (occasional)" if entry.occasional else ""
            lines.append(f"{label}: #{entry.line} {entry.key}{why} (listed, but did not occur)")
    return [""] + lines if lines else [""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def drift_markdown(run: Run, deviations_file: Path | None) -> str:
    """Where the target differs from the spec, for a person to read."""
    settings, verdict = run.settings, run.verdict
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Contract drift report",
        "",
        f"- **Target:** {settings.target_name}",
        "- **Spec:** `openapi/agent-server.yaml`",
        f"- **Deviations file:** `{deviations_file or '(none)'}`",
        f"- **Run:** {now}; seed {run.seed}; max examples {settings.max_examples}",
        f"- **Cases:** {run.cases_line()}",
        "",
        f"**{verdict.headline()}**",
        "",
        "## Where the target differs from the spec",
        "",
    ]
    findings = sorted(run.ledger.findings.values(), key=lambda f: (f.operation, f.check))
    if not findings:
        out.append("Nowhere: every check passed on every response.")
    else:
        out += [
            "| # | Operation | Check | What happened | Seen | Status |",
            "|---|---|---|---|---|---|",
        ]
        out += [
            f"| {n} | {f.operation} | `{f.check}` | {_cell(f.summary)} | {f.count} | {_status(f)} |"
            for n, f in enumerate(findings, 1)
        ]
        out += ["", "## Details", ""]
        for number, finding in enumerate(findings, 1):
            out += _details(number, finding)
    out += [
        "",
        "## Checks",
        "",
        "| Check | Passed | Failed, listed | Failed, new |",
        "|---|---|---|---|",
    ]
    out += [
        f"| `{check}` | {passed:,} | {listed:,} | {new:,} |"
        for check, (passed, listed, new) in _check_totals(run.ledger).items()
    ]
    out += _stale_section(verdict.stale, "Stale entries: listed, but did not occur")
    out += _stale_section(
        verdict.unverified,
        "Not seen in this run (occasional entries, or the run stopped early): not judged",
    )
    return "\n".join(out) + "\n"


def _details(number: int, finding: Finding) -> list[str]:
    reason = finding.deviation.reason if finding.deviation else "**Not listed: a new failure.**"
    return [
        f"### {number}. {finding.operation} · `{finding.check}` ({_status(finding)})",
        "",
        reason,
        "",
        "```",
        f"{finding.title}",
        finding.message.strip(),
        "",
        finding.example,
        "```",
        "",
    ]


def _stale_section(entries: list[Deviation], title: str) -> list[str]:
    if not entries:
        return []
    return ["", f"## {title}", ""] + [
        f"- #{e.line} {e.operation} · `{e.check}`"
        + (f" /{e.match}/" if e.match else "")
        + f": {e.reason}"
        for e in entries
    ]
