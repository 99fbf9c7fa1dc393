"""``python -m bench limits``: what the import limits let through still draws on the phone.

A hamlet with exactly ``ANTT_IMPORT_MAX_VERTICES`` vertices (the demo hamlet's outline
traced again with a 2 m wobble every 10 m, so no vertex is redundant) is imported over
the demo layers. The field page's map, on a 390×844 phone window logged in as a hamlet
team of that commune, is timed in headless Chromium from navigation until the map has
all its layers and two frames have been drawn; beside it, in the same run and in turn,
the same page over the demo hamlets, and over the same hamlet drawn with every vertex
(the dashboard before outlines were simplified for drawing: bench/exact_outlines_app.py).
The server's part (the static map, rendered once an import) is timed in this process.
And the findings' files (a hamlet of 1,000,000 vertices; a zipped Shapefile of 640,000
sites) are timed until they are refused.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from dashboard.maps import DRAW_TOLERANCE_M
from geo import accounts
from geo.analysis.places import load_layer
from geo.drills.demo import DEMO_DIR, load_demo
from geo.drills.simulate import setup_time
from geo.io.importer import import_layer, plan_import
from geo.io.limits import Limits
from geo.store import Store

from .browser import (
    ARGS,
    CHROMIUM,
    DAY,
    PASSWORD,
    ROOT,
    map_frame,
    new_page,
    serve,
    session,
    settle,
)
from .common import table

PHONE = (390, 844)
HAMLET = "10762-H01"  # a convex demo hamlet of Cổ Dũng (10762)
N_SITES = 640_000
# Rounds of paints: more than the map benchmark's 5, the differences sought being small
# beside a shared machine's spells.
RUNS = 9
LAYER_COUNT = "() => Object.keys(map_div._layers).length"


def traced(outline: shapely.Polygon, n: int, wobble_m: float = 2.0) -> shapely.Polygon:
    """*outline* (star-shaped about its centroid) traced again with exactly *n*
    coordinates: each ray from the centroid meets the outline, pulled in by up to
    *wobble_m* metres along a wave of about 10 m, so every vertex carries detail."""
    c = outline.centroid
    theta = np.linspace(0, 2 * np.pi, n - 1, endpoint=False)
    far = 0.1  # degrees: beyond any hamlet
    rays = shapely.linestrings(np.stack([
        np.column_stack([np.full(n - 1, c.x), np.full(n - 1, c.y)]),
        np.column_stack([c.x + far * np.cos(theta), c.y + far * np.sin(theta)])], axis=1))
    hits = shapely.intersection(rays, outline.exterior)
    xy = np.array([shapely.get_coordinates(h)[0] for h in hits])
    r = np.hypot(xy[:, 0] - c.x, xy[:, 1] - c.y)
    waves = round(outline.length * 111_000 / 10)
    r = r - wobble_m / 111_000 * (1 + np.sin(waves * theta)) / 2
    poly = shapely.Polygon(np.column_stack([c.x + r * np.cos(theta), c.y + r * np.sin(theta)]))
    assert poly.is_valid and shapely.get_num_coordinates(poly) == n
    return poly


def _hamlets_file(folder: Path, name: str, vertices: int) -> Path:
    """The demo hamlets, hamlet ``HAMLET`` traced with *vertices* vertices."""
    h = gpd.read_file(DEMO_DIR / "hamlets.geojson")
    i = int(np.flatnonzero(h["code"] == HAMLET)[0])
    h.loc[i, "geometry"] = traced(h.geometry.iloc[i], vertices)
    path = folder / name
    h.to_file(path, driver="GeoJSON")
    return path


def _database(folder: Path, name: str) -> tuple[Path, str]:
    """The demo layers, and a hamlet team account of ``HAMLET``'s commune: (db, its
    username)."""
    db = folder / f"{name}.duckdb"
    store = Store(db)
    store.init()
    load_demo(store, at=setup_time(DAY))
    accounts.add_user(store, "bench", username="field_bench", display_name="Tổ ANTT thôn",
                      role="field", password=PASSWORD, communes=[HAMLET.split("-")[0]])
    store.close()
    return db, "field_bench"


def _layers_at_rest(browser, url: str, token: str) -> int:
    """How many layers the phone's map has once the page has finished."""
    ctx, page = new_page(browser, url, token, *PHONE)
    page.goto(url)
    frame = map_frame(page, 1, 120)
    settle(page)
    frame.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                   "requestAnimationFrame(r)))")
    n = frame.evaluate(LAYER_COUNT)
    ctx.close()
    return n


def _refusal(store: Store, path: Path, kind: str) -> tuple[float, str]:
    """Seconds until the import of *path* is refused, and the first reason."""
    t = time.perf_counter()
    plan = plan_import(store, path, kind)
    took = time.perf_counter() - t
    assert not plan.ok, "not refused"
    return took, plan.errors[0].reason


