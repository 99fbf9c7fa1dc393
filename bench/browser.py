"""What the browser benchmarks share: a drill database with a bench account, the dashboard
in its own process, a logged-in headless Chromium page that may reach only localhost, and
event-driven waits (a script run ending, a selector), never fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from geo import accounts
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time, simulate
from geo.store import Store

from . import processes

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PASSWORD = "bench-mat-khau-01"
DAY = date(2021, 5, 23)

# Remembers the text of what should change. (The stApp element's script-state attribute
# is no use here: React may batch a quick run's "running" and "notRunning" into one
# render, so the attribute never changes.)
_ARM = """(sel) => {
  const el = document.querySelector(sel);
  window.__antt_before = el ? el.textContent : null;
}"""
# Done: what should change did, on the page at *path*; no run is going on and no element
# is left stale from the run before.
_DONE = """([sel, path]) => {
  const el = document.querySelector(sel);
  const app = document.querySelector('[data-testid="stApp"]');
  return el !== null && el.textContent !== window.__antt_before
    && (!path || location.pathname.endsWith(path))
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelectorAll('.stale-element').length === 0;
}"""
HEADING = '[data-testid="stMain"] h1'
_TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def build(scale: str, folder: Path) -> Path:
    """A drill database of *scale* (the demo communes under the commune drill), with a
    commander ``bench`` (all communes) and ``bench_commune`` (An Phụ only)."""
    db = folder / f"{scale}.duckdb"
    store = Store(db)
    store.init()
    if scale == "commune":
        load_demo(store, at=setup_time(DAY))
    simulate(store, scale=scale, seed=1, day=DAY, progress=False)
    first = store.frame("site")["commune_code"].iloc[0]
    for name, communes in (("bench", "*"), ("bench_commune", [str(first)])):
        accounts.add_user(store, "bench", username=name, display_name=name, role="commander",
                          password=PASSWORD, communes=communes)
    store.close()
    return db


def session(db: Path, username: str = "bench") -> str:
    """A login session token for *username* (what the browser's cookie carries)."""
    store = Store(db)
    try:
        return accounts.start_session(store, accounts.login(store, username, PASSWORD))
    finally:
        store.close()


@contextmanager
def serve(db: Path, app: Path = ROOT / "dashboard" / "server.py", **env: str) -> Iterator[str]:
    """*app* on *db* in its own streamlit process (bench.processes, as the browser tests
    start it); yields its URL."""
    with processes.dashboard(db, app, capture=False, timeout=120,
                             **{"PYTHONPATH": str(ROOT), **env}) as url:
        yield url


def new_page(browser, url: str, token: str | None, width: int = 1920, height: int = 1080):
    """A fresh context and page, logged in with *token*, reaching only localhost."""
    ctx = browser.new_context(viewport={"width": width, "height": height})
    if token:
        ctx.add_cookies([{"name": "antt_session", "value": token, "url": url}])
    ctx.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url
              or r.request.url.startswith(("data:", "blob:")) else r.abort())
    return ctx, ctx.new_page()


def map_frame(page, min_layers: int = 1, timeout: float = 60):
    """The frame holding the Leaflet map once it has *min_layers* layers, or None."""
    js = "() => (typeof map_div === 'undefined') ? 0 : Object.keys(map_div._layers).length"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for f in page.frames:
            try:
                if f.evaluate(js) >= min_layers:
                    return f
            except Exception:  # a frame navigating away
                pass
        time.sleep(0.02)  # polling interval
    return None


def settle(page, timeout: float = 120) -> None:
    """Wait until no script run is going on."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                           timeout=timeout * 1000)


def timed_run(page, act: Callable[[], None], changed: str = HEADING,
              path: str | None = None, map_layers: int = 0, timeout: float = 120) -> float:
    """Seconds from *act* (a click) until the text of *changed* (a CSS selector; by
    default the page's heading, i.e. a page switch) differs, on the page at *path*, with
    the run finished and drawn; with *map_layers*, until its map also has that many
    layers."""
    page.evaluate(_ARM, changed)
    t = time.monotonic()
    act()
    page.wait_for_function(_DONE, arg=[changed, path], timeout=timeout * 1000)
    page.evaluate(_TWO_FRAMES)
    if map_layers and map_frame(page, map_layers, timeout) is None:
        raise RuntimeError("the map did not draw")
    return time.monotonic() - t
