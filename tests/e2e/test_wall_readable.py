"""The wall screen read from 5 m: a real dashboard on a 1920×1080 headless Chromium, the
network blocked, opened the way a command centre opens it (``?wall=1`` and a wall token).

Measured in the page, after waiting for the map, its markers and the ticker: nothing
scrolls (the document, and Streamlit's own scrolling main pane, which is where a too-tall
page would scroll), the ticker's lines at least 24 px, the legend's text 22 px, hamlet
names and team labels at least 20 px, every ticker line is one dark line with nothing
cut off, five incidents reported at one polling site are five markers in five places
with a count of 5, and urgent incidents are the large ones with the thick white ring. The figures
are written to ``test-artifacts/wall-readable.json`` beside the screenshot.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from geo import accounts, complaints, units
from geo import incidents as inc
from geo import sites as site_cmd
from geo.analysis.places import load_layer
from geo.clock import to_local, utcnow
from geo.drills.demo import load_demo_calendar

from ..conftest import make_account
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000  # ms: behaviour, not speed (the machine may be busy)
SHOT = "wall-readable-1920x1080.png"

# Everything the test measures, in the page (the map's figures come from its frame).
PAGE = """() => {
  const scroller = document.scrollingElement;
  const scrolling = Array.from(document.querySelectorAll('*')).filter(e => {
    const s = getComputedStyle(e);
    return ['auto', 'scroll'].includes(s.overflowY) && e.scrollHeight > e.clientHeight + 1;
  }).map(e => `${e.tagName}.${e.getAttribute('data-testid')} ${e.scrollHeight}/${e.clientHeight}`);
  const frame = document.querySelector("iframe[title='streamlit_folium.st_folium']")
    .getBoundingClientRect();
  const lines = Array.from(document.querySelectorAll('[class*="st-key-antt-tick-s"]')).map(box => {
    const p = box.querySelector('p'), s = getComputedStyle(p), r = box.getBoundingClientRect();
    return {text: p.innerText, font: parseFloat(s.fontSize),
            lineHeight: parseFloat(s.lineHeight), height: p.getBoundingClientRect().height,
            cut: p.scrollWidth > p.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1,
            background: getComputedStyle(box).backgroundColor, bottom: r.bottom};
  });
  return {innerHeight, innerWidth, scrollHeight: scroller.scrollHeight,
          scrollWidth: scroller.scrollWidth, scrolling, frameBottom: frame.bottom,
          frameHeight: frame.height, lines};
}"""
MAP = """() => {
  const own = e => Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  const legend = document.querySelector('.antt-legend');
  const lr = legend.getBoundingClientRect();
  const texts = Array.from(legend.querySelectorAll('*')).filter(own);
  const centre = e => { const r = e.getBoundingClientRect();
                        return [r.x + r.width / 2, r.y + r.height / 2, r.width]; };
  return {
    legendFonts: texts.map(e => parseFloat(getComputedStyle(e).fontSize)),
    legendTexts: texts.map(e => e.textContent.trim()),
    legendBox: [lr.left, lr.top, lr.right, lr.bottom], innerWidth, innerHeight,
    hamletFonts: Array.from(document.querySelectorAll('.antt-hamlet')).map(
      e => parseFloat(getComputedStyle(e).fontSize)),
    teamFonts: Array.from(document.querySelectorAll('div.antt-unit')).map(
      e => parseFloat(getComputedStyle(e).fontSize)),
    incidents: Array.from(document.querySelectorAll('.antt-incident')).map(e => ({
      id: +e.dataset.id, centre: centre(e), urgent: e.classList.contains('antt-urgent'),
      border: parseFloat(getComputedStyle(e).borderTopWidth),
      borderColour: getComputedStyle(e).borderTopColor})),
    counts: Array.from(document.querySelectorAll('.antt-stack-count')).map(
      e => e.textContent.trim()),
  };
}"""


# The alert banner and the KPI of pending alerts, as the page shows them.
ALERT = """() => {
  const box = document.querySelector(
    '[class*="st-key-antt-alert-live"] [data-testid="stAlertContainer"]');
  const kpi = document.querySelector('[class*="st-key-antt-kpi-alerts-"]');
  const value = kpi && kpi.querySelector('[data-testid="stMetricValue"]');
  if (!box) return {banner: null, kpi: value && value.innerText, kpiOn: !!(
    kpi && kpi.className.includes('alerts-on'))};
  const p = box.querySelector('p'), s = getComputedStyle(p), r = box.getBoundingClientRect();
  return {banner: p.innerText, font: parseFloat(s.fontSize), colour: s.color,
          background: getComputedStyle(box).backgroundColor, bottom: r.bottom,
          kpi: value && value.innerText, kpiColour: value && getComputedStyle(value).color,
          kpiOn: kpi.className.includes('alerts-on')};
}"""
FLASHING = """() => Array.from(document.querySelectorAll('.antt-incident.antt-alert'))
  .map(e => +e.dataset.id).sort((a, b) => a - b)"""


def _scene(store) -> tuple[str, list[int], dict[int, int]]:
    """An Phụ at mid-morning: sites voting, five incidents reported at one polling site
    (the same point), an urgent one elsewhere with a team sent; a wall token for the
    commune. Returns the token, the stacked incidents' ids and every incident's severity."""
    duty = make_account(store, "operator", username="trucban_ap", communes="10732",
                        display_name="Trực ban xã An Phụ")
    sites = load_layer(store, "sites")
    an_phu = sites[sites["commune_code"] == "10732"].sort_values("code")
    for code in an_phu["code"]:
        site_cmd.move(store, code, "open", expected_version=store.get("site", code)["version"],
                      actor=duty)
    hue_tri = an_phu.iloc[0]
    stacked, severity = [], {}
    for kind, sev, text in [("gathering", 4, "Tụ tập trước cổng"), ("disorder", 3, "Gây rối"),
                            ("filming", 3, "Quay phim"), ("tampering", 2, "Xé áp phích"),
                            ("other", 1, "Khác")]:
        row = inc.report(store, kind=kind, severity=sev, lon=hue_tri.geometry.x,
                         lat=hue_tri.geometry.y, source="hamlet_team", actor=duty,
                         description=text, site_code=hue_tri["code"])
        stacked.append(row["id"])
        severity[row["id"]] = sev
    other = an_phu.iloc[3].geometry
    row = inc.report(store, kind="fire", severity=4, lon=other.x + 0.002, lat=other.y - 0.001,
                     source="citizen_tip", actor=duty, description="Cháy rơm")
    severity[row["id"]] = 4
    row = inc.verify(store, row["id"], expected_version=row["version"], actor=duty)
    inc.dispatch(store, row["id"], "10732-TEAM2", expected_version=row["version"], actor=duty)
    units.report_position(store, "10732-TEAM2", other.x + 0.004, other.y + 0.002, actor=duty)
    # A team standing where Thôn 4's name is drawn: its label and the name would overlap.
    name_at = load_layer(store, "hamlets").set_index("code").geometry[
        "10732-H05"].representative_point()
    units.report_position(store, "10732-TEAM4", name_at.x, name_at.y + 0.0003, actor=duty)
    # Election day on the calendar: the strip over the KPIs is on the wall too.
    load_demo_calendar(store, day=to_local(utcnow()).date())
    # A voter-list complaint received ten days ago (5 days to answer): overdue, one line.
    complaints.receive(store, kind="khieu_nai", matter="voter_list", channel="letter",
                       from_whom="voter", commune_code="10732", actor=duty,
                       summary="Danh sách cử tri thiếu tên", received_at=utcnow()
                       - timedelta(days=10))
    admin = make_account(store, "admin", username="wall_admin")
    _, token = accounts.create_wall_token(store, admin, "Màn hình phòng chỉ huy", "10732")
    return token, stacked, severity


@pytest.fixture(scope="module")
def scene(dashboard) -> tuple[str, list[int], dict[int, int]]:
    """The scene of :func:`_scene`, set once for the module's tests."""
    got = _scene(dashboard.store)
    dashboard.store.close()  # let the dashboard process have the file
    return got


