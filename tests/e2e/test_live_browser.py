"""The live page in a real headless Chromium with the network blocked."""

from __future__ import annotations

import time

import pytest

from geo import incidents as inc
from geo.analysis.places import load_layer
from geo.store import Store

from .conftest import ARTIFACTS, Dashboard, demo_db, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COUNT_SITES = """() => { let n = 0; map_div.eachLayer(l => {
    const c = l.options && l.options.className;
    if (c && c.split(' ').includes('antt-site')) n++; }); return n; }"""
VIEW = "() => [map_div.getCenter().lat, map_div.getCenter().lng, map_div.getZoom()]"
# The number of the live page's last snapshot read (dashboard/app_pages/live.py puts it
# in a class, st-key-antt-live-read-N); 0 before the first.
READS = """() => Math.max(0, ...Array.from(
    document.querySelectorAll('[class*="st-key-antt-live-read-"]'),
    el => +el.className.match(/st-key-antt-live-read-(\\d+)/)[1]))"""
TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _wait(pred, timeout: float, step_ms: int = 100):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(step_ms / 1000)  # polling interval; the assertion is on the deadline
    return pred()


def _refreshed(b, times: int = 1, timeout_s: float = 60) -> int:
    """Wait until the live page has read *times* new snapshots (its refresh or change
    check), drawn them and finished its run: an event on the page, never a time."""
    then = b.page.evaluate(READS)
    b.page.wait_for_function(f"(n) => ({READS})() >= n", arg=then + times,
                             timeout=timeout_s * 1000)
    b.page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                             timeout=timeout_s * 1000)
    b.page.evaluate(TWO_FRAMES)
    return b.page.evaluate(READS)


def test_live_map_offline_with_every_site(dashboard, open_page):
    b = open_page(dashboard.url + "/", session=dashboard.session())
    frame = b.map_frame()
    n_sites = len(load_layer(dashboard.store, "sites"))
    assert n_sites == 19
    assert _wait(lambda: frame.evaluate(COUNT_SITES) == n_sites, 10), frame.evaluate(COUNT_SITES)
    _refreshed(b, 2)  # a refresh drawn (the second read: the first one's map swapped in)
    assert b.blocked == [], b.blocked
    assert b.errors == [], b.errors


def _settled(b):
    """The map frame once the page has drawn its sites and refreshed once."""
    frame = b.map_frame()
    assert _wait(lambda: frame.evaluate(COUNT_SITES) > 0, 15)
    _refreshed(b)
    return b.map_frame()


def test_write_appears_and_view_is_kept(dashboard, open_page):
    """A write shows on an open live page without a reload, and the commander's view
    stays. (How soon: ``python -m bench map``'s write → visible, not a test's deadline.)"""
    b = open_page(dashboard.url + "/", session=dashboard.session())
    frame = _settled(b)
    centre = load_layer(dashboard.store, "communes").set_index("code").loc["10732", "geometry"] \
        .centroid  # An Phụ's
    frame.evaluate(f"() => map_div.setView([{centre.y}, {centre.x}], 15, {{animate: false}})")
    before = frame.evaluate(VIEW)
    spot = _empty_spot(dashboard.store, "Thôn 1")  # An Phụ's (the first "Thôn 1")
    row = inc.report(dashboard.store, kind="gathering", severity=4, lon=spot.x, lat=spot.y,
                     source="hamlet_team", actor="e2e", description="Tụ tập đông người")
    dashboard.store.close()  # let the dashboard process have the file
    selector = f".antt-incident[data-id='{row['id']}']"
    b.map_frame().wait_for_selector(selector, state="attached", timeout=60_000)
    after = b.map_frame().evaluate(VIEW)
    assert after == pytest.approx(before, abs=1e-9), (before, after)
    assert b.errors == []


def test_user_text_is_shown_as_text_and_never_runs(dashboard, open_page):
    nasty = "<img src=x onerror=alert(1)>"
    spot = _empty_spot(dashboard.store, "Thôn 2")  # An Phụ's, clear of other markers
    row = inc.report(dashboard.store, kind="disorder", severity=3, lon=spot.x, lat=spot.y,
                     source="citizen_tip", actor="<b>e2e</b>", description=nasty)
    dashboard.store.close()
    b = open_page(dashboard.url + "/", session=dashboard.session())
    frame = _settled(b)
    selector = f".antt-incident[data-id='{row['id']}']"
    frame.wait_for_selector(selector, state="attached", timeout=30_000)
    frame.evaluate(f"() => map_div.setView([{row['lat']}, {row['lon']}], 17, {{animate: false}})")
    frame.click(selector)
    popup = _wait(lambda: frame.query_selector(".leaflet-popup-content"), 5)
    assert popup is not None
    assert nasty in popup.inner_text()
    assert frame.query_selector("img[src='x']") is None
    assert b.page.query_selector("img[src='x']") is None
    # Whatever the text could have started has had a refresh to show itself (a dialog,
    # a request for "x") by the time the page has read and drawn again.
    _refreshed(b)
    assert b.dialogs == []
    assert b.errors == []


