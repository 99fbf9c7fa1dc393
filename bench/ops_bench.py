"""Operations benchmark: nearest-team suggestion for 10,000 incidents × 500 teams
(vectorised vs a per-incident loop, one run) and the time from pressing save on the
operator page to its confirmation on screen (median of 50), beside the command alone."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from geo import accounts
from geo import incidents as inc
from geo.analysis.spatial import nearest_teams, points
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.store import Store

from .browser import ARGS, CHROMIUM, DAY, PASSWORD, new_page, serve, session, settle
from .common import pct, table


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


def _choose(page, main, label: str, text: str) -> None:
    """Pick an option in a selectbox of the main area by typing part of it."""
    settle(page)
    main.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    settle(page)


def _save_latency(n: int = 50) -> tuple[list[float], list[float]]:
    """Operator page: seconds from pressing save to the confirmation on screen, *n* times;
    and, as the floor, the same report made by the command alone (what the page calls)."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="antt-ops-bench-"))
    db = folder / "ops.duckdb"
    store = Store(db)
    store.init()
    load_demo(store, at=setup_time(DAY))
    accounts.add_user(store, "bench", username="bench", display_name="bench", role="operator",
                      password=PASSWORD, communes="*")
    site = store.get("site", "10732-S01")  # Nhà văn hóa thôn Huề Trì, An Phụ
    store.close()
    out = []
    with serve(db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx, page = new_page(browser, url, session(db))
        page.goto(url + "/operator")
        main = page.get_by_test_id("stMain")  # the sidebar has same-named widgets
        main.get_by_text("Điểm bỏ phiếu", exact=True).first.click()
        _choose(page, main, "Điểm bỏ phiếu", "Huề Trì")
        _choose(page, main, "Loại vụ việc", "Cháy")
        for k in range(n):
            main.get_by_label("Nội dung").fill(f"bench {k}")
            settle(page)
            t = time.monotonic()
            main.get_by_role("button", name="Ghi vụ việc").click()
            page.get_by_text(f"Đã ghi vụ việc số #{k + 1}", exact=True).wait_for(
                timeout=30_000)
            out.append(time.monotonic() - t)
        ctx.close()
        browser.close()
    floor = []
    store = Store(db)
    for k in range(n):
        t = time.monotonic()
        inc.report(store, kind="fire", severity=2, lon=float(site["lon"]),
                   lat=float(site["lat"]), source="hotline", actor="bench",
                   description=f"floor {k}", site_code=str(site["code"]))
        floor.append(time.monotonic() - t)
    store.close()
    return out, floor


def run() -> str:
    vec, loop_s, agree, n_inc, n_teams, sample = _nearest()
    saves, floor = _save_latency()
    print(f"nearest: vectorised {vec:.2f} s; loop {loop_s:.1f} s on {sample}", file=sys.stderr)
    rows = [
        (f"nearest team, {n_inc:,} incidents × {n_teams} teams (vectorised)",
         f"{vec:.2f} s ({n_inc / vec:,.0f} incidents/s)",
         f"per-incident loop on {sample:,}: {loop_s:.1f} s ({sample / loop_s:,.0f} "
         f"incidents/s); same answer for {agree:.1%}", ""),
        ("operator page: press save → confirmation on screen, median of 50",
         f"{statistics.median(saves) * 1000:.0f} ms (p95 {pct(saves, 95) * 1000:.0f} ms)",
         f"the report command alone: {statistics.median(floor) * 1000:.0f} ms",
         "≤ 500 ms"),
    ]
    return table("Operations", rows)



