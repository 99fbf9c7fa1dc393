"""The static picture's parts (see ``dashboard.maps.base_map``): the drawers of the layers
above the communes (hamlets, hotspots, routes, targets), the legends, the map's CSS and
its controls. No Streamlit here. Names and other user text pass through ``html_text``
on their way into the HTML (the sink scan, ``tests/unit/test_sink_scan.py``, reads this
module too)."""

from __future__ import annotations

from collections.abc import Callable

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from geo.checks.inert import html_text
from geo.palette import (
    ALERT_COLOUR,
    HOTSPOT_COLOUR,
    KIND_SYMBOLS,
    MAP_DARK,
    MAP_LIGHT,
    ROUTE_COLOURS,
    SEVERITY_COLOURS,
    SITE_COLOURS,
    TARGET_COLOUR,
    UNIT_COLOURS,
)

Label = Callable[[str, str], str]

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
    # Not interactive: a click on a name falls through to the hamlet under it (the live
    # map filters by it, the operator's map picks the place), never to the label's box.
    for _, h in hamlets.iterrows():
        p = h.geometry.representative_point()
        folium.Marker([p.y, p.x], icon=folium.DivIcon(
            html=(f'<div class="antt-hamlet" style="color:'
                  f'{MAP_DARK["text"] if dark else MAP_LIGHT["text"]}">'
                  f'{html_text(h["name"])}</div>'),
            icon_size=box, icon_anchor=anchor, class_name="antt-hamlet-box"),
            interactive=False, keyboard=False, **above).add_to(group)


def _draw_hotspots(group: folium.FeatureGroup, hotspots: gpd.GeoDataFrame, label: Label,
                   dark: bool, *, interactive: bool = True) -> None:
    """The hotspots, each with its popup; not *interactive*: drawn only, and a click on
    one is the map's (the operator's map, where a click anywhere picks the place)."""
    for _, h in hotspots.iterrows():
        text = (f"<b>{html_text(h['name'])}</b><br>{html_text(h.get('reason'))}"
                f"<br>{html_text(label('layer', 'risk'))}: {html_text(h.get('risk'))}")
        popup = {"popup": folium.Popup(text, max_width=320)} if interactive else {}
        geom = h.geometry
        if geom.geom_type == "Point":
            folium.Circle([geom.y, geom.x], radius=float(h.get("radius_m") or 300),
                          color=HOTSPOT_COLOUR, fill=True, fill_opacity=0.15, weight=2,
                          interactive=interactive, **popup).add_to(group)
        else:
            folium.GeoJson(
                gpd.GeoDataFrame(geometry=[geom], crs=4326),
                style_function=lambda _f: {"color": HOTSPOT_COLOUR, "weight": 2,
                                           "fillColor": HOTSPOT_COLOUR, "fillOpacity": 0.18,
                                           "dashArray": "6 3"},
                interactive=interactive, **popup).add_to(group)


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


WALL_LEGEND_HEIGHT = 60  # px: the wall's legend strip, two lines at the map's top (the
# commune is fitted below it)
# Its type: 22 px, not the ticker's 24: the fourteen entries then fit two lines across
# the map at 1920×1080 (at 24 px they took three, 15 % of the map; now under 10 %).
WALL_LEGEND_FONT_PX = 22


def _wall_legend_html(label: Label) -> str:
    """The wall's legend: only what changes during the day (incident severities, site
    statuses, team statuses), in type read from 5 m, as one strip at the map's top that
    wraps onto a second line: a tenth of the map at 1920×1080, not a column over a
    quarter of it. The groups tell themselves apart by their symbols (ringed circles,
    dots, bars), each drawn as on the map; the kind letters are left to the desk legend
    and the popups."""
    def row(symbol: str, text: str) -> str:
        return f'<span class="antt-legend-row">{symbol}<span>{html_text(text)}</span></span>'

    def site(colour: str) -> str:
        return (f'<i style="width:16px;height:16px;border-radius:50%;background:{colour};'
                'border:2px solid #fff"></i>')

    def incident(sev: int, colour: str) -> str:
        ring = "4px solid #fff" if sev >= 3 else "2px solid #eceff1"
        return (f'<i style="width:{16 + 2 * int(sev)}px;height:{16 + 2 * int(sev)}px;'
                f'border-radius:50%;background:{colour};border:{ring}"></i>')

    def unit(colour: str) -> str:
        return f'<i style="width:22px;height:14px;border-radius:3px;background:{colour}"></i>'

    sep = '<span class="antt-legend-sep"></span>'
    rows = [row(incident(s, c), label("severity", s))
            for s, c in sorted(SEVERITY_COLOURS.items(), reverse=True)]
    rows.append(sep)
    rows += [row(site(c), label("site_status", s)) for s, c in SITE_COLOURS.items()]
    rows.append(sep)
    rows += [row(unit(c), label("unit_status", s)) for s, c in UNIT_COLOURS.items()]
    return ('<div class="antt-legend antt-legend-wall" style="position:absolute;top:8px;'
            'left:8px;right:8px;z-index:1000;display:flex;flex-wrap:wrap;'
            'align-items:center;column-gap:10px;box-sizing:border-box;width:fit-content;'
            'background:rgba(16,21,27,.9);color:#eceff1;padding:1px 8px;'
            f'border:1px solid #455a64;border-radius:8px;font:{WALL_LEGEND_FONT_PX}px/1.15 '
            'sans-serif">'
            f'{"".join(rows)}</div>')