def test_wall_mode_screenshot(dashboard, open_page):
    ARTIFACTS.mkdir(exist_ok=True)
    b = open_page(dashboard.url + "/?wall=1&commune=10732", session=dashboard.session())
    frame = b.map_frame()
    assert _wait(lambda: frame.evaluate(COUNT_SITES) == 5, 10)  # An Phụ's five hamlets
    assert b.page.query_selector("[data-testid='stSidebar']") is None or \
        not b.page.query_selector("[data-testid='stSidebar']").is_visible()
    _refreshed(b)  # drawn as a refresh leaves it, then photographed
    b.page.screenshot(path=str(ARTIFACTS / "wall-1920x1080.png"))
    assert (ARTIFACTS / "wall-1920x1080.png").stat().st_size > 50_000
    assert b.blocked == [] and b.errors == []


def _empty_spot(store, hamlet_name: str):
    """A point inside the hamlet as far as possible from every marker and route, where a
    click can only hit the hamlet polygon."""
    import numpy as np
    import shapely

    hamlets = load_layer(store, "hamlets")
    poly = hamlets[hamlets["name"] == hamlet_name].geometry.iloc[0]
    things = [g for kind in ("sites", "targets", "routes", "checkpoints", "hotspots")
              for g in load_layer(store, kind).geometry]
    things += list(shapely.points(store.incidents()[["lon", "lat"]].to_numpy()))
    near = shapely.union_all([g.boundary if g.geom_type.endswith("Polygon") else g
                              for g in things] + [poly.boundary])
    rng = np.random.default_rng(0)
    minx, miny, maxx, maxy = poly.bounds
    cands = [shapely.Point(x, y) for x, y in zip(rng.uniform(minx, maxx, 400),
                                                 rng.uniform(miny, maxy, 400), strict=True)]
    cands = [c for c in cands if poly.contains(c)]
    return max(cands, key=near.distance)


def test_clicking_a_hamlet_filters_and_the_button_clears(dashboard, open_page):
    # The URL is ignored outside wall mode.
    b = open_page(dashboard.url + "/?commune=x", session=dashboard.session())
    frame = _settled(b)
    p = _empty_spot(dashboard.store, "Thôn Huề Trì")
    frame.evaluate(f"() => map_div.setView([{p.y}, {p.x}], 17, {{animate: false}})")
    frame.evaluate(TWO_FRAMES)  # the hamlets redrawn at the new view
    box = b.page.query_selector("iframe[title='streamlit_folium.st_folium']").bounding_box()
    pt = frame.evaluate(f"() => map_div.latLngToContainerPoint([{p.y}, {p.x}])")
    b.page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
    _filtered_by(b, "Thôn Huề Trì")
    # The KPIs follow the filter: one polling site (the hamlet's), not 19.
    b.page.get_by_text("Chưa mở 1", exact=True).wait_for(timeout=30_000)
    clear = b.page.get_by_role("button", name="Bỏ lọc thôn")
    clear.click()
    b.page.wait_for_function(f"() => !({CHOSEN})().length", timeout=30_000)
    assert b.errors == []


# The hamlets chosen in the sidebar's filter (its chips), and the page's title.
CHOSEN = """() => { const box = Array.from(document.querySelectorAll(
    '[data-testid=stSidebar] [data-testid=stMultiSelect]')).find(
    e => e.querySelector('label')?.innerText.trim() === 'Thôn');
    return box ? Array.from(box.querySelectorAll('.react-aria-ComboBox [data-tag]'),
                            e => e.innerText.trim()) : []; }"""
TITLE = "() => document.querySelector('[data-testid=stMain] h1')?.innerText || ''"


def _filtered_by(b, name: str) -> None:
    """Wait until the sidebar's hamlet filter holds *name* (its name only, never the
    folded one) and the title names it."""
    b.page.wait_for_function(
        f"(name) => ({CHOSEN})().includes(name) && ({TITLE})().includes(name)", arg=name,
        timeout=30_000)  # behaviour, not speed: the machine may be busy
    assert b.page.evaluate(CHOSEN) == [name]
    assert " · thon" not in b.page.evaluate("() => document.body.innerText")