def _finding_files(folder: Path) -> tuple[Path, Path]:
    """A hamlet of 1,000,000 vertices (GeoJSON), and a zipped Shapefile of 640,000 sites
    that unpacks to about 179 MB, as the finding's zip did (under the unpacked limit:
    refused by its feature count, read from its header inside the zip)."""
    big = _hamlets_file(folder, "million.geojson", 1_000_000)
    n = N_SITES
    rng = np.random.default_rng(1)
    sites = gpd.GeoDataFrame(
        {"code": [f"S{i:07d}" for i in range(n)], "name": ["Nhà văn hóa thôn " + "x" * 60] * n,
         "voters": ["nhiều"] * n},
        geometry=gpd.points_from_xy(rng.uniform(106.42, 106.44, n),
                                    rng.uniform(20.96, 20.98, n)), crs=4326)
    shp = folder / "shp"
    shp.mkdir()
    sites.to_file(shp / "sites.shp", encoding="utf-8")
    bomb = folder / "sites.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for f in sorted(shp.iterdir()):
            z.write(f, f.name)
    return big, bomb


@contextmanager
def _exact() -> Iterator[None]:
    """Outlines drawn exact, as before they were simplified for drawing (in this process;
    ``exact_app`` for the dashboard's)."""
    from dashboard import maps

    was, maps.for_drawing = maps.for_drawing, lambda gdf, tolerance_m: gdf
    try:
        yield
    finally:
        maps.for_drawing = was


def exact_app(folder: Path) -> Path:
    """The dashboard drawing exact outlines (bench/exact_outlines_app.py), in *folder*
    beside links to dashboard/'s pages and static files."""
    return _beside_dashboard(folder, "exact_outlines_app.py", ("app_pages", "static"))


def _beside_dashboard(folder: Path, name: str, links: tuple[str, ...]) -> Path:
    """bench/*name* copied into *folder*, beside links to dashboard/'s *links*."""
    folder.mkdir(exist_ok=True)
    app = folder / name
    shutil.copy(ROOT / "bench" / name, app)
    for link in links:
        (folder / link).symlink_to(ROOT / "dashboard" / link)
    return app


def _render(db: Path) -> tuple[float, int]:
    """The server's part: the phone's static map (the commune's outline, hamlets and
    routes) built and rendered as the page renders it once per import; median seconds of
    3, and the size of the script sent to every phone."""
    from dashboard import maps, mapview
    from geo.i18n import label

    store = Store(db)
    commune = HAMLET.split("-")[0]
    layers = {k: load_layer(store, k) for k in ("communes", "hamlets", "routes")}
    store.close()
    layers = {k: v[v["code" if k == "communes" else "commune_code"] == commune]
              for k, v in layers.items()}
    times, size = [], 0
    for _ in range(3):
        t = time.perf_counter()
        static = mapview.render_static(maps.base_map(
            layers, label=lambda g, c: label(g, c, "vi")))
        times.append(time.perf_counter() - t)
        size = len(static.script)
    return statistics.median(times), size


def _phone_paint(browser, url: str, token: str, n: int) -> tuple[float, float, int]:
    """Seconds from navigation to the phone's map with its *n* layers drawn (two frames
    after); seconds of it since the map's frame was created (its component loading, the
    map's script run, the drawing); bytes received."""
    ctx, page = new_page(browser, url, token, *PHONE)
    received = [0]
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.__setitem__(
        0, received[0] + len(payload))))
    page.on("response", lambda r: received.__setitem__(
        0, received[0] + int(r.headers.get("content-length") or 0)))
    t = time.monotonic()
    page.goto(url, wait_until="commit", timeout=120_000)
    frame = map_frame(page, n, 120)
    if frame is None:
        raise RuntimeError("the phone's map did not draw")
    frame.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                   "requestAnimationFrame(r)))")
    total = time.monotonic() - t
    in_frame = frame.evaluate("() => performance.now()") / 1000
    ctx.close()
    return total, in_frame, received[0]


def _phones(browser, pages: dict[str, tuple[Path, Path]], user: str
            ) -> dict[str, dict[str, float]]:
    """The phone page of each of *pages* (name → database, app), each served by its own
    process at once: the first paint after its server started (it renders the static
    map), its layers at rest, then RUNS rounds of one paint each, taken in turn (the
    machine is shared: a busy spell falls on every page alike); medians."""
    with ExitStack() as stack:
        urls = {k: stack.enter_context(serve(db, app=app)) + "/"
                for k, (db, app) in pages.items()}
        tokens = {k: session(db, user) for k, (db, _) in pages.items()}
        cold = {k: _phone_paint(browser, urls[k], tokens[k], 1)[0] for k in pages}
        layers = {k: _layers_at_rest(browser, urls[k], tokens[k]) for k in pages}
        warm: dict[str, list] = {k: [] for k in pages}
        for _ in range(RUNS):
            for k in pages:
                warm[k].append(_phone_paint(browser, urls[k], tokens[k], layers[k]))
    return {k: {"layers": layers[k], "cold": cold[k],
                "total": statistics.median(w[0] for w in warm[k]),
                "frame": statistics.median(w[1] for w in warm[k]), "bytes": warm[k][-1][2]}
            for k in pages}


