"""Map benchmark in headless Chromium: first map paint and payload of the live page at
commune, province and national scale, beside a naive folium map of the same points (one
Marker each, no clustering); and write → visible latency (median of 20)."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from geo import incidents as inc
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time, simulate
from geo.incidents import OPEN
from geo.store import Filters, Store

from .common import table

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
LAYER_COUNT = "() => (typeof map_div === 'undefined') ? 0 : Object.keys(map_div._layers).length"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _build(scale: str, folder: Path) -> Path:
    db = folder / f"{scale}.duckdb"
    store = Store(db)
    store.init()
    day = date(2021, 5, 23)
    if scale == "commune":
        load_demo(store, at=setup_time(day))
    simulate(store, scale=scale, seed=1, day=day, progress=False)
    store.close()
    return db


def _serve(db: Path, refresh: int = 5, app: Path = ROOT / "dashboard" / "app.py"
           ) -> tuple[subprocess.Popen, str]:
    port = _port()
    env = {**os.environ, "ANTT_DB": str(db), "ANTT_REFRESH_SECONDS": str(refresh),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app),
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.enableStaticServing", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("dashboard did not start")


def _map_frame(page, min_layers: int, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for f in page.frames:
            try:
                if f.evaluate(LAYER_COUNT) >= min_layers:
                    return f
            except Exception:
                pass
        time.sleep(0.02)
    return None


def _paint(browser, url: str, min_layers: int, timeout: float = 120) -> tuple[float, int]:
    """Seconds from navigation to a map with its layers drawn, and bytes received."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    received = [0]

    def on_ws(ws):
        ws.on("framereceived", lambda payload: received.__setitem__(
            0, received[0] + len(payload)))

    page.on("websocket", on_ws)
    page.on("response", lambda r: received.__setitem__(
        0, received[0] + int(r.headers.get("content-length") or 0)))
    ctx.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    from playwright.sync_api import Error as PlaywrightError

    t = time.monotonic()
    try:
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        frame = _map_frame(page, min_layers, timeout)
        if frame is not None:
            frame.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                           "requestAnimationFrame(r)))")
    except PlaywrightError:  # a page too heavy to finish loading: no paint
        frame = None
    took = time.monotonic() - t if frame is not None else float("inf")
    ctx.close()
    return took, received[0]


def _map_html_bytes(db: Path) -> tuple[int, int]:
    """HTML size of the live page's map (base + live layers, as the page builds them) and
    of the naive map of the same points (one folium Marker each)."""
    import folium

    from dashboard import maps
    from geo.i18n import label
    from geo.io.features import load_layer

    store = Store(db)
    sites, units = store.frame("site"), store.frame("unit")
    open_inc = store.incidents(Filters(statuses=OPEN))
    layers = {k: load_layer(store, k) for k in ("communes", "hamlets", "targets", "hotspots",
                                                 "routes")}
    store.close()

    def lab(g, c):
        return label(g, c, "vi")

    ours = maps.base_map(layers, label=lab, legend=True)
    for g in maps.live_groups(sites, open_inc, units, label=lab):
        g.add_to(ours)
    naive = folium.Map(location=[sites["lat"].mean(), sites["lon"].mean()], zoom_start=8,
                       tiles=None)
    for r in sites.itertuples(index=False):
        folium.Marker([r.lat, r.lon], tooltip=maps.esc(r.name)).add_to(naive)
    for r in open_inc.itertuples(index=False):
        folium.Marker([r.lat, r.lon], popup=maps.esc(r.description)).add_to(naive)
    return (len(maps.localize(ours).get_root().render().encode()),
            len(maps.localize(naive).get_root().render().encode()))


def _points(db: Path) -> int:
    store = Store(db)
    n = len(store.frame("site")) + len(store.incidents(Filters(statuses=OPEN)))
    store.close()
    return n


def _write_latency(browser, url: str, db: Path, n: int = 20) -> list[float]:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    page.goto(url + "/?commune=10732")
    _map_frame(page, 5, 60)
    time.sleep(6)  # let the first refresh settle before timing writes
    store = Store(db)
    site = store.frame("site").iloc[0]  # inside An Phụ: a report outside is refused
    out = []
    for k in range(n):
        row = inc.report(store, kind="traffic", severity=2, lon=float(site["lon"]) + k * 1e-4,
                         lat=float(site["lat"]), source="patrol", actor="bench")
        store.close()
        t = time.monotonic()
        sel = f".antt-incident[data-id='{row['id']}']"
        while time.monotonic() - t < 30:
            frame = _map_frame(page, 1, 5)
            if frame is not None and frame.query_selector(sel) is not None:
                break
            time.sleep(0.02)
        out.append(time.monotonic() - t)
    ctx.close()
    return out


def run(naive_national: bool = False) -> str:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="antt-map-bench-"))
    # Streamlit serves static/ beside the main script: run the baseline from a folder
    # whose static/ is the vendored assets, like the dashboard's.
    naive_app = folder / "naive_app.py"
    shutil.copy(ROOT / "bench" / "naive_app.py", naive_app)
    (folder / "static").symlink_to(ROOT / "dashboard" / "static")
    rows = []
    latencies: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for scale in ("commune", "province", "national"):
            db = _build(scale, folder)
            n_points = _points(db)
            proc, url = _serve(db)
            try:
                _paint(browser, url + "/", min_layers=10)  # warm: first start compiles
                ours_s, ours_b = _paint(browser, url + "/", min_layers=10)
                if scale == "commune":
                    latencies = _write_latency(browser, url, db)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            naive_s, naive_b = float("nan"), 0
            if scale != "national" or naive_national:
                proc, url = _serve(db, app=naive_app)
                try:
                    _paint(browser, url + "/", min_layers=2, timeout=240)
                    naive_s, naive_b = _paint(browser, url + "/", min_layers=n_points,
                                              timeout=240)
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
            rows.append((f"{scale}: first map paint, {n_points:,} sites + open incidents",
                         f"{ours_s:.2f} s",
                         f"naive map (a folium Marker per point): {naive_s:.2f} s"
                         if naive_s == naive_s and naive_s != float("inf") else
                         "naive map: no paint within 240 s" if naive_s == float("inf") else
                         "naive map not run (85,000 Markers kept Chromium busy > 25 min; "
                         "`run(naive_national=True)` to try)",
                         {"commune": "", "province": "≤ 2 s", "national": "≤ 5 s"}[scale]))
            ours_html, naive_html = _map_html_bytes(db)
            rows.append((f"{scale}: map HTML payload (base + live layers)",
                         f"{ours_html / 1e6:.2f} MB", f"naive: {naive_html / 1e6:.2f} MB "
                         f"(ANTT/naive {ours_html / naive_html:.2f})",
                         "≤ 1/5 of naive" if scale == "province" else ""))
            rows.append((f"{scale}: all bytes to first paint (Streamlit shell included)",
                         f"{ours_b / 1e6:.2f} MB", f"naive: {naive_b / 1e6:.2f} MB "
                         f"(ANTT/naive {ours_b / max(naive_b, 1):.2f})" if naive_b else "—",
                         ""))
            for r in rows[-3:]:
                print(" | ".join(r), file=sys.stderr, flush=True)
        browser.close()
    rows.append(("write → visible on the live map, median of 20 (refresh 5 s)",
                 f"{statistics.median(latencies):.2f} s (max {max(latencies):.2f} s)", "",
                 "≤ refresh + 1 s = 6 s"))
    return table("Live map in headless Chromium (same Streamlit shell for both)", rows)
