"""A folium map on a page, with its static part rendered once.

``streamlit_folium.st_folium`` renders the whole map through folium's Jinja templates
on every run (the root, then the map, then its html, header and script: several passes
over every polygon and marker). Profiled on the live page of the demo, that was 1.1 s of
a 1.9 s run, every refresh, for a picture that changes only when a layer is imported.

Here the static part (communes, hamlets, hotspots, targets, routes, legend) is rendered
to strings once per *key* (the layers' version, the communes shown, the language, the
look) and kept for every session; each run renders only the live feature groups, which
streamlit-folium's front end swaps without remounting the map (pan and zoom stay).
The component and its arguments are streamlit-folium's own (``st_folium``'s tail,
0.22 – 0.27), so the front end is unchanged. Those are private functions: pyproject.toml
pins streamlit-folium to 0.27.x, and tests/unit/test_mapview_private.py names any of
them that a new version drops or calls differently.

Every map of the dashboard is shown this way: the live page's; the review's replay and
analysis maps and the operator's map over one shared plain base (:func:`desk_base`), the
analysis layers rendered once per review (:func:`cached_groups`); the phone's map on the
field page. Clicks come back as from ``st_folium`` (the component's value).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import folium
import streamlit as st
import streamlit_folium as sf

from dashboard import data, maps
from dashboard.maps import localize
from geo.checks.inert import html_text

__all__ = ["StaticMap", "Live", "render_static", "static_map", "show", "groups_script",
           "cached_groups", "desk_base"]


@dataclass(frozen=True)
class StaticMap:
    """What the front end needs of the static map, already rendered."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict
    zoom: object
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    overlays: tuple[tuple[str, str], ...] = ()  # (layer name, its JS variable) to switch


def _links(fig) -> tuple[list[str], list[str]]:
    css: list[str] = []
    js: list[str] = []
    for elem in _walk(fig):
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    return css, js


def _walk(elem):
    yield elem
    for child in getattr(elem, "_children", {}).values():
        yield from _walk(child)


def render_static(m: folium.Map) -> StaticMap:
    """Render *m* once as ``st_folium`` would (its html, header, script, bounds)."""
    m = localize(m)
    m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    css, js = _links(m)
    script = sf._get_map_string(m)  # names every element after its place in the map
    overlays = tuple((c.layer_name, c.get_name()) for c in m._children.values()
                     if isinstance(c, folium.FeatureGroup) and c.control)
    try:
        (s, w), (n, e) = m.get_bounds()
    except (AttributeError, TypeError, ValueError):
        s = w = n = e = None
    bounds = {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}
    return StaticMap(script, header, html, sf.get_full_id(m), bounds,
                     m.options.get("zoom"), tuple(dict.fromkeys(css)),
                     tuple(dict.fromkeys(js)), overlays)


class _Renders:
    """Rendered things by key, shared by every session (a small LRU)."""

    def __init__(self, size: int = 48) -> None:
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: Hashable, make: Callable[[], object]) -> object:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        made = make()  # outside the lock: sessions render in parallel
        with self._lock:
            self._items[key] = made
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return made


@st.cache_resource
def _renders() -> _Renders:
    """The static maps (:class:`StaticMap`) by key."""
    return _Renders()


@st.cache_resource
def _scripts() -> _Renders:
    """Feature groups' scripts (:data:`Live`) by key, for groups that change less often
    than the page reruns (the review's analysis layers)."""
    return _Renders()


def static_map(key: Hashable, build: Callable[[], folium.Map]) -> StaticMap:
    """The static map for *key*, built by *build()* and rendered the first time only.
    *key* must name everything the picture depends on (layers' version, communes shown,
    language, look)."""
    return _renders().get(key, lambda: render_static(build()))


Live = tuple[str, str | None, list[str], list[str]]


