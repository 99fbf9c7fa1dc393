"""Exports of a filtered set of incidents and their events: GeoJSON, GeoPackage, CSV, Parquet.

Parquet comes straight from DuckDB (``Store.write_parquet``; times naive UTC, as
stored, codes as codes: for machines). CSV is for people (``geo.io.people_csv``): headers
and values in words, names for codes, Vietnam date-times Excel reads as dates, a UTF-8
BOM, every cell through ``geo.checks.inert.csv_cell`` so no text opens as a spreadsheet
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

from geo import calendar
from geo.analysis.spatial import WGS84
from geo.audit import AuditFilter, audit_events
from geo.complaints import export_frame
from geo.event_text import Names, names_of
from geo.io.people_csv import people_csv
from geo.store import Filters, Store
from geo.upward import register_frame

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
           filters: Filters | None = None, lang: str = "vi") -> list[Path]:
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
        names = names_of(store)
        for name, frame in (("incidents", store.incidents(filters).sort_values("id")),
                            ("events", store.filtered_events(filters))):
            path = out / f"{name}.csv"
            write_csv(frame, path, names, lang)
            written.append(path)
        path = out / "calendar.csv"  # the election calendar of the filters' communes
        write_csv(calendar.export_frame(calendar.entries(
            store, (filters or Filters()).commune_codes)), path, names, lang)
        written.append(path)
        path = out / "complaints.csv"  # the register (khiếu nại, tố cáo) with deadlines
        write_csv(export_frame(store, (filters or Filters()).commune_codes, lang), path,
                  names, lang)
        written.append(path)
        path = out / "upward_reports.csv"  # the register of reports sent upward
        write_csv(register_frame(store, filters.commune_codes if filters else ()), path,
                  names, lang)
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


def write_csv(frame: pd.DataFrame, path: Path, names: Names | None = None,
              lang: str = "vi") -> None:
    """*frame* as a CSV for people (:func:`geo.io.people_csv.people_csv`)."""
    path.write_bytes(people_csv(frame, names or Names(), lang))


def csv_bytes(frame: pd.DataFrame, names: Names | None = None, lang: str = "vi") -> bytes:
    """:func:`write_csv` for a download button."""
    return people_csv(frame, names or Names(), lang)


def audit_csv(store: Store, flt: AuditFilter, lang: str = "vi") -> bytes:
    """The audit events *flt* matches (:func:`geo.audit.audit_events`) as a CSV download:
    who by display name, what in words."""
    return people_csv(audit_events(store, flt), names_of(store), lang)


def export_zip(store: Store, fmt: str, filters: Filters | None = None, lang: str = "vi"
               ) -> bytes:
    """One format's files in a zip, for a download button."""
    with tempfile.TemporaryDirectory(prefix="antt-export-") as tmp:
        files = export(store, tmp, [fmt], filters, lang)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, f.name)
    return buf.getvalue()