TICKER = """() => Array.from(document.querySelectorAll('[class*="st-key-antt-tick-s"] p'))
    .map(p => p.innerText)"""


def test_clicking_a_hamlets_name_filters_by_it_and_the_ticker_follows(dashboard, open_page):
    """A click on a hamlet's name (not only inside it away from its name) filters by the
    hamlet; the title and the sidebar name it; the ticker keeps no event of a team in
    another hamlet."""
    from geo import units

    from ..conftest import make_account
    store = dashboard.store
    duty = make_account(store, "operator", username="tick_e2e", communes="10732")
    hamlets = load_layer(store, "hamlets").set_index("code").geometry
    for code, hamlet in (("10732-TEAM1", "10732-H01"), ("10732-TEAM4", "10732-H05")):
        p = hamlets[hamlet].representative_point()
        units.report_position(store, code, p.x + 0.0005, p.y - 0.0005, actor=duty)
        units.set_status(store, code, "start_patrol", actor=duty,
                         expected_version=store.get("unit", code)["version"])
    name_at = hamlets["10732-H01"].representative_point()
    store.close()
    b = open_page(dashboard.url + "/", session=dashboard.session())
    frame = _settled(b)
    assert any("Tổ tuần tra số 4" in x for x in b.page.evaluate(TICKER))
    frame.evaluate(f"() => map_div.setView([{name_at.y}, {name_at.x}], 16, "
                   "{animate: false})")
    frame.evaluate(TWO_FRAMES)
    label = frame.evaluate("""() => { const r = Array.from(document.querySelectorAll(
        '.antt-hamlet')).filter(e => e.textContent === 'Thôn Huề Trì').map(
        e => e.getBoundingClientRect()).find(r => r.width > 0);
        return {x: r.left + r.width / 2, y: r.top + r.height / 2}; }""")
    box = b.page.query_selector("iframe[title='streamlit_folium.st_folium']").bounding_box()
    b.page.mouse.click(box["x"] + label["x"], box["y"] + label["y"])
    _filtered_by(b, "Thôn Huề Trì")
    _refreshed(b)
    lines = b.page.evaluate(TICKER)
    assert any("Tổ tuần tra số 1" in x for x in lines), lines  # the team in Huề Trì
    assert not [x for x in lines if "Tổ tuần tra số" in x and "số 1" not in x], lines
    assert b.errors == []


LAYER_NAMES = """() => Array.from(document.querySelectorAll(
    '.leaflet-control-layers-overlays label')).map(l => l.textContent.trim())"""


def test_layer_switcher_lists_static_and_live_layers_and_switches(dashboard, open_page):
    """The static layers are rendered once and the live ones every refresh; the switcher
    spans both, and unticking a live layer takes its markers off the map."""
    b = open_page(dashboard.url + "/", session=dashboard.session())
    frame = _settled(b)
    names = _wait(lambda: frame.evaluate(LAYER_NAMES), 10)
    for name in ("Thôn, khu dân cư", "Tuyến tuần tra", "Điểm nóng", "Điểm bỏ phiếu",
                 "Vụ việc", "Tổ tuần tra"):
        assert name in names, names
    assert len(names) == len(set(names)), names  # one entry each, even after a refresh
    frame.locator(".leaflet-control-layers-overlays label",
                  has_text="Điểm bỏ phiếu").locator("input").uncheck()
    assert _wait(lambda: frame.evaluate(COUNT_SITES) == 0, 10), frame.evaluate(COUNT_SITES)
    assert b.errors == [], b.errors


def test_write_appears_by_the_change_check_not_the_refresh(tmp_path, open_page):
    """With a refresh every 10 minutes, only the 1-second change check can bring a new
    incident onto an open live page."""
    db = demo_db(tmp_path)
    with serve(db, ANTT_REFRESH_SECONDS="600", ANTT_CHANGE_CHECK_SECONDS="1") as url:
        dash = Dashboard(url, Store(db))
        b = open_page(url + "/", session=dash.session())
        frame = b.map_frame()
        assert _wait(lambda: frame.evaluate(COUNT_SITES) > 0, 30)
        spot = _empty_spot(dash.store, "Thôn 1")
        row = inc.report(dash.store, kind="gathering", severity=2, lon=spot.x, lat=spot.y,
                         source="hamlet_team", actor="e2e", description="Tụ tập")
        dash.store.close()  # let the dashboard process have the file
        selector = f".antt-incident[data-id='{row['id']}']"
        b.map_frame().wait_for_selector(selector, state="attached", timeout=60_000)
        assert b.errors == [], b.errors