def groups_script(base: StaticMap, groups: Sequence[folium.FeatureGroup],
                  layer_control: bool = False) -> Live:
    """The live feature groups (and the layer switcher over the static and the live
    layers) as the script the front end evaluates, with the JS/CSS they need."""
    holder = folium.Map(tiles=None)  # only to give the groups a parent named map_div
    script = ""
    for idx, group in enumerate(groups):
        one = sf._get_feature_group_string(group, map=holder, idx=idx)
        if not group.show:  # streamlit-folium adds every group; a hidden one waits for
            # the layer switcher (it is still listed in window.feature_group, to be removed)
            one = one.replace(f"map_div.addLayer(feature_group_feature_group_{idx});", "")
        script += one
    control = None
    if layer_control:
        overlays = [*base.overlays, *((g.layer_name, f"feature_group_feature_group_{i}")
                                      for i, g in enumerate(groups))]
        # Leaflet shows a layer's name as HTML: the names are the catalogue's, escaped.
        entries = ",".join(f"{json.dumps(html_text(name))}: {var}" for name, var in overlays)
        control = (f"var layer_control_layer_control = L.control.layers(null, {{{entries}}}, "
                   '{"collapsed": false, "position": "topright", "autoZIndex": true})'
                   ".addTo(map_div);\nwindow.layer_control = layer_control_layer_control;\n")
    localize(holder)
    css, js = _links(holder)
    return script, control, css, js


def cached_groups(key: Hashable, base: StaticMap,
                  build: Callable[[], Sequence[folium.FeatureGroup]],
                  layer_control: bool = False) -> Live:
    """:func:`groups_script` of the groups *build()* makes, rendered the first time only
    and shared by every session. *key* must name everything the groups depend on, and
    the static map they go over."""
    return _scripts().get(key, lambda: groups_script(base, build(), layer_control))


def desk_base(layers: dict, *, label: Callable[[str, str], str], version: int,
              communes: Sequence[str], lang: str, tile_url: str,
              picking: bool = False) -> StaticMap:
    """The desk's plain base map (``maps.base_map`` without a legend) of *layers*, the
    layers of *communes* at layer *version* in the page's database: the review's two maps
    and the operator's share one render. Read *version* before *layers*, so that an import
    in between can only leave a newer picture under an older key (never read again).
    *picking*: the operator's map (``maps.base_map(picking=True)``), rendered apart."""
    return static_map(("desk", data.store().path, version, tuple(communes), lang, tile_url,
                       picking),
                      lambda: maps.base_map(layers, label=label, tile_url=tile_url,
                                            picking=picking))


def show(base: StaticMap, groups: Sequence[folium.FeatureGroup] = (), *, key: str,
         layer_control: bool = False, returned_objects: Sequence[str] = (),
         height: int = 600, use_container_width: bool = True, width: int = 700,
         live: Live | None = None) -> dict:
    """Put the map on the page: *base* as rendered once, *groups* rendered now (or *live*,
    their script from :func:`groups_script`, when the caller keeps it between runs).
    Returns the component's value, like ``st_folium``."""
    script, control, css, js = live if live is not None else groups_script(
        base, groups, layer_control)
    defaults = {k: v for k, v in {
        "last_clicked": None, "last_object_clicked": None,
        "last_object_clicked_count": None, "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None, "all_drawings": None,
        "last_active_drawing": None, "bounds": base.bounds, "zoom": base.zoom,
        "last_circle_radius": None, "last_circle_polygon": None, "selected_layers": None,
        "selected_tags": None, "last_geocoder_result": None}.items()
        if k in returned_objects}
    hash_key = sf.generate_js_hash(base.script, key, False)

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=base.script, header=base.header, html=base.html, id=base.map_id,
        key=hash_key, height=height, width=None if use_container_width else width,
        returned_objects=list(returned_objects), default=defaults, zoom=None, center=None,
        feature_group=script or None, return_on_hover=False, layer_control=control,
        pixelated=False, css_links=list(dict.fromkeys([*base.css_links, *css])),
        js_links=list(dict.fromkeys([*base.js_links, *js])), on_change=_on_change,
        wrap_longitude=False)
