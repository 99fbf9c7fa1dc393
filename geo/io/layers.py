"""Reading + validating the files a district actually has.

``read_layer(path, kind)`` reads GeoJSON, GeoPackage, zipped Shapefile, CSV or
XLSX; takes the CRS the file declares (or the one the user gives); turns
VN-2000 into EPSG:4326; recognises GADM, HDX COD-AB and OpenStreetMap boundary
files; and checks every row. It never raises on a bad file: every problem
(row, field, reason) comes back in ``LayerRead.errors`` and a caller that finds
any writes nothing. Warnings (repaired polygons, guessed encodings) don't block.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo import admin2025
from geo.checks.outline import in_vietnam
from geo.checks.text import (
    fold,
    nfc,
)
from geo.errors import Problem
from geo.io.layer_checks import REFS, LayerRead, check_rows
from geo.io.limits import (
    Limits,
    TooBig,
    check_count,
    check_file,
    check_vertex_counts,
    check_vertices,
    check_zip,
    geojson_vertices,
    unzip,
)
from geo.layer_schemas import SCHEMAS

__all__ = ["LayerRead", "read_layer", "REFS", "unsquash"]

log = logging.getLogger(__name__)


# Boundary files as published: which fields mean code / name / district / province, the
# commune's type and another spelling kept for search. Three-level sets (province /
# district / commune, before July 2025) first, then the two-level sets of 2025.
_BOUNDARY_FORMATS = {
    "gadm": {"code": "GID_3", "name": "NAME_3", "district": "NAME_2", "province": "NAME_1",
             "type": "TYPE_3", "aliases": "VARNAME_3"},
    "hdx": {"code": "ADM3_PCODE", "name": "ADM3_VI", "district": "ADM2_VI",
            "province": "ADM1_VI", "aliases": "ADM3_EN"},
    "gadm-2-level": {"code": "GID_2", "name": "NAME_2", "province": "NAME_1",
                     "type": "TYPE_2", "aliases": "VARNAME_2"},
    "hdx-2-level": {"code": "ADM2_PCODE", "name": "ADM2_VI", "province": "ADM1_VI",
                    "aliases": "ADM2_EN"},
}
# Column headers as people write them, matched accent- and case-insensitively
# (``fold``): Vietnamese and English.
_HEADERS = {
    "lon": ("lon", "long", "lng", "longitude", "kinh do", "kinh_do", "kinhdo"),
    "lat": ("lat", "latitude", "vi do", "vi_do", "vido"),
    "x": ("x", "toa do x", "x (m)"),
    "y": ("y", "toa do y", "y (m)"),
    "code": ("code", "ma", "ma diem", "ma_diem", "ma so", "id"),
    "name": ("name", "ten", "ten diem", "ten_diem"),
    "hamlet_code": ("hamlet_code", "ma thon"),
    "hamlet": ("hamlet", "thon", "ten thon", "thon/to dan pho"),
    "commune_code": ("commune_code", "ma xa"),
    "commune": ("commune", "xa", "ten xa", "xa/phuong"),
    "voters": ("voters", "so cu tri", "so_cu_tri"),
    "outside": ("outside", "ngoai xa", "ngoai dia ban"),
}
_LONLAT = [("lon", "lat"), ("x", "y")]
VN2000_HINT = ("VN-2000: EPSG:3405 (UTM 48N), EPSG:3406 (UTM 49N), or the province's TM-3 "
               "zone, e.g. EPSG:9209 (105°30′, Hải Dương) or EPSG:9210 (105°45′)")


class _Refuse(Exception):
    """A whole-file problem: stop reading and report it."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def read_layer(path: str | Path, kind: str, *, crs: str | None = None,
               encoding: str | None = None,
               progress: Callable[[str], None] | None = None) -> LayerRead:
    """Read and validate a layer file. Never raises for bad content."""
    say = progress or (lambda _msg: None)
    if kind not in SCHEMAS:
        return LayerRead(kind, None, [Problem("kind", f"unknown layer kind {kind!r}; one of "
                                              f"{', '.join(SCHEMAS)}")])
    result = LayerRead(kind, None)
    limits = Limits.current()
    try:
        user_crs = _parse_crs(crs) if crs else None
        say(f"reading {Path(path).name}")
        gdf = _read_any(Path(path), user_crs, encoding, result, limits)
        say(f"read {len(gdf)} rows; checking")
        gdf = _recognise_boundaries(gdf, kind, result)
        # Before any row is checked: a feature too large to check (or to draw) stops here.
        # (After the boundaries are recognised: an OSM file's province outline, which is
        # not imported, may be as large as it likes.) Rows as the file numbers them.
        check_vertices(gdf.geometry.values, np.asarray(gdf.index) + 1, limits)
        gdf = _to_wgs84(gdf, user_crs, result)
        result.frame = check_rows(gdf, SCHEMAS[kind], result)
    except _Refuse as r:
        result.errors.append(r.problem)
    except TooBig as t:
        result.errors.extend(t.problems)
    except Exception as e:  # a reader library choking on a malformed file
        log.debug("unreadable layer %s", path, exc_info=True)
        result.errors.append(Problem("file", f"cannot read the file: {_short(e)}"))
    if result.errors:
        result.frame = None
    return result


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:300]


