"""A site must land in a commune (issue 30, point 3): a place outside every loaded commune
is refused (row, field, point, the nearest commune and its distance) unless the file or
the import says it is meant, and a file read in the wrong VN-2000 zone is told the zone
that fits."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer

from geo.analysis.places import load_layer
from geo.errors import Invalid
from geo.i18n import message
from geo.io.importer import import_layer, plan_import

from .. import geofixtures as fx
from ..conftest import ROOT

LON0, LAT0, D = fx.LON0, fx.LAT0, fx.D  # commune C1: a 2 x 2 km square of four hamlets
FAR = (LON0 + 2 * D + 0.03, LAT0 + D)    # ~3.1 km east of C1


def _csv(tmp_path, rows: list[dict], name: str = "sites.csv"):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _two_sites(tmp_path, **extra):
    return _csv(tmp_path, [
        {"code": "S1", "name": "Nhà văn hóa thôn An Cư", "lon": LON0 + 0.005,
         "lat": LAT0 + 0.005, **{k: v[0] for k, v in extra.items()}},
        {"code": "S2", "name": "Chốt ngoài xã", "lon": FAR[0], "lat": FAR[1],
         **{k: v[1] for k, v in extra.items()}}])


def test_a_site_outside_every_commune_is_refused_with_row_point_and_nearest(loaded, tmp_path):
    path = _two_sites(tmp_path)
    with pytest.raises(Invalid) as e:
        import_layer(loaded, path, "sites", actor="admin")
    [p] = e.value.problems
    assert (p.row, p.field, p.key) == (2, "geometry", "import.outside_communes")
    assert str(p) == (
        "row 2, field 'geometry': (106.55000, 21.01000) lies in no loaded commune: the "
        f"nearest is Xã Thử (C1), {p.params['distance']} away; check the position (or the "
        "CRS), or mark the row as outside on purpose (column outside = yes) or import with "
        "--outside")
    assert p.params["distance"] == "3.1 km"
    assert message(p.key, "vi", **p.params) == (
        "(106.55000, 21.01000) không nằm trong xã nào đã nạp: gần nhất là Xã Thử (C1), cách "
        "3.1 km; kiểm tra lại vị trí (hoặc hệ toạ độ), hoặc ghi cột Ngoài xã (outside) = có "
        "nếu điểm cố ý nằm ngoài xã, hoặc nhập với --outside")
    assert load_layer(loaded, "sites").empty and loaded.frame("site").empty


@pytest.mark.parametrize("header, values", [("outside", ["", "có"]),
                                            ("Ngoài xã", ["không", "1"]),
                                            ("outside", ["no", "true"])])
def test_a_row_that_says_it_is_outside_on_purpose_is_kept(loaded, tmp_path, header, values):
    path = _two_sites(tmp_path, **{header: values})
    plan = import_layer(loaded, path, "sites", actor="admin")
    assert plan.added == ["S1", "S2"]
    [kept] = [w for w in plan.warnings if w.key == "import.outside_kept"]
    assert str(kept) == ("field 'geometry': 1 row(s) lie in no loaded commune, kept as "
                         "outside on purpose (rows 2)")
    assert loaded.get("site", "S2")["commune_code"] is None
    assert loaded.get("site", "S1")["commune_code"] == "C1"


def test_the_outside_flag_keeps_every_row_and_a_bad_outside_value_is_refused(
        loaded, tmp_path):
    plan = import_layer(loaded, _two_sites(tmp_path), "sites", actor="admin", outside=True)
    assert plan.added == ["S1", "S2"] and any(
        w.key == "import.outside_kept" for w in plan.warnings)
    bad = _two_sites(tmp_path, outside=["", "có lẽ"])
    plan = plan_import(loaded, bad, "sites", outside=True)
    assert [str(p) for p in plan.errors] == [
        "row 2, field 'outside': must be yes or no (có/không, 1/0), not 'có lẽ'"]


def test_targets_and_hotspots_outside_every_commune_are_refused_too(loaded, tmp_path):
    path = fx.write_raw_geojson(tmp_path / "t.geojson", [
        fx.feature(fx.point(*FAR), code="T1", name="Cây xăng", kind="fuel_station")])
    assert [p.key for p in plan_import(loaded, path, "targets").errors] == [
        "import.outside_communes"]
    path = fx.write_raw_geojson(tmp_path / "hs.geojson", [
        fx.feature(fx.point(*FAR), code="HS1", name="Điểm nóng", reason="tụ tập")])
    assert [p.key for p in plan_import(loaded, path, "hotspots").errors] == [
        "import.outside_communes"]


# ---- the wrong VN-2000 zone, on the demo database ----------------------------------------
# Places around the demo's An Phụ that are in none of its three communes (real sites of a
# neighbouring commune the demo does not draw).
ELSEWHERE = [(106.47, 20.955), (106.46, 20.95), (106.475, 20.945), (106.455, 20.96),
             (106.45, 20.955), (106.44, 20.95)]


def _surveyed(tmp_path, lonlat: list[tuple[float, float]], name: str = "khao-sat.csv"):
    """A survey table in VN-2000 / TM-3 105°30′ (EPSG:9209) metres, as pyproj projects
    the positions."""
    to_9209 = Transformer.from_crs("EPSG:4326", "EPSG:9209", always_xy=True)
    xy = [to_9209.transform(x, y) for x, y in lonlat]
    return _csv(tmp_path, [{"code": f"X{i}", "name": f"Điểm {i}", "x": round(x, 3),
                            "y": round(y, 3)} for i, (x, y) in enumerate(xy, 1)], name)


def _demo_sites() -> list[tuple[float, float]]:
    sites = gpd.read_file(ROOT / "data" / "sites.geojson")
    return [(p.x, p.y) for p in sites.geometry]


@pytest.mark.parametrize("wrong", ["EPSG:3405", "EPSG:9210", "EPSG:5897"])
def test_a_wrong_zone_on_the_demo_database_names_the_zone_that_fits(demo, tmp_path, wrong):
    """Five demo sites and six places outside the demo's communes, surveyed in EPSG:9209
    and read as *wrong*: 26–52 km off, every point outside every loaded commune. Most of
    them stay outside under the right zone too, so no zone fits the whole file; the
    refusal names the zone that puts the demo's five in place, its central meridian and
    provinces, and the communes they land in."""
    path = _surveyed(tmp_path, _demo_sites()[:5] + ELSEWHERE)
    before = demo.counts()["events"]
    with pytest.raises(Invalid) as e:
        import_layer(demo, path, "sites", actor="admin", crs=wrong)
    hint, *rows = e.value.problems
    assert hint.key == "import.zone_communes", [str(p) for p in e.value.problems]
    assert (hint.params["epsg"], hint.params["meridian"], hint.params["k"],
            hint.params["n"]) == ("9209", "105°30′", 5, 11)
    assert "Hai Duong" in hint.params["provinces"]
    assert hint.params["communes"] == "An Phụ; Hải Dương"
    assert str(hint).startswith(f"field 'crs': read as {wrong} (")
    assert str(hint).endswith(
        "with EPSG:9209 (VN-2000 / TM-3 105-30, central meridian 105°30′; Bac Ninh, Ha "
        "Giang, Ha Tinh, Hai Duong, Hung Yen, Nam Dinh, Soc Trang, Tay Ninh, Thai Binh, "
        "Tra Vinh, Vinh Long) 5/11 lie in the loaded communes (An Phụ; Hải Dương): wrong "
        "VN-2000 zone? Import again with --crs EPSG:9209")
    vi = message(hint.key, "vi", **hint.params)
    assert "thì 5/11 điểm nằm trong các xã đã nạp (An Phụ; Hải Dương)" in vi
    assert "kinh tuyến trục 105°30′" in vi and vi.endswith("--crs EPSG:9209")
    assert [p.row for p in rows] == list(range(1, 12))
    assert all(p.key == "import.outside_communes" and "km away" in p.reason for p in rows)
    assert demo.counts()["events"] == before
    # Read right, the demo's five land in An Phụ; the six are still outside, said so.
    right = plan_import(demo, path, "sites", crs="EPSG:9209")
    assert [p.key for p in right.errors] == ["import.zone_none"] + [
        "import.outside_communes"] * 6
    assert [p.row for p in right.errors[1:]] == list(range(6, 12))
    assert import_layer(demo, path, "sites", actor="admin", crs="EPSG:9209",
                        outside=True).added == [f"X{i}" for i in range(1, 12)]
    assert demo.get("site", "X1")["commune_code"] == "10732"


def test_points_read_in_a_zone_that_throws_them_out_of_vietnam_get_the_zone_too(
        demo, tmp_path):
    """The demo's sites in EPSG:9209 metres read as UTM 49N land in China's sea: refused
    as outside Vietnam, and the hint says EPSG:9209 puts all of them in the loaded
    communes (first, ahead of the rows)."""
    path = _surveyed(tmp_path, _demo_sites())
    plan = plan_import(demo, path, "sites", crs="EPSG:3406")
    hint = plan.errors[0]
    assert (hint.key, hint.params["epsg"], hint.params["k"]) == ("import.zone_communes",
                                                                 "9209", 19)
    assert hint.params["communes"] == "An Phụ, Cổ Dũng, Cẩm Tân; Hải Dương, Thanh Hóa"
    assert [p.key for p in plan.errors[1:]] == ["import.outside_vietnam"] * 19


def test_with_no_communes_loaded_the_zone_hint_is_at_least_vietnam(store, tmp_path):
    path = _surveyed(tmp_path, [(106.5, 21.0), (106.52, 20.99)])
    plan = plan_import(store, path, "sites", crs="EPSG:3406")
    hint = plan.errors[0]
    assert hint.key == "import.zone_vietnam" and (hint.params["k"], hint.params["n"]) == (2, 2)
    assert "lie in Vietnam (though in no loaded commune)" in hint.reason
    suggested = f"EPSG:{hint.params['epsg']}"
    assert suggested != "EPSG:3406" and plan_import(store, path, "sites", crs=suggested).ok
