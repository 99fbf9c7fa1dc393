"""Hostile text in a real browser: names, descriptions and actors full of HTML, markdown,
Jinja and JavaScript-template payloads, stored through the product's own commands and
imports, then every page that shows them opened in headless Chromium with the network
blocked.

Nothing may run (no dialog, no handler), nothing may be fetched (no request to
evil.example, no ``<img>`` pointing there, in the page or in a map iframe), nothing may be
evaluated on the server (no ``{{ … }}`` rendered by Jinja: the quote-free makedirs payload
would create a directory), and no page may show a traceback. Every wait is on an event or
an element, never on the clock.

The pages are opened signed in (a session of a real account, as its cookie): a commander
whose display name is hostile too, and a hamlet team's field account for the field page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from shapely.geometry import LineString, Point, box, mapping

from geo import accounts, sites, units
from geo import incidents as inc
from geo.analysis.places import load_layer
from geo.io.importer import import_layer

from .. import geofixtures as fx
from .. import hostile

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IMG = hostile.HTML["html-img"]
MD_IMG = hostile.MARKDOWN["md-image"]
# One line of every HTML, markdown, Jinja and JS-template payload that fits in a name.
COMBO = " ".join([IMG, MD_IMG, hostile.MARKDOWN["md-link"], hostile.MARKDOWN["md-directive"],
                  hostile.MARKDOWN["md-math"], hostile.JINJA["jinja-expr"],
                  hostile.JS["js-template-break"]])
ACTOR = "<img src=x onerror=alert(1)>![a](http://evil.example/a.png)"   # ≤ 64 characters
SERVER_SIDE = hostile.makedirs_payloads(Path("/unused"))["jinja-makedirs-env"]
DESCRIPTION = "\n".join([COMBO, hostile.HTML["html-script"], hostile.HTML["html-attr-break"],
                         hostile.JS["js-backslash-backtick"], SERVER_SIDE])
TAGS = {"site": "HXSITE", "team": "HXTEAM", "checkpoint": "HXCP", "hamlet": "HXHAMLET",
        "commune": "HXXA", "hotspot": "HXHOT", "user": "HXUSER"}
PASSWORD = "mat-khau-thu-nghiem-hx"
COOKIE = "antt_session"
MAP_IFRAME = "iframe[title='streamlit_folium.st_folium']"
TIMEOUT = 60_000  # behaviour, not speed: the machine may be busy

FIND_BAD = """() => {
    const bad = [];
    for (const el of document.querySelectorAll('img, image, source, video, audio')) {
        const src = el.getAttribute('src') || el.getAttribute('href') || '';
        if (src.includes('evil.example') || src === 'x') bad.push(el.outerHTML.slice(0, 120));
    }
    for (const el of document.querySelectorAll('svg[onload], [onerror], [onload]')) {
        bad.push(el.outerHTML.slice(0, 120));
    }
    // Markdown made active: links to the payload's host, colour directives, math. The
    // catalogue itself uses none of them.
    for (const el of document.querySelectorAll(
            'a[href*="evil"]:not([href^="#"]), .stMarkdownColoredText, .katex')) {
        bad.push(el.outerHTML.slice(0, 120));
    }
    for (const el of document.querySelectorAll('script')) {
        if ((el.textContent || '').trim() === 'alert(1)') bad.push('script: alert(1)');
    }
    return bad;
}"""
BODY_TEXT = "() => document.body ? document.body.innerText : ''"


def _read(text: str) -> str:
    """Text as a person reads it: md_text puts invisible zero-width spaces after ':', '@'
    and 'www' to stop autolinks, directives and icons."""
    return text.replace("\u200b", "")
MAP_READY = "() => typeof map_div !== 'undefined' && !!map_div.getCenter"


def _layer(tmp: Path, kind: str, features: list[tuple[dict, object]]) -> Path:
    return fx.write_raw_geojson(tmp / f"hx-{kind}.geojson",
                                [fx.feature(mapping(g), **p) for p, g in features])


def _seed(store, tmp: Path) -> dict[str, str]:
    """Hostile text in every place a page shows user text, through the product's doors.
    Returns a session token per account (commander, field)."""
    hamlet = load_layer(store, "hamlets").set_index("code").loc["10732-H01", "geometry"]
    p = hamlet.representative_point()
    x, y = p.x, p.y
    # Route 10732-R1's checkpoint C1 is inside An Phụ: the hostile one sits on it.
    checkpoint = load_layer(store, "checkpoints").set_index("code").loc["10732-R1-C1",
                                                                         "geometry"]
    layers = {
        "communes": [({"code": "HX1", "name": f"{TAGS['commune']} {COMBO}"},
                      box(106.40, 21.02, 106.42, 21.04))],
        "hamlets": [({"code": "HX1-H1", "name": f"{TAGS['hamlet']} {COMBO}",
                      "commune_code": "HX1"}, box(106.40, 21.02, 106.41, 21.04)),
                    ({"code": "HX1-H2", "name": SERVER_SIDE, "commune_code": "HX1"},
                     box(106.41, 21.02, 106.42, 21.04))],
        "hotspots": [({"code": "HX-HS1", "name": f"{TAGS['hotspot']} {COMBO}",
                       "reason": DESCRIPTION, "risk": 3, "commune_code": "10732"},
                      Point(x + 0.002, y + 0.002)),
                     ({"code": "HX-HS2", "name": COMBO, "reason": DESCRIPTION, "risk": 2,
                       "commune_code": "10732"},
                      box(x - 0.003, y - 0.003, x - 0.001, y - 0.001))],
        "checkpoints": [({"code": "HX-CP1", "name": f"{TAGS['checkpoint']} {COMBO}",
                          "route_code": "10732-R1", "seq": 99, "interval_min": 30},
                         checkpoint)],
    }
    for kind, feats in layers.items():
        import_layer(store, _layer(tmp, kind, feats), kind, actor=ACTOR)
    # A route of our own: its team (named with the payload) patrols the hostile commune.
    import_layer(store, _layer(tmp, "routes", [(
        {"code": "HX-R1", "name": COMBO, "team_code": "HX-TEAM1",
         "team_name": f"{TAGS['team']} {COMBO}", "team_size": 3, "commune_code": "HX1"},
        LineString([(106.401, 21.03), (106.419, 21.03)]))]), "routes", actor=ACTOR)
    sites.register(store, code="HX-S1", name=f"{TAGS['site']} {COMBO}", lon=x, lat=y,
                   actor=ACTOR, voters=100, hamlet_code="10732-H01", commune_code="10732")
    units.register(store, code="HX-T2", name=f"{TAGS['team']}2 {COMBO}", actor=ACTOR,
                   commune_code="10732")
    units.report_position(store, "HX-T2", x + 0.001, y, actor=ACTOR)
    units.report_position(store, "HX-TEAM1", 106.41, 21.03, actor=ACTOR)
    accounts.add_user(store, "e2e", username="hxcmd", display_name=f"{TAGS['user']} {COMBO}",
                      role="commander", password=PASSWORD)
    accounts.add_user(store, "e2e", username="hxfield", display_name=f"{TAGS['user']} {COMBO}",
                      role="field", password=PASSWORD, communes=["10732"],
                      unit_code="10732-TEAM1", site_code="HX-S1")
    commander = accounts.login(store, "hxcmd", PASSWORD)
    row = inc.report(store, kind="disorder", severity=4, lon=x - 0.001, lat=y,
                     source="citizen_tip", actor=commander, description=DESCRIPTION)
    inc.add_note(store, row["id"], DESCRIPTION, expected_version=1, actor=ACTOR)
    return {"commander": accounts.start_session(store, commander),
            "field": accounts.start_session(store, accounts.login(store, "hxfield", PASSWORD))}


@dataclass
class Hostile:
    url: str
    tmp: Path
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def hostile_app(request, tmp_path_factory) -> Hostile:
    """The dashboard (tests/e2e/conftest.py) on a fresh database with hostile text stored;
    its server process gets the directory the server-side payload would create."""
    tmp = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as mp:
        for k, v in hostile.pwned_env(tmp).items():
            mp.setenv(k, v)  # the server inherits this environment when it starts
        dash = request.getfixturevalue("dashboard")
    tokens = _seed(dash.store, tmp)
    dash.store.close()  # let the dashboard process have the file
    return Hostile(dash.url, tmp, tokens)


def _open_as(open_page, app: Hostile, who: str, path: str):
    """A page opened signed in as *who*: the session cookie is set before the app loads
    (the first load is the health check, not the app)."""
    b = open_page(app.url + "/_stcore/health")
    b.page.context.add_cookies([{"name": COOKIE, "value": app.tokens[who], "url": app.url}])
    b.page.goto(app.url + path)
    return b


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)

    def add(self, where: str, what: object) -> None:
        self.problems.append(f"{where}: {what}")


def _frames(page):
    for f in page.frames:
        try:
            f.evaluate("() => 1")
        except Exception:  # a frame navigating away or gone
            continue
        yield f


def _maps(page, n: int = 1) -> list:
    """The Leaflet map frames once *n* maps have drawn (a map whose script died never
    does: the wait fails)."""
    # Counted from the page, over the iframes there *now*: a rerun may replace an iframe,
    # and a handle to the old one would wait forever.
    page.wait_for_function(
        """([sel, n]) => [...document.querySelectorAll(sel)].filter(f => {
               try { const w = f.contentWindow;
                     return !!(w && typeof w.map_div !== 'undefined' && w.map_div.getCenter); }
               catch (e) { return false; } }).length >= n""",
        arg=[MAP_IFRAME, n], timeout=TIMEOUT)
    frames = []
    for handle in page.query_selector_all(MAP_IFRAME):
        frame = handle.content_frame()
        try:
            if frame is not None and frame.evaluate(MAP_READY):
                frames.append(frame)
        except Exception:  # replaced while we looked
            continue
    assert len(frames) >= n, f"{len(frames)} of {n} maps ready"
    return frames[:n]


def _inspect(b, where: str, found: Findings) -> None:
    """Everything that must hold on any page, in the page and in every frame."""
    page = b.page
    for f in _frames(page):
        for bad in f.evaluate(FIND_BAD):
            found.add(where, f"element from a payload in frame {f.url[:40]!r}: {bad}")
        text = f.evaluate(BODY_TEXT)
        for word in ("Traceback", "TemplateSyntaxError", "UndefinedError"):
            if word in text:
                found.add(where, f"{word} shown")
    if page.query_selector("[data-testid='stException']"):
        found.add(where, "a Streamlit exception box")
    if b.dialogs:
        found.add(where, f"{len(b.dialogs)} dialog(s) fired (script from a payload ran): "
                         f"{sorted(set(b.dialogs))}")
    for u in b.blocked:
        if hostile.EVIL_HOST in u:
            found.add(where, f"a request to {u}")
    for e in b.errors:
        if "Failed to load resource" not in e:  # blocked requests are listed above
            found.add(where, f"browser error: {e[:160]}")


def _main(page):
    return page.get_by_test_id("stMain")


def _pick(page, label: str, text: str) -> None:
    """Choose the option containing *text* in a selectbox of the main area."""
    box_ = _main(page).get_by_role("combobox", name=label, exact=True)
    box_.wait_for(timeout=TIMEOUT)
    box_.click()
    page.keyboard.type(text)
    page.get_by_role("option").filter(has_text=text).first.wait_for(timeout=TIMEOUT)
    page.keyboard.press("Enter")


def _shows_literally(page, tag: str, where: str, found: Findings) -> None:
    """The heading with *tag* shows the markdown payloads as their characters."""
    head = _main(page).locator("h1, h2, h3").filter(has_text=tag).first
    head.wait_for(timeout=TIMEOUT)
    text = _read(head.inner_text())
    for literal in (MD_IMG, hostile.MARKDOWN["md-directive"], hostile.MARKDOWN["md-math"],
                    "{{ 7*7 }}", "<img src=x"):
        if literal not in text:
            found.add(where, f"{literal!r} not shown as text in {text[:100]!r}")


def test_hostile_text_stays_text_on_every_page(hostile_app, open_page):
    found = Findings()
    app = hostile_app

    def open_(path: str, who: str = "commander"):
        return _open_as(open_page, app, who, path)

    # Live map: hamlet labels are always on screen, the rest is in tooltips and popups
    # whose code runs when the map is drawn.
    b = open_("/")
    (frame,) = _maps(b.page)
    frame.wait_for_selector(".antt-incident", timeout=TIMEOUT)
    frame.wait_for_selector(".antt-hamlet", timeout=TIMEOUT)
    labels = " ".join(frame.eval_on_selector_all(".antt-hamlet", "els => els.map(e => "
                                                 "e.innerText)"))
    if "{{ 7*7 }}" not in labels:
        found.add("live", f"the Jinja payload is not shown as text: {labels[:200]!r}")
    signed_in = b.page.get_by_test_id("stSidebar").get_by_text(TAGS["user"]).first
    signed_in.wait_for(timeout=TIMEOUT)
    if MD_IMG not in _read(signed_in.inner_text()):
        found.add("live", f"display name rendered as markdown: {signed_in.inner_text()!r}")
    _inspect(b, "live", found)

    # Incident board: the most urgent incident (ours) with its description and actor.
    b = open_("/board")
    _main(b.page).get_by_test_id("stText").first.wait_for(timeout=TIMEOUT)
    for literal in (COMBO.split(" {{")[0], ACTOR):
        try:  # the caption with the actor renders after the description: wait for it
            b.page.wait_for_function(
                "t => document.body.innerText.replaceAll('\u200b', '').includes(t)",
                arg=literal, timeout=TIMEOUT)
        except PlaywrightTimeout:
            found.add("board", f"not shown as text: {literal[:60]!r}")
    _inspect(b, "board", found)

    # Polling sites: the table, then our site picked.
    b = open_("/sites")
    _pick(b.page, "Chọn điểm bỏ phiếu", TAGS["site"])
    _shows_literally(b.page, TAGS["site"], "sites", found)
    _inspect(b, "sites", found)

    # Patrol teams: the table, then our team picked.
    b = open_("/teams")
    _pick(b.page, "Chọn tổ", f"{TAGS['team']}2")
    _shows_literally(b.page, f"{TAGS['team']}2", "teams", found)
    _inspect(b, "teams", found)

    # Review: the replay map and the analysis map.
    b = open_("/review")
    _maps(b.page, 2)
    b.page.locator(".st-key-antt-replay-state").wait_for(timeout=TIMEOUT)
    _inspect(b, "review", found)

    # Audit log: every event with the display names.
    b = open_("/audit")
    _main(b.page).get_by_test_id("stDataFrame").first.wait_for(timeout=TIMEOUT)
    _inspect(b, "audit", found)

    # Field page (a hamlet team's phone account): its team's checkpoints are radio
    # options, which Streamlit reads as markdown.
    b = open_("/", "field")  # a field account's only page, so its default
    _main(b.page).get_by_text("Qua chốt", exact=True).click()
    label = _main(b.page).locator("label").filter(has_text=TAGS["checkpoint"]).first
    label.wait_for(timeout=TIMEOUT)
    text = _read(label.inner_text())
    if MD_IMG not in text:
        found.add("field", f"checkpoint option rendered as markdown: {text[:120]!r}")
    _inspect(b, "field", found)

    if hostile.pwned(hostile_app.tmp):
        found.add("server", "a Jinja payload in stored text ran in the dashboard process "
                            f"(created {hostile_app.tmp / 'pwned'})")
    assert not found.problems, "hostile text became active:\n" + "\n".join(found.problems)
