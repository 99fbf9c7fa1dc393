"""Is every place where it really is? Positions cross-checked against the loaded
boundaries on import.

* A commune or hamlet named by name ("Xã" = "Cổ Dũng") is resolved to its code
  (accent-folded, unique among what is loaded), or by containment.
* A place with no commune or hamlet code gets the one it lies in.
* A place whose code names a loaded commune or hamlet must lie inside it (within the
  ``position_tolerance_m`` setting); otherwise the row is an error with its distance.
  Points, routes (every point along the line) and polygons (at most 5 % of the area
  outside) alike: see :func:`check_inside`.
* A file in a VN-2000 projected CRS whose points miss every loaded commune is tried
  under the other VN-2000 zones, and the message names the zone that puts them inside.
* With no communes loaded, the import says that positions could not be cross-checked.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import admin2025, settings
from geo.analysis.places import commune_labels
from geo.analysis.spatial import WGS84, middle_lon, to_metric
from geo.checks.text import fold
from geo.errors import Problem
from geo.i18n import message
from geo.io.zones import VN2000_ZONES

__all__ = ["resolve_names", "fill_by_containment", "check_inside", "guess_zone",
           "VN2000_ZONES", "representative_points", "outside_every", "OUTSIDE_SHARE",
           "nearest_communes", "distance_text"]

# Words a hamlet's name may start with; a commune's type words ("Xã", "Phường", "Đặc
# khu", "Thị trấn") are data (``data/admin-2025/unit-types.csv``).
_HAMLET_WORDS = ("thon ", "khu ", "to dan pho ", "ban ", "ap ", "lang ")


def representative_points(gdf: gpd.GeoSeries | gpd.GeoDataFrame) -> np.ndarray:
    """A point on each feature: the point itself, or a point on a polygon's surface."""
    geoms = gdf.geometry.values if hasattr(gdf, "geometry") else gdf.values
    return np.asarray(shapely.point_on_surface(geoms))


def _key(name: object) -> str:
    """A name as it is compared: accent-folded, without "Xã", "Thôn"… in front."""
    text = fold(str(name))
    bare = admin2025.bare(text)
    if bare != text:
        return bare
    for p in _HAMLET_WORDS:
        if text.startswith(p):
            return text[len(p):]
    return text


def resolve_names(gdf: gpd.GeoDataFrame, ref: str, places: gpd.GeoDataFrame,
                  problems: list[Problem]) -> None:
    """Fill ``<ref>_code`` from ``<ref>_ref`` (a code or a name) against the loaded
    *places* (communes or hamlets). A name shared by a real place and places the demo
    drew is the real one's; a name shared by several real places is settled by which of
    them holds the row's position; a hamlet's name is looked up in its commune."""
    col, given = f"{ref}_code", f"{ref}_ref"
    if given not in gdf.columns:
        return
    if col not in gdf.columns:
        gdf[col] = None
    names = places.assign(_key=[_key(n) for n in places["name"]])
    if "aliases" in places.columns:
        extra = places.loc[places["aliases"].notna()].copy()
        extra["_key"] = [_key(a) for a in extra["aliases"]]
        names = pd.concat([names, extra], ignore_index=True)
    codes = set(places["code"])
    pts = representative_points(gdf)
    known: pd.DataFrame | None = None  # the loaded communes matched to the 2025 list, once
    for i in gdf.index[gdf[col].isna() & gdf[given].notna()]:
        value = gdf.at[i, given]
        if value in codes:
            gdf.at[i, col] = value
            continue
        match = names[names["_key"] == _key(value)]
        if match.empty and ref == "commune":
            # A unit of the 2025 list, by its code or its name ("Xã Nam An Phụ"): the loaded
            # commune that is that unit, or a message naming the unit.
            if known is None:
                known = _annotated(places)
            match, units = _as_2025_unit(value, places, known)
            if match.empty and units:
                problems.append(_no_2025_commune(units, known,
                                                 int(gdf.index.get_loc(i)) + 1))
                continue
        if ref == "hamlet" and "commune_code" in gdf.columns and \
                pd.notna(gdf.at[i, "commune_code"]):
            match = match[match["commune_code"] == gdf.at[i, "commune_code"]]
        match = match.drop_duplicates("code")
        if len(match) > 1 and "demo" in match.columns and not match["demo"].all():
            match = match[~match["demo"].astype(bool)]  # a real place outranks the demo's
        if len(match) > 1:
            holds = match[shapely.covers(match.geometry.values, pts[gdf.index.get_loc(i)])]
            match = holds if len(holds) == 1 else match
        if len(match) == 1:
            gdf.at[i, col] = match["code"].iloc[0]
        elif match.empty:
            problems.append(Problem(ref, f"no loaded {ref} named {value!r}",
                                    row=int(gdf.index.get_loc(i)) + 1))
        else:
            problems.append(Problem(ref, f"{len(match)} loaded {ref}s are named {value!r} "
                                         f"({', '.join(match['code'][:5])}); give the code",
                                    row=int(gdf.index.get_loc(i)) + 1))


