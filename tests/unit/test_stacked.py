"""Several incidents at one place (five reported at one polling site, the same lon/lat):
each its own marker, drawn in a ring round the place, with their count; and the wall's
markers, legend and CSS. Read from the rendered map HTML, as the browser gets it."""

from __future__ import annotations

import itertools
import json
import math
import re

import pandas as pd
import pytest

from dashboard import map_markers, maps, theme
from geo.i18n import label
from geo.palette import KIND_SYMBOLS, SEVERITY_COLOURS, SITE_COLOURS, UNIT_COLOURS

POINT = (21.0, 106.5)  # lat, lon


def _lab(group, code):
    return label(group, code, "vi")


def _incidents(severities=(4, 3, 2, 1, 3), spread: int = 0) -> pd.DataFrame:
    """Incidents 1..n at POINT, then *spread* more, each at a place of its own."""
    n = len(severities)
    return pd.DataFrame({
        "id": range(1, n + spread + 1),
        "kind": [k for k, _ in zip(itertools.cycle(KIND_SYMBOLS), range(n + spread))],
        "severity": list(severities) + [2] * spread, "status": "reported",
        "lat": [POINT[0]] * n + [POINT[0] + 0.001 * (k + 1) for k in range(spread)],
        "lon": [POINT[1]] * n + [POINT[1] + 0.0007 * (k + 1) for k in range(spread)],
        "description": [f"Vụ {k + 1}" for k in range(n + spread)]})


NO_SITES = pd.DataFrame({"code": [], "name": [], "commune_code": [], "lon": [], "lat": [],
                         "status": []})
NO_UNITS = pd.DataFrame({"code": [], "name": [], "status": [], "lon": [], "lat": []})


def _render(incidents: pd.DataFrame, *, wall: bool = False, **kw) -> str:
    m = maps.base_map({}, label=_lab, center=POINT, zoom=16, dark=wall)
    for g in maps.live_groups(NO_SITES, incidents, NO_UNITS, label=_lab, wall=wall, **kw):
        g.add_to(m)
    return m.get_root().render()


def _markers(html: str) -> list[dict]:
    """Every L.marker of the page: where it is, its DivIcon and its popup's content."""
    icons = {}
    for name, body in re.findall(r"var (div_icon_\w+) = L\.divIcon\(\{(.*?)\}\);", html,
                                 re.S):
        icon = {"html": json.loads(re.search(r'"html": (".*?(?<!\\)")', body).group(1))}
        for key in ("iconSize", "iconAnchor", "popupAnchor"):
            found = re.search(rf'"{key}": \[(-?\d+), (-?\d+)\]', body)
            icon[key] = tuple(map(int, found.groups())) if found else None
        icons[name] = icon
    contents = dict(re.findall(r"(popup_\w+)\.setContent\((html_\w+)\)", html))
    texts = dict(re.findall(r"var (html_\w+) = \$\(`(.*?)`\)\[0\]", html, re.S))
    popups = {m: texts[contents[p]] for m, p in
              re.findall(r"(marker_\w+)\.bindPopup\((popup_\w+)\)", html)}
    set_icon = dict(re.findall(r"(marker_\w+)\.setIcon\((div_icon_\w+)\)", html))
    out = []
    for name, lat, lon in re.findall(
            r"var (marker_\w+) = L\.marker\(\s*\[(-?[\d.]+), (-?[\d.]+)\]", html):
        icon = icons.get(set_icon.get(name), {})
        out.append({"at": (float(lat), float(lon)), "popup": popups.get(name), **icon})
    return out