# Every label on the wall's map that is shown (hamlet names, team labels, counts), with
# its box; incident markers' letters; and the legend's box against the map's.
LABELS = """() => {
  const shown = e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0; };
  return Array.from(document.querySelectorAll(
      '.antt-hamlet, div.antt-unit, .antt-stack-count')).filter(shown).map(e => {
    const r = e.getBoundingClientRect();
    return {cls: e.className, text: e.textContent.trim(),
            box: [r.left, r.top, r.right, r.bottom]}; });
}"""
OVERLAPS = f"""() => {{
  const l = ({LABELS})(), out = [];
  for (let i = 0; i < l.length; i++) for (let j = i + 1; j < l.length; j++) {{
    const a = l[i].box, b = l[j].box;
    if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3])
      out.push([l[i].text, l[j].text]); }}
  return out;
}}"""
TYPE = """() => {
  const legend = document.querySelector('.antt-legend').getBoundingClientRect();
  return {legendArea: legend.width * legend.height, mapArea: innerWidth * innerHeight,
          legend: [legend.width, legend.height], map: [innerWidth, innerHeight],
          letters: Array.from(document.querySelectorAll('.antt-incident')).map(
            e => parseFloat(getComputedStyle(e).fontSize))};
}"""
CAPTIONS = """() => Array.from(document.querySelectorAll(
    '[data-testid=stMain] [data-testid=stCaptionContainer] p')).map(
    p => [p.innerText, parseFloat(getComputedStyle(p).fontSize)])"""


