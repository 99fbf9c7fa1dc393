"""Folium maps from layers. No Streamlit here: these functions only build map objects.

Offline: every JS/CSS asset points at the copies in ``dashboard/static/vendor``
(served by Streamlit at ``/app/static/``); the basemap is the shipped vector
layers unless a tile URL is set.

User text reaches this module's HTML only through ``geo.inert.html_text``: folium
and branca compile rendered element text as a Jinja template again, so plain
HTML escaping would still let ``{{ … }}`` in a name run on the server. The sink
scan (``tests/unit/test_sink_scan.py``) fails on any other path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from geo.analysis.spatial import for_drawing
from geo.checks.inert import html_text
from geo.palette import (
    ALERT_COLOUR,
    EMERGING_COLOUR,
    GAP_COLOUR,
    HOTSPOT_COLOUR,
    KIND_SYMBOLS,
    MAP_DARK,
    MAP_LIGHT,
    ROUTE_COLOURS,
    SEVERITY_COLOURS,
    SITE_COLOURS,
    STATUS_OUTLINE,
    TARGET_COLOUR,
    UNIT_COLOURS,
)

__all__ = ["STATIC", "localize", "base_map", "live_groups", "analysis_groups", "layer_control",
           "CompactPoints", "aggregate_sites", "MAX_ZOOM", "WALL_LEGEND_WIDTH"]

Label = Callable[[str, str], str]

STATIC = "/app/static/vendor"
_LOCAL_JS = {
    "leaflet": f"{STATIC}/leaflet/leaflet.js",
    "jquery": f"{STATIC}/jquery/jquery.min.js",  # folium's popup templates call $()
    "markerclusterjs": f"{STATIC}/markercluster/leaflet.markercluster.js",
    "leaflet-heat.js": f"{STATIC}/heat/leaflet-heat.js",
    "Control_locate_min_js": f"{STATIC}/locate/L.Control.Locate.min.js",
}
_LOCAL_CSS = {
    "leaflet_css": f"{STATIC}/leaflet/leaflet.css",
    "markerclustercss": f"{STATIC}/markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": f"{STATIC}/markercluster/MarkerCluster.Default.css",
    "Control_locate_min_css": f"{STATIC}/locate/L.Control.Locate.min.css",
}

def localize(m: folium.Map) -> folium.Map:
    """Point every element's JS/CSS at the local copies; drop assets this app never uses
    (Bootstrap, Font Awesome), so nothing is requested from the internet."""
    for elem in _walk(m):
        if hasattr(elem, "default_js"):
            elem.default_js = [(k, _LOCAL_JS[k]) for k, _ in elem.default_js if k in _LOCAL_JS]
        if hasattr(elem, "default_css"):
            elem.default_css = [(k, _LOCAL_CSS[k]) for k, _ in elem.default_css
                                if k in _LOCAL_CSS]
    return m


def _walk(elem):
    yield elem
    for child in getattr(elem, "_children", {}).values():
        yield from _walk(child)


def base_map(layers: dict[str, gpd.GeoDataFrame], *, label: Label,
             tile_url: str = "", center: tuple[float, float] | None = None,
             zoom: int | None = None, dark: bool = False, legend: bool = False
             ) -> folium.Map:
    """The static picture: communes, hamlets (with names), hotspots, targets, routes.

    *label(group, code)* translates domain codes. The map's JS must be identical
    between reruns for the same layers, so the browser keeps its view.

    *dark* is the wall screen's map: dark, large labels, a compact legend at the top
    right (the commune is fitted beside it), no zoom buttons, and the map fills its frame
    however tall the page makes it (see ``dashboard.theme``).
    """
    communes = layers.get("communes")
    bounds = communes.total_bounds if communes is not None and len(communes) else None
    m = folium.Map(location=center or _centre(bounds), zoom_start=zoom or 13, tiles=None,
                   prefer_canvas=True, zoom_control=not dark,
                   **({"zoom_snap": 0.1} if dark else {}))
    # folium gives the map no maxZoom without tiles, and markercluster refuses a map with
    # none ("Map has no maxZoom specified"): no clustered layer was drawn on the vector map.
    m.options["max_zoom"] = MAX_ZOOM
    _MetricScale().add_to(m)  # folium's control_scale adds feet and miles
    _FocusWithoutScrolling().add_to(m)
    if tile_url:
        folium.TileLayer(tile_url, attr="tiles", name="tiles").add_to(m)
    theme = MAP_DARK if dark else MAP_LIGHT
    # Outlines and routes as drawn: at most half a pixel off at the deepest zoom.
    layers = {k: for_drawing(v, DRAW_TOLERANCE_M) if k in _SIMPLIFIED and v is not None
              else v for k, v in layers.items()}
    communes = layers.get("communes")
    if communes is not None and len(communes):
        folium.GeoJson(
            _inert_props(communes[["code", "name", "geometry"]]), name="communes",
            control=False,
            style_function=lambda _f: {"color": theme["line"], "weight": 3,
                                       "fillColor": theme["fill"],
                                       "fillOpacity": 1.0 if not tile_url else 0.1},
            tooltip=folium.GeoJsonTooltip(["name"], labels=False)).add_to(m)
        if bounds is not None and center is None:
            pad = {"padding_top_left": (24, 24),
                   "padding_bottom_right": (WALL_LEGEND_WIDTH + 40, 24)} if dark else {}
            m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], **pad)
    for kind, draw in _DRAWERS:
        layer = layers.get(kind)
        if layer is not None and len(layer):
            group = folium.FeatureGroup(name=label("layer", kind))
            draw(group, layer, label, dark)
            group.add_to(m)
    _style(m, dark)
    if legend:
        m.get_root().html.add_child(folium.Element(_legend_html(label, dark)))
    return m


def _draw_hamlets(group: folium.FeatureGroup, hamlets: gpd.GeoDataFrame, label: Label,
                  dark: bool) -> None:
    folium.GeoJson(
        _inert_props(hamlets[["code", "name", "geometry"]]),
        style_function=lambda _f: {"color": (MAP_DARK if dark else MAP_LIGHT)["line"],
                                   "weight": 1, "dashArray": "4 4", "fillOpacity": 0.0},
        highlight_function=lambda _f: {"weight": 3, "fillOpacity": 0.08},
        tooltip=folium.GeoJsonTooltip(["name"], labels=False)).add_to(group)
    # The wall's labels are larger (read from 5 m): the same box, scaled, and drawn above
    # the markers (a hamlet's name stays readable when incidents crowd round its site).
    box, anchor = ((300, 30), (150, 40)) if dark else ((140, 18), (70, 26))
    above = {"z_index_offset": 1000} if dark else {}
    for _, h in hamlets.iterrows():
        p = h.geometry.representative_point()
        folium.Marker([p.y, p.x], icon=folium.DivIcon(
            html=(f'<div class="antt-hamlet" style="color:'
                  f'{MAP_DARK["text"] if dark else MAP_LIGHT["text"]}">'
                  f'{html_text(h["name"])}</div>'),
            icon_size=box, icon_anchor=anchor), **above).add_to(group)


def _draw_hotspots(group: folium.FeatureGroup, hotspots: gpd.GeoDataFrame, label: Label,
                   dark: bool) -> None:
    for _, h in hotspots.iterrows():
        popup = (f"<b>{html_text(h['name'])}</b><br>{html_text(h.get('reason'))}"
                 f"<br>{html_text(label('layer', 'risk'))}: {html_text(h.get('risk'))}")
        geom = h.geometry
        if geom.geom_type == "Point":
            folium.Circle([geom.y, geom.x], radius=float(h.get("radius_m") or 300),
                          color=HOTSPOT_COLOUR, fill=True, fill_opacity=0.15, weight=2,
                          popup=folium.Popup(popup, max_width=320)).add_to(group)
        else:
            folium.GeoJson(
                gpd.GeoDataFrame(geometry=[geom], crs=4326),
                style_function=lambda _f: {"color": HOTSPOT_COLOUR, "weight": 2,
                                           "fillColor": HOTSPOT_COLOUR, "fillOpacity": 0.18,
                                           "dashArray": "6 3"},
                popup=folium.Popup(popup, max_width=320)).add_to(group)


def _draw_routes(group: folium.FeatureGroup, routes: gpd.GeoDataFrame, label: Label,
                 dark: bool) -> None:
    for k, (_, r) in enumerate(routes.iterrows()):
        folium.PolyLine([(y, x) for x, y in _line_coords(r.geometry)],
                        color=ROUTE_COLOURS[k % len(ROUTE_COLOURS)], weight=4, opacity=0.8,
                        tooltip=f"{html_text(r['name'])} — {html_text(r.get('team_name'))}"
                        ).add_to(group)


def _draw_targets(group: folium.FeatureGroup, targets: gpd.GeoDataFrame, label: Label,
                  dark: bool) -> None:
    for _, t in targets.iterrows():
        p = t.geometry if t.geometry.geom_type == "Point" else t.geometry.centroid
        # A square (a DivIcon: RegularPolygonMarker needs a plugin we don't ship).
        folium.Marker([p.y, p.x], icon=folium.DivIcon(
            html=f'<div class="antt-target" style="border-color:{TARGET_COLOUR}"></div>',
            icon_size=(12, 12), icon_anchor=(6, 6)),
            tooltip=f"{html_text(t['name'])} ({html_text(label('target', t.get('kind')))})",
        ).add_to(group)


# The static layers above the communes, bottom to top.
_DRAWERS = (("hamlets", _draw_hamlets), ("hotspots", _draw_hotspots),
            ("routes", _draw_routes), ("targets", _draw_targets))


def _inert_props(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A layer whose text properties are guarded: GeoJson embeds every property in the
    page (tooltips show them as HTML), and the embedded JSON is compiled as a template."""
    out = gdf.copy()
    for col in out.columns:
        if col != out.geometry.name and (out[col].dtype == object
                                         or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].map(html_text)
    return out


