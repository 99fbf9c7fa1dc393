"""Spatial analysis: pure functions on GeoDataFrames in EPSG:4326.

Metric work (distances, buffers) happens in VN-2000 / UTM 48N or 49N, chosen by
longitude. Before two layers meet, their CRS is checked and a mismatch raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.clock import layer_time_utc, to_utc

__all__ = [
    "check_crs", "metric_crs", "middle_lon", "to_metric", "assign_hamlets", "nearest_teams",
    "within_distance", "in_hotspots", "coverage", "points", "near_each", "for_drawing",
]

WGS84 = "EPSG:4326"


class CRSMismatch(ValueError):
    pass


def check_crs(left: gpd.GeoDataFrame | gpd.GeoSeries, right: gpd.GeoDataFrame | gpd.GeoSeries
              ) -> None:
    """Raise unless both layers carry the same, declared CRS."""
    if left.crs is None or right.crs is None:
        raise CRSMismatch("a layer has no CRS; set it before combining layers")
    if left.crs != right.crs:
        raise CRSMismatch(f"CRS differ: {left.crs.to_string()} vs {right.crs.to_string()}")


def metric_crs(lon: float) -> str:
    """VN-2000 / UTM zone 48N west of 108° E, 49N east of it."""
    return "EPSG:3405" if lon < 108.0 else "EPSG:3406"


def middle_lon(layer: gpd.GeoDataFrame | gpd.GeoSeries) -> float:
    """The longitude halfway across *layer*'s extent (106° E when it has none)."""
    b = layer.total_bounds
    return (b[0] + b[2]) / 2 if np.isfinite(b).all() else 106.0


def to_metric(*layers: gpd.GeoDataFrame | gpd.GeoSeries, lon: float | None = None) -> list:
    """The layers in one metric CRS (:func:`metric_crs`), chosen by *lon* or else by the
    middle of the first layer's extent (:func:`middle_lon`)."""
    first = layers[0]
    for other in layers[1:]:
        check_crs(first, other)
    crs = metric_crs(middle_lon(first) if lon is None else lon)
    return [layer.to_crs(crs) for layer in layers]


