"""The live layers' markers (see ``dashboard.maps.live_groups``): sites, incidents and
team positions, drawn one by one or, when many, as one :class:`CompactPoints`; several
markers at one place stand in a ring round it with their count. No Streamlit here;
user text reaches the HTML only through ``html_text``, as in ``dashboard.maps``."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from dashboard.map_assets import _LOCAL_CSS, _LOCAL_JS
from geo.checks.inert import html_text
from geo.palette import (
    KIND_SYMBOLS,
    SEVERITY_COLOURS,
    SITE_COLOURS,
    STATUS_OUTLINE,
    UNIT_COLOURS,
)

__all__ = ["CompactPoints", "aggregate_sites"]

class CompactPoints(MacroElement):
    """Many points as one compact JSON array; the browser builds circle markers (on canvas)
    and, if asked, clusters them. Text is escaped here, before it reaches the page.

    ``styles``: ``[fill, outline, radius, class_name, popup_prefix_html, weight]`` each
    (weight optional, 2); ``rows``: ``[lat, lon, style_index, text_html]``, or with
    ``dx, dy`` after it: a point sharing its place with others, drawn that many pixels
    away from it (a ring: see :func:`_ring`); ``stacks``: ``[lat, lon, html]`` per shared
    place, its legs and count (numbers only, :func:`_stack_html`). Coordinates are rounded
    to 5 decimals (about 1 m), and everything a row shares with others lives in its style.

    Clustered, a shared place is one cluster at every zoom below 17 (its count is the
    cluster's: the badges are left out of it); from 17 on nothing is clustered and the
    points stand in their rings.
    """

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function() {
      var styles = {{ this.styles_json }};
      var rows = {{ this.rows_json }};
      var stacks = {{ this.stacks_json }};
      var target = {{ this._parent.get_name() }};
      // A circle marker drawn a few pixels from its place (one of several at that place).
      var Shifted = L.CircleMarker.extend({
        _project: function () {
          L.CircleMarker.prototype._project.call(this);
          this._point = this._point.add(L.point(this.options.shift));
          this._updateBounds();
        }
      });
      var options = {chunkedLoading: true, disableClusteringAtZoom: 17};
      if (stacks.length) {
        options.iconCreateFunction = function (c) {
          var n = c.getAllChildMarkers().filter(function (m) {
            return !m.options.anttBadge; }).length;
          var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
          return L.divIcon({html: "<div><span>" + n + "</span></div>",
                            className: "marker-cluster marker-cluster-" + size,
                            iconSize: L.point(40, 40)});
        };
      }
      var layer = {{ "L.markerClusterGroup(options)" if this.cluster else "L.layerGroup()" }};
      var markers = [];
      for (var i = 0; i < rows.length; i++) {
        var d = rows[i], s = styles[d[2]], m;
        var o = {radius: s[2], color: s[1], weight: s[5] || 2, fillColor: s[0],
                 fillOpacity: 0.9, className: s[3]};
        if (d.length > 4) { o.shift = [d[4], d[5]]; m = new Shifted([d[0], d[1]], o); }
        else { m = L.circleMarker([d[0], d[1]], o); }
        m.bindPopup(s[4] + d[3]);
        markers.push(m);
      }
      for (var j = 0; j < stacks.length; j++) {
        var k = stacks[j];
        markers.push(L.marker([k[0], k[1]], {
          icon: L.divIcon({className: "antt-stack", html: k[2], iconSize: [0, 0]}),
          interactive: false, keyboard: false, zIndexOffset: -1000, anttBadge: true}));
      }
      if (layer.addLayers) { layer.addLayers(markers); }
      else { markers.forEach(function(m) { layer.addLayer(m); }); }
      target.addLayer(layer);
    })();
    {% endmacro %}
    """)
    default_js = [("markerclusterjs", _LOCAL_JS["markerclusterjs"])]
    default_css = [("markerclustercss", _LOCAL_CSS["markerclustercss"]),
                   ("markerclusterdefaultcss", _LOCAL_CSS["markerclusterdefaultcss"])]

    def __init__(self, styles: list[list], rows: list[list], cluster: bool,
                 stacks: list[list] | None = None) -> None:
        super().__init__()
        self._name = "CompactPoints"
        self.styles, self.rows, self.cluster = styles, rows, cluster
        self.stacks = stacks or []

    @property
    def styles_json(self) -> str:
        return _script_json(self.styles)

    @property
    def rows_json(self) -> str:
        return _script_json(self.rows)

    @property
    def stacks_json(self) -> str:
        return _script_json(self.stacks)