def layer_control() -> folium.LayerControl:
    """The layer switcher (built per run: st_folium adds it to the map it is given)."""
    return folium.LayerControl(collapsed=False, position="topright")


def _legend_html(label: Label, dark: bool) -> str:
    """A fixed legend of colours and symbols (our own labels, escaped all the same); on the
    wall (*dark*) the compact one."""
    if dark:
        return _wall_legend_html(label)
    def dot(colour: str, text: str, border: str = "#fff") -> str:
        return (f'<div><span style="display:inline-block;width:12px;height:12px;'
                f'border-radius:50%;background:{colour};border:2px solid {border};'
                f'margin-right:6px"></span>{html_text(text)}</div>')

    rows = [f"<b>{html_text(label('layer', 'sites'))}</b>"]
    rows += [dot(c, label("site_status", s)) for s, c in SITE_COLOURS.items()]
    rows.append(f"<b>{html_text(label('layer', 'incidents'))}</b>")
    rows += [dot(c, label("severity", s)) for s, c in SEVERITY_COLOURS.items()]
    rows.append(" ".join(f"<span title='{html_text(label('kind', k))}'><b>{v}</b> "
                         f"{html_text(label('kind', k).split(',')[0])}</span><br>"
                         for k, v in KIND_SYMBOLS.items()))
    rows.append(f"<b>{html_text(label('layer', 'units'))}</b>")
    rows += [dot(c, label("unit_status", s)) for s, c in UNIT_COLOURS.items()]
    bg, fg = ("rgba(16,21,27,.92)", "#eceff1") if dark else ("rgba(255,255,255,.92)", "#263238")
    return (f'<div class="antt-legend" style="position:absolute;bottom:28px;left:10px;'
            f'z-index:1000;background:{bg};color:{fg};padding:8px 10px;border-radius:6px;'
            f'font:12px/1.5 sans-serif;max-height:70%;overflow:auto">'
            f'<details><summary><b>{html_text(label("layer", "legend"))}'
            f'</b></summary>{"".join(rows)}</details></div>')