def _parse_crs(text: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise _Refuse(Problem("crs", f"unknown CRS {text!r}; give it as EPSG:N "
                                     f"({VN2000_HINT})")) from None


# ---- readers -----------------------------------------------------------------------------
def _read_any(path: Path, user_crs: CRS | None, encoding: str | None,
              result: LayerRead, limits: Limits) -> gpd.GeoDataFrame:
    if not path.exists():
        raise _Refuse(Problem("file", f"no such file: {path}"))
    if path.stat().st_size == 0:
        raise _Refuse(Problem("file", "the file is empty"))
    check_file(path, limits)
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".zip" else \
        path.suffix.lower()
    if suffix in (".csv", ".txt"):
        df = _read_csv(path, encoding, result)
        check_count(path, len(df), limits)
        return _read_table(df, user_crs, result)
    if suffix in (".xlsx", ".xlsm"):
        df = pd.read_excel(path, dtype=object)
        check_count(path, len(df), limits)
        return _read_table(df, user_crs, result)
    if suffix.endswith(".zip"):
        gdf = _read_zip(path, limits)
    elif suffix in (".geojson", ".json"):
        gdf = _read_geojson(path, limits)
    elif suffix in (".gpkg", ".shp"):
        check_count(path, _header_count(path), limits)
        gdf = gpd.read_file(path, engine="pyogrio", datetime_as_string=True)
    else:
        raise _Refuse(Problem("file", f"unsupported file type {suffix or '(none)'}: use "
                                      ".geojson, .gpkg, .zip (shapefile), .csv or .xlsx"))
    if len(gdf) == 0:
        raise _Refuse(Problem("file", "the file has no features"))
    check_count(path, len(gdf), limits)  # a header that did not say
    return _canonical_headers(gdf, result)


def _header_count(source: str | Path) -> int:
    """The features a Shapefile or GeoPackage says it holds (its header: nothing else is
    read), or 0 when it does not say."""
    try:
        return max(int(pyogrio.read_info(source)["features"]), 0)
    except Exception:  # unreadable here: reading it will say why
        log.debug("no feature count for %s", source, exc_info=True)
        return 0


def _read_zip(path: Path, limits: Limits) -> gpd.GeoDataFrame:
    """A zipped Shapefile, unpacked to a temporary folder: its directory's sizes are
    checked before anything is unpacked, its header's feature count before it is read,
    and the bytes unpacked are counted (``geo.io.limits.unzip``)."""
    with zipfile.ZipFile(path) as z:
        check_zip(path, z, limits)
        names = [i.filename for i in z.infolist() if not i.is_dir()]
        shps = [n for n in names if n.lower().endswith(".shp")]
        if not shps:
            raise _Refuse(Problem("file", "the zip holds no .shp file"))
        check_count(path, _header_count(f"zip://{path}!{shps[0]}"), limits)
        # The layer's own files (same name, any extension): nothing else is unpacked.
        stem = shps[0][:-4].lower()
        mine = [n for n in names if n.lower().rsplit(".", 1)[0] == stem]
        with tempfile.TemporaryDirectory(prefix="antt-import-") as tmp:
            files = unzip(path, z, mine, Path(tmp), limits)
            shp = next(f for f in files if f.suffix.lower() == ".shp")
            return gpd.read_file(shp, engine="pyogrio")


def _read_geojson(path: Path, limits: Limits) -> gpd.GeoDataFrame:
    """GeoJSON with a check that it is JSON and a FeatureCollection first: GDAL's
    messages for broken files are cryptic."""
    raw = path.read_bytes()
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _Refuse(Problem("file", "GeoJSON must be UTF-8")) from None
    except json.JSONDecodeError as e:
        raise _Refuse(Problem("file", f"not valid JSON (line {e.lineno}, column {e.colno}): "
                                      f"{e.msg}")) from None
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise _Refuse(Problem("file", "not a GeoJSON FeatureCollection"))
    features = doc.get("features", [doc] if doc.get("type") == "Feature" else [])
    if not isinstance(features, list) or not features:
        raise _Refuse(Problem("file", "the GeoJSON has no features"))
    check_count(path, len(features), limits)
    # Vertices counted in the parsed JSON, before GDAL parses it all again (half the time
    # of a refusal). An OpenStreetMap boundary of another level than a commune's (a
    # province's outline) is dropped after reading, whatever its size: not counted here.
    props = [f.get("properties") if isinstance(f, dict) else None for f in features]
    other_level = np.array([isinstance(p, dict) and str(p.get("admin_level", 8)) != "8"
                            for p in props], dtype=bool)
    check_vertex_counts(np.where(other_level, 0, geojson_vertices(features)),
                        np.arange(1, len(features) + 1), limits)
    return gpd.read_file(io.BytesIO(raw), engine="pyogrio", datetime_as_string=True)


def _read_csv(path: Path, encoding: str | None, result: LayerRead) -> pd.DataFrame:
    raw = path.read_bytes()
    if encoding:
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError) as e:
            raise _Refuse(Problem("file", f"cannot decode as {encoding}: {_short(e)}")) from None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Vietnamese offices often save CSV from Excel as Windows-1258; a Latin-1 file
            # of Western letters decodes the same way.
            text = raw.decode("cp1258", errors="replace")
            result.warnings.append(Problem(
                "file", "not UTF-8: read as Windows-1258 (Vietnamese Windows). If names look "
                        "wrong, save the file as UTF-8 or give --encoding"))
    try:
        return pd.read_csv(io.StringIO(nfc(text)), dtype=str, keep_default_na=False,
                           sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv_error()) as e:
        raise _Refuse(Problem("file", f"not a readable CSV: {_short(e)}")) from None


