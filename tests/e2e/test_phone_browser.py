"""The hamlet team's phone at 390x844: tapping your own position dot sets the incident's
place (even with a 0 m accuracy fix, which once zoomed the map to infinity)."""

import re

import pytest

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT = 30_000
PICKED = """() => [...document.querySelectorAll('iframe')].some(f => {
    try { const m = f.contentWindow.map_div; let n = 0;
          m.eachLayer(l => { if (l.options && l.options.className === 'antt-picked') n++; });
          return n === 1; } catch (e) { return false; } })"""
# Where the blue dot is on the page, once it has stopped moving: the same place at two
# polls in a row, with no zoom animation under way (a tap during the locate control's
# pan lands tens of metres away, as CI once showed).
DOT_AT_REST = """() => {
    const f = [...document.querySelectorAll('iframe')].find(f => {
        try { return !!f.contentWindow.map_div; } catch (e) { return false; } });
    if (!f) return false;
    const m = f.contentWindow.map_div;
    const d = f.contentDocument.querySelector('.leaflet-control-locate-location');
    if (!d || m._animatingZoom || !isFinite(m.getZoom()) || m.getZoom() > 17) return false;
    const a = f.getBoundingClientRect(), r = d.getBoundingClientRect();
    const at = [a.x + r.x + r.width / 2, a.y + r.y + r.height / 2].map(Math.round);
    const same = window.__dotAt === at.join(',');
    window.__dotAt = at.join(',');
    return same ? at : false; }"""


def test_the_phone_sets_the_place_by_tapping_its_own_position(dashboard, open_page):
    ARTIFACTS.mkdir(exist_ok=True)
    site = dashboard.store.frame("site").iloc[0]
    token = dashboard.session("field", communes=site["commune_code"],
                              display_name="Tổ ANTT điện thoại")
    b = open_page(dashboard.url + "/", width=390, height=844, session=token,
                  geolocation=(float(site["lon"]), float(site["lat"]), 0.0))
    b.page.get_by_role("button", name="Gửi báo cáo").wait_for(timeout=TIMEOUT)
    b.page.get_by_text("Đang dùng: Tổ ANTT điện thoại").wait_for(timeout=TIMEOUT)
    frame = b.map_frame()
    frame.click(".leaflet-control-locate a")
    frame.wait_for_selector(".leaflet-control-locate-location", timeout=TIMEOUT)
    x, y = b.page.wait_for_function(DOT_AT_REST, polling=400, timeout=TIMEOUT).json_value()
    # Tap the blue dot itself, through the page (as a finger would).
    b.page.mouse.click(x, y)
    caption = b.page.get_by_text(re.compile(r"^Vị trí.*\d+\.\d{5}, \d+\.\d{5}"))
    caption.wait_for(timeout=TIMEOUT)
    lat, lon = (float(v) for v in re.findall(r"\d+\.\d{5}", caption.inner_text())[:2])
    assert lat == pytest.approx(site["lat"], abs=2e-4)
    assert lon == pytest.approx(site["lon"], abs=2e-4)
    # The rerun marks the tapped point (drawn on the canvas: counted among the layers).
    b.page.wait_for_function(PICKED, timeout=TIMEOUT)
    b.page.screenshot(path=str(ARTIFACTS / "phone-390x844.png"), full_page=True)
    assert b.errors == [] and b.blocked == []