MAX_ZOOM = 18  # as folium's tile layers
# Half a pixel at MAX_ZOOM on the equator (156,543 m a pixel at zoom 0), in metres: a
# drawn outline simplified this far looks the same at every zoom (see base_map).
DRAW_TOLERANCE_M = 156_543.03 / 2 ** MAX_ZOOM / 2
_SIMPLIFIED = ("communes", "hamlets", "hotspots", "routes")
WALL_LEGEND_WIDTH = 250  # px: the wall's legend column (the commune is fitted beside it)


def _wall_legend_html(label: Label) -> str:
    """The wall's legend: only what changes during the day (site statuses, incident
    severities, team statuses), in type read from 5 m, at the map's top right. Each symbol
    is drawn as on the map; the kind letters are left to the desk legend and the popups."""
    def row(symbol: str, text: str) -> str:
        return f'<div class="antt-legend-row">{symbol}<span>{html_text(text)}</span></div>'

    def head(text: str) -> str:
        return f'<div class="antt-legend-head">{html_text(text)}</div>'

    def site(colour: str) -> str:
        return (f'<i style="width:18px;height:18px;border-radius:50%;background:{colour};'
                'border:2px solid #fff"></i>')

    def incident(sev: int, colour: str) -> str:
        ring = "4px solid #fff" if sev >= 3 else "2px solid #eceff1"
        return (f'<i style="width:{16 + 2 * int(sev)}px;height:{16 + 2 * int(sev)}px;'
                f'border-radius:50%;background:{colour};border:{ring}"></i>')

    def unit(colour: str) -> str:
        return f'<i style="width:24px;height:16px;border-radius:3px;background:{colour}"></i>'

    rows = [head(label("layer", "incidents"))]
    rows += [row(incident(s, c), label("severity", s))
             for s, c in sorted(SEVERITY_COLOURS.items(), reverse=True)]
    rows.append(head(label("layer", "sites")))
    rows += [row(site(c), label("site_status", s)) for s, c in SITE_COLOURS.items()]
    rows.append(head(label("layer", "units")))
    rows += [row(unit(c), label("unit_status", s)) for s, c in UNIT_COLOURS.items()]
    return (f'<div class="antt-legend antt-legend-wall" style="position:absolute;top:12px;'
            f'right:12px;z-index:1000;width:{WALL_LEGEND_WIDTH}px;box-sizing:border-box;'
            'background:rgba(16,21,27,.94);color:#eceff1;padding:8px 14px;'
            'border:1px solid #455a64;border-radius:8px;font:24px/1.25 sans-serif">'
            f'{"".join(rows)}</div>')