def csv_error() -> type[Exception]:
    import csv
    return csv.Error


def _read_table(df: pd.DataFrame, user_crs: CRS | None, result: LayerRead) -> gpd.GeoDataFrame:
    """A table with lon/lat (or VN-2000 X/Y) columns → points."""
    if df.empty:
        raise _Refuse(Problem("file", "the table has no rows"))
    df = _canonical_headers(df.rename(columns={c: nfc(str(c)).strip() for c in df.columns}),
                            result)
    lower = {c.lower(): c for c in df.columns}
    for xname, yname in _LONLAT:
        if xname in lower and yname in lower:
            xs = pd.to_numeric(df[lower[xname]].astype(str).str.replace(",", ".").str.strip(),
                               errors="coerce")
            ys = pd.to_numeric(df[lower[yname]].astype(str).str.replace(",", ".").str.strip(),
                               errors="coerce")
            bad = ~(np.isfinite(xs) & np.isfinite(ys))  # NaN, inf, or not a number
            for i in np.flatnonzero(bad.to_numpy()):
                result.errors.append(Problem(xname, "coordinates missing, infinite or not "
                                             "numbers: "
                                             f"{df.iloc[i][lower[xname]]!r}, "
                                             f"{df.iloc[i][lower[yname]]!r}", row=int(i) + 1))
            geom = gpd.points_from_xy(xs.where(~bad, 106.0), ys.where(~bad, 16.0))
            if bad.any():
                raise _Refuse(result.errors.pop())  # every bad row is already listed
            rest = df.drop(columns=[lower[xname], lower[yname]])
            if xname == "x" and user_crs is None and (xs.abs() > 180).any():
                pass  # metres; _to_wgs84 will ask for the CRS
            return gpd.GeoDataFrame(rest, geometry=geom, crs=None)
    raise _Refuse(Problem("file", "no coordinate columns: expected lon/lat (Kinh độ/Vĩ độ, "
                                  "longitude/latitude) in degrees, or X/Y in VN-2000 metres"))


