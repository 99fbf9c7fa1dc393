"""Build data/vietnam.geojson, the outline behind geo.outline.in_vietnam().

The outline answers one question: "is this point in Việt Nam?". It is not a boundary
to draw or to measure with.

Source: Natural Earth 1:10m admin-0 countries (public domain, version 4.1.0),
redistributed as TopoJSON by the npm package world-atlas 2.0.2 (ISC). Fetch it from
the npm registry and run the script from the repository root:

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    cd -  # back to the repository root
    .venv/bin/python data/make_vietnam_outline.py /tmp/package/countries-10m.json

The script writes data/vietnam.geojson and checks what it wrote. It is deterministic
and is not imported by the product. The outline is the union of:

1. Natural Earth's ``Vietnam`` feature (repaired with make_valid), buffered by 2 km in
   UTM 48N (EPSG:32648). world-atlas quantises coordinates to about 0.0036° × 0.0017°
   (≈ 390 m × 190 m) and the 1:10m line is coarse anyway: without the buffer, a real
   site on the shore or the land border could be refused. So points up to 2 km inside
   Laos, Cambodia or China count as Việt Nam.
2. Additions, each buffered by 2 km where it is not already a buffer:
   - Hoàng Sa (Paracel) and Trường Sa (Spratly) as boxes. Natural Earth gives those
     islands to other features ("China", "Spratly Is."), and a product for Vietnamese
     users must count both archipelagos as Việt Nam.
   - The sea within NEARSHORE_M of Natural Earth's Vietnam. Natural Earth 1:10m leaves
     out many inhabited islands that have their own commune or district: Lý Sơn,
     Cồn Cỏ, Cù Lao Chàm, Cù Lao Xanh, Hòn Tre, Lại Sơn, the Hà Tiên (Hải Tặc)
     islands and others, 15–30 km offshore. The band takes them all in without a
     list.
   - Discs for the three inhabited island groups farther out than the band: Bạch Long
     Vĩ, Thổ Chu and Nam Du (ISLANDS, each with its source).
   From each addition, other countries' land plus 2 km is cut out: their coast is as
   coarse as ours (Kudat town, Sabah, is 1.6 km offshore in Natural Earth), and the
   Trường Sa box would otherwise take in the north of Sabah and the south of Palawan.
   The features that hold the added islands themselves ("China" in the Hoàng Sa box,
   "Spratly Is." in the Trường Sa box) are not cut.
3. Simplified (Douglas-Peucker, 0.002° ≈ 220 m), rounded to 5 decimals, and checked:
   Natural Earth's Vietnam is covered entirely, and simplification cut at most
   MAX_SHRINK_M into the 2 km buffer and into the additions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import Point, box, mapping

OUT = Path(__file__).resolve().parent / "vietnam.geojson"
WGS84 = "EPSG:4326"
UTM = "EPSG:32648"  # UTM 48N (WGS 84); also used for areas in data/README.md

# sha256 of countries-10m.json in world-atlas 2.0.2 (only a warning if it differs).
EXPECTED_SHA256 = "3bc6f1d367a9bcec479841bae0e76092f512838411d0cef124e92eec4db45f79"

BUFFER_M = 2000.0
NEARSHORE_M = 40_000.0  # the farthest near-shore island commune is about 30 km out
SIMPLIFY_DEG = 0.002
MAX_SHRINK_M = 250.0  # simplification may cut at most this far into buffer or additions
SEGMENT_DEG = 0.01  # densify straight box edges before reprojecting them

# (name, box lon/lat bounds, Natural Earth features that hold the islands themselves)
ARCHIPELAGOS = [
    # Hoàng Sa: 15.7–17.2 N, 111.1–112.9 E. The east edge is 112.9, not 112.8, to take
    # in the easternmost feature, bãi cạn Gò Nổi at 16°49′07″ N 112°53′04″ E
    # (biendong.net, "Vị trí địa lý và điều kiện tự nhiên quần đảo Hoàng Sa").
    ("Hoàng Sa", (111.1, 15.7, 112.9, 17.2), {"China"}),
    # Trường Sa: 6.0–12.0 N, 111.5–117.9 E (geo-facts.md); TS Trần Công Trục gives
    # 6°30′–12° N, 111°30′–117°20′ E (plo.vn).
    ("Trường Sa", (111.5, 6.0, 117.9, 12.0), {"Spratly Is."}),
]

# (name, lon, lat, radius in m before the 2 km buffer): inhabited islands beyond the band.
ISLANDS = [
    # Huyện đảo Bạch Long Vĩ (Hải Phòng), 3 km²: 107°42′20″–107°44′15″ E,
    # 20°07′35″–20°08′36″ N (anhp.vn, "Bạch Long Vĩ - hòn đảo tiền tiêu ...").
    ("Bạch Long Vĩ", 107.7215, 20.1350, 3_000.0),
    # Xã Thổ Châu (Phú Quốc): 8 islands around 9°18′ N 103°29′ E, Thổ Chu island
    # 13.95 km² (en.wikipedia "Thổ Chu Islands", quoted on kontumquetoi.com).
    ("Thổ Chu", 103.4833, 9.3000, 10_000.0),
    # Xã An Sơn and Nam Du (Kiên Hải): 21 islands; "104°22′ E, [9°]42′ N" on French maps
    # (academicgates.com). Approximate, hence the wide radius.
    ("Nam Du", 104.3667, 9.7000, 12_000.0),
]

PROPERTIES = {
    "name": "Việt Nam",
    "source": "Natural Earth 1:10m admin-0 via world-atlas 2.0.2 (public domain) "
              "+ Hoàng Sa / Trường Sa boxes, buffered 2 km; + sea within 40 km of the "
              "coast and discs for Bạch Long Vĩ, Thổ Chu, Nam Du (islands Natural Earth "
              "lacks), less other countries' land + 2 km (data/README.md)",
}


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Valid geometry, keeping only its polygons (make_valid may return lines too)."""
    parts = shapely.get_parts(shapely.make_valid(geom))
    polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys)