def _line_coords(geom) -> list[tuple[float, float]]:
    if geom.geom_type == "LineString":
        return list(geom.coords)
    return [c for part in geom.geoms for c in part.coords]


# The wall's map: big labels on a dark ground, the map filling its frame (the page sets
# the frame's height; streamlit-folium's fixed height and the line after the map would
# otherwise leave the map short or the frame scrolling), the legend's rows, and urgent
# incidents pulsing (not for those who asked the system for less motion).
_WALL_CSS = (
    ".antt-hamlet{font:700 22px/1.2 sans-serif !important;"
    "text-shadow:0 0 3px #000,0 0 6px #000 !important}"
    "html,body{overflow:hidden}#map_div{height:100vh !important}"
    ".antt-legend-row{display:inline-flex;align-items:center;white-space:nowrap}"
    ".antt-legend-row i{display:inline-block;flex:0 0 auto;box-sizing:border-box;"
    "margin:0 6px 0 0}"
    ".antt-legend-sep{align-self:stretch;border-left:2px solid #607d8b;margin:3px 0}"
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


class _LabelPlacer(MacroElement):
    """The wall's labels never overlap: after every change of view or of layers, each
    team label and then each hamlet name (in that order: what moves comes first) keeps
    its place if that is free, else moves above, below or beside it, else is hidden.
    Counts of stacked incidents stay where they are and are kept clear of. In the page,
    offline: measured boxes (getBoundingClientRect), no library."""

    _template = Template("""{% macro script(this, kwargs) %}
(function (map) {
  var PAD = 3, pending = false;
  function all(sel) {
    return Array.prototype.slice.call(map.getContainer().querySelectorAll(sel));
  }
  function place() {
    pending = false;
    var movable = all('div.antt-unit').concat(all('.antt-hamlet'));
    movable.forEach(function (e) { e.style.transform = ''; e.style.visibility = ''; });
    var taken = all('.antt-stack-count').map(function (e) {
      return e.getBoundingClientRect(); });
    function free(r) {
      return !taken.some(function (t) {
        return r.left < t.right + PAD && t.left < r.right + PAD &&
               r.top < t.bottom + PAD && t.top < r.bottom + PAD; });
    }
    movable.forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (!r.width) return;
      var h = r.height + 2 * PAD, w = r.width / 2 + PAD;
      var tries = [[0, 0], [0, -h], [0, h], [w, 0], [-w, 0], [0, -2 * h], [0, 2 * h]];
      for (var i = 0; i < tries.length; i++) {
        var dx = tries[i][0], dy = tries[i][1];
        var m = {left: r.left + dx, right: r.right + dx, top: r.top + dy,
                 bottom: r.bottom + dy};
        if (free(m)) {
          if (dx || dy) e.style.transform = 'translate(' + dx + 'px,' + dy + 'px)';
          taken.push(m);
          return;
        }
      }
      e.style.visibility = 'hidden';
    });
  }
  function later() {
    if (!pending) { pending = true; requestAnimationFrame(place); }
  }
  map.on('zoomend moveend resize viewreset layeradd layerremove', later);
  later();
})({{ this._parent.get_name() }});
{% endmacro %}""")


def _style(m: folium.Map, dark: bool) -> None:
    bg = MAP_DARK["sea"] if dark else MAP_LIGHT["sea"]
    css = (f"<style>.leaflet-container{{background:{bg};}}"
           # The name's own box is its text (the label placer measures it), centred.
           ".antt-hamlet-box{text-align:center;pointer-events:none}"
           ".antt-hamlet{display:inline-block;font:600 12px/1.2 sans-serif;"
           "text-shadow:0 0 3px rgba(255,255,255,.8);white-space:nowrap;pointer-events:none}"
           ".antt-target{width:10px;height:10px;background:#fff;border:2px solid;"
           "box-sizing:border-box}"
           f"{_ALERT_CSS}{_WALL_CSS if dark else ''}"
           "</style>")
    m.get_root().header.add_child(folium.Element(css))
