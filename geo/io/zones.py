"""VN-2000 projected zones: the ones the importer knows, how each is named (its EPSG code
and name, its central meridian, the provinces EPSG's registry says use it), and which of
them would put a file's stray points where they belong.

A surveyor's X/Y in one province's TM-3 zone read in another zone lands 26–52 km off
(a quarter or half a degree of meridian apart), usually still in Vietnam: the points then
miss every loaded commune. :func:`zone_hint` tries every other zone on them and says
which one puts them in a loaded commune (and which communes, which province), or at
least in Vietnam, or that none does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geo import settings
from geo.analysis.places import commune_labels
from geo.analysis.spatial import WGS84, metric_crs, middle_lon
from geo.checks.outline import in_vietnam
from geo.errors import Problem

__all__ = ["VN2000_ZONES", "Zone", "zone", "zone_params", "zone_text", "zone_hint"]

# VN-2000 projected zones: UTM 48N/49N, the 6° zones 481/482/491 and the 3° TM zones
# provinces use.
VN2000_ZONES = (3405, 3406, *range(5896, 5900), *range(9205, 9219))


@dataclass(frozen=True)
class Zone:
    epsg: int
    name: str                  # "VN-2000 / TM-3 105-30"
    meridian: str              # "105°30′"
    provinces: tuple[str, ...]  # as EPSG names them ("Hai Duong"); () for a wide zone
    bounds: tuple[float, float, float, float]  # EPSG's area of use (lon/lat)


@cache
def zone(epsg: int) -> Zone:
    """A VN-2000 zone as the EPSG registry (pyproj) describes it."""
    crs = CRS.from_epsg(epsg)
    lon0 = next((p.value for p in crs.coordinate_operation.params
                 if p.name == "Longitude of natural origin"), None)
    if lon0 is None:
        meridian = "?"
    else:
        deg, minutes = int(lon0), round((lon0 - int(lon0)) * 60)
        meridian = f"{deg}°{minutes:02d}′"
    area = crs.area_of_use
    return Zone(epsg, crs.name, meridian, _provinces(area.name if area else ""),
                tuple(area.bounds) if area else (-180.0, -90.0, 180.0, 90.0))


def _provinces(area: str) -> tuple[str, ...]:
    """"Vietnam - Bac Ninh, Ha Giang … and Vinh Long provinces." → the names; () for an
    area given by longitudes ("onshore west of 108°E")."""
    text = area.removeprefix("Vietnam - ").rstrip(".")
    if not re.search(r"\b(province|provinces|city|cities|municipality)\b", text):
        return ()
    text = re.sub(r"\b(provinces|province|cities|city|municipality)\b", "", text)
    parts = re.split(r";|,|\band\b", text)
    return tuple(p.strip() for p in parts if p.strip())


def zone_params(epsg: int, prefix: str = "") -> dict[str, str]:
    """A zone's parameters for a catalogue message: ``{prefix}epsg``, ``name``,
    ``meridian`` and ``provinces`` ("; Bac Ninh, …", or "" for a wide zone)."""
    z = zone(epsg)
    return {f"{prefix}epsg": str(epsg), f"{prefix}name": z.name,
            f"{prefix}meridian": z.meridian,
            f"{prefix}provinces": f"; {', '.join(z.provinces)}" if z.provinces else ""}


def zone_text(epsg: int) -> str:
    """A zone in English words: "EPSG:9209 (VN-2000 / TM-3 105-30, central meridian
    105°30′; Bac Ninh, Ha Giang, …)"."""
    p = zone_params(epsg)
    return f"EPSG:{epsg} ({p['name']}, central meridian {p['meridian']}{p['provinces']})"


# Points tried per zone at most: a hint needs a sample, not a province's 3,000 sites.
_SAMPLE = 500


@dataclass(frozen=True)
class _Tried:
    epsg: int
    in_communes: int
    in_own_area: int
    in_vietnam: int
    codes: tuple[str, ...]