def _centre(marker: dict) -> tuple[int, int]:
    """Where the marker's icon is centred, in pixels from its lat/lon."""
    (w, h), (ax, ay) = marker["iconSize"], marker["iconAnchor"]
    return (w // 2 - ax, h // 2 - ay)


def _incident_markers(html: str) -> list[dict]:
    return [m for m in _markers(html) if 'class="antt-incident' in m.get("html", "")]


@pytest.mark.parametrize("wall", [False, True], ids=["desk", "wall"])
def test_five_incidents_at_one_point_are_five_markers_in_five_places(wall):
    html = _render(_incidents(), wall=wall)
    markers = _incident_markers(html)
    assert len(markers) == 5
    assert {m["at"] for m in markers} == {POINT}  # each stays where it was reported
    centres = [_centre(m) for m in markers]
    assert len(set(centres)) == 5, centres  # ... and is drawn in a place of its own
    for a, b in itertools.combinations(markers, 2):  # apart: none hides another
        gap = math.dist(_centre(a), _centre(b))
        assert gap >= (a["iconSize"][0] + b["iconSize"][0]) / 2, (a, b)
    assert all(math.hypot(*c) >= 20 for c in centres)  # the polling site's spot stays free
    # Each keeps its own popup, pointing at its own marker.
    ids = sorted(int(re.search(r'data-id="(\d+)"', m["html"]).group(1)) for m in markers)
    assert ids == [1, 2, 3, 4, 5]
    for m in markers:
        i = int(re.search(r'data-id="(\d+)"', m["html"]).group(1))
        assert f"<b>#{i} " in m["popup"] and f"Vụ {i}" in m["popup"]
        dx, dy = _centre(m)
        assert m["popupAnchor"] == (dx, dy - m["iconSize"][1] // 2)
    # One count badge, at the place.
    badges = [m for m in _markers(html) if "antt-stack-count" in m.get("html", "")]
    assert len(badges) == 1 and badges[0]["at"] == POINT
    assert 'data-n="5"' in badges[0]["html"] and ">5</div>" in badges[0]["html"]


def test_incidents_alone_are_drawn_as_before():
    html = _render(_incidents(severities=(2,), spread=3))
    markers = _incident_markers(html)
    assert len(markers) == 4
    for m in markers:
        size = m["iconSize"][0]
        assert size == 26 and m["iconAnchor"] == (size // 2, size // 2)
    assert "antt-stack" not in html and "antt-urgent" not in html


def test_the_ring_is_the_same_whatever_the_order_of_the_rows():
    rows = _incidents(spread=2)

    def by_id(html: str) -> dict[int, tuple[int, int]]:
        return {int(re.search(r'data-id="(\d+)"', m["html"]).group(1)): _centre(m)
                for m in _incident_markers(html)}

    first = by_id(_render(rows))
    assert by_id(_render(rows.sample(frac=1, random_state=3))) == first
    assert by_id(_render(rows.iloc[::-1])) == first


def test_the_clustered_path_spreads_them_too():
    """Above cluster_above incidents are one compact array drawn on canvas: the five at
    one place carry their pixel offsets, the place its count (left out of the clusters')."""
    incidents = _incidents(spread=495)
    group = maps.live_groups(NO_SITES, incidents, NO_UNITS, label=_lab)[1]
    pack = next(c for c in group._children.values() if isinstance(c, maps.CompactPoints))
    assert pack.cluster and len(pack.rows) == 500
    stacked = [r for r in pack.rows if len(r) == 6]
    assert len(stacked) == 5 and all(r[:2] == list(POINT) for r in stacked)
    offsets = [tuple(r[4:]) for r in stacked]
    assert len(set(offsets)) == 5 and (0, 0) not in offsets
    assert len(pack.stacks) == 1 and pack.stacks[0][:2] == list(POINT)
    assert 'data-n="5"' in pack.stacks[0][2]
    html = _render(incidents)
    assert "L.CircleMarker.extend" in html and "anttBadge" in html
    assert "disableClusteringAtZoom: 17" in html


def test_the_ring_never_overlaps_and_keeps_its_centre_free():
    for size in (22, 30, 54):
        for n in range(2, 41):
            ring = map_markers._ring(n, size)
            assert len(ring) == n == len(set(ring))
            assert ring == map_markers._ring(n, size)
            assert min(math.hypot(*p) for p in ring) >= 0.9 * size - 1
            assert min(math.dist(a, b) for a, b in itertools.combinations(ring, 2)) \
                >= size, (n, size)
    assert map_markers._ring(1, 30) == [(0, 0)]


def test_urgent_incidents_stand_out_on_the_wall_only():
    wall = {int(re.search(r'data-id="(\d+)"', m["html"]).group(1)): m
            for m in _incident_markers(_render(_incidents(), wall=True))}
    severity = dict(zip(range(1, 6), (4, 3, 2, 1, 3), strict=True))
    for i, m in wall.items():
        urgent = severity[i] >= 3
        assert ("antt-urgent" in m["html"]) == urgent
        assert ("border:5px solid #fff" in m["html"]) == urgent
    assert min(wall[i]["iconSize"][0] for i in (1, 2, 5)) >= \
        max(wall[i]["iconSize"][0] for i in (3, 4)) + 10
    desk = _render(_incidents())
    assert "antt-urgent" not in desk


def test_alerts_flash_until_acknowledged_on_every_map():
    """Only the incidents whose alert is pending carry the flashing class, wall or not."""
    for wall in (True, False):
        html = _render(_incidents(), wall=wall, alerting=[1, 5])
        flashing = {int(re.search(r'data-id="(\d+)"', m["html"]).group(1))
                    for m in _incident_markers(html) if "antt-alert" in m["html"]}
        assert flashing == {1, 5}
        assert "@keyframes antt-flash" in html
        assert not [m for m in _incident_markers(_render(_incidents(), wall=wall))
                    if "antt-alert" in m["html"]]


def test_the_vector_map_can_cluster():
    """markercluster refuses a map without maxZoom, which folium leaves out without tiles."""
    assert f'"maxZoom": {maps.MAX_ZOOM}' in _render(_incidents())


def test_the_wall_legend_is_compact_and_large():
    m = maps.base_map({}, label=_lab, center=POINT, dark=True, legend=True)
    html = m.get_root().render()
    legend = html[html.index('class="antt-legend antt-legend-wall"'):]
    assert "font:22px" in legend and "<details" not in legend
    for group, colours in (("severity", SEVERITY_COLOURS), ("site_status", SITE_COLOURS),
                           ("unit_status", UNIT_COLOURS)):
        for code, colour in colours.items():
            assert _lab(group, code) in legend and colour in legend
    assert _lab("kind", "disorder") not in legend  # the kinds stay in the desk legend
    desk = maps.base_map({}, label=_lab, center=POINT, legend=True).get_root().render()
    assert "antt-legend-wall" not in desk and "<details>" in desk
    assert _lab("kind", "disorder") in desk


def test_the_wall_css_uses_the_palette():
    """The wall's CSS must stay a constant (sink rule): its severity colours are written out,
    and must follow the palette."""
    for sev, colour in SEVERITY_COLOURS.items():
        assert f'[class*="st-key-antt-tick-s{sev}-"] {{ border-left-color: {colour}; }}' in \
            theme.WALL_CSS
