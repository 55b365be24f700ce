"""Shared by the benchmark scripts: a measurement in a fresh process, and a log-log plot."""
from __future__ import annotations

import json
import subprocess
import sys


def run_child(code: str, args: list[str], timeout: float) -> dict | None:
    """Run ``python -c code *args`` in a fresh process; its last stdout line is JSON.
    None when it takes longer than ``timeout`` seconds."""
    try:
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                             text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def loglog_plot(path: str, curves: list[tuple[list, list, str, str]], xlabel: str, ylabel: str, title: str) -> None:
    """Write a log-log plot of ``(xs, ys, matplotlib style, label)`` curves to ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for xs, ys, style, label in curves:
        ax.loglog(xs, ys, style, label=label)
    ax.set_xlabel(xlabel); ax.set_ylabel(ylabel)
    ax.set_title(title); ax.legend(); ax.grid(alpha=0.3, which="both")
    fig.tight_layout(); fig.savefig(path, dpi=100)
    print(f"plot written to {path}")
