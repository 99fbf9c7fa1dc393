"""Is this point in Việt Nam? A fast, vectorised test against a bundled outline.

The outline is data/vietnam.geojson, built by data/make_vietnam_outline.py from
OpenStreetMap (ODbL 1.0, via the npm packages @geo-maps/countries-maritime-10m and
countries-land-10m): Vietnam's land and territorial sea, plus Hoàng Sa and Trường Sa as
boxes (less the neighbours' large land), grown 250 m and simplified 100 m so that no
land is lost. See data/README.md.

Two answers:

- :func:`in_vietnam`: inside the outline (land, coast, territorial sea, the two
  archipelagos; up to 250 m across the land border).
- :func:`near_vietnam`: inside the outline or within 10 km of Vietnam. A point that is
  near but not in is worth a warning, never a refusal: an official commune boundary may
  run a little outside OpenStreetMap's border. Points well inside Laos, Cambodia or China
  (Vientiane, Phnom Penh, Nanning) and the open sea are in neither.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import shape

from geo import DATA_DIR

__all__ = ["vietnam", "near_band", "in_vietnam", "near_vietnam", "NEAR_KM"]

OUTLINE_PATH = DATA_DIR / "vietnam.geojson"
NEAR_KM = 10  # the width of the warning band (data/make_vietnam_outline.py, NEAR_M)


@cache
def _features() -> dict[str, list[dict]]:
    with OUTLINE_PATH.open(encoding="utf-8") as f:
        collection = json.load(f)
    features = collection["features"] if collection.get("type") == "FeatureCollection" \
        else [collection]
    by_role: dict[str, list[dict]] = {}
    for feature in features:
        role = (feature.get("properties") or {}).get("role", "outline")
        by_role.setdefault(role, []).append(feature)
    return by_role


def _load(role: str) -> shapely.Geometry:
    features = _features().get(role) or _features()["outline"]
    geom = shapely.union_all([shape(f["geometry"]) for f in features])
    shapely.prepare(geom)
    # GEOS builds its point-in-area index on the first query. Build it here, once,
    # rather than on a first query that several threads (Streamlit sessions) may race.
    shapely.intersects_xy(geom, 105.8342, 21.0278)
    return geom


@cache
def vietnam() -> shapely.Geometry:
    """The outline (EPSG:4326 MultiPolygon), loaded once and prepared for fast tests."""
    return _load("outline")


@cache
def near_band() -> shapely.Geometry:
    """The outline plus NEAR_KM around Vietnam (EPSG:4326), loaded once and prepared.
    A file without a near band gives the outline itself."""
    return _load("near")


def _test(geom: shapely.Geometry, lons: ArrayLike, lats: ArrayLike) -> np.ndarray:
    x, y = np.broadcast_arrays(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    out = np.zeros(x.shape, dtype=bool)
    xmin, ymin, xmax, ymax = geom.bounds
    # The bounds test also drops NaN and ±inf (every comparison with NaN is False).
    near = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    out[near] = shapely.intersects_xy(geom, x[near], y[near])
    return out


def in_vietnam(lons: ArrayLike, lats: ArrayLike) -> np.ndarray:
    """True where (lon, lat) in degrees (EPSG:4326) lies in Việt Nam's outline.

    Vectorised: takes scalars, lists or arrays (broadcast together) and returns a
    bool array of their broadcast shape. Points on the outline's edge count as
    inside. NaN, ±inf and None give False.
    """
    return _test(vietnam(), lons, lats)


def near_vietnam(lons: ArrayLike, lats: ArrayLike) -> np.ndarray:
    """True where (lon, lat) lies in the outline or within NEAR_KM of Việt Nam: points
    that must not be refused. Vectorised like :func:`in_vietnam` (True wherever it is)."""
    return _test(near_band(), lons, lats)
