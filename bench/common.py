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


# Every row with a target, as the benchmarks print them: ``python -m bench`` ends with
# them in one table, the measures a duty shift feels beside their targets.
TARGETS: list[tuple[str, str, str, str]] = []


def table(title: str, rows: list[tuple[str, str, str, str]]) -> str:
    """Rows of (measure, ours, baseline, target) as a Markdown table (rows with a target
    are also kept in :data:`TARGETS`)."""
    TARGETS.extend(r for r in rows if r[3].strip("— "))
    head = (f"\n### {title}\n\n| measure | ANTT | baseline (same run) | target |\n"
            "|---|---|---|---|\n")
    return head + "\n".join(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows) + "\n"


def targets_table() -> str:
    """The rows with a target from every benchmark run so far, in one table."""
    rows, TARGETS[:] = list(TARGETS), []
    return table("Targets: every measure with a target, from the tables above", rows) \
        if rows else ""
