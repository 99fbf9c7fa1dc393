"""Review benchmarks: the state at T over ~1 M events (target ≤ 1 s) beside re-applying every
event in Python, and the written review at province scale."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.replay_naive import replay_naive
from geo.analysis.replay import frames_at, state_at
from geo.store import Store

from .common import median, table, timed
from .store_bench import START, _places


def run(n_incidents: int = 200_000) -> str:
    from geo.clock import local_day
    from geo.drills.simulate import DRILL_DAY, bulk_history, simulate
    from geo.io.report import build_review, render_html, render_pdf

    tmp = Path(tempfile.mkdtemp(prefix="antt-bench-review-"))
    store = Store(tmp / "replay.duckdb")
    store.init()
    incidents, events = bulk_history(n_incidents, start=START, hours=24, places=_places(),
                                     teams=[f"T{i}" for i in range(50)], first_event_id=1)
    store.bulk_load({"incident": incidents}, events)
    n_events = len(events)
    print(f"replay: {n_events:,} events loaded", file=sys.stderr)
    moments = [START + timedelta(hours=h) for h in (6, 12, 18, 30)]
    state_at(store, moments[0])  # warm the anchor, as a running dashboard has it
    it = iter(moments * 3)
    ours = timed(lambda: frames_at(store, next(it)), 12)
    it_dicts = iter(moments)
    dicts = timed(lambda: state_at(store, next(it_dicts)), 4)
    # Same answer, or the comparison means nothing.
    t = time.perf_counter()
    log = store.events()
    load_ms = (time.perf_counter() - t) * 1000
    it_naive = iter(moments)
    naive = timed(lambda: replay_naive(log, next(it_naive)), 4)
    assert state_at(store, moments[1]) == replay_naive(log, moments[1])
    store.close()

    prov = Store(tmp / "province.duckdb")
    prov.init()
    simulate(prov, scale="province", seed=1, progress=False)
    period = local_day(DRILL_DAY)
    n_prov = int(prov.counts()["events"])
    steps: dict[str, list[float]] = {"build": [], "pdf": [], "html": []}
    for _ in range(3):
        t = time.perf_counter()
        rev = build_review(prov, period)
        steps["build"].append(time.perf_counter() - t)
        t = time.perf_counter()
        pdf = render_pdf(rev)
        steps["pdf"].append(time.perf_counter() - t)
        t = time.perf_counter()
        html = render_html(rev)
        steps["html"].append(time.perf_counter() - t)
    end = datetime.combine(DRILL_DAY, datetime.min.time()) + timedelta(hours=17)
    plog = prov.events()
    prov_naive = timed(lambda: replay_naive(plog, end), 3)
    sites = len(prov.frame("site"))
    n_inc = len(prov.incidents())
    prov.close()
    total = [b + p + h for b, p, h in zip(steps["build"], steps["pdf"], steps["html"],
                                          strict=True)]
    rows = [
        (f"state at T over {n_events:,} events, as typed frames (what the review page "
         "draws), median of 12 (4 moments)", f"{median(ours):.0f} ms",
         f"re-apply every event in Python: {median(naive):.0f} ms (+ {load_ms:.0f} ms to "
         f"read the log); {median(naive) / median(ours):.1f}× slower", "≤ 1 s"),
        ("state at T as Python dicts (`state_at`, the exact form the tests compare), "
         "median of 4", f"{median(dicts):.0f} ms", "—", "—"),
        (f"written review, province drill ({sites:,} sites, {n_inc:,} incidents, "
         f"{n_prov:,} events): figures + PDF + HTML, median of 3",
         f"{median(total):.1f} s (figures {median(steps['build']):.1f} s, PDF "
         f"{median(steps['pdf']):.1f} s, HTML {median(steps['html']):.2f} s)",
         f"naive rebuild of the same day's state: {median(prov_naive) / 1000:.1f} s", "—"),
        ("written review size", f"PDF {len(pdf) / 1e6:.2f} MB, HTML {len(html) / 1e6:.2f} MB",
         "—", "—"),
    ]
    return table("Review: replay and the written review", rows)