def _as_2025_unit(value: str, communes: gpd.GeoDataFrame, known: pd.DataFrame
                  ) -> tuple[gpd.GeoDataFrame, list[admin2025.Unit]]:
    """The loaded communes that are the 2025 unit(s) *value* names (by the list's code or
    by name), and those units. *known*: the communes matched to the list (``_annotated``)."""
    unit = admin2025.by_code(value)
    units = [unit] if unit is not None else admin2025.find(value)
    if not units:
        return communes.iloc[0:0], []
    return communes[known["unit_2025"].isin({u.code for u in units}).to_numpy()], units


def _annotated(communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """The loaded communes with the 2025 fields worked out again, so that communes loaded
    before those fields existed are matched too."""
    cols = [c for c in ("code", "name", "district", "province", "admin_set")
            if c in communes.columns]
    return admin2025.annotate_communes(pd.DataFrame(communes[cols]).reset_index(drop=True))


def _no_2025_commune(units: list[admin2025.Unit], known: pd.DataFrame, row: int) -> Problem:
    """A commune column names a 2025 unit that no loaded commune is: say which unit, and
    which loaded 2021-era commune is now part of it when the crosswalk knows one."""
    shown = units[:3]
    params = {"unit": "; ".join(u.label for u in shown) + (" …" if len(units) > 3 else ""),
              "code": ", ".join(u.code for u in shown)}
    part = known[known["part_of_2025"].isin({u.code for u in units})]
    key = "import.unit2025.none"
    if not part.empty:
        key = "import.unit2025.part"
        params["communes"] = ", ".join(_where(r) for r in part.head(3).itertuples())
        params["source"] = ", ".join(dict.fromkeys(part["source_2025"]))
    return Problem("commune", message(key, "en", **params), row=row, key=key, params=params)


def _where(r: object) -> str:
    """"An Phụ (Thị xã Kinh Môn, Hải Dương)": a commune with what the file says of it."""
    where = [str(v) for v in (getattr(r, "district", None), getattr(r, "province", None))
             if isinstance(v, str) and v.strip()]
    return f"{r.name} ({', '.join(where)})" if where else str(r.name)


def fill_by_containment(gdf: gpd.GeoDataFrame, kind: str, communes: gpd.GeoDataFrame,
                        hamlets: gpd.GeoDataFrame) -> None:
    """Give each row with no commune (or hamlet) code the one its position lies in. A
    hamlet the demo drew is not given to a row that lies in a real commune: it gets the
    real commune (and no hamlet)."""
    pts = representative_points(gdf)
    for col, places in (("hamlet_code", hamlets), ("commune_code", communes)):
        if col not in gdf.columns or places.empty:
            continue
        if col == "commune_code" and kind == "communes":
            continue
        missing = gdf[col].isna().to_numpy()
        if not missing.any():
            continue
        found = _containing(pts[missing], places)
        if col == "hamlet_code" and _has_demo(places) and not communes.empty:
            demo = set(places.loc[places["demo"].astype(bool), "code"])
            real = communes[~communes["demo"].astype(bool)] if _has_demo(communes) \
                else communes
            in_real = _containing(pts[missing], real) if not real.empty else [None] * len(found)
            found = [None if code in demo and commune is not None else code
                     for code, commune in zip(found, in_real, strict=True)]
        gdf.loc[missing, col] = found
        if col == "hamlet_code" and "commune_code" in gdf.columns:
            # A hamlet found by containment brings its commune.
            by_hamlet = dict(zip(places["code"], places["commune_code"], strict=True))
            need = gdf["commune_code"].isna() & gdf["hamlet_code"].notna()
            gdf.loc[need, "commune_code"] = gdf.loc[need, "hamlet_code"].map(by_hamlet)


def _has_demo(places: gpd.GeoDataFrame) -> bool:
    return "demo" in places.columns and bool(places["demo"].astype(bool).any())


def _containing(pts: np.ndarray, places: gpd.GeoDataFrame) -> list[str | None]:
    """The code of the place holding each point: a real place before one the demo drew,
    then the smallest code (on a shared border)."""
    out: list[str | None] = [None] * len(pts)
    if not len(pts):
        return out
    tree = shapely.STRtree(places.geometry.values)
    p_idx, g_idx = tree.query(pts, predicate="intersects")
    codes = places["code"].to_numpy()
    demo = places["demo"].to_numpy(dtype=bool) if "demo" in places.columns else \
        np.zeros(len(places), dtype=bool)
    for p, g in sorted(zip(p_idx, g_idx, strict=True),
                       key=lambda pg: (pg[0], demo[pg[1]], codes[pg[1]])):
        if out[p] is None:
            out[p] = codes[g]
    return out


# Share of a polygon's area that may lie outside its commune grown by the tolerance.
OUTSIDE_SHARE = 0.05


def check_inside(gdf: gpd.GeoDataFrame, col: str, places: gpd.GeoDataFrame,
                 problems: list[Problem], *, codes: pd.Series | None = None,
                 via: pd.Series | None = None) -> None:
    """Each row whose *col* names one of *places* lies inside it, within the
    ``position_tolerance_m`` setting; otherwise an error with how far outside it is.

    * A point lies at most the tolerance outside the place.
    * A line (a patrol route) has no point farther than the tolerance outside: its
      vertices, and points along it at most the tolerance apart (so a straight stretch
      cutting across a bend of the border counts too). The error gives the farthest one.
    * A polygon (a hamlet, a target's or hotspot's area) has at most ``OUTSIDE_SHARE``
      (5 %) of its area outside the place grown by the tolerance; the error gives the
      share, the area and how far the polygon reaches out. (A border traced from another
      source wanders tens of metres; a hamlet drawn across two communes is refused.)

    *codes* gives the place to check each row against when the file does not name it
    itself (a checkpoint lies in its route's commune), and *via* says for each row where
    that code came from ("route R1"). Rows whose code names no loaded place are left to
    the reference check (an unknown code is reported as that, not as a position)."""
    if col not in gdf.columns or places.empty:
        return
    codes = gdf[col] if codes is None else codes
    named = (codes.notna() & codes.isin(places["code"])).to_numpy()
    if not named.any():
        return
    tolerance = settings.get("position_tolerance_m")
    mine = places[places["code"].isin(set(codes[named]))].drop_duplicates("code")
    mid = middle_lon(places)  # the zone of every loaded place, not only the ones named
    mine_m, = to_metric(mine.geometry, lon=mid)
    gdf_m, = to_metric(gdf.geometry, lon=mid)
    crs = gdf_m.crs
    shapes = dict(zip(mine["code"], mine_m.values, strict=True))
    grown: dict[str, shapely.Geometry] = {}
    geoms = gdf_m.values
    what = "hamlet" if col == "hamlet_code" else "commune"
    # A commune named as everywhere: "An Phụ (Kinh Môn, Hải Dương)" where names repeat.
    names = commune_labels(places) if what == "commune" else dict(
        zip(mine["code"], mine["name"], strict=True))
    for i in np.flatnonzero(named):
        code, g = codes.iloc[i], geoms[i]
        if g is None or g.is_empty:
            continue
        place = shapes[code]
        where = f"{what} {code} ({names[code]})" + (
            f" that its {col} names" if via is None else
            f", the {what} of {via.iloc[i]} that its {col} names")
        kind = g.geom_type.removeprefix("Multi")
        if kind == "Point":
            d = float(shapely.distance(place, g))
            if d > tolerance:
                problems.append(Problem("geometry", f"lies {_distance(d)} outside {where} "
                                        f"(tolerance {tolerance:g} m)", row=int(i) + 1))
        elif kind == "LineString":
            along = shapely.points(shapely.get_coordinates(
                shapely.segmentize(g, max(tolerance, 1.0))))
            far = shapely.distance(place, along)
            k = int(np.argmax(far))
            if far[k] > tolerance:
                lon, lat = _lonlat(along[k], crs)
                problems.append(Problem(
                    "geometry", f"runs up to {_distance(float(far[k]))} outside {where}, at "
                                f"{lon:.5f}, {lat:.5f} (tolerance {tolerance:g} m)",
                    row=int(i) + 1))
        else:
            if code not in grown:
                grown[code] = shapely.buffer(place, tolerance)
            out = shapely.difference(g, grown[code]).area
            if g.area > 0 and out / g.area > OUTSIDE_SHARE:
                reach = float(shapely.distance(place, shapely.points(
                    shapely.get_coordinates(g))).max())
                problems.append(Problem(
                    "geometry", f"{out / g.area * 100:.0f} % of its area ({_area(out)}) lies "
                                f"more than {tolerance:g} m outside {where}, reaching "
                                f"{_distance(reach)} out (tolerance {tolerance:g} m; at most "
                                f"{OUTSIDE_SHARE * 100:g} % of the area may lie beyond it)",
                    row=int(i) + 1))


def guess_zone(source: gpd.GeoSeries, communes: gpd.GeoDataFrame
               ) -> tuple[int, int, int, int] | None:
    """For points given in a projected CRS that miss the loaded communes: the VN-2000
    zone under which most of them fall inside. Returns (epsg, inside as given, inside
    under that zone, points) or None when the file is fine as it is or no zone helps."""
    pts = representative_points(source)
    if not len(pts) or communes.empty:
        return None
    area = shapely.union_all(communes.geometry.values)
    given = CRS(source.crs).to_epsg()

    def inside(epsg: int | None) -> int:
        crs = source.crs if epsg is None else f"EPSG:{epsg}"
        lonlat = gpd.GeoSeries(pts, crs=crs).to_crs(WGS84)
        ok = np.isfinite(lonlat.x.to_numpy())
        return int(shapely.covers(area, lonlat.values[ok]).sum())

    now = inside(None)
    if now >= len(pts) / 2:
        return None
    best = max(((inside(z), z) for z in VN2000_ZONES if z != given), default=(0, None))
    if best[1] is None or best[0] <= now or best[0] < len(pts) / 2:
        return None
    return best[1], now, best[0], len(pts)


def outside_every(gdf: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> Sequence[int]:
    """Rows (1-based) whose position lies in no loaded commune (within the tolerance)."""
    metric, pts = to_metric(communes, gpd.GeoSeries(representative_points(gdf), crs=WGS84))
    area = shapely.union_all(metric.geometry.values)
    far = pts.distance(area).to_numpy() > settings.get("position_tolerance_m")
    return [int(i) + 1 for i in np.flatnonzero(far)]


def nearest_communes(gdf: gpd.GeoDataFrame, communes: gpd.GeoDataFrame
                     ) -> list[tuple[str, float]]:
    """For each row, the loaded commune nearest its position: ``(code, metres)``."""
    metric, pts = to_metric(communes, gpd.GeoSeries(representative_points(gdf), crs=WGS84))
    tree = shapely.STRtree(metric.geometry.values)
    (which, nearest), metres = tree.query_nearest(pts.values, return_distance=True,
                                                  all_matches=False)
    codes = communes["code"].to_numpy()
    out: list[tuple[str, float]] = [("", float("inf"))] * len(pts)
    for i, j, d in zip(which, nearest, metres, strict=True):
        out[i] = (str(codes[j]), float(d))
    return out


def distance_text(metres: float) -> str:
    """A distance as messages give it: "80 m", "1.4 km"."""
    return _distance(metres)


def _distance(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def _area(m2: float) -> str:
    return f"{m2 / 1e6:.2f} km²" if m2 >= 10_000 else f"{m2:.0f} m²"


def _lonlat(pt: shapely.Geometry, crs: object) -> tuple[float, float]:
    back = gpd.GeoSeries([pt], crs=crs).to_crs(WGS84).iloc[0]
    return back.x, back.y
