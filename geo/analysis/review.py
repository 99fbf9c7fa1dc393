"""Post-event review figures: per-hamlet response times, incidents per hour, coverage gaps,
missed check-ins, emerging hotspots, hexagon bins. Pure functions on frames (no SQL).

Spans are in seconds. The 90th percentile uses linear interpolation between the two
nearest ranks (pandas' default), the same rule a spreadsheet's PERCENTILE uses.
"""

from __future__ import annotations

import math
from datetime import datetime, time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.analysis.metrics import SPANS, spans
from geo.analysis.spatial import WGS84, coverage, in_hotspots, points, to_metric
from geo.clock import Period, local_to_utc, series_local_naive, to_local
from geo.incidents import KINDS, SEVERITIES

__all__ = ["voting_window",
           "hamlet_table", "hourly", "coverage_gaps", "emerging_hotspots",
           "cluster_places", "hex_bins"]

# Vietnamese law: polls open at 07:00 and close at 19:00 local time.
VOTING_HOURS = (time(7, 0), time(19, 0))


def voting_window(period: Period) -> tuple[datetime, datetime]:
    """07:00–19:00 local on the period's first day, clipped to the period (naive UTC)."""
    day = to_local(period.start).date()
    opens = local_to_utc(datetime.combine(day, VOTING_HOURS[0]))
    closes = local_to_utc(datetime.combine(day, VOTING_HOURS[1]))
    return max(opens, period.start), max(min(closes, period.end), max(opens, period.start))


# ---- per-hamlet response table ---------------------------------------------------------
def hamlet_table(incidents: pd.DataFrame, hamlet_names: dict[str, str], target_s: float,
                 total_label: str = "Tổng", by: str = "hamlet_code") -> pd.DataFrame:
    """One row per hamlet with incidents (or per value of *by*, e.g. ``commune_code``),
    then a total row.

    Columns: ``hamlet_code`` (the group's code), ``hamlet`` (its name), ``n``,
    ``kind:<k>`` and ``sev:<s>`` counts, ``<span>_median`` / ``<span>_p90`` seconds,
    ``dispatched_within_target`` (share of the dispatched incidents whose
    reported→dispatched took at most *target_s*) and ``hamlet_team_share`` (share of
    incidents whose source was a hamlet team). Incidents outside every hamlet are
    grouped under code None. Vectorised: a province has thousands of hamlets.
    """
    inc = incidents.join(spans(incidents))
    key = inc[by].where(inc[by].notna(), "").astype(str)
    groups = _aggregate(inc, key, target_s).iloc[:0 if inc.empty else None]
    total = _aggregate(inc, pd.Series("", index=inc.index), target_s)
    groups.insert(0, "hamlet", [hamlet_names.get(c, "—") if c else "—" for c in groups.index])
    total.insert(0, "hamlet", [total_label])
    out = pd.concat([groups, total])
    out.insert(0, "hamlet_code", [c or None for c in groups.index] + [None])
    return out.reset_index(drop=True)


def _aggregate(inc: pd.DataFrame, key: pd.Series, target_s: float) -> pd.DataFrame:
    g = inc.groupby(key, sort=True)
    out = pd.DataFrame({"n": g.size()})
    if len(inc) == 0:
        out = pd.DataFrame({"n": [0]}, index=[""])
    for k in KINDS:
        out[f"kind:{k}"] = (inc["kind"] == k).groupby(key).sum() if len(inc) else 0
    for sv in SEVERITIES:
        out[f"sev:{sv}"] = (inc["severity"] == sv).groupby(key).sum() if len(inc) else 0
    for span in SPANS:
        vals = inc[span].groupby(key) if len(inc) else None
        out[f"{span}_median"] = vals.median() if vals is not None else math.nan
        out[f"{span}_p90"] = vals.quantile(0.9) if vals is not None else math.nan
    dispatched = inc["to_dispatch"].notna()
    within = (inc["to_dispatch"] <= target_s).where(dispatched)
    out["dispatched_within_target"] = within.astype(float).groupby(key).mean() \
        if len(inc) else math.nan
    out["hamlet_team_share"] = (inc["source"] == "hamlet_team").astype(float).groupby(
        key).mean() if len(inc) else math.nan
    for c in out.columns:
        if c.startswith(("kind:", "sev:")) or c == "n":
            out[c] = out[c].fillna(0).astype(int)
    return out


