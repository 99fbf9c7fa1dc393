"""Folium maps from layers. No Streamlit here: these functions only build map objects.

Offline: every JS/CSS asset points at the copies in ``dashboard/static/vendor``
(served by Streamlit at ``/app/static/``); the basemap is the shipped vector
layers unless a tile URL is set.

User text reaches this module's HTML only through ``geo.inert.html_text``: folium
and branca compile rendered element text as a Jinja template again, so plain
HTML escaping would still let ``{{ … }}`` in a name run on the server. The sink
scan (``tests/unit/test_sink_scan.py``) fails on any other path.

The map is built from parts in three modules, none of which imports this one:
``dashboard.map_assets`` (the offline JS/CSS), ``dashboard.map_static`` (the static
layers' drawers, legends, CSS and controls) and ``dashboard.map_markers`` (the live
layers' markers).
"""

from __future__ import annotations

from collections.abc import Collection

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd

from dashboard.map_assets import STATIC, localize
from dashboard.map_markers import (
    CompactPoints,
    _incidents_group,
    _sites_group,
    _units_group,
    aggregate_sites,
)
from dashboard.map_static import (
    _DRAWERS,
    WALL_LEGEND_HEIGHT,
    Label,
    _draw_hotspots,
    _FocusWithoutScrolling,
    _inert_props,
    _LabelPlacer,
    _legend_html,
    _MetricScale,
    _style,
)
from geo.analysis.spatial import for_drawing
from geo.checks.inert import html_text
from geo.palette import EMERGING_COLOUR, GAP_COLOUR, MAP_DARK, MAP_LIGHT

__all__ = ["STATIC", "localize", "base_map", "live_groups", "analysis_groups", "layer_control",
           "CompactPoints", "aggregate_sites", "MAX_ZOOM", "WALL_LEGEND_HEIGHT"]


def base_map(layers: dict[str, gpd.GeoDataFrame], *, label: Label,
             tile_url: str = "", center: tuple[float, float] | None = None,
             zoom: int | None = None, dark: bool = False, legend: bool = False,
             picking: bool = False) -> folium.Map:
    """The static picture: communes, hamlets (with names), hotspots, targets, routes.

    *label(group, code)* translates domain codes. The map's JS must be identical
    between reruns for the same layers, so the browser keeps its view.

    *dark* is the wall screen's map: dark, large labels, a compact legend strip at the
    top (the commune is fitted below it), no zoom buttons, and the map fills its frame
    however tall the page makes it (see ``dashboard.theme``).

    *picking*: the operator's map, where a click anywhere picks a place: the hotspots
    are drawn without their popup and take no clicks.
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
            pad = {"padding_top_left": (24, WALL_LEGEND_HEIGHT + 16),
                   "padding_bottom_right": (24, 24)} if dark else {}
            m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], **pad)
    for kind, draw in _DRAWERS:
        layer = layers.get(kind)
        if layer is not None and len(layer):
            group = folium.FeatureGroup(name=label("layer", kind))
            if kind == "hotspots":
                _draw_hotspots(group, layer, label, dark, interactive=not picking)
            else:
                draw(group, layer, label, dark)
            group.add_to(m)
    _style(m, dark)
    if dark:
        _LabelPlacer().add_to(m)
    if legend:
        m.get_root().html.add_child(folium.Element(_legend_html(label, dark)))
    return m


def layer_control() -> folium.LayerControl:
    """The layer switcher (built per run: st_folium adds it to the map it is given)."""
    return folium.LayerControl(collapsed=False, position="topright")


MAX_ZOOM = 18  # as folium's tile layers
# Half a pixel at MAX_ZOOM on the equator (156,543 m a pixel at zoom 0), in metres: a
# drawn outline simplified this far looks the same at every zoom (see base_map).
DRAW_TOLERANCE_M = 156_543.03 / 2 ** MAX_ZOOM / 2
_SIMPLIFIED = ("communes", "hamlets", "hotspots", "routes")


def _centre(bounds) -> tuple[float, float]:
    if bounds is None:
        return (16.0, 106.0)
    return ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)


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