def test_wall_labels_banner_legend_and_type(dashboard, open_page, scene):
    """At 1920×1080: no two labels on the map overlap (a team on a hamlet's name moves
    the name); the banner says what the oldest alert is and where; the legend takes at
    most a tenth of the map; incident letters and the lines under the KPIs are 24 px or
    more."""
    token, _, severity = scene
    b = open_page(f"{dashboard.url}/?wall=1&token={token}&commune=10732", 1920, 1080)
    frame = b.map_frame()
    for sel in (".antt-hamlet", ".antt-legend", ".antt-stack-count", "div.antt-unit",
                *(f".antt-incident[data-id='{i}']" for i in severity)):
        frame.wait_for_selector(sel, timeout=TIMEOUT)
    frame.wait_for_function("() => document.querySelectorAll('div.antt-unit').length >= 2",
                            timeout=TIMEOUT)
    frame.evaluate("() => document.fonts.ready.then(() => true)")
    try:  # the labels are placed a frame after the layers come: wait for that
        frame.wait_for_function(f"() => !({OVERLAPS})().length", timeout=15_000)
    except Exception:  # noqa: BLE001 - the assertion below says what overlaps
        pass
    labels = frame.evaluate(LABELS)
    figures = {"labels": labels, "overlaps": frame.evaluate(OVERLAPS), **frame.evaluate(TYPE)}
    page = b.page
    page.wait_for_selector('[class*="st-key-antt-alert-live"] [data-testid="stAlertContainer"]',
                           timeout=TIMEOUT)
    figures["banner"] = page.evaluate(ALERT)["banner"]
    figures["captions"] = page.evaluate(CAPTIONS)
    figures["legend_share"] = figures["legendArea"] / figures["mapArea"]
    (ARTIFACTS / "wall-labels.json").parent.mkdir(exist_ok=True)
    (ARTIFACTS / "wall-labels.json").write_text(json.dumps(figures, indent=1,
                                                           ensure_ascii=False))
    print(json.dumps(figures, ensure_ascii=False))

    assert figures["overlaps"] == [], figures["overlaps"]
    texts = [x["text"] for x in labels]
    assert "Tổ tuần tra số 4" in texts and "Thôn 4" in texts, texts  # moved, not hidden
    assert sum(t.startswith("Thôn") for t in texts) >= 4, texts
    # The oldest alert: five were reported at Huề Trì's polling site, a gathering first.
    assert "Tụ tập đông người" in figures["banner"], figures["banner"]
    assert "Nhà văn hóa thôn Huề Trì" in figures["banner"], figures["banner"]
    assert "và 3 vụ khác" in figures["banner"], figures["banner"]
    assert figures["legend_share"] <= 0.10, figures
    assert figures["letters"] and min(figures["letters"]) >= 24, figures["letters"]
    assert figures["captions"] and min(f for _, f in figures["captions"]) >= 24, \
        figures["captions"]
    # The calendar's strip shares the time's line: "Cập nhật lúc … · Giai đoạn: Ngày bầu cử".
    assert any(t.startswith("Cập nhật lúc ") and " · Giai đoạn: Ngày bầu cử" in t
               for t, _ in figures["captions"]), figures["captions"]
    # The overdue complaint: a caption under the alerts' KPI, 24 px like the others.
    assert any(t.startswith("Đơn quá hạn: 1") for t, _ in figures["captions"]), \
        figures["captions"]
    assert b.blocked == [] and b.errors == [], (b.blocked, b.errors)


