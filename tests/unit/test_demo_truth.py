"""The bundled demo communes sit where the real ones are, with their real size.

The outlines in data/communes.geojson are drawn by data/make_demo.py; the figures they must
fit were measured from GADM 4.1 level 3 and are kept here as constants (facts only: GADM's
licence does not allow redistributing its shapes, so none is shipped or read here). Every
measurement is in EPSG:3405 (VN-2000 / UTM 48N). Reads the shipped files; does not rebuild
them (tests/store/test_demo_data.py does, through data/check_demo.py)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point, box

from ..conftest import ROOT

DATA = ROOT / "data"
METRIC = 3405  # VN-2000 / UTM 48N

# GADM 4.1, level 3 (gadm.org), measured: GID_3, centroid (lon, lat), bounding box
# (min lon, min lat, max lon, max lat), area in km².
GADM = {
    "10732": {"name": "An Phụ", "gid_3": "VNM.22.7.1_1", "centroid": (106.51684, 20.98775),
              "bbox": (106.4965, 20.9726, 106.5373, 21.0032), "area_km2": 8.08},
    "10762": {"name": "Cổ Dũng", "gid_3": "VNM.22.6.3_1", "centroid": (106.43214, 20.97015),
              "bbox": (106.4210, 20.9570, 106.4426, 20.9837), "area_km2": 3.92},
    # Cẩm Tân BEFORE its 2019 merger with Phúc Do (GADM 4.1 predates the merger).
    "15178": {"name": "Cẩm Tân", "gid_3": "VNM.57.3.13_1", "centroid": (105.53889, 20.12175),
              "bbox": (105.5149, 20.1080, 105.5649, 20.1440), "area_km2": 7.02},
}
# The demo's Cẩm Tân is the merged commune; its area is sourced in data/README.md
# (diaocthongthai.com, after the 2019 merger).
MERGED_AREA_KM2 = {"15178": 15.02}
CENTROID_M = 300       # the drawn centroid is this close to GADM's
BBOX_OVERLAP = 0.80    # intersection / real bbox and intersection / drawn bbox
AREA_REL = 0.03        # the drawn area is within 3 % of the figure
SITE_MARGIN_M = 59     # sites are drawn 60 m inside their hamlet; rounding moves them < 1 m


def _layer(kind: str) -> gpd.GeoDataFrame:
    return gpd.read_file(DATA / f"{kind}.geojson")


def _metric(geom):
    """One WGS 84 geometry in EPSG:3405, its edges densified first (≈ 50 m) so a box keeps
    its true shape."""
    dense = shapely.segmentize(geom, 0.0005)
    return gpd.GeoSeries([dense], crs=4326).to_crs(METRIC).iloc[0]


def measure(code: str) -> dict:
    """What test and report both quote: the drawn commune against the GADM 4.1 figures."""
    fact = GADM[code]
    drawn = _layer("communes").set_index("code").loc[code, "geometry"]
    poly = _metric(drawn)
    real_c = _metric(Point(*fact["centroid"]))
    real_box = _metric(box(*fact["bbox"]))
    drawn_box = _metric(box(*drawn.bounds))
    inter = real_box.intersection(drawn_box).area
    return {"poly": poly, "real_centroid": real_c,
            "centroid_m": poly.centroid.distance(real_c),
            "area_km2": poly.area / 1e6,
            "overlap_of_real_bbox": inter / real_box.area,
            "overlap_of_drawn_bbox": inter / drawn_box.area}


@pytest.mark.parametrize("code", ["10732", "10762"])
def test_commune_is_where_gadm_puts_it_with_its_area(code):
    m = measure(code)
    fact = GADM[code]
    assert m["centroid_m"] <= CENTROID_M, (fact["name"], m["centroid_m"])
    assert m["overlap_of_real_bbox"] >= BBOX_OVERLAP, (fact["name"], m)
    assert m["overlap_of_drawn_bbox"] >= BBOX_OVERLAP, (fact["name"], m)
    assert abs(m["area_km2"] - fact["area_km2"]) / fact["area_km2"] <= AREA_REL, \
        (fact["name"], m["area_km2"])


def test_cam_tan_is_the_merged_commune_over_the_old_one():
    """GADM's Cẩm Tân is the commune before the 2019 merger with Phúc Do; the demo's is the
    merged one, so it holds the old centroid and has the merged area (its own centroid is
    off the old one). The drawing keeps its bounding box on the old commune's (where Phúc
    Do lies is not known: data/README.md)."""
    m = measure("15178")
    assert m["poly"].contains(m["real_centroid"])
    assert abs(m["area_km2"] - MERGED_AREA_KM2["15178"]) / MERGED_AREA_KM2["15178"] <= AREA_REL
    assert m["overlap_of_real_bbox"] >= BBOX_OVERLAP, m
    assert m["overlap_of_drawn_bbox"] >= BBOX_OVERLAP, m


def test_the_hai_duong_communes_do_not_overlap():
    a, b = (measure(code)["poly"] for code in ("10732", "10762"))
    assert a.intersection(b).area == 0


def _in_metric(kind: str) -> gpd.GeoDataFrame:
    return _layer(kind).to_crs(METRIC)


def test_every_feature_lies_inside_its_commune():
    communes = _in_metric("communes").set_index("code")
    hamlets = _in_metric("hamlets").set_index("code")
    for code, h in hamlets.iterrows():  # shared edges are rounded to 6 decimals (≈ 0.1 m)
        assert h.geometry.within(communes.loc[h["commune_code"]].geometry.buffer(0.5)), code
    for cc, c in communes.iterrows():
        covered = hamlets[hamlets["commune_code"] == cc].geometry.union_all()
        assert abs(covered.area - c.geometry.area) / c.geometry.area < 1e-6, cc
    for code, s in _in_metric("sites").set_index("code").iterrows():
        hamlet, commune = (hamlets.loc[s["hamlet_code"]].geometry,
                           communes.loc[s["commune_code"]].geometry)
        assert hamlets.loc[s["hamlet_code"], "commune_code"] == s["commune_code"], code
        assert s.geometry.within(hamlet) and s.geometry.within(commune), code
        assert hamlet.exterior.distance(s.geometry) >= SITE_MARGIN_M, code
        assert commune.exterior.distance(s.geometry) >= SITE_MARGIN_M, code
    for kind in ("targets", "hotspots", "routes"):
        for code, f in _in_metric(kind).set_index("code").iterrows():
            assert f.geometry.within(communes.loc[f["commune_code"]].geometry), (kind, code)
    routes = _in_metric("routes").set_index("code")
    for code, cp in _in_metric("checkpoints").set_index("code").iterrows():
        commune = communes.loc[routes.loc[cp["route_code"], "commune_code"]].geometry
        assert cp.geometry.within(commune), code
