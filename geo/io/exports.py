"""Exports of a filtered set of incidents and their events: GeoJSON, GeoPackage, CSV, Parquet.

Parquet comes straight from DuckDB (``Store.write_parquet``; times naive UTC, as
stored). CSV is written here with a UTF-8 BOM (Excel on Windows reads Vietnamese
right), times in Vietnam time with their offset and a ``_utc`` column beside each, and
every cell through ``geo.checks.inert.csv_cell``, so no text opens as a spreadsheet
formula. GeoJSON and GeoPackage
carry points: an incident at its position, an event at the position in its ``after``
snapshot (none for a unit that never reported one).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.analysis.spatial import WGS84
from geo.audit import AuditFilter, audit_events
from geo.checks.inert import csv_cell
from geo.clock import series_local, series_utc
from geo.store import Filters, Store

__all__ = ["FORMATS", "export", "export_zip", "incidents_gdf", "events_gdf", "write_csv",
           "csv_bytes", "audit_csv"]

FORMATS = ("geojson", "gpkg", "csv", "parquet")


def incidents_gdf(incidents: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(incidents.reset_index(drop=True),
                            geometry=shapely.points(incidents["lon"], incidents["lat"]),
                            crs=WGS84)


def events_gdf(events: pd.DataFrame) -> gpd.GeoDataFrame:
    geoms = []
    for after in events["after"]:
        row = json.loads(after) if isinstance(after, str) else {}
        lon, lat = row.get("lon"), row.get("lat")
        geoms.append(shapely.Point(lon, lat) if lon is not None and lat is not None else None)
    return gpd.GeoDataFrame(events.reset_index(drop=True), geometry=geoms, crs=WGS84)


def export(store: Store, out_dir: str | os.PathLike[str], formats: Sequence[str] = FORMATS,
           filters: Filters | None = None) -> list[Path]:
    """Write the filtered incidents and their events in each of *formats*; return the files.

    GeoJSON gives ``incidents.geojson`` and ``events.geojson``; GeoPackage one
    ``review.gpkg`` with the layers ``incidents`` and ``events``.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown export format {bad[0]!r}: use {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = store.write_parquet(out, filters) if "parquet" in formats else []
    if "csv" in formats:
        for name, frame in (("incidents", store.incidents(filters).sort_values("id")),
                            ("events", store.filtered_events(filters))):
            path = out / f"{name}.csv"
            write_csv(frame, path)
            written.append(path)
    if "geojson" in formats or "gpkg" in formats:
        inc = incidents_gdf(store.incidents(filters).sort_values("id"))
        ev = events_gdf(store.filtered_events(filters))
        if "geojson" in formats:
            for name, gdf in (("incidents", inc), ("events", ev)):
                path = out / f"{name}.geojson"
                path.unlink(missing_ok=True)
                gdf.to_file(path, driver="GeoJSON")
                written.append(path)
        if "gpkg" in formats:
            path = out / "review.gpkg"
            path.unlink(missing_ok=True)
            inc.to_file(path, layer="incidents", driver="GPKG")
            ev.to_file(path, layer="events", driver="GPKG")
            written.append(path)
    return written


def _guarded(frame: pd.DataFrame) -> pd.DataFrame:
    safe = _local_times(frame)
    for col in safe.columns:
        # Text columns are ``object`` or, since pandas 3, ``str``: guard both.
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].astype(object).map(csv_cell)
    return safe


def _local_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Each time column (stored naive UTC) as Vietnam time with its offset
    ("2021-05-23T07:00:00+07:00"), and beside it ``<column>_utc`` ("2021-05-23T00:00:00Z"):
    a spreadsheet shows the time people lived, and the UTC column sorts and joins."""
    out = frame.copy()
    for col in [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]:
        utc = series_utc(frame[col])
        local = series_local(utc)
        out[col] = [t.isoformat(timespec="seconds") if pd.notna(t) else None for t in local]
        out.insert(out.columns.get_loc(col) + 1, f"{col}_utc",
                   [t.strftime("%Y-%m-%dT%H:%M:%SZ") if pd.notna(t) else None for t in utc])
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """*frame* as CSV with a BOM (Excel on Windows reads Vietnamese right), times in
    Vietnam time with UTC beside them, text cells guarded against formulas."""
    _guarded(frame).to_csv(path, index=False, encoding="utf-8-sig")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """:func:`write_csv` for a download button."""
    return _guarded(frame).to_csv(index=False).encode("utf-8-sig")


def audit_csv(store: Store, flt: AuditFilter) -> bytes:
    """The audit events *flt* matches (:func:`geo.audit.audit_events`) as a CSV download
    (every text cell guarded for spreadsheets)."""
    return csv_bytes(audit_events(store, flt))


def export_zip(store: Store, fmt: str, filters: Filters | None = None) -> bytes:
    """One format's files in a zip, for a download button."""
    with tempfile.TemporaryDirectory(prefix="antt-export-") as tmp:
        files = export(store, tmp, [fmt], filters)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, f.name)
    return buf.getvalue()
