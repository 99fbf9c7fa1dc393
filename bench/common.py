"""Small helpers shared by the benchmarks: timing, percentiles, the result table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall time of *repeat* calls, in milliseconds."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def table(title: str, rows: list[tuple[str, str, str, str]]) -> str:
    """Rows of (measure, ours, baseline, target) as a Markdown table."""
    head = (f"\n### {title}\n\n| measure | ANTT | baseline (same run) | target |\n"
            "|---|---|---|---|\n")
    return head + "\n".join(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows) + "\n"