def _line_coords(geom) -> list[tuple[float, float]]:
    if geom.geom_type == "LineString":
        return list(geom.coords)
    return [c for part in geom.geoms for c in part.coords]


def _centre(bounds) -> tuple[float, float]:
    if bounds is None:
        return (16.0, 106.0)
    return ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)


# The wall's map: big labels on a dark ground, the map filling its frame (the page sets
# the frame's height; streamlit-folium's fixed height and the line after the map would
# otherwise leave the map short or the frame scrolling), the legend's rows, and urgent
# incidents pulsing (not for those who asked the system for less motion).
_WALL_CSS = (
    ".antt-hamlet{font:700 22px/1.2 sans-serif !important;"
    "text-shadow:0 0 3px #000,0 0 6px #000 !important}"
    "html,body{overflow:hidden}#map_div{height:100vh !important}"
    ".antt-legend-head{font-weight:700;margin-top:4px}"
    ".antt-legend-row{display:flex;align-items:center;white-space:nowrap}"
    ".antt-legend-row i{display:inline-block;flex:0 0 auto;box-sizing:border-box;"
    "margin:0 10px 0 2px}"
    # The scale in metres only, its text large (the feet line's box is too short for it).
    ".leaflet-control-scale-line{font-size:18px;line-height:1.3;white-space:nowrap;"
    "background:rgba(255,255,255,.85)}"
    ".leaflet-control-scale-line:not(:first-child){display:none}"
)
# An alert (urgent, open, not yet acknowledged: geo.incidents.alerts) flashes on every map
# until an operator acknowledges it; without motion it keeps a thick red ring.
_ALERT_CSS = (
    f"@keyframes antt-flash{{0%,100%{{box-shadow:0 0 0 4px {ALERT_COLOUR},"
    "0 0 0 4px rgba(229,57,53,.9)}"
    "50%{box-shadow:0 0 0 4px #ffeb3b,0 0 0 22px rgba(229,57,53,0)}}"
    ".antt-alert{animation:antt-flash 1s ease-in-out infinite}"
    "@media (prefers-reduced-motion:reduce){.antt-alert{animation:none;"
    f"box-shadow:0 0 0 6px {ALERT_COLOUR} !important}}}}"
)


class _MetricScale(MacroElement):
    """A scale bar in metres and kilometres only."""

    _template = Template("""{% macro script(this, kwargs) %}
L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
{% endmacro %}""")


class _FocusWithoutScrolling(MacroElement):
    """A press on the map focuses it without scrolling the page.

    Leaflet's keyboard handler focuses the map on mousedown; in an iframe partly below
    the fold Chromium then scrolls the page to show it, between the press and the
    release, so a click on a marker lands elsewhere and opens nothing (seen once an
    alert banner pushed the map down). The handler is re-hooked with
    ``focus({preventScroll: true})``; keyboard use of the map is unchanged.
    """

    _template = Template("""{% macro script(this, kwargs) %}
(function (map) {
  var k = map.keyboard;
  if (!k || !k.enabled()) return;
  k.disable();
  k._onMouseDown = function () {
    if (!this._focused) this._map._container.focus({preventScroll: true});
  };
  k.enable();
})({{ this._parent.get_name() }});
{% endmacro %}""")