def to_utm(geom: shapely.Geometry) -> shapely.Geometry:
    return gpd.GeoSeries([geom], crs=WGS84).to_crs(UTM).iloc[0]


def to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    return gpd.GeoSeries([geom], crs=UTM).to_crs(WGS84).iloc[0]


def foreign_land_m(by_name: dict[str, shapely.Geometry], area_m: shapely.Geometry,
                   keep: set[str], label: str) -> shapely.Geometry:
    """Other countries' land near area_m, plus BUFFER_M, in metres."""
    near = box(*to_wgs84(area_m).buffer(0.1).bounds)
    cut = sorted(n for n, g in by_name.items()
                 if n != "Vietnam" and n not in keep and g.intersects(near))
    print(f"{label}: other countries' land cut out: {', '.join(cut) or 'none'}")
    land = shapely.union_all([by_name[n].intersection(near) for n in cut])
    return to_utm(land).buffer(BUFFER_M) if cut else shapely.Polygon()


def build(countries: gpd.GeoDataFrame) -> tuple[shapely.Geometry, dict[str, float]]:
    """The outline in EPSG:4326, and the numbers the checks are based on."""
    countries = countries.assign(geometry=countries.geometry.map(polygonal))
    by_name = dict(zip(countries["name"], countries.geometry, strict=True))
    vietnam_m = to_utm(by_name["Vietnam"])

    # (label, the addition unbuffered, the addition as added, foreign land cut from it)
    additions = []
    for name, bounds, holders in ARCHIPELAGOS:
        area_m = to_utm(shapely.segmentize(box(*bounds), SEGMENT_DEG))
        additions.append((name, area_m, area_m.buffer(BUFFER_M), holders))
    for name, lon, lat, radius in ISLANDS:
        area_m = to_utm(Point(lon, lat)).buffer(radius)
        additions.append((name, area_m, area_m.buffer(BUFFER_M), set()))
    # The band is a buffer already; its outer MAX_SHRINK_M is open sea, like the
    # boxes' and discs' 2 km buffer.
    band_m = vietnam_m.buffer(NEARSHORE_M)
    additions.append(("near-shore sea", vietnam_m.buffer(NEARSHORE_M - MAX_SHRINK_M),
                      band_m, set()))

    parts_m = [vietnam_m.buffer(BUFFER_M)]
    kept_m = []  # what of each addition must survive simplification
    for label, core_m, area_m, holders in additions:
        foreign_m = foreign_land_m(by_name, area_m, holders, label)
        parts_m.append(area_m.difference(foreign_m))
        kept_m.append(core_m.difference(foreign_m.buffer(MAX_SHRINK_M)))

    outline_m = shapely.union_all(parts_m)
    outline = to_wgs84(outline_m)
    outline = shapely.simplify(outline, SIMPLIFY_DEG, preserve_topology=True)
    outline = shapely.set_precision(outline, 1e-5)  # keeps the geometry valid
    outline = shapely.orient_polygons(outline)  # RFC 7946: exteriors counter-clockwise
    if outline.geom_type == "Polygon":
        outline = shapely.MultiPolygon([outline])
    assert outline.is_valid and outline.geom_type == "MultiPolygon"

    # Checks, in metres. The boxes' and discs' own 2 km buffer is open sea and is not
    # checked; their unbuffered area is, except within MAX_SHRINK_M of the foreign cut.
    # So is the band, but its outer MAX_SHRINK_M.
    done_m = to_utm(outline)
    stats = {
        "vietnam_uncovered_m2": vietnam_m.difference(done_m).area,
        "buffer_uncovered_m2": vietnam_m.buffer(BUFFER_M - MAX_SHRINK_M)
                                        .difference(done_m).area,
        "additions_uncovered_m2": shapely.union_all(kept_m).difference(done_m).area,
        "area_km2": done_m.area / 1e6,
        "unsimplified_area_km2": outline_m.area / 1e6,
        "vertices": int(shapely.get_num_coordinates(outline)),
        "parts": int(shapely.get_num_geometries(outline)),
    }
    assert stats["vietnam_uncovered_m2"] < 1.0, stats
    assert stats["buffer_uncovered_m2"] < 1.0, stats
    assert stats["additions_uncovered_m2"] < 1.0, stats
    return outline, stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("topojson", type=Path, help="countries-10m.json from world-atlas 2.0.2")
    ap.add_argument("-o", "--out", type=Path, default=OUT)
    args = ap.parse_args()

    digest = hashlib.sha256(args.topojson.read_bytes()).hexdigest()
    if digest != EXPECTED_SHA256:
        print(f"warning: {args.topojson} sha256 {digest} is not world-atlas 2.0.2's")
    countries = gpd.read_file(args.topojson, layer="countries")
    if countries.crs is None:  # TopoJSON carries no CRS; world-atlas is in degrees
        countries = countries.set_crs(WGS84)
    outline, stats = build(countries.to_crs(WGS84))

    # set_precision left every coordinate on the 1e-5 grid, so json writes 5 decimals.
    feature = {"type": "Feature", "properties": PROPERTIES, "geometry": mapping(outline)}
    text = json.dumps({"type": "FeatureCollection", "name": "vietnam", "features": [feature]},
                      ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    for k, v in stats.items():
        print(f"{k:<24} {v:,.1f}" if isinstance(v, float) else f"{k:<24} {v:,}")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
