"""Layer files made to test the import limits: a hamlet with exactly N vertices, a zipped
Shapefile with extra members, a zip whose member declares less than it holds, a CSV of
sites that are all wrong."""

from __future__ import annotations

import math
import struct
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

from . import geofixtures as fx


def ring(n: int, cell: int = 0) -> shapely.Polygon:
    """A polygon with exactly *n* coordinates (n - 1 corners and the closing one), inside
    the test hamlet *cell* (a circle of 400 m with a wobble, so no vertex is redundant)."""
    box = fx.hamlets().geometry.iloc[cell]
    cx, cy = box.centroid.x, box.centroid.y
    r = 0.004
    pts = [(cx + r * (1 + 0.05 * math.sin(7 * t)) * math.cos(t),
            cy + r * (1 + 0.05 * math.sin(7 * t)) * math.sin(t))
           for t in (2 * math.pi * k / (n - 1) for k in range(n - 1))]
    poly = shapely.Polygon(pts)
    assert shapely.get_num_coordinates(poly) == n and poly.is_valid
    return poly


def hamlets_with(n_vertices: int, cell: int = 0) -> gpd.GeoDataFrame:
    """The test hamlets, hamlet *cell* drawn with *n_vertices* vertices."""
    h = fx.hamlets()
    h.loc[cell, "geometry"] = ring(n_vertices, cell)
    return h


def zipped_shapefile(gdf: gpd.GeoDataFrame, path: Path,
                     extra: dict[str, bytes] | None = None) -> Path:
    """*gdf* as a zipped Shapefile (deflated) named after *path*, with *extra* members."""
    folder = path.with_suffix("")
    folder.mkdir()
    with warnings.catch_warnings():  # commune_code is cut to 10 characters: read back
        warnings.simplefilter("ignore")
        gdf.to_file(folder / "layer.shp", encoding="utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def lie_about(path: Path, member: str, declared: int) -> Path:
    """Make *member* of the zip at *path* declare *declared* bytes (in its local header
    and in the central directory) whatever it holds."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    assert data[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    at = data.find(b"PK\x01\x02")
    patched = False
    while at != -1:
        n = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + n]).decode() == member:
            struct.pack_into("<I", data, at + 24, declared)
            patched = True
        at = data.find(b"PK\x01\x02", at + 4)
    assert patched
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(member).file_size == declared
    return path


def bad_sites_csv(path: Path, n: int) -> Path:
    """*n* sites inside the test commune, each with a wrong voter count."""
    lines = ["code,name,lon,lat,voters"]
    lines += [f"S{i},Nhà văn hóa {i},{fx.LON0 + 0.005:.5f},{fx.LAT0 + 0.005:.5f},nhiều"
              for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