def _style(m: folium.Map, dark: bool) -> None:
    bg = MAP_DARK["sea"] if dark else MAP_LIGHT["sea"]
    css = (f"<style>.leaflet-container{{background:{bg};}}"
           ".antt-hamlet{font:600 12px/1.2 sans-serif;text-align:center;"
           "text-shadow:0 0 3px rgba(255,255,255,.8);white-space:nowrap;pointer-events:none}"
           ".antt-target{width:10px;height:10px;background:#fff;border:2px solid;"
           "box-sizing:border-box}"
           f"{_ALERT_CSS}{_WALL_CSS if dark else ''}"
           "</style>")
    m.get_root().header.add_child(folium.Element(css))


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


def live_groups(sites: pd.DataFrame, incidents: pd.DataFrame, units: pd.DataFrame, *,
                label: Label, cluster_above: int = 400,
                aggregate_above: int = 20_000, wall: bool = False,
                alerting: Collection[int] = ()) -> list[folium.FeatureGroup]:
    """The live layers: sites by status, incidents by kind/severity/status, team positions.

    Above *cluster_above* points a layer is drawn compactly and clustered; above
    *aggregate_above* sites, sites are drawn as one circle per commune with its count.
    Incidents at one place are drawn in a ring round it with their count (each its own
    marker and popup). *wall*: the wall screen's sizes (urgent incidents large, with a
    thick white ring). *alerting*: ids of the incidents whose alert is not acknowledged;
    their markers flash.
    """
    return [_sites_group(sites, label, cluster_above, aggregate_above, wall),
            _incidents_group(incidents, label, cluster_above, wall, set(alerting)),
            _units_group(units, label, cluster_above, wall)]


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


# Incident markers on the wall, by severity (px): the urgent ones (3, 4) stand out.
_WALL_INCIDENT_SIZE = {1: 30, 2: 34, 3: 46, 4: 54}
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
                  f'font:700 {int(size // 2)}px sans-serif;text-align:center;'
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


def analysis_groups(incidents: pd.DataFrame, hexes: gpd.GeoDataFrame, gaps: pd.DataFrame,
                    emerging: pd.DataFrame, label: Label
                    ) -> list[folium.FeatureGroup]:
    """The review's analysis layers: heatmap, hexagon counts, places no patrol covered,
    and candidate hotspots (dashed circles)."""
    heat = folium.FeatureGroup(name=label("layer", "heatmap"))
    if len(incidents):
        folium.plugins.HeatMap(incidents[["lat", "lon"]].to_numpy().tolist(), radius=22,
                               blur=18, min_opacity=0.3).add_to(heat)
    hexg = folium.FeatureGroup(name=label("layer", "hexbins"), show=False)
    if len(hexes):
        top = max(int(hexes["n"].max()), 1)
        folium.GeoJson(
            hexes, style_function=lambda f: {
                "color": "#4a148c", "weight": 1, "fillColor": "#7b1fa2",
                "fillOpacity": 0.15 + 0.6 * f["properties"]["n"] / top},
            tooltip=folium.GeoJsonTooltip(["n"], aliases=[label("layer", "incidents")]),
        ).add_to(hexg)
    gap = folium.FeatureGroup(name=label("layer", "coverage_gaps"))
    for g in gaps.itertuples(index=False):
        folium.Marker([g.lat, g.lon], icon=folium.DivIcon(
            html=f'<div class="antt-gap" style="color:{GAP_COLOUR};font:900 22px sans-serif">'
                 '✕</div>',
            icon_size=(22, 22), icon_anchor=(8, 14)),
            tooltip=f"{html_text(g.name)} — {html_text(label('layer', 'coverage_gaps'))}",
        ).add_to(gap)
    emerg = folium.FeatureGroup(name=label("layer", "emerging"))
    for e in emerging.itertuples(index=False):
        folium.Circle([e.lat, e.lon], radius=max(float(e.radius_m), 80.0) * 1.2,
                      color=EMERGING_COLOUR, weight=3, dash_array="6 6", fill=False,
                      tooltip=f"{html_text(label('layer', 'emerging'))}: {int(e.n)}",
                      class_name="antt-emerging").add_to(emerg)
    return [heat, hexg, gap, emerg]