def for_drawing(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """*gdf* (EPSG:4326) for a map: each line and outline simplified (Douglas–Peucker) so
    that no point moves by more than *tolerance_m* metres. For drawing only: what is
    stored, checked and measured stays exact. A hamlet traced with 50,000 vertices (2 m
    of detail every 10 m) keeps some 660 at 0.3 m, and draws in a fraction of the time.
    A geometry that the simplification would empty or break is drawn as it is."""
    if len(gdf) == 0:
        return gdf
    check_crs(gdf, gpd.GeoSeries([], crs=WGS84))
    # A degree of latitude is 111.32 km and one of longitude shorter: no point moves
    # further than tolerance_m in any direction.
    geoms = np.asarray(gdf.geometry, dtype=object)
    simple = shapely.simplify(geoms, tolerance_m / 111_320, preserve_topology=False)
    keep = shapely.is_empty(simple) | ~shapely.is_valid(simple) | (
        shapely.get_num_coordinates(simple) >= shapely.get_num_coordinates(geoms))
    return gdf.set_geometry(np.where(keep, geoms, simple), crs=gdf.crs)


def _in_metres(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame
               ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None:
    """Both layers in one metric CRS, after checking they share a declared CRS; None when
    either is empty (there is nothing to measure)."""
    check_crs(left, right)
    if len(left) == 0 or len(right) == 0:
        return None
    a, b = to_metric(left, right)
    return a, b


def points(lon: Sequence[float], lat: Sequence[float], **columns: Sequence) -> gpd.GeoDataFrame:
    """A point layer in EPSG:4326 from coordinate arrays."""
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)


def assign_hamlets(pts: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame) -> pd.DataFrame:
    """``hamlet_code`` and ``commune_code`` of the hamlet each point lies in (None outside).

    Vectorised through the hamlets' spatial index; a point in two hamlets goes to a real
    one before one the demo drew (a ``demo`` column, when there is one), then to the
    smallest code, so the answer is deterministic.
    """
    check_crs(pts, hamlets)
    out = pd.DataFrame({"hamlet_code": pd.Series([None] * len(pts), dtype=object),
                        "commune_code": pd.Series([None] * len(pts), dtype=object)},
                       index=pts.index)
    if len(pts) == 0 or len(hamlets) == 0:
        return out
    tree = shapely.STRtree(hamlets.geometry.values)
    p_idx, h_idx = tree.query(pts.geometry.values, predicate="intersects")
    if len(p_idx) == 0:
        return out
    codes = hamlets["code"].to_numpy()
    demo = hamlets["demo"].to_numpy(dtype=bool) if "demo" in hamlets.columns else \
        np.zeros(len(hamlets), dtype=bool)
    pairs = pd.DataFrame({"p": p_idx, "demo": demo[h_idx], "code": codes[h_idx], "h": h_idx})
    first = pairs.sort_values(["p", "demo", "code"]).drop_duplicates("p")
    out.iloc[first["p"].to_numpy(), 0] = first["code"].to_numpy()
    out.iloc[first["p"].to_numpy(), 1] = hamlets["commune_code"].to_numpy()[first["h"]]
    return out


def nearest_teams(incident: gpd.GeoDataFrame, teams: gpd.GeoDataFrame, k: int = 3
                  ) -> pd.DataFrame:
    """For each incident, its *k* nearest teams with ``distance_m`` (straight line).

    Returns columns ``incident`` (index label), ``team`` (index label), ``distance_m``.
    """
    pair = _in_metres(incident, teams)
    if pair is None:
        return pd.DataFrame(columns=["incident", "team", "distance_m"])
    inc_m, teams_m = pair
    xy_i = shapely.get_coordinates(inc_m.geometry.values)
    xy_t = shapely.get_coordinates(teams_m.geometry.values)
    k = min(k, len(teams))
    rows = []
    # Chunk so 10 000 × 500 stays within memory (one chunk ≈ chunk × teams doubles).
    chunk = max(1, 2_000_000 // len(xy_t))
    for s in range(0, len(xy_i), chunk):
        d = np.hypot(xy_i[s:s + chunk, None, 0] - xy_t[None, :, 0],
                     xy_i[s:s + chunk, None, 1] - xy_t[None, :, 1])
        idx = np.argpartition(d, k - 1, axis=1)[:, :k]
        dist = np.take_along_axis(d, idx, axis=1)
        order = np.argsort(dist, axis=1)
        idx, dist = np.take_along_axis(idx, order, 1), np.take_along_axis(dist, order, 1)
        for j in range(k):
            rows.append(pd.DataFrame({"incident": incident.index[s:s + len(idx)],
                                      "team": teams.index[idx[:, j]], "distance_m": dist[:, j],
                                      "rank": j + 1}))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["incident", "rank"]).drop(columns="rank").reset_index(drop=True)


def within_distance(pts: gpd.GeoDataFrame, places: gpd.GeoDataFrame, radius_m: float
                    ) -> pd.DataFrame:
    """Pairs (point, place) closer than *radius_m*, with ``distance_m``."""
    pair = _in_metres(pts, places)
    if pair is None:
        return pd.DataFrame(columns=["point", "place", "distance_m"])
    p_m, pl_m = pair
    tree = shapely.STRtree(pl_m.geometry.values)
    pi, qi = tree.query(p_m.geometry.values, predicate="dwithin", distance=radius_m)
    d = shapely.distance(p_m.geometry.values[pi], pl_m.geometry.values[qi])
    return pd.DataFrame({"point": pts.index[pi], "place": places.index[qi], "distance_m": d})


def in_hotspots(pts: gpd.GeoDataFrame, hotspots: gpd.GeoDataFrame) -> pd.DataFrame:
    """Pairs (point, hotspot) where the point lies in the hotspot. A point hotspot with a
    ``radius_m`` counts as the circle around it."""
    pair = _in_metres(pts, hotspots)
    if pair is None:
        return pd.DataFrame(columns=["point", "hotspot"])
    p_m, h_m = pair
    geoms = h_m.geometry.values.copy()
    if "radius_m" in hotspots.columns:
        radius = pd.to_numeric(hotspots["radius_m"], errors="coerce").fillna(0).to_numpy()
        is_point = shapely.get_type_id(geoms) == 0
        geoms[is_point] = shapely.buffer(geoms[is_point], radius[is_point])
    tree = shapely.STRtree(geoms)
    pi, hi = tree.query(p_m.geometry.values, predicate="intersects")
    return pd.DataFrame({"point": pts.index[pi], "hotspot": hotspots.index[hi]})


def coverage(places: gpd.GeoDataFrame, routes: gpd.GeoDataFrame, radius_m: float,
             window: tuple[datetime, datetime] | None = None) -> pd.DataFrame:
    """Which places lie within *radius_m* of a patrol route active in *window*.

    Routes carry ``starts_at`` / ``ends_at``; a route counts for the window when
    the two overlap. Returns, per place: ``covered`` (bool), ``distance_m`` to
    the nearest active route and that route's ``route`` label.
    """
    check_crs(places, routes)
    active = routes
    if window is not None and {"starts_at", "ends_at"} <= set(routes.columns):
        start, end = (to_utc(t) for t in window)  # naive UTC, as stored
        # Layer times without an offset are Vietnam time (geo.clock.layer_time_utc).
        s = pd.to_datetime(routes["starts_at"].map(layer_time_utc))
        e = pd.to_datetime(routes["ends_at"].map(layer_time_utc))
        active = routes[(s < end) & (e > start)]
    out = pd.DataFrame({"covered": False, "distance_m": np.inf, "route": None},
                       index=places.index)
    pair = _in_metres(places, active)
    if pair is None:
        return out
    pl_m, r_m = pair
    tree = shapely.STRtree(r_m.geometry.values)
    pi, ri = tree.query_nearest(pl_m.geometry.values, return_distance=False, all_matches=False)
    d = shapely.distance(pl_m.geometry.values[pi], r_m.geometry.values[ri])
    out.iloc[pi, out.columns.get_loc("distance_m")] = d
    out.iloc[pi, out.columns.get_loc("route")] = active.index[ri].to_numpy()
    out["covered"] = out["distance_m"] <= radius_m
    return out


def near_each(places: pd.DataFrame, incidents: pd.DataFrame, radius_m: float) -> pd.DataFrame:
    """For each place (lon/lat columns, e.g. polling sites), the incidents within *radius_m*:
    columns ``place`` and ``incident`` (row labels of the two frames) and ``distance_m``."""
    if places.empty or incidents.empty:
        return pd.DataFrame(columns=["place", "incident", "distance_m"])
    pairs = within_distance(points(places["lon"], places["lat"]).set_index(places.index),
                            points(incidents["lon"], incidents["lat"]).set_index(
                                incidents.index), radius_m)
    return pairs.rename(columns={"point": "place", "place": "incident"})