def _canonical_headers(df: pd.DataFrame, result: LayerRead) -> pd.DataFrame:
    """Rename headers people write ("Kinh độ", "Mã điểm", "Số cử tri", "LAT") to the
    schema's names, unless the file already has that name."""
    by_fold = {alias: canon for canon, aliases in _HEADERS.items() for alias in aliases}
    taken = {str(c) for c in df.columns}
    renames = {}
    for c in df.columns:
        canon = by_fold.get(fold(str(c))) or by_fold.get(fold(str(c)).replace("_", " "))
        if canon and canon != c and canon not in taken and canon not in renames.values():
            renames[c] = canon
    if renames:
        shown = ", ".join(f"{a!r} → {b}" for a, b in renames.items() if fold(str(a)) != b)
        if shown:
            result.warnings.append(Problem("file", f"columns read as: {shown}",
                                           severity="warning"))
    return df.rename(columns=renames)


# ---- boundaries and CRS --------------------------------------------------------------------
def _recognise_boundaries(gdf: gpd.GeoDataFrame, kind: str, result: LayerRead
                          ) -> gpd.GeoDataFrame:
    if kind not in ("communes", "hamlets"):
        return gdf
    cols = set(gdf.columns)
    for fmt, mapping in _BOUNDARY_FORMATS.items():
        if {mapping["code"], mapping["name"]} <= cols:
            result.source_format = fmt
            ours = set(mapping.values())
            out = gdf.drop(columns=[k for k in mapping if k in cols and k not in ours])
            out = out.rename(columns={v: k for k, v in mapping.items() if v in cols})
            out = out.loc[:, ~out.columns.duplicated()]
            if fmt.startswith("gadm"):
                _spell_gadm(out)
            if fmt.endswith("2-level") and "admin_set" not in out.columns:
                out["admin_set"] = "2025 (tỉnh / xã)"
            return out
    if "admin_level" in cols:
        result.source_format = "osm"
        level = pd.to_numeric(gdf["admin_level"], errors="coerce")
        out = gdf[level == 8].copy()
        if out.empty:
            raise _Refuse(Problem("admin_level", "an OpenStreetMap boundary file with no "
                                                 "admin_level=8 (commune) features"))
        if "code" not in out.columns:
            ref = next((c for c in ("ref", "ref:vn", "osm_id", "@id", "id") if c in cols), None)
            if ref is None:
                raise _Refuse(Problem("code", "OSM boundaries need a ref or osm_id field"))
            out["code"] = out[ref].astype(str)
        return out
    return gdf


def _spell_gadm(out: gpd.GeoDataFrame) -> None:
    """GADM's squashed names and types as people write them: names checked against the
    2025 list's spelling, types against ``data/admin-2025/unit-types.csv``."""
    spelt = {"name": admin2025.spelling, "district": None,
             "province": lambda t: admin2025.spelling(t, "province")}
    for f, lookup in spelt.items():
        if f in out.columns:
            out[f] = out[f].map(lambda v, lookup=lookup: unsquash(v, spelt=lookup))
    if "type" in out.columns:
        out["type"] = out["type"].map(admin2025.type_spelling)


