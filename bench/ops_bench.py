"""Operations benchmark: nearest-team suggestion for 10,000 incidents × 500 teams
(vectorised vs a per-incident loop, one run) and the time from pressing save on the
operator page to the incident's event row existing (median of 50)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from geo.analysis.spatial import nearest_teams, points
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.store import Store

from .common import table
from .map_bench import ARGS, _serve


def _loop_nearest(inc, teams) -> list[int]:
    """Baseline: for each incident, measure every team in turn (metric CRS)."""
    im, tm = inc.to_crs(3405), teams.to_crs(3405)
    tg = list(tm.geometry)
    out = []
    for p in im.geometry:
        best, best_d = -1, float("inf")
        for j, g in enumerate(tg):
            d = p.distance(g)
            if d < best_d:
                best, best_d = j, d
        out.append(best)
    return out


def _nearest(n_inc: int = 10_000, n_teams: int = 500, loop_sample: int = 1_000) -> tuple:
    rng = np.random.default_rng(0)
    inc = points(rng.uniform(105.5, 106.6, n_inc), rng.uniform(20.2, 21.1, n_inc))
    teams = points(rng.uniform(105.5, 106.6, n_teams), rng.uniform(20.2, 21.1, n_teams))
    t = time.perf_counter()
    got = nearest_teams(inc, teams, k=1)
    vec = time.perf_counter() - t
    t = time.perf_counter()
    loop = _loop_nearest(inc.iloc[:loop_sample], teams)
    loop_s = time.perf_counter() - t
    agree = float(np.mean(np.array(loop) == got["team"].to_numpy()[:loop_sample]))
    return vec, loop_s, agree, n_inc, n_teams, loop_sample


def _save_latency(n: int = 50) -> list[float]:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="antt-ops-bench-"))
    db = folder / "ops.duckdb"
    store = Store(db)
    store.init()
    load_demo(store, at=setup_time(date(2021, 5, 23)))
    store.close()
    proc, url = _serve(db)
    out = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(url + "/operator")
            page.get_by_label("Tên hoặc hiệu gọi của bạn").fill("bench")
            page.keyboard.press("Enter")
            main = page.get_by_test_id("stMain")  # the sidebar has same-named widgets
            main.get_by_text("Điểm bỏ phiếu", exact=True).first.click()
            page.wait_for_timeout(500)
            for label, text in (("Điểm bỏ phiếu", "Huề Trì"), ("Loại vụ việc", "Cháy")):
                main.get_by_role("combobox", name=label, exact=True).click()
                page.keyboard.type(text)
                page.keyboard.press("Enter")
                page.wait_for_timeout(400)
            for k in range(n):
                main.get_by_label("Nội dung").fill(f"bench {k}")
                t = time.monotonic()
                main.get_by_role("button", name="Ghi vụ việc").click()
                while time.monotonic() - t < 30:
                    ev = store.events(entity="incident", action="report")
                    store.close()
                    if ev["after"].str.contains(f'"bench {k}"', regex=False).any():
                        break
                    time.sleep(0.01)
                out.append(time.monotonic() - t)
                page.get_by_text(f"#{k + 1}").first.wait_for(timeout=30_000)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def run() -> str:
    vec, loop_s, agree, n_inc, n_teams, sample = _nearest()
    saves = _save_latency()
    print(f"nearest: vectorised {vec:.2f} s; loop {loop_s:.1f} s on {sample}", file=sys.stderr)
    rows = [
        (f"nearest team, {n_inc:,} incidents × {n_teams} teams (vectorised)",
         f"{vec:.2f} s ({n_inc / vec:,.0f} incidents/s)",
         f"per-incident loop on {sample:,}: {loop_s:.1f} s ({sample / loop_s:,.0f} "
         f"incidents/s); same answer for {agree:.1%}", ""),
        ("operator page: press save → event row exists, median of 50",
         f"{statistics.median(saves) * 1000:.0f} ms (p95 "
         f"{sorted(saves)[int(0.95 * (len(saves) - 1))] * 1000:.0f} ms)", "", ""),
    ]
    return table("Operations", rows)