def _script_json(value: object) -> str:
    """Compact UTF-8 JSON that is safe inside <script>: Vietnamese letters stay one to three
    bytes (not six as \\uXXXX), and "</" cannot close the script. Text in it is already
    HTML-escaped by html_text()."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace(
        "\u2029", "\\u2029")


class _Styles:
    """Builds a CompactPoints style table, one entry per distinct style."""

    def __init__(self) -> None:
        self.table: list[list] = []
        self._index: dict[tuple, int] = {}

    def __call__(self, *style) -> int:
        if style not in self._index:
            self._index[style] = len(self.table)
            self.table.append(list(style))
        return self._index[style]


def _ll(lat: float, lon: float) -> list[float]:
    return [round(float(lat), 5), round(float(lon), 5)]


# ---- several markers at one place --------------------------------------------------------
def _ring(n: int, size: int) -> list[tuple[int, int]]:
    """Pixel offsets for *n* markers of *size* px that share one place, spiderfy-like: a
    ring round the place (its centre left free: a polling site is often there), from just
    right of the top clockwise (the top is kept for the count), further rings outward when
    one is full. The same *n* and *size* always give the same offsets."""
    if n <= 1:
        return [(0, 0)] * n
    step = size + 6  # centre to centre: neighbours do not overlap
    r = max(0.9 * size, step / (2 * math.sin(math.pi / min(n, 8))))
    out: list[tuple[int, int]] = []
    while len(out) < n:
        m = min(n - len(out), max(1, int(2 * math.pi * r / step)))
        for j in range(m):
            a = -math.pi / 2 + 2 * math.pi * (j + 0.5) / m
            out.append((round(r * math.cos(a)), round(r * math.sin(a))))
        r += step
    return out


def _stacked(rows: pd.DataFrame, sizes: list[int]
             ) -> tuple[list[tuple[int, int]], list[tuple[float, float, int, list, int]]]:
    """Which of *rows* (lat, lon; by id when there is one) share a place, as drawn (5
    decimals, about 1 m): each row's pixel offset ((0, 0) when alone), and per shared place
    ``(lat, lon, count, offsets, largest size)``."""
    offsets = [(0, 0)] * len(rows)
    if len(rows) < 2:
        return offsets, []
    lats = rows["lat"].to_numpy(dtype=float).round(5)
    lons = rows["lon"].to_numpy(dtype=float).round(5)
    ids = rows["id"].tolist() if "id" in rows.columns else list(range(len(rows)))
    places: dict[tuple[float, float], list[int]] = {}
    for pos, place in enumerate(zip(lats.tolist(), lons.tolist(), strict=True)):
        places.setdefault(place, []).append(pos)
    stacks = []
    for (lat, lon), members in places.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda p: ids[p])
        size = max(sizes[p] for p in members)
        ring = _ring(len(members), size)
        for p, offset in zip(members, ring, strict=True):
            offsets[p] = offset
        stacks.append((lat, lon, len(members), ring, size))
    return offsets, stacks


def _stack_html(n: int, ring: list[tuple[int, int]], size: int, wall: bool) -> str:
    """A shared place's mark, drawn at the place under its markers: a thin leg from the
    place to each marker's edge (they read as one place) and the count above the ring.
    Numbers and constants only."""
    reach = math.ceil(max(math.hypot(dx, dy) for dx, dy in ring))
    start = 12 if wall else 9  # clear of the polling site's circle

    def leg(dx: int, dy: int) -> str:
        d = math.hypot(dx, dy) or 1.0
        a, b = start / d, max(0.0, 1 - size / 2 / d)
        return (f'<line x1="{round(dx * a)}" y1="{round(dy * a)}" x2="{round(dx * b)}" '
                f'y2="{round(dy * b)}"/>')

    h, font = (34, 24) if wall else (20, 13)
    top = reach + size // 2 + 4 + h
    legs = "".join(leg(dx, dy) for dx, dy in ring)
    return (f'<svg width="{int(2 * reach)}" height="{int(2 * reach)}" '
            f'viewBox="{int(-reach)} {int(-reach)} {int(2 * reach)} {int(2 * reach)}" '
            f'style="position:absolute;left:{int(-reach)}px;top:{int(-reach)}px;'
            'overflow:visible;pointer-events:none" '
            f'stroke="{"#eceff1" if wall else "#37474f"}" stroke-width="2">{legs}</svg>'
            f'<div class="antt-stack-count" data-n="{int(n)}" style="position:absolute;'
            f'left:0;top:{int(-top)}px;transform:translateX(-50%);min-width:{int(h)}px;'
            f'height:{int(h)}px;box-sizing:border-box;padding:0 6px;'
            f'border-radius:{int(h // 2)}px;background:#fff;color:#10151b;'
            f'border:2px solid #37474f;font:700 {int(font)}px/{int(h - 4)}px sans-serif;'
            f'text-align:center;pointer-events:none">{int(n)}</div>')


def aggregate_sites(sites: pd.DataFrame) -> pd.DataFrame:
    """Sites per commune: count, open-site count, and where to draw them (mean position)."""
    g = sites.assign(voting=sites["status"].eq("voting").astype(int)).groupby(
        "commune_code", dropna=False)  # a column summed, not a Python function per group
    out = g.agg(n=("code", "size"), lon=("lon", "mean"), lat=("lat", "mean"),
                voting=("voting", "sum"))
    return out.reset_index()


def _compact(group: folium.FeatureGroup, rows: pd.DataFrame, style: Callable[[tuple], tuple],
             text: Callable[[tuple], str], *, cluster: bool = True, fan: bool = False,
             wall: bool = False) -> folium.FeatureGroup:
    """Draw *rows* (with lat/lon) as one :class:`CompactPoints` in *group*: ``style(row)``
    gives a row's [fill, outline, radius, class, popup prefix, (weight)], ``text(row)`` its
    popup text (both already HTML-inert). *fan*: rows at one place stand in a ring."""
    styles = _Styles()
    data = [[*_ll(r.lat, r.lon), styles(*style(r)), text(r)]
            for r in rows.itertuples(index=False)]
    stacks: list[list] = []
    if fan:
        radius = [2 * styles.table[d[2]][2] + 4 for d in data]
        offsets, places = _stacked(rows, radius)
        for d, (dx, dy) in zip(data, offsets, strict=True):
            if dx or dy:
                d += [dx, dy]
        stacks = [[lat, lon, _stack_html(n, ring, size, wall)]
                  for lat, lon, n, ring, size in places]
    CompactPoints(styles.table, data, cluster=cluster, stacks=stacks).add_to(group)
    return group


def _sites_group(sites: pd.DataFrame, label, cluster_above: int, aggregate_above: int,
                 wall: bool = False) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=label("layer", "sites"))
    if len(sites) > aggregate_above:
        return _compact(
            group, aggregate_sites(sites),
            lambda r: (SITE_COLOURS["voting"] if r.voting else SITE_COLOURS["not_open"],
                       "#ffffff", round(4 + min(16, r.n ** 0.5)), "antt-site-agg", ""),
            lambda r: html_text(f"{r.commune_code}: {r.n} {label('layer', 'sites')}"),
            cluster=False)
    if len(sites) > cluster_above:
        return _compact(
            group, sites,
            lambda s: (SITE_COLOURS.get(s.status, "#000"), "#ffffff", 9 if wall else 7,
                       f"antt-site antt-site-{s.status}",
                       f"{html_text(label('site_status', s.status))} — "),
            lambda s: html_text(s.name))
    for s in sites.itertuples(index=False):
        tip = (f"{html_text(s.name)} — {html_text(label('site_status', s.status))}")
        folium.CircleMarker([s.lat, s.lon], radius=11 if wall else 8, color="#ffffff",
                            weight=3 if wall else 2, fill=True,
                            fill_color=SITE_COLOURS.get(s.status, "#000"), fill_opacity=1,
                            tooltip=tip, class_name=f"antt-site antt-site-{s.status}"
                            ).add_to(group)
    return group


def _incident_popup(i, label) -> str:
    return (f"<b>#{int(i.id)} {html_text(label('kind', i.kind))}</b><br>"
            f"{html_text(label('severity', i.severity))} · {html_text(label('status', i.status))}"
            f"<br>{html_text(i.description)}")


# Incident markers on the wall, by severity (px): the urgent ones (3, 4) stand out; the
# kind's letter in them is at least 24 px (read from 5 m).
_WALL_INCIDENT_SIZE = {1: 36, 2: 40, 3: 52, 4: 58}
_WALL_LETTER_PX = 24
_WALL_INCIDENT_RADIUS = {1: 7, 2: 8, 3: 12, 4: 14}  # the compact (canvas) path


def _incident_size(severity: int, wall: bool) -> int:
    return _WALL_INCIDENT_SIZE.get(severity, 30) if wall else 18 + 4 * severity


def _incidents_group(incidents: pd.DataFrame, label, cluster_above: int, wall: bool = False,
                     alerting: set[int] | None = None) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=label("layer", "incidents"))
    if len(incidents) > cluster_above:
        return _compact(
            group, incidents,
            lambda i: (SEVERITY_COLOURS.get(int(i.severity), "#000"),
                       "#ffffff" if wall and int(i.severity) >= 3 else
                       STATUS_OUTLINE.get(i.status, "#000"),
                       _WALL_INCIDENT_RADIUS.get(int(i.severity), 7) if wall else
                       5 + int(i.severity),
                       "antt-incident",
                       f"<b>{html_text(label('kind', i.kind))}</b><br>"
                       f"{html_text(label('severity', i.severity))} · "
                       f"{html_text(label('status', i.status))}<br>",
                       4 if wall and int(i.severity) >= 3 else 2),
            lambda i: f"#{int(i.id)} {html_text(i.description)}", fan=True, wall=wall)
    sizes = [_incident_size(int(s), wall) for s in incidents["severity"]]
    offsets, places = _stacked(incidents, sizes)
    for i, size, (dx, dy) in zip(incidents.itertuples(index=False), sizes, offsets,
                                 strict=True):
        fill = SEVERITY_COLOURS.get(int(i.severity), "#000")
        outline = STATUS_OUTLINE.get(i.status, "#000")
        urgent = wall and int(i.severity) >= 3
        # Urgent on the wall: a thick white ring and the status as a thin line round it;
        # an alert not yet acknowledged flashes (the CSS of base_map).
        border = f"5px solid #fff;box-shadow:0 0 0 2px {outline}" if urgent else \
            f"3px solid {outline}"
        icon = folium.DivIcon(
            html=(f'<div class="antt-incident{" antt-urgent" if urgent else ""}'
                  f'{" antt-alert" if int(i.id) in (alerting or ()) else ""}" '
                  f'data-id="{int(i.id)}" style="width:{int(size)}px;'
                  f'height:{int(size)}px;line-height:{int(size - (10 if urgent else 6))}px;'
                  f'background:{fill};border:{border};border-radius:50%;color:#fff;'
                  f'font:700 {int(max(size // 2, _WALL_LETTER_PX) if wall else size // 2)}px '
                  'sans-serif;text-align:center;'
                  f'box-sizing:border-box">{KIND_SYMBOLS.get(i.kind, "?")}</div>'),
            icon_size=(size, size), icon_anchor=(size // 2 - dx, size // 2 - dy),
            popup_anchor=(dx, dy - size // 2))
        folium.Marker([i.lat, i.lon], icon=icon,
                      popup=folium.Popup(_incident_popup(i, label), max_width=320)
                      ).add_to(group)
    for lat, lon, n, ring, size in places:
        folium.Marker([lat, lon], icon=folium.DivIcon(
            html=_stack_html(n, ring, size, wall), icon_size=(0, 0), icon_anchor=(0, 0),
            class_name="antt-stack"), interactive=False, keyboard=False,
            z_index_offset=-1000).add_to(group)
    return group


def _units_group(units: pd.DataFrame, label, cluster_above: int, wall: bool = False
                 ) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=label("layer", "units"))
    placed = units.dropna(subset=["lon", "lat"])
    if len(placed) > cluster_above:
        return _compact(
            group, placed,
            lambda u: (UNIT_COLOURS.get(u.status, "#000"), "#ffffff", 6, "antt-unit",
                       f"{html_text(label('unit_status', u.status))} — "),
            lambda u: html_text(u.name))
    for u in placed.itertuples(index=False):
        colour = UNIT_COLOURS.get(u.status, "#000")
        folium.Marker([u.lat, u.lon], icon=folium.DivIcon(
            html=(f'<div class="antt-unit" style="background:{colour};color:#fff;'
                  f'font:700 {20 if wall else 11}px sans-serif;padding:1px 4px;'
                  'border-radius:3px;display:inline-block;white-space:nowrap">'
                  f'{html_text(u.name)}</div>'),
            icon_size=None, icon_anchor=(0, 14 if wall else 9)),
            tooltip=f"{html_text(u.name)} — {html_text(label('unit_status', u.status))}",
        ).add_to(group)
    return group
