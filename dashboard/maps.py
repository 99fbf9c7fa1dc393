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
from collections.abc import Callable

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from geo.checks.inert import html_text
from geo.palette import (
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
           "CompactPoints", "aggregate_sites"]

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
    """
    communes = layers.get("communes")
    bounds = communes.total_bounds if communes is not None and len(communes) else None
    m = folium.Map(location=center or _centre(bounds), zoom_start=zoom or 13, tiles=None,
                   prefer_canvas=True, control_scale=True)
    if tile_url:
        folium.TileLayer(tile_url, attr="tiles", name="tiles").add_to(m)
    theme = MAP_DARK if dark else MAP_LIGHT
    if communes is not None and len(communes):
        folium.GeoJson(
            _inert_props(communes[["code", "name", "geometry"]]), name="communes",
            control=False,
            style_function=lambda _f: {"color": theme["line"], "weight": 3,
                                       "fillColor": theme["fill"],
                                       "fillOpacity": 1.0 if not tile_url else 0.1},
            tooltip=folium.GeoJsonTooltip(["name"], labels=False)).add_to(m)
        if bounds is not None and center is None:
            m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
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
    for _, h in hamlets.iterrows():
        p = h.geometry.representative_point()
        folium.Marker([p.y, p.x], icon=folium.DivIcon(
            html=(f'<div class="antt-hamlet" style="color:'
                  f'{MAP_DARK["text"] if dark else MAP_LIGHT["text"]}">'
                  f'{html_text(h["name"])}</div>'),
            icon_size=(140, 18), icon_anchor=(70, 26))).add_to(group)


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
    """A fixed legend of colours and symbols (our own labels, escaped all the same)."""
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
            f'<details{" open" if dark else ""}><summary><b>{html_text(label("layer", "legend"))}'
            f'</b></summary>{"".join(rows)}</details></div>')


def _line_coords(geom) -> list[tuple[float, float]]:
    if geom.geom_type == "LineString":
        return list(geom.coords)
    return [c for part in geom.geoms for c in part.coords]


def _centre(bounds) -> tuple[float, float]:
    if bounds is None:
        return (16.0, 106.0)
    return ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)


def _style(m: folium.Map, dark: bool) -> None:
    bg = MAP_DARK["sea"] if dark else MAP_LIGHT["sea"]
    css = (f"<style>.leaflet-container{{background:{bg};}}"
           ".antt-hamlet{font:600 12px/1.2 sans-serif;text-align:center;"
           "text-shadow:0 0 3px rgba(255,255,255,.8);white-space:nowrap;pointer-events:none}"
           ".antt-target{width:10px;height:10px;background:#fff;border:2px solid;"
           "box-sizing:border-box}"
           "</style>")
    m.get_root().header.add_child(folium.Element(css))


class CompactPoints(MacroElement):
    """Many points as one compact JSON array; the browser builds circle markers (on canvas)
    and, if asked, clusters them. Text is escaped here, before it reaches the page.

    ``styles``: ``[fill, outline, radius, class_name, popup_prefix_html]`` each;
    ``rows``: ``[lat, lon, style_index, text_html]``. Coordinates are rounded to
    5 decimals (about 1 m), and everything a row shares with others lives in its style.
    """

    _template = Template("""
    {% macro script(this, kwargs) %}
    (function() {
      var styles = {{ this.styles_json }};
      var rows = {{ this.rows_json }};
      var target = {{ this._parent.get_name() }};
      var layer = {{ "L.markerClusterGroup({chunkedLoading: true})" if this.cluster
                     else "L.layerGroup()" }};
      var markers = [];
      for (var i = 0; i < rows.length; i++) {
        var d = rows[i], s = styles[d[2]];
        var m = L.circleMarker([d[0], d[1]], {radius: s[2], color: s[1], weight: 2,
          fillColor: s[0], fillOpacity: 0.9, className: s[3]});
        m.bindPopup(s[4] + d[3]);
        markers.push(m);
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

    def __init__(self, styles: list[list], rows: list[list], cluster: bool) -> None:
        super().__init__()
        self._name = "CompactPoints"
        self.styles, self.rows, self.cluster = styles, rows, cluster

    @property
    def styles_json(self) -> str:
        return _script_json(self.styles)

    @property
    def rows_json(self) -> str:
        return _script_json(self.rows)


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


def aggregate_sites(sites: pd.DataFrame) -> pd.DataFrame:
    """Sites per commune: count, open-site count, and where to draw them (mean position)."""
    g = sites.groupby("commune_code", dropna=False)
    out = g.agg(n=("code", "size"), lon=("lon", "mean"), lat=("lat", "mean"),
                voting=("status", lambda s: int((s == "voting").sum())))
    return out.reset_index()


def live_groups(sites: pd.DataFrame, incidents: pd.DataFrame, units: pd.DataFrame, *,
                label: Label, cluster_above: int = 400,
                aggregate_above: int = 20_000) -> list[folium.FeatureGroup]:
    """The live layers: sites by status, incidents by kind/severity/status, team positions.

    Above *cluster_above* points a layer is drawn compactly and clustered; above
    *aggregate_above* sites, sites are drawn as one circle per commune with its count.
    """
    return [_sites_group(sites, label, cluster_above, aggregate_above),
            _incidents_group(incidents, label, cluster_above),
            _units_group(units, label, cluster_above)]


def _compact(group: folium.FeatureGroup, rows: pd.DataFrame, style: Callable[[tuple], tuple],
             text: Callable[[tuple], str], *, cluster: bool = True) -> folium.FeatureGroup:
    """Draw *rows* (with lat/lon) as one :class:`CompactPoints` in *group*: ``style(row)``
    gives a row's [fill, outline, radius, class, popup prefix], ``text(row)`` its popup
    text (both already HTML-inert)."""
    styles = _Styles()
    data = [[*_ll(r.lat, r.lon), styles(*style(r)), text(r)]
            for r in rows.itertuples(index=False)]
    CompactPoints(styles.table, data, cluster=cluster).add_to(group)
    return group


def _sites_group(sites: pd.DataFrame, label, cluster_above: int, aggregate_above: int
                 ) -> folium.FeatureGroup:
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
            lambda s: (SITE_COLOURS.get(s.status, "#000"), "#ffffff", 7,
                       f"antt-site antt-site-{s.status}",
                       f"{html_text(label('site_status', s.status))} — "),
            lambda s: html_text(s.name))
    for s in sites.itertuples(index=False):
        tip = (f"{html_text(s.name)} — {html_text(label('site_status', s.status))}")
        folium.CircleMarker([s.lat, s.lon], radius=8, color="#ffffff", weight=2, fill=True,
                            fill_color=SITE_COLOURS.get(s.status, "#000"), fill_opacity=1,
                            tooltip=tip, class_name=f"antt-site antt-site-{s.status}"
                            ).add_to(group)
    return group


def _incident_popup(i, label) -> str:
    return (f"<b>#{int(i.id)} {html_text(label('kind', i.kind))}</b><br>"
            f"{html_text(label('severity', i.severity))} · {html_text(label('status', i.status))}"
            f"<br>{html_text(i.description)}")


def _incidents_group(incidents: pd.DataFrame, label, cluster_above: int
                     ) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=label("layer", "incidents"))
    if len(incidents) > cluster_above:
        return _compact(
            group, incidents,
            lambda i: (SEVERITY_COLOURS.get(int(i.severity), "#000"),
                       STATUS_OUTLINE.get(i.status, "#000"), 5 + int(i.severity),
                       "antt-incident",
                       f"<b>{html_text(label('kind', i.kind))}</b><br>"
                       f"{html_text(label('severity', i.severity))} · "
                       f"{html_text(label('status', i.status))}<br>"),
            lambda i: f"#{int(i.id)} {html_text(i.description)}")
    for i in incidents.itertuples(index=False):
        size = 18 + 4 * int(i.severity)
        fill = SEVERITY_COLOURS.get(int(i.severity), "#000")
        outline = STATUS_OUTLINE.get(i.status, "#000")
        icon = folium.DivIcon(
            html=(f'<div class="antt-incident" data-id="{int(i.id)}" style="width:{size}px;'
                  f'height:{size}px;line-height:{size - 6}px;background:{fill};'
                  f'border:3px solid {outline};border-radius:50%;color:#fff;'
                  f'font:700 {size // 2}px sans-serif;text-align:center;'
                  f'box-sizing:border-box">{KIND_SYMBOLS.get(i.kind, "?")}</div>'),
            icon_size=(size, size), icon_anchor=(size // 2, size // 2))
        folium.Marker([i.lat, i.lon], icon=icon,
                      popup=folium.Popup(_incident_popup(i, label), max_width=320)
                      ).add_to(group)
    return group


def _units_group(units: pd.DataFrame, label, cluster_above: int) -> folium.FeatureGroup:
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
                  'font:700 11px sans-serif;padding:1px 4px;border-radius:3px;'
                  f'display:inline-block;white-space:nowrap">{html_text(u.code)}</div>'),
            icon_size=None, icon_anchor=(0, 9)),
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