def hourly(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents per local hour (index: naive local hour start) and kind (columns)."""
    if incidents.empty:
        return pd.DataFrame(columns=list(KINDS), dtype=int)
    at = series_local_naive(incidents["reported_at"]).dt.floor("h")
    table = pd.crosstab(at, incidents["kind"]).rename_axis(index="hour", columns=None)
    full = pd.date_range(table.index.min(), table.index.max(), freq="h", name="hour")
    return table.reindex(full, fill_value=0)


# ---- coverage ---------------------------------------------------------------------------
def coverage_gaps(sites: gpd.GeoDataFrame, targets: gpd.GeoDataFrame,
                  routes: gpd.GeoDataFrame, radius_m: float,
                  window: tuple[datetime, datetime]) -> pd.DataFrame:
    """Polling sites and key targets further than *radius_m* from every patrol route active
    in *window*: kind ("site"/"target"), code, name, commune_code, distance_m, lon, lat."""
    cols = ["kind", "code", "name", "commune_code", "distance_m", "lon", "lat"]
    out = []
    for kind, places in (("site", sites), ("target", targets)):
        if places is None or places.empty:
            continue
        pts = places.copy()
        pts["geometry"] = [g if g.geom_type == "Point" else g.representative_point()
                           for g in pts.geometry]
        cov = coverage(pts, routes, radius_m, window) if routes is not None and len(routes) \
            else pd.DataFrame({"covered": False, "distance_m": np.inf}, index=pts.index)
        miss = pts[~cov["covered"].to_numpy()]
        out.append(pd.DataFrame({
            "kind": kind, "code": miss["code"].to_numpy(), "name": miss["name"].to_numpy(),
            "commune_code": miss["commune_code"].to_numpy(),
            "distance_m": cov.loc[miss.index, "distance_m"].to_numpy(dtype=float),
            "lon": miss.geometry.x.to_numpy(), "lat": miss.geometry.y.to_numpy()}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=cols)


# ---- emerging hotspots --------------------------------------------------------------------
def emerging_hotspots(incidents: pd.DataFrame, hotspots: gpd.GeoDataFrame, *,
                      eps_m: float = 300.0, min_samples: int = 3) -> pd.DataFrame:
    """Density clusters (DBSCAN, distances in metres) of incidents outside every declared
    hotspot: cluster, n, lon, lat (centre), radius_m, incident_ids, hamlet_codes.

    Written out (a few lines over an STRtree) rather than adding scikit-learn.
    """
    cols = ["cluster", "n", "lon", "lat", "radius_m", "incident_ids", "hamlet_codes"]
    if incidents.empty:
        return pd.DataFrame(columns=cols)
    pts = points(incidents["lon"], incidents["lat"], id=incidents["id"],
                 hamlet_code=incidents["hamlet_code"])
    if hotspots is not None and len(hotspots):
        inside = in_hotspots(pts, hotspots)["point"].unique()
        pts = pts.drop(index=inside)
    if pts.empty:
        return pd.DataFrame(columns=cols)
    m, = to_metric(pts, lon=float(pts.geometry.x.mean()))
    labels = dbscan(m.geometry.values, eps_m, min_samples)
    keep = labels >= 0
    if not keep.any():
        return pd.DataFrame(columns=cols)
    pts_c = pd.DataFrame({"cluster": labels[keep] + 1, "x": m.geometry.x.to_numpy()[keep],
                          "y": m.geometry.y.to_numpy()[keep], "id": m["id"].to_numpy()[keep],
                          "hamlet": m["hamlet_code"].to_numpy()[keep]})
    g = pts_c.groupby("cluster")
    centre = g[["x", "y"]].mean()
    pts_c = pts_c.join(centre.add_suffix("_c"), on="cluster")
    pts_c["d"] = np.hypot(pts_c["x"] - pts_c["x_c"], pts_c["y"] - pts_c["y_c"])
    lonlat = gpd.GeoSeries(gpd.points_from_xy(centre["x"], centre["y"]), crs=m.crs).to_crs(
        WGS84)
    out = pd.DataFrame({
        "cluster": centre.index, "n": g.size().to_numpy(), "lon": lonlat.x.to_numpy(),
        "lat": lonlat.y.to_numpy(), "radius_m": pts_c.groupby("cluster")["d"].max().to_numpy(),
        "incident_ids": [sorted(int(i) for i in ids) for ids in g["id"]
                         .agg(list).to_numpy()],
        "hamlet_codes": [sorted({h for h in hs if isinstance(h, str)})
                         for hs in g["hamlet"].agg(list).to_numpy()]})
    return out.sort_values(["n", "cluster"], ascending=[False, True], ignore_index=True)


def cluster_places(clusters: pd.DataFrame, sites: gpd.GeoDataFrame,
                   hamlets: gpd.GeoDataFrame, hamlet_names: dict[str, str],
                   near: str) -> list[str]:
    """Where each cluster (``lon``, ``lat``) is, in words a reader knows: *near* (a
    message with ``{site}`` and ``{hamlet}``, e.g. "gần {site}, {hamlet}") filled with the
    nearest polling site and the hamlet the centre lies in (else the nearest one), named
    by *hamlet_names* (code → name). Either part falls back to the other alone."""
    if clusters.empty:
        return []
    pts = points(clusters["lon"], clusters["lat"])
    m_pts, = to_metric(pts, lon=float(clusters["lon"].mean()))

    def nearest(layer: gpd.GeoDataFrame) -> list[int | None]:
        if layer is None or layer.empty:
            return [None] * len(pts)
        m_layer, = to_metric(layer.reset_index(drop=True), lon=float(clusters["lon"].mean()))
        # A point inside a polygon is at distance 0 from it: the hamlet it lies in.
        tree = shapely.STRtree(m_layer.geometry.values)
        return [int(i) for i in tree.nearest(m_pts.geometry.values)]

    site_at, hamlet_at = nearest(sites), nearest(hamlets)
    out = []
    for s_i, h_i in zip(site_at, hamlet_at, strict=True):
        site = str(sites.iloc[s_i]["name"]) if s_i is not None else ""
        code = hamlets.iloc[h_i]["code"] if h_i is not None else None
        hamlet = hamlet_names.get(code, str(hamlets.iloc[h_i]["name"])) \
            if h_i is not None else ""
        out.append(near.format(site=site, hamlet=hamlet) if site and hamlet
                   else near.split("{")[0] + (site or hamlet) if site or hamlet else "—")
    return out


def dbscan(geoms: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    """Cluster labels (−1 for noise) for points in a metric CRS: DBSCAN, vectorised.

    Core points (≥ *min_samples* within *eps*, itself included) linked within *eps* form
    a cluster (connected components by label propagation with pointer jumping); a
    border point joins the lowest-labelled cluster among its core neighbours.
    Clusters are numbered by their first point.
    """
    n = len(geoms)
    src, dst = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=eps)
    core = np.bincount(src, minlength=n) >= min_samples
    link = core[src] & core[dst]
    a, b = src[link], dst[link]
    lab = np.arange(n)
    while True:
        new = lab.copy()
        np.minimum.at(new, a, lab[b])
        new = new[new]
        if np.array_equal(new, lab):
            break
        lab = new
    out = np.full(n, -1)
    out[core] = lab[core]
    border = ~core[src] & core[dst]
    best = np.full(n, n)
    np.minimum.at(best, src[border], lab[dst[border]])
    has = (best < n) & ~core
    out[has] = best[has]
    roots = np.unique(out[out >= 0])  # each root is its cluster's first (lowest) point
    return np.where(out >= 0, np.searchsorted(roots, out), -1)


# ---- hexagon bins -------------------------------------------------------------------------
def hex_bins(incidents: pd.DataFrame, size_m: float = 250.0) -> gpd.GeoDataFrame:
    """Pointy-top hexagons of circumradius *size_m* (in metres) with ``n`` incidents each,
    as WGS84 polygons; empty hexagons are left out."""
    if incidents.empty:
        return gpd.GeoDataFrame({"n": []}, geometry=[], crs=WGS84)
    pts = points(incidents["lon"], incidents["lat"])
    m, = to_metric(pts, lon=float(incidents["lon"].mean()))
    x, y = m.geometry.x.to_numpy(), m.geometry.y.to_numpy()
    # Axial coordinates of each point, rounded to the nearest hexagon (cube rounding).
    q = (math.sqrt(3) / 3 * x - y / 3) / size_m
    r = (2 / 3 * y) / size_m
    cx, cz = q, r
    cy = -cx - cz
    rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
    dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
    fix_x = (dx > dy) & (dx > dz)
    fix_y = ~fix_x & (dy > dz)
    rx = np.where(fix_x, -ry - rz, rx)
    rz = np.where(~fix_x & ~fix_y, -rx - ry, rz)
    cells = pd.DataFrame({"q": rx.astype(int), "r": rz.astype(int)}).value_counts()
    polys = []
    for (qq, rr) in cells.index:
        hx = size_m * math.sqrt(3) * (qq + rr / 2)
        hy = size_m * 1.5 * rr
        polys.append(shapely.Polygon([
            (hx + size_m * math.cos(math.radians(60 * k - 30)),
             hy + size_m * math.sin(math.radians(60 * k - 30))) for k in range(6)]))
    return gpd.GeoDataFrame({"n": cells.to_numpy()}, geometry=polys, crs=m.crs).to_crs(WGS84)