def unsquash(name: object, *, spelt: Callable[[str], str | None] | None = None) -> object:
    """GADM writes names without spaces: "AnPhụ" → "An Phụ", "Phường1" → "Phường 1",
    "KrôngANa" → "Krông A Na": a space before a capital that follows a small letter, before
    a capital that follows a capital and comes before a small letter, and between a
    letter and a digit. *spelt*, when given, looks a name without spaces up in a
    reference list (``geo.admin2025.spelling``) and its spelling wins where it knows the
    name ("KrôngANa" → "Krông Ana", as the 2025 list writes that commune). Other values,
    and names that already have spaces, pass as they are."""
    if not isinstance(name, str) or not name:
        return name
    if spelt is not None and not any(c.isspace() for c in name.strip()):
        known = spelt(name)
        if known:
            return known
    out = []
    for i, ch in enumerate(name):
        prev = name[i - 1] if i else " "
        after = name[i + 1] if i + 1 < len(name) else " "
        if (prev.islower() and ch.isupper()) or (prev.isalpha() and ch.isdigit()) or (
                prev.isupper() and ch.isupper() and after.islower()):
            out.append(" ")
        out.append(ch)
    return "".join(out)


def _looks_metric(gdf: gpd.GeoDataFrame) -> bool:
    b = gdf.geometry.bounds.to_numpy()
    b = b[np.isfinite(b).all(axis=1)]
    return bool((np.abs(b) > 180).any())


def _to_wgs84(gdf: gpd.GeoDataFrame, user_crs: CRS | None, result: LayerRead
              ) -> gpd.GeoDataFrame:
    declared = gdf.crs
    if user_crs is not None:
        if declared is not None and CRS(declared) != user_crs:
            result.warnings.append(Problem("crs", f"the file declares {CRS(declared).to_string()}"
                                                  f"; using {user_crs.to_string()} as asked"))
        gdf = gdf.set_crs(user_crs, allow_override=True)
    elif declared is None:
        if _looks_metric(gdf):
            raise _Refuse(Problem("crs", "coordinates are in metres but the file declares no "
                                         f"CRS; give one with --crs ({VN2000_HINT})"))
        gdf = gdf.set_crs(4326)
    crs = CRS(gdf.crs)
    result.source_crs = crs.to_string()
    if crs.is_projected:
        gdf = _surveyor_order(gdf, result)
        result.source_geometry = gdf.geometry.copy()
    if crs.is_geographic and _looks_metric(gdf):
        raise _Refuse(Problem("crs", f"the file says {crs.to_string()} (degrees) but holds "
                                     f"metres: a VN-2000 projected CRS? ({VN2000_HINT})"))
    if crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return gdf


def _surveyor_order(gdf: gpd.GeoDataFrame, result: LayerRead) -> gpd.GeoDataFrame:
    """Vietnamese survey tables write X for the northing and Y for the easting. When the
    points land in Vietnam only with the two swapped, swap them, and say so."""
    pts = gdf.geometry.values
    if not (shapely.get_type_id(pts) == 0).all():
        return gdf
    xy = shapely.get_coordinates(pts)
    as_is = _share_in_vietnam(xy, gdf.crs)
    swapped = _share_in_vietnam(xy[:, ::-1], gdf.crs)
    if swapped >= 0.5 and swapped > as_is:
        result.warnings.append(Problem(
            "x", f"X/Y in surveyor order (X = northing, Y = easting): swapped, so "
                 f"{swapped:.0%} of the points lie in Vietnam ({as_is:.0%} as written)",
            severity="warning"))
        return gdf.set_geometry(shapely.points(xy[:, ::-1]), crs=gdf.crs)
    return gdf


def _share_in_vietnam(xy: np.ndarray, crs: object) -> float:
    lonlat = gpd.GeoSeries(shapely.points(xy), crs=crs).to_crs(4326)
    ok = np.isfinite(lonlat.x.to_numpy()) & np.isfinite(lonlat.y.to_numpy())
    inside = in_vietnam(np.where(ok, lonlat.x, np.nan), np.where(ok, lonlat.y, np.nan))
    return float(np.mean(inside)) if len(xy) else 0.0
