"""Clicks a commander feels, in headless Chromium, logged in: moving between pages (click
on the sidebar link → the page's script run ended and drawn, and its map drawn where it
has one) and one step of the review's time slider. Each beside the floor measured in
the same run: the same click on a Streamlit page that does nothing (the shell's own
cost)."""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from geo.i18n import message as t

from .browser import ARGS, CHROMIUM, build, new_page, serve, session, settle, timed_run
from .common import table

CYCLE = ("operator", "board", "sites", "teams", "incidents", "review", "live")
MAP_PAGES = {"live": 10, "operator": 5, "review": 5}  # layers their map has at least
ROUNDS = 5

_EMPTY = '''"""Two pages that do nothing: the floor of a page switch and a rerun."""
import streamlit as st

def a():
    st.title("A")
    v = st.slider("t", 0, 100, 50, key="t")
    with st.container(key="value"):
        st.write(f"value {v}")

def b():
    st.title("B")

st.navigation([st.Page(a, title="A", url_path="a", default=True),
               st.Page(b, title="B", url_path="b")]).run()
'''


def _link(page, name: str):
    """The sidebar's link to the page called *name* (as the link reads)."""
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True)


def _switches(browser, url: str, token: str, rounds: int = ROUNDS) -> dict[str, list[float]]:
    """Seconds per switch to each page of the cycle, *rounds* times round."""
    ctx, page = new_page(browser, url, token)
    page.goto(url + "/")
    settle(page)
    out: dict[str, list[float]] = {p: [] for p in CYCLE}
    for _ in range(rounds):
        for name in CYCLE:
            path = "/" if name == "live" else f"/{name}"  # the default page lives at /
            out[name].append(timed_run(page, _link(page, t(f"nav.{name}", "vi")).click,
                                       path=path,
                                       map_layers=MAP_PAGES.get(name, 0)))
            settle(page)
    ctx.close()
    return out


def _floor_switches(browser, url: str, rounds: int = ROUNDS * len(CYCLE)) -> list[float]:
    ctx, page = new_page(browser, url, None)
    page.goto(url + "/")
    settle(page)
    out = []
    for k in range(rounds):
        target = "b" if k % 2 == 0 else "a"
        out.append(timed_run(page, _link(page, target.upper()).click,
                             path="/b" if target == "b" else "/"))
        settle(page)
    ctx.close()
    return out


def _slider_steps(page, changed: str, n: int = 10) -> list[float]:
    """A click on a slider's track, each at a new place (the moment moves), *n* times."""
    track = page.get_by_test_id("stMain").locator(
        '[data-testid="stSlider"] div[data-orientation="horizontal"][style*="relative"]').first
    box = track.bounding_box()
    out = []
    for k in range(n):
        x = box["x"] + box["width"] * (0.3 + 0.04 * k)
        y = box["y"] + box["height"] / 2
        out.append(timed_run(page, lambda x=x, y=y: page.mouse.click(x, y), changed))
        settle(page)
    return out


def _review_slider(browser, url: str, token: str) -> list[float]:
    ctx, page = new_page(browser, url, token)
    page.goto(url + "/review")
    settle(page)
    out = _slider_steps(page, ".st-key-antt-replay-state")  # "the state at HH:MM …"
    ctx.close()
    return out


def _floor_slider(browser, url: str) -> list[float]:
    ctx, page = new_page(browser, url, None)
    page.goto(url + "/")
    settle(page)
    out = _slider_steps(page, ".st-key-value")
    ctx.close()
    return out


def run() -> str:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="antt-ui-bench-"))
    floor_app = folder / "floor_app.py"
    floor_app.write_text(_EMPTY, encoding="utf-8")
    commune = build("commune", folder)
    province = build("province", folder)
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        with serve(folder / "unused.duckdb", app=floor_app) as url:
            floor = _floor_switches(browser, url)
            floor_step = _floor_slider(browser, url)
        fl = f"an empty page: {statistics.median(floor):.2f} s"
        for db, who, what, target in (
                (commune, "bench_commune", "demo drill, one commune's commander", "≤ 1 s"),
                (commune, "bench", "demo drill, all 3 communes", "≤ 1 s"),
                (province, "bench", "province drill (3,000 sites), all communes", "≤ 2 s")):
            with serve(db) as url:
                token = session(db, who)
                got = _switches(browser, url, token)
                if who == "bench_commune":
                    steps = _review_slider(browser, url, token)
            every = [s for v in got.values() for s in v]
            per_page = ", ".join(f"{name} {statistics.median(v):.2f}"
                                 for name, v in got.items())
            rows.append((f"page switch, {what}: median of {len(every)} (per page, s: "
                         f"{per_page})", f"{statistics.median(every):.2f} s (slowest page "
                         f"{max(statistics.median(v) for v in got.values()):.2f} s)", fl,
                         target))
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
        rows.append((f"review slider, one step, demo drill, median of {len(steps)}",
                     f"{statistics.median(steps):.2f} s",
                     f"a slider on an empty page: {statistics.median(floor_step):.2f} s",
                     "≤ 0.5 s"))
        browser.close()
    shutil.rmtree(folder, ignore_errors=True)
    return table("Clicks in headless Chromium", rows)
