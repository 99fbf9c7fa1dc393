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
import math
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.checks.outline import in_vietnam
from geo.checks.text import (
    CODE_MAX,
    NAME_MAX,
    TEXT_MAX,
    clean_text,
    code_problem,
    fold,
    has_controls,
    nfc,
)
from geo.clock import with_local_zone
from geo.errors import Problem
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
from geo.layer_schemas import SCHEMAS, LayerSchema

__all__ = ["LayerRead", "read_layer", "REFS", "unsquash"]

log = logging.getLogger(__name__)

# Longest text per field; other text fields are names (NAME_MAX).
_CODES = ("code", "commune_code", "hamlet_code", "route_code", "team_code")
_FREE_TEXT = ("reason", "source")

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
}
_LONLAT = [("lon", "lat"), ("x", "y")]
# Places a row may name by name instead of code; kept as ``<ref>_ref`` for the importer.
REFS = ("commune", "hamlet")
VN2000_HINT = ("VN-2000: EPSG:3405 (UTM 48N), EPSG:3406 (UTM 49N), or the province's TM-3 "
               "zone, e.g. EPSG:9209 (105°30′, Hải Dương) or EPSG:9210 (105°45′)")


@dataclass
class LayerRead:
    """The outcome of reading one file: rows in EPSG:4326, and what was wrong."""

    kind: str
    frame: gpd.GeoDataFrame | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    source_format: str = "plain"
    source_crs: str | None = None
    # Geometry as the file gave it, when its CRS is projected: an importer tries other
    # VN-2000 zones on it when the points miss every loaded commune.
    source_geometry: gpd.GeoSeries | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.frame is not None


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
        result.frame = _check_rows(gdf, SCHEMAS[kind], result)
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
                for f in ("name", "district", "province"):
                    if f in out.columns:
                        out[f] = out[f].map(unsquash)
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


def unsquash(name: object) -> object:
    """GADM writes names without spaces: "AnPhụ" → "An Phụ", "Phường1" → "Phường 1" (a
    space before a capital that follows a small letter, and between a letter and a
    digit). Other values pass as they are."""
    if not isinstance(name, str) or not name:
        return name
    out = []
    for prev, ch in zip(" " + name[:-1], name, strict=True):
        if (prev.islower() and ch.isupper()) or (prev.isalpha() and ch.isdigit()):
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


# ---- rows ----------------------------------------------------------------------------------
def _check_rows(gdf: gpd.GeoDataFrame, schema: LayerSchema, result: LayerRead
                ) -> gpd.GeoDataFrame:
    err = result.errors
    # Shapefiles cut field names to 10 characters: commune_code arrives as commune_co.
    cut = {f[:10]: f for f in schema.fields if len(f) > 10 and f not in gdf.columns}
    gdf = gdf.rename(columns={c: cut[c] for c in gdf.columns if c in cut})
    missing = [f for f in schema.required if f not in gdf.columns]
    if missing:
        err.append(Problem(", ".join(missing), "required field missing from the file "
                           f"(has: {', '.join(map(str, gdf.columns.drop('geometry')))})"))
        return gdf
    out = gpd.GeoDataFrame(
        {f: gdf[f] if f in gdf.columns else None for f in schema.fields},
        geometry=gdf.geometry.values, crs=4326).reset_index(drop=True)
    rows = np.arange(1, len(out) + 1)

    for f in schema.fields:
        if f in schema.ints or f in schema.floats:
            continue
        out[f] = _clean_texts(f, out[f], rows, result, multiline=f in _FREE_TEXT,
                              max_len=CODE_MAX if f in _CODES else
                              TEXT_MAX if f in _FREE_TEXT else NAME_MAX)
    for f in schema.required:
        for r in rows[out[f].isna().to_numpy()]:
            err.append(Problem(f, "required value is empty", row=int(r)))
    # A commune or hamlet named by name ("Xã" = "Cổ Dũng"): resolved on import.
    for ref in REFS:
        if ref in gdf.columns and f"{ref}_code" in schema.fields:
            out[f"{ref}_ref"] = _clean_texts(ref, pd.Series(gdf[ref].to_numpy()), rows, result,
                                             multiline=False, max_len=NAME_MAX)

    for f in (*schema.ints, *schema.floats):
        whole = f in schema.ints
        vals = []
        for r, v in zip(rows, out[f], strict=True):
            if _blank(v):
                vals.append(None)
                continue
            try:
                fv = float(str(v).strip().replace(",", "."))
                if not math.isfinite(fv) or (whole and fv != int(fv)):
                    raise ValueError
            except (TypeError, ValueError):
                what = "a whole number" if whole else "a number"
                err.append(Problem(f, f"must be {what}, not {_shown(v)}", row=int(r)))
                vals.append(None)
                continue
            low = schema.minimums.get(f)
            if low is not None and (fv < low[0] or (fv == low[0] and not low[1])):
                sign = "≥" if low[1] else ">"
                err.append(Problem(f, f"must be {sign} {low[0]:g}, not {fv:g}", row=int(r)))
            vals.append(int(fv) if whole else fv)
        out[f] = pd.array(vals, dtype="Int64" if whole else "Float64")
    for f in schema.times:
        out[f] = [_layer_time(f, v, int(r), err) for r, v in zip(rows, out[f], strict=True)]
    if schema.period:
        a, b = schema.period
        for r, start, end in zip(rows, out[a], out[b], strict=True):
            if start and end and pd.Timestamp(end) <= pd.Timestamp(start):
                err.append(Problem(b, f"{end} is not after {a} {start}", row=int(r)))
    for f, allowed in schema.choices.items():
        for r, v in zip(rows, out[f], strict=True):
            if v is not None and not pd.isna(v) and v not in allowed:
                err.append(Problem(f, f"{v!r} is not one of {', '.join(map(str, allowed))}",
                                   row=int(r)))

    # Codes unique.
    dup = out["code"].duplicated(keep=False) & out["code"].notna()
    for r, code in zip(rows[dup.to_numpy()], out.loc[dup, "code"], strict=True):
        err.append(Problem("code", f"duplicate code {code!r}", row=int(r)))

    _check_geometry(out, schema, rows, result)
    return out


