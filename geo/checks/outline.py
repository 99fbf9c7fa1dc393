"""Is this point in Việt Nam? A fast, vectorised test against a bundled outline.

The outline is data/vietnam.geojson: Natural Earth 1:10m Vietnam (public domain)
buffered 2 km, plus Hoàng Sa and Trường Sa as boxes, the sea within 40 km of the coast
(for the inhabited islands Natural Earth leaves out) and discs for Bạch Long Vĩ,
Thổ Chu and Nam Du, with other countries' land (+2 km) cut out of those additions.
See data/README.md and data/make_vietnam_outline.py.

It is generous on purpose, so that a real site on the coast, the land border or an
island is never refused: points up to 2 km inside Laos, Cambodia or China, and points
at sea near the coast, count as inside. Use it to refuse points that are clearly
elsewhere (Vientiane, Phnom Penh, Nanning, swapped lon/lat), not as a legal boundary.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import shape

from geo import DATA_DIR

__all__ = ["vietnam", "in_vietnam"]

OUTLINE_PATH = DATA_DIR / "vietnam.geojson"


@cache
def vietnam() -> shapely.Geometry:
    """The outline (EPSG:4326 MultiPolygon), loaded once and prepared for fast tests."""
    with OUTLINE_PATH.open(encoding="utf-8") as f:
        collection = json.load(f)
    features = collection["features"] if collection.get("type") == "FeatureCollection" \
        else [collection]
    geom = shapely.union_all([shape(f["geometry"]) for f in features])
    shapely.prepare(geom)
    # GEOS builds its point-in-area index on the first query. Build it here, once,
    # rather than on a first query that several threads (Streamlit sessions) may race.
    shapely.intersects_xy(geom, 105.8342, 21.0278)
    return geom


def in_vietnam(lons: ArrayLike, lats: ArrayLike) -> np.ndarray:
    """True where (lon, lat) in degrees (EPSG:4326) lies in Việt Nam's outline.

    Vectorised: takes scalars, lists or arrays (broadcast together) and returns a
    bool array of their broadcast shape. Points on the outline's edge count as
    inside. NaN, ±inf and None give False.
    """
    x, y = np.broadcast_arrays(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    out = np.zeros(x.shape, dtype=bool)
    xmin, ymin, xmax, ymax = vietnam().bounds
    # The bounds test also drops NaN and ±inf (every comparison with NaN is False).
    near = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    out[near] = shapely.intersects_xy(vietnam(), x[near], y[near])
    return out