def zone_hint(source: gpd.GeoSeries, communes: gpd.GeoDataFrame) -> Problem | None:
    """For points in a VN-2000 zone (*source*, as the file gave them) that miss every
    loaded commune or lie outside Vietnam: a problem (field ``crs``) naming the other
    zone that puts the most of them in a loaded commune (with those communes and their
    province), else in Vietnam, else saying that no zone does. None when *source* is not
    in a VN-2000 zone, or when no other zone does better than the one given."""
    given = CRS(source.crs).to_epsg() if source.crs is not None else None
    if given not in VN2000_ZONES or not len(source):
        return None
    pts = np.asarray(shapely.point_on_surface(source.values[:_SAMPLE]))
    n = len(pts)
    area = None
    if not communes.empty:
        crs = metric_crs(middle_lon(communes))
        area = shapely.union_all(communes.to_crs(crs).geometry.values)
        shapely.prepare(area)
    tolerance = settings.get("position_tolerance_m")

    def tried(epsg: int) -> _Tried:
        lonlat = gpd.GeoSeries(pts, crs=f"EPSG:{epsg}").to_crs(WGS84)
        x, y = lonlat.x.to_numpy(), lonlat.y.to_numpy()
        ok = np.isfinite(x) & np.isfinite(y)
        inside = np.zeros(n, dtype=bool)
        if area is not None and ok.any():
            metric = gpd.GeoSeries(lonlat.values[ok], crs=WGS84).to_crs(crs)
            inside[ok] = shapely.dwithin(area, metric.values, tolerance)
        b = zone(epsg).bounds
        own = ok & (x >= b[0]) & (x <= b[2]) & (y >= b[1]) & (y <= b[3])
        codes: tuple[str, ...] = ()
        if inside.any():
            held = shapely.STRtree(communes.geometry.values).query(
                lonlat.values[inside], predicate="intersects")[1]
            codes = tuple(sorted(set(communes["code"].to_numpy()[held])))
        return _Tried(epsg, int(inside.sum()), int(own.sum()),
                      int(in_vietnam(np.where(ok, x, np.nan), np.where(ok, y, np.nan)).sum()),
                      codes)

    now = tried(given)
    others = [tried(z) for z in VN2000_ZONES if z != given]
    # In the loaded communes first; among equals, a zone used where the points land.
    best = max(others, key=lambda t: (t.in_communes, t.in_own_area, t.in_vietnam))
    params = {"n": n, **zone_params(given, "given_")}
    if best.in_communes > now.in_communes:
        labels = commune_labels(communes)
        held = communes[communes["code"].isin(best.codes)]
        provinces = sorted({str(p) for p in held.get("province", []) if isinstance(p, str)})
        where = ", ".join(labels[c] for c in best.codes[:5]) + (
            " …" if len(best.codes) > 5 else "") + (
            f"; {', '.join(provinces)}" if provinces else "")
        params.update(zone_params(best.epsg), k=best.in_communes, communes=where)
        return Problem("crs", f"read as {zone_text(given)} these {n} point(s) lie in no "
                              f"loaded commune; with {zone_text(best.epsg)} "
                              f"{best.in_communes}/{n} lie in the loaded communes ({where}): "
                              f"wrong VN-2000 zone? Import again with --crs EPSG:{best.epsg}",
                       key="import.zone_communes", params=params)
    best = max(others, key=lambda t: (t.in_vietnam, t.in_own_area))
    if best.in_vietnam > now.in_vietnam:
        params.update(zone_params(best.epsg), k=best.in_vietnam)
        return Problem("crs", f"read as {zone_text(given)} these {n} point(s) lie outside "
                              f"Vietnam; with {zone_text(best.epsg)} {best.in_vietnam}/{n} "
                              "lie in Vietnam (though in no loaded commune): wrong VN-2000 "
                              f"zone? Import again with --crs EPSG:{best.epsg}",
                       key="import.zone_vietnam", params=params)
    if area is None:
        return None
    return Problem("crs", f"read as {zone_text(given)} these {n} point(s) lie in no loaded "
                          "commune, and no other VN-2000 zone puts them in one: if the "
                          "positions are right, import their commune's boundary first",
                   key="import.zone_none", params=params)
