"""``python -m bench outline``: how fast ``geo.checks.outline.in_vietnam`` answers "is this
point in Việt Nam?" for a million points, beside a per-point loop (``shapely.Point`` and
``intersects`` on the same prepared outline, one point at a time) measured in the same run.

The points are uniform over the outline's bounding box (land, near-shore sea, the
archipelago boxes and other countries' land): what a province-scale site list checks.
Loading the outline is not timed. (This was a timing assertion in
tests/unit/test_outline.py; timings belong here, beside a baseline, not in the tests.)"""

from __future__ import annotations

import time

import numpy as np
import shapely

from geo.checks import outline
from geo.checks.outline import in_vietnam

from .common import median, table


def _loop(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """The baseline: one shapely point at a time against the prepared outline."""
    geom = outline.vietnam()
    return np.array([geom.intersects(shapely.Point(x, y))
                     for x, y in zip(lons, lats, strict=True)], dtype=bool)


def run(n_points: int = 1_000_000, loop_points: int = 20_000, repeat: int = 3) -> str:
    rng = np.random.default_rng(20210523)
    lons = rng.uniform(102.0, 118.0, n_points)
    lats = rng.uniform(6.0, 24.0, n_points)
    outline.vietnam()  # loading is not what is timed
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        got = in_vietnam(lons, lats)
        times.append(time.perf_counter() - t)
    vec_s = median(times)
    t = time.perf_counter()
    loop = _loop(lons[:loop_points], lats[:loop_points])
    loop_s = time.perf_counter() - t
    agree = bool((loop == got[:loop_points]).all())
    rows = [
        (f"in_vietnam, {n_points:,} points (vectorised; median of {repeat})",
         f"{n_points / vec_s:,.0f} points/s ({vec_s:.2f} s; {got.mean():.1%} inside)",
         f"per-point loop on {loop_points:,} points: {loop_points / loop_s:,.0f} points/s "
         f"({loop_s:.2f} s); answers {'agree' if agree else 'DIFFER'}",
         "1,000,000 points < 3 s"),
    ]
    return table("Point in Việt Nam (python -m bench outline)", rows)


if __name__ == "__main__":
    print(run())