def run() -> str:
    from playwright.sync_api import sync_playwright

    limits = Limits.current()
    folder = Path(tempfile.mkdtemp(prefix="antt-limits-bench-"))
    rows = []
    base_db, user = _database(folder, "demo")
    ours_db, _ = _database(folder, "at-limit")
    at_limit = _hamlets_file(folder, "hamlets-at-limit.geojson", limits.vertices)
    store = Store(ours_db)
    t = time.perf_counter()
    plan = import_layer(store, at_limit, "hamlets", actor="bench")
    took = time.perf_counter() - t
    assert plan.changed == [HAMLET], plan.changed
    # The same database for the exact outlines' server (a DuckDB file has one process).
    exact_db, _ = _database(folder, "exact")
    exact_store = Store(exact_db)
    import_layer(exact_store, at_limit, "hamlets", actor="bench")
    exact_store.close()
    base_store = Store(base_db)
    t = time.perf_counter()
    import_layer(base_store, DEMO_DIR / "hamlets.geojson", "hamlets", actor="bench")
    base_took = time.perf_counter() - t
    rows.append((f"import: the demo hamlets with {HAMLET} at {limits.vertices:,} vertices "
                 f"({at_limit.stat().st_size / 1e6:.1f} MB)", f"{took:.2f} s",
                 f"the demo hamlets: {base_took:.2f} s", ""))
    big, bomb = _finding_files(folder)
    with zipfile.ZipFile(bomb) as z:
        unpacked = sum(i.file_size for i in z.infolist())
    for path, kind, what in (
            (big, "hamlets", f"a hamlet of 1,000,000 vertices ({big.stat().st_size / 1e6:.1f}"
                             " MB GeoJSON)"),
            (bomb, "sites", f"a {bomb.stat().st_size / 1e6:.1f} MB zipped Shapefile of "
                            f"{N_SITES:,} sites that unpacks to {unpacked / 1e6:.0f} MB")):
        refused, why = _refusal(base_store, path, kind)
        rows.append((f"refused: {what}", f"{refused:.2f} s", "", ""))
        print(f"  {path.name}: {why}", flush=True)
    store.close()
    base_store.close()

    drawn, drawn_size = _render(ours_db)
    with _exact():
        exact, exact_size = _render(ours_db)
    base, base_size = _render(base_db)
    rows.append((f"server: the phone's static map rendered (once an import), {HAMLET} at "
                 f"{limits.vertices:,} vertices, outlines drawn simplified to "
                 f"{DRAW_TOLERANCE_M:.2f} m",
                 f"{drawn:.2f} s, script {drawn_size / 1e6:.2f} MB",
                 f"exact outlines: {exact:.2f} s, {exact_size / 1e6:.2f} MB; demo hamlets: "
                 f"{base:.2f} s, {base_size / 1e6:.2f} MB", ""))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        app = ROOT / "dashboard" / "app.py"
        floor = _beside_dashboard(folder / "floor", "floor_map_app.py", ("static",))
        phones = _phones(browser, {"demo": (base_db, app), "ours": (ours_db, app),
                                   "exact": (exact_db, exact_app(folder / "exact")),
                                   "floor": (base_db, floor)}, user)
        browser.close()
    demo, ours, before = phones["demo"], phones["ours"], phones["exact"]
    assert ours["layers"] == demo["layers"] == before["layers"], phones
    print(json.dumps(phones), flush=True)
    rows.append((f"phone page (390×844, hamlet team): navigation → map drawn, {HAMLET} at "
                 f"{limits.vertices:,} vertices, median of {RUNS}",
                 f"{ours['total']:.2f} s (first after the server starts: {ours['cold']:.2f} s)",
                 f"demo hamlets: {demo['total']:.2f} s (first: {demo['cold']:.2f} s); exact "
                 f"outlines: {before['total']:.2f} s (first: {before['cold']:.2f} s)",
                 "≤ 2 s"))
    rows.append(("the floor on the same phone window: Streamlit shell + a one-marker map, no "
                 f"login, median of {RUNS}", f"{phones['floor']['total']:.2f} s", "", ""))
    rows.append(("phone page: of which the map's frame (component, script, drawing), median",
                 f"{ours['frame']:.2f} s", f"demo hamlets: {demo['frame']:.2f} s; exact "
                 f"outlines: {before['frame']:.2f} s", ""))
    rows.append(("phone page: all bytes to the drawn map", f"{ours['bytes'] / 1e6:.2f} MB",
                 f"demo hamlets: {demo['bytes'] / 1e6:.2f} MB; exact outlines: "
                 f"{before['bytes'] / 1e6:.2f} MB", ""))
    return table("Import limits: what passes draws on the phone (headless Chromium)", rows)
