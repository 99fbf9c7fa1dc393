"""Tiny real layer files for tests: a commune of four square hamlets near An Phụ."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Point, box, mapping

LON0, LAT0, D = 106.50, 21.00, 0.01  # hamlet squares ~1 km


def commune() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["C1"], "name": ["Xã Thử"], "district": ["Kinh Môn"],
                             "province": ["Hải Dương"]},
                            geometry=[box(LON0, LAT0, LON0 + 2 * D, LAT0 + 2 * D)], crs=4326)


def hamlets() -> gpd.GeoDataFrame:
    cells = [(0, 0), (1, 0), (0, 1), (1, 1)]
    return gpd.GeoDataFrame(
        {"code": [f"C1-H{i}" for i in range(1, 5)],
         "name": ["Thôn An Cư", "Thôn Đại Sơn", "Thôn Phụ Sơn", "Thôn Cổ Dũng"],
         "commune_code": ["C1"] * 4},
        geometry=[box(LON0 + i * D, LAT0 + j * D, LON0 + (i + 1) * D, LAT0 + (j + 1) * D)
                  for i, j in cells], crs=4326)


def sites() -> gpd.GeoDataFrame:
    h = hamlets()
    return gpd.GeoDataFrame(
        {"code": [f"C1-S{i}" for i in range(1, 5)],
         "name": [f"Nhà văn hóa {n}" for n in h["name"]], "voters": [800, 650, 900, 700]},
        geometry=[g.centroid for g in h.geometry], crs=4326)


def routes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["C1-R1"], "name": ["Tuyến 1"], "team_code": ["C1-TEAM1"],
         "team_name": ["Tổ tuần tra số 1"], "team_size": [4], "commune_code": ["C1"],
         "starts_at": ["2021-05-23T05:00:00+07:00"], "ends_at": ["2021-05-23T23:00:00+07:00"]},
        geometry=[LineString([(LON0 + 0.005, LAT0 + 0.005), (LON0 + 0.015, LAT0 + 0.005)])],
        crs=4326)


def checkpoints() -> gpd.GeoDataFrame:
    """Two checkpoints on route C1-R1, one an hour."""
    return gpd.GeoDataFrame({"code": ["C1-R1-C1", "C1-R1-C2"], "name": ["Ngã ba", "Cầu"],
                             "route_code": ["C1-R1"] * 2, "seq": [1, 2],
                             "interval_min": [60, 60]},
                            geometry=[Point(106.505, 21.005), Point(106.515, 21.005)],
                            crs=4326)


def write(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    gdf.to_file(path, driver="GPKG" if path.suffix == ".gpkg" else "GeoJSON")
    return path


def write_features(path: Path, rows: list[tuple[dict, object]]) -> Path:
    """A GeoJSON file of ``(properties, shapely geometry)`` rows, written as given."""
    return write_raw_geojson(path, [feature(mapping(geom), **props) for props, geom in rows])


def write_raw_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def feature(geom: dict, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geom}


def point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": [x, y]}


__all__ = ["commune", "hamlets", "sites", "routes", "write", "write_raw_geojson", "feature",
           "point", "Point"]
