"""The maps' JS and CSS, offline: every asset points at the copies in
``dashboard/static/vendor`` (served by Streamlit at ``/app/static/``). No Streamlit here.
"""

from __future__ import annotations

import folium

__all__ = ["STATIC", "localize"]

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