def _clean_texts(f: str, col: pd.Series, rows: np.ndarray, result: LayerRead, *,
                 multiline: bool, max_len: int) -> list[str | None]:
    """A text column cleaned as every stored text is (``clean_text``): too long is an
    error per row; removed control or bidi characters one warning for the column."""
    out: list[str | None] = []
    stripped: list[int] = []
    for r, v in zip(rows, col, strict=True):
        if _blank(v):
            out.append(None)
            continue
        text = v.isoformat() if hasattr(v, "isoformat") else str(v)
        if has_controls(text):
            stripped.append(int(r))
        try:
            clean = clean_text(text, max_len=max_len, multiline=multiline) or None
        except ValueError as e:
            result.errors.append(Problem(f, str(e), row=int(r)))
            clean = None
        why = code_problem(clean) if clean and f in _CODES else None
        if why:
            result.errors.append(Problem(f, f"{why}: {_shown(clean)}", row=int(r)))
        out.append(clean)
    if stripped:
        shown = ", ".join(map(str, stripped[:10])) + (" …" if len(stripped) > 10 else "")
        result.warnings.append(Problem(f, f"control or bidi characters removed (rows {shown})",
                                       severity="warning"))
    return out


def _shown(v: object) -> str:
    """A bad value quoted for a message, cut short."""
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "…"


def _layer_time(f: str, v: object, row: int, err: list[Problem]) -> str | None:
    """A layer time as ISO 8601 with its offset; a time without one is Vietnam time."""
    if v is None:
        return None
    try:
        ts = pd.Timestamp(str(v).strip())
        if pd.isna(ts):
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        err.append(Problem(f, f"not a date and time: {_shown(v)} (use ISO 8601, e.g. "
                              "2021-05-23T07:00 or 2021-05-23T07:00+07:00)", row=row))
        return None
    ts = with_local_zone(ts)
    if not 1990 <= ts.year <= 2100:
        err.append(Problem(f, f"year {ts.year} is out of range", row=row))
        return None
    return ts.isoformat()


def _blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _check_geometry(out: gpd.GeoDataFrame, schema: LayerSchema, rows: np.ndarray,
                    result: LayerRead) -> None:
    err, warn = result.errors, result.warnings
    geoms = out.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for r in rows[missing]:
        err.append(Problem("geometry", "missing or empty geometry", row=int(r)))
    types = np.array([g.geom_type if g is not None else "" for g in geoms], dtype=object)
    wrong = ~missing & ~np.isin(types, schema.geom_types)
    for r, t in zip(rows[wrong], types[wrong], strict=True):
        err.append(Problem("geometry", f"{t} where {schema.kind} need "
                                       f"{' or '.join(schema.geom_types)}", row=int(r)))
    present = ~missing
    coords_ok = np.ones(len(out), dtype=bool)
    for i in np.flatnonzero(present):
        c = shapely.get_coordinates(geoms[i])
        if not np.isfinite(c).all():
            err.append(Problem("geometry", "coordinates contain NaN or infinity",
                               row=int(rows[i])))
            coords_ok[i] = False
    check = present & coords_ok
    # Each feature by a point on it, against Vietnam's outline (data/vietnam.geojson).
    where = np.full((len(out), 2), np.nan)
    if check.any():
        where[check] = shapely.get_coordinates(shapely.point_on_surface(geoms[check]))
    inside = in_vietnam(where[:, 0], where[:, 1])
    swapped = in_vietnam(where[:, 1], where[:, 0])
    for i in np.flatnonzero(check & ~inside):
        if swapped[i]:
            why = "lon/lat look swapped (latitude first?)"
        else:
            why = f"outside Vietnam: ({where[i, 0]:.5g}, {where[i, 1]:.5g})"
        err.append(Problem("geometry", why, row=int(rows[i])))
    polys = check & np.isin(types, ("Polygon", "MultiPolygon"))
    invalid = polys & ~shapely.is_valid(geoms)
    if invalid.any():
        for i in np.flatnonzero(invalid):
            reason = shapely.is_valid_reason(geoms[i])
            fixed = shapely.make_valid(geoms[i])
            fixed = _polygonal(fixed)
            if fixed is None or fixed.is_empty:
                err.append(Problem("geometry", f"invalid polygon that cannot be repaired: "
                                               f"{reason}", row=int(rows[i])))
                continue
            out.loc[i, "geometry"] = fixed
            warn.append(Problem("geometry", f"invalid polygon repaired ({reason})",
                                row=int(rows[i]), severity="warning"))


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygon parts of a make_valid result (it may add stray lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None
