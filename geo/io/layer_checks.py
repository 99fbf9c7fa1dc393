"""A layer's rows checked against its schema (``geo.layer_schemas``): required fields,
texts (NFC, controls, lengths, codes), numbers, choices, times and geometry; and the
outcome of reading a file, :class:`LayerRead`, where every problem is kept."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.checks.outline import NEAR_KM, in_vietnam, near_vietnam
from geo.checks.text import (
    CODE_MAX,
    NAME_MAX,
    TEXT_MAX,
    clean_text,
    code_problem,
    fold,
    has_controls,
)
from geo.clock import with_local_zone
from geo.errors import Problem
from geo.layer_schemas import LayerSchema

__all__ = ["LayerRead", "check_rows", "REFS"]

# Places a row may name by name instead of code; kept as ``<ref>_ref`` for the importer.
REFS = ("commune", "hamlet")
# Longest text per field; other text fields are names (NAME_MAX).
_CODES = ("code", "commune_code", "hamlet_code", "route_code", "team_code")
_FREE_TEXT = ("reason", "source")


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


# ---- rows ----------------------------------------------------------------------------------
def check_rows(gdf: gpd.GeoDataFrame, schema: LayerSchema, result: LayerRead
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

    # A row outside every commune on purpose ("Ngoài xã" = "có"): kept as ``_outside``.
    if "outside" in gdf.columns:
        out["_outside"] = [_yes_no(v, int(r), result.errors)
                           for r, v in zip(rows, gdf["outside"].to_numpy(), strict=True)]

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


_YES = {"1", "true", "yes", "y", "x", "co", "dung", "ngoai"}
_NO = {"0", "false", "no", "n", "khong", "sai"}


def _yes_no(v: object, row: int, err: list[Problem]) -> bool:
    """A yes/no cell: có/không, yes/no, true/false, 1/0, x; empty is no."""
    if _blank(v) or v is False:
        return False
    if v is True:
        return True
    if isinstance(v, int | float) and v in (0, 1):
        return bool(v)
    key = fold(str(v))
    if key in _YES | _NO:
        return key in _YES
    err.append(Problem("outside", f"must be yes or no (có/không, 1/0), not {_shown(v)}",
                       row=row, key="import.yes_no", params={"value": _shown(v)}))
    return False


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
    # Near the outline but outside it (an official boundary a little across OSM's border,
    # or a point just offshore) is a warning: real land is never refused.
    inside = in_vietnam(where[:, 0], where[:, 1])
    near = near_vietnam(where[:, 0], where[:, 1])
    swapped = in_vietnam(where[:, 1], where[:, 0])
    for i in np.flatnonzero(check & ~inside):
        at = f"({where[i, 0]:.5g}, {where[i, 1]:.5g})"
        if near[i]:
            warn.append(Problem("geometry", f"just outside Vietnam's outline (within "
                                            f"{NEAR_KM} km of it): {at}; check the position",
                                row=int(rows[i]), severity="warning"))
            continue
        if swapped[i]:
            err.append(Problem("geometry", "lon/lat look swapped (latitude first?)",
                               row=int(rows[i])))
        else:
            err.append(Problem("geometry", f"outside Vietnam: {at}", row=int(rows[i]),
                               key="import.outside_vietnam", params={"at": at}))
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