def test_the_wall_is_readable_from_five_metres(dashboard, open_page, scene):
    token, stacked, severity = scene

    ARTIFACTS.mkdir(exist_ok=True)
    b = open_page(f"{dashboard.url}/?wall=1&token={token}&commune=10732", 1920, 1080)
    page = b.page
    frame = b.map_frame()
    for sel in (".antt-hamlet", ".antt-legend", ".antt-stack-count", "div.antt-unit",
                *(f".antt-incident[data-id='{i}']" for i in severity)):
        frame.wait_for_selector(sel, timeout=TIMEOUT)
    page.wait_for_selector("[class*='st-key-antt-tick-s'] p", timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.querySelectorAll(\"[class*='st-key-antt-tick-s'] p\").length >= 12",
        timeout=TIMEOUT)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    frame.evaluate("() => document.fonts.ready.then(() => true)")

    got, on_map = page.evaluate(PAGE), frame.evaluate(MAP)
    page.screenshot(path=str(ARTIFACTS / SHOT), animations="disabled")
    lines = got["lines"]
    figures = {
        "viewport": [got["innerWidth"], got["innerHeight"]],
        "document_scroll_height": got["scrollHeight"],
        "scrolling_elements": got["scrolling"],
        "map_frame_bottom": got["frameBottom"], "map_frame_height": got["frameHeight"],
        "ticker_lines": len(lines), "ticker_bottom": max(x["bottom"] for x in lines),
        "ticker_min_font_px": min(x["font"] for x in lines),
        "legend_min_font_px": min(on_map["legendFonts"]),
        "legend_box": on_map["legendBox"], "map_size": [on_map["innerWidth"],
                                                       on_map["innerHeight"]],
        "hamlet_min_font_px": min(on_map["hamletFonts"]),
        "team_min_font_px": min(on_map["teamFonts"], default=None),
        "stack_counts": on_map["counts"],
    }
    (ARTIFACTS / "wall-readable.json").write_text(json.dumps(figures, indent=1,
                                                             ensure_ascii=False))
    print(json.dumps(figures, ensure_ascii=False))

    # One screen: nothing scrolls, and the map and the ticker end inside it.
    assert got["scrollHeight"] <= got["innerHeight"], figures
    assert got["scrollWidth"] <= got["innerWidth"], figures
    assert got["scrolling"] == [], figures
    assert got["frameBottom"] <= got["innerHeight"], figures
    assert figures["ticker_bottom"] <= got["innerHeight"], figures
    assert got["frameHeight"] >= 600, figures  # the map has most of the height

    # The ticker: a dark line per event, large type, nothing cut off, no empty rows.
    assert len(lines) == 12, lines
    for x in lines:
        assert x["text"].strip(), lines
        assert x["font"] >= 24, x
        assert not x["cut"], x
        assert x["height"] < 1.5 * x["lineHeight"], x  # one line
        r, g, bl = (int(v) for v in x["background"][4:-1].split(",")[:3])
        assert max(r, g, bl) < 60, x  # dark, not a light table

    # The legend: large type (22 px: two lines across the map, a tenth of it), inside it.
    assert on_map["legendFonts"] and min(on_map["legendFonts"]) >= 22, on_map["legendTexts"]
    left, top, right, bottom = on_map["legendBox"]
    assert left >= 0 and top >= 0, figures
    assert right <= on_map["innerWidth"] and bottom <= on_map["innerHeight"], figures

    # Hamlet names and team labels: map labels at least 20 px.
    assert len(on_map["hamletFonts"]) >= 5 and min(on_map["hamletFonts"]) >= 20, figures
    assert on_map["teamFonts"] and min(on_map["teamFonts"]) >= 20, figures

    # Five incidents at one site: five markers in five places, and their count.
    at_site = [m for m in on_map["incidents"] if m["id"] in stacked]
    assert len(at_site) == 5
    centres = [m["centre"] for m in at_site]
    for k, (x1, y1, w1) in enumerate(centres):
        for x2, y2, w2 in centres[k + 1:]:
            assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 >= (w1 + w2) / 2 - 1, centres
    assert "5" in on_map["counts"], on_map["counts"]

    # Urgent incidents (3, 4): the large ones, with a thick white ring.
    for m in on_map["incidents"]:
        urgent = severity[m["id"]] >= 3
        assert m["urgent"] == urgent, m
        if urgent:
            assert m["border"] >= 4 and m["borderColour"] == "rgb(255, 255, 255)", m
    small = max(m["centre"][2] for m in on_map["incidents"] if not m["urgent"])
    assert min(m["centre"][2] for m in on_map["incidents"] if m["urgent"]) > small + 8

    # Four open incidents of severity 3 or 4, none acknowledged: a red banner in large
    # white type, the KPI in red, their markers flashing.
    alert = page.evaluate(ALERT)
    print(json.dumps(alert, ensure_ascii=False))
    assert alert["banner"] and "và 3 vụ khác" in alert["banner"], alert  # 4 in all
    assert alert["font"] >= 24 and alert["colour"] == "rgb(255, 255, 255)", alert
    r, g, bl = (int(v) for v in alert["background"][4:-1].split(",")[:3])
    assert r >= 150 and g < 80 and bl < 80, alert
    assert alert["kpi"] == "4" and alert["kpiOn"], alert
    urgent_ids = sorted(i for i, sev in severity.items() if sev >= 3)
    assert frame.evaluate(FLASHING) == urgent_ids

    # An operator acknowledges them (the events carry who): within a refresh the banner
    # goes, the KPI says 0, and nothing flashes.
    store = dashboard.store
    duty = make_account(store, "operator", username="ack_ap", communes="10732")
    for i in urgent_ids:
        inc.acknowledge(store, i, expected_version=store.get("incident", i)["version"],
                        actor=duty)
    acked = store.events("incident")
    acked = acked[acked["action"] == "acknowledge"]
    assert sorted(int(x) for x in acked["entity_id"]) == urgent_ids
    assert set(acked["actor"]) == {"ack_ap"}
    store.close()
    page.wait_for_function(
        "() => !document.querySelector('[class*=\"st-key-antt-alert-live\"]')"
        " && !!document.querySelector('[class*=\"st-key-antt-kpi-alerts-off\"]')",
        timeout=TIMEOUT)
    frame = b.map_frame()
    frame.wait_for_function("() => document.querySelectorAll('.antt-incident').length >= 6"
                            " && !document.querySelector('.antt-alert')", timeout=TIMEOUT)
    assert page.evaluate(ALERT)["kpi"] == "0"

    assert (ARTIFACTS / SHOT).stat().st_size > 50_000
    assert b.blocked == [], b.blocked
    assert b.errors == [], b.errors
