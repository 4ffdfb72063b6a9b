"""The PNG of RESULTS.md: update_state (and get_state) latency against the message count."""

from __future__ import annotations

from pathlib import Path

from bench.run import Run
from bench.workloads import Growth

COLOURS = {"mock": "tab:blue", "floor": "tab:gray", "real": "tab:red"}


def plot(run: Run, path: Path) -> str:
    """Write the plot; return a note when it could not be drawn (else "")."""
    curves = {
        name: cell
        for name, cell in run.results.get("growth", {}).items()
        if isinstance(cell, Growth) and len(cell.update_ns) >= 2
    }
    if not curves:
        return "no plot: workload 2 ran on no target"
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "no plot: matplotlib is not installed (pip install -r bench/requirements.txt)"
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for name, growth in curves.items():
        points = growth.curve()
        xs = [p[0] for p in points]
        colour = COLOURS.get(name)
        ax.plot(
            xs,
            [p[1] for p in points],
            "-",
            color=colour,
            lw=2,
            label=f"{name}: update_state (POST /state)",
        )
        ax.plot(
            xs,
            [p[2] for p in points],
            "--",
            color=colour,
            lw=1.2,
            alpha=0.8,
            label=f"{name}: get_state (GET /state)",
        )
    ax.set_yscale("log")
    ax.set_xlabel("messages in the thread's state")
    ax.set_ylabel("median latency per request, ms (log scale)")
    ax.set_title("Latency against state size: one keep-alive connection, sequential")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return ""
