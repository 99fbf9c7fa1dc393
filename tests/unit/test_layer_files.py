"""Layer reading and validation, each case with a small file made here (no store)."""

from __future__ import annotations

import unicodedata
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.io.layers import read_layer

from .. import geofixtures as fx


def _fields(read):
    return {(p.row, p.field) for p in read.errors}


def test_geojson_and_gpkg_round_trip(tmp_path):
    for suffix in (".geojson", ".gpkg"):
        r = read_layer(fx.write(fx.hamlets(), tmp_path / f"h{suffix}"), "hamlets")
        assert r.ok, r.errors
        assert list(r.frame["name"]) == list(fx.hamlets()["name"])
        assert r.frame.crs.to_epsg() == 4326


def test_zipped_shapefile(tmp_path):
    shp = tmp_path / "shp"
    shp.mkdir()
    fx.hamlets().to_file(shp / "hamlets.shp", encoding="utf-8")
    z = tmp_path / "hamlets.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in shp.iterdir():
            zf.write(f, f.name)
    r = read_layer(z, "hamlets")
    assert r.ok, r.errors
    assert "Thôn Đại Sơn" in set(r.frame["name"])


def test_csv_lonlat_and_xlsx(tmp_path):
    df = pd.DataFrame({"code": ["S1", "S2"], "name": ["NVH thôn A", "NVH thôn B"],
                       "lon": [106.505, 106.515], "lat": [21.005, 21.015], "voters": [500, 600]})
    df.to_csv(tmp_path / "s.csv", index=False)
    df.to_excel(tmp_path / "s.xlsx", index=False)
    for name in ("s.csv", "s.xlsx"):
        r = read_layer(tmp_path / name, "sites")
        assert r.ok, r.errors
        assert list(r.frame["voters"]) == [500, 600]


def test_vn2000_metres_with_and_without_crs(tmp_path):
    pts = fx.sites().to_crs(9209)  # VN-2000 / TM-3 105-30, Hải Dương's zone
    df = pd.DataFrame({"code": fx.sites()["code"], "name": fx.sites()["name"],
                       "x": pts.geometry.x, "y": pts.geometry.y})
    df.to_csv(tmp_path / "vn2000.csv", index=False)
    r = read_layer(tmp_path / "vn2000.csv", "sites")
    assert not r.ok and "metres" in str(r.errors[0]) and "--crs" in str(r.errors[0])
    r = read_layer(tmp_path / "vn2000.csv", "sites", crs="EPSG:9209")
    assert r.ok, r.errors
    back = r.frame.geometry
    orig = fx.sites().geometry
    assert max(back.distance(orig)) < 1e-6  # same points after the round trip
    for epsg in (3405, 4756):
        r = read_layer(fx.write(fx.sites().to_crs(epsg), tmp_path / f"s{epsg}.gpkg"), "sites")
        assert r.ok and r.source_crs == f"EPSG:{epsg}"
        assert max(r.frame.geometry.distance(orig)) < 1e-6


def test_metres_declared_as_degrees(tmp_path):
    g = fx.sites().to_crs(3405).set_crs(4326, allow_override=True)
    r = read_layer(fx.write(g, tmp_path / "bad.gpkg"), "sites")
    assert not r.ok and "metres" in str(r.errors[0])


def test_swapped_lat_lon(tmp_path):
    df = pd.DataFrame({"code": ["S1"], "name": ["A"], "lon": [21.0], "lat": [106.5]})
    df.to_csv(tmp_path / "sw.csv", index=False)
    r = read_layer(tmp_path / "sw.csv", "sites")
    assert not r.ok and "swapped" in str(r.errors[0]) and r.errors[0].row == 1


def test_malformed_empty_and_wrong_geometry(tmp_path):
    (tmp_path / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [')
    r = read_layer(tmp_path / "broken.geojson", "sites")
    assert not r.ok and "not valid JSON" in str(r.errors[0])
    (tmp_path / "empty.geojson").write_text("")
    assert "empty" in str(read_layer(tmp_path / "empty.geojson", "sites").errors[0])
    fx.write_raw_geojson(tmp_path / "nofeat.geojson", [])
    assert "no features" in str(read_layer(tmp_path / "nofeat.geojson", "sites").errors[0])
    r = read_layer(fx.write(fx.hamlets(), tmp_path / "h.geojson"), "sites")
    assert not r.ok and "Polygon where sites need Point" in str(r.errors[0])


def test_nan_inf_outside_vietnam_and_missing_fields(tmp_path):
    feats = [fx.feature(fx.point(106.5, 21.0), code="A", name="ok"),
             fx.feature(fx.point(2.35, 48.85), code="B", name="Paris"),
             fx.feature(fx.point(106.5, 21.0), code="A", name="dup"),
             fx.feature(fx.point(106.5, 21.0), code="D", name=""),
             fx.feature(fx.point(106.5, 21.0), code="E", name="x", voters="many")]
    r = read_layer(fx.write_raw_geojson(tmp_path / "s.geojson", feats), "sites")
    got = _fields(r)
    assert (2, "geometry") in got and "outside Vietnam" in str(r.errors)
    assert (1, "code") in got and (3, "code") in got
    assert (4, "name") in got and (5, "voters") in got
    # NaN / inf coordinates in a CSV
    pd.DataFrame({"code": ["A", "B"], "name": ["a", "b"], "lon": ["nan", "106.5"],
                  "lat": ["21", "inf"]}).to_csv(tmp_path / "n.csv", index=False)
    r = read_layer(tmp_path / "n.csv", "sites")
    assert not r.ok and {p.row for p in r.errors} == {1, 2}
    fx.write_raw_geojson(tmp_path / "nofield.geojson",
                         [fx.feature(fx.point(106.5, 21.0), code="A")])
    r = read_layer(tmp_path / "nofield.geojson", "sites")
    assert "required field missing" in str(r.errors[0]) and r.errors[0].field == "name"


def test_border_sites_kept_near_border_warned_far_refused(tmp_path):
    """Issue 30: real border communes are in; a point just across the border is a
    warning; a point well inside a neighbour is still refused."""
    feats = [fx.feature(fx.point(108.027725, 21.4832), code="A", name="Trà Cổ"),
             fx.feature(fx.point(106.574243, 22.4874), code="B", name="Tà Lùng"),
             fx.feature(fx.point(104.663576, 20.3043), code="C", name="Na Mèo"),
             fx.feature(fx.point(107.97, 21.55), code="D", name="Dongxing"),
             fx.feature(fx.point(102.6331, 17.9757), code="E", name="Vientiane")]
    r = read_layer(fx.write_raw_geojson(tmp_path / "s.geojson", feats), "sites")
    assert _fields(r) == {(5, "geometry")} and "outside Vietnam" in str(r.errors)
    near = [p for p in r.warnings if p.field == "geometry"]
    assert [p.row for p in near] == [4] and near[0].severity == "warning"
    assert "just outside Vietnam's outline" in near[0].reason


def test_self_intersecting_polygon_repaired_with_warning(tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[106.5, 21.0], [106.51, 21.01],
                                                  [106.51, 21.0], [106.5, 21.01],
                                                  [106.5, 21.0]]]}
    r = read_layer(fx.write_raw_geojson(tmp_path / "h.geojson", [
        fx.feature(bowtie, code="H", name="Thôn nơ", commune_code="C1")]), "hamlets")
    assert r.ok, r.errors
    assert r.frame.geometry.iloc[0].is_valid
    assert "repaired" in str(r.warnings[0]) and r.warnings[0].row == 1


def test_nfd_names_are_normalised(tmp_path):
    nfd = unicodedata.normalize("NFD", "Thôn Cổ Dũng")
    r = read_layer(fx.write_raw_geojson(tmp_path / "s.geojson", [
        fx.feature(fx.point(106.5, 21.0), code="S", name=nfd)]), "sites")
    assert r.frame["name"].iloc[0] == "Thôn Cổ Dũng"


def _cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: base letter (with its vowel mark) + combining tone."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            for cut in (len(d) - 1, 1):
                head, tail = unicodedata.normalize("NFC", d[:cut]), d[cut:]
                try:
                    out += head.encode("cp1258") + tail.encode("cp1258")
                    break
                except UnicodeEncodeError:
                    continue
            else:
                raise
    return out


def test_csv_in_windows_1258_and_latin1(tmp_path):
    text = "code,name,lon,lat\nS1,Nhà văn hóa thôn Cẩm Tân,105.47,20.21\n"
    (tmp_path / "w.csv").write_bytes(_cp1258(text))
    r = read_layer(tmp_path / "w.csv", "sites")
    assert r.ok, r.errors
    assert r.frame["name"].iloc[0] == "Nhà văn hóa thôn Cẩm Tân"
    assert "Windows-1258" in str(r.warnings[0])
    (tmp_path / "l.csv").write_bytes("code,name,lon,lat\nS1,Café Étoile,105.47,20.21\n"
                                     .encode("latin-1"))
    r = read_layer(tmp_path / "l.csv", "sites")
    assert r.frame["name"].iloc[0] == "Café Étoile"
    r = read_layer(tmp_path / "l.csv", "sites", encoding="utf-8")
    assert not r.ok and "cannot decode as utf-8" in str(r.errors[0])


def test_gadm_hdx_osm_boundaries_recognised(tmp_path):
    c = fx.commune()
    gadm = gpd.GeoDataFrame({"GID_1": ["VNM.23_1"], "NAME_1": ["Hải Dương"],
                             "NAME_2": ["Kinh Môn"], "GID_3": ["VNM.23.5.1_1"],
                             "NAME_3": ["An Phụ"], "TYPE_3": ["Xã"]}, geometry=c.geometry)
    hdx = gpd.GeoDataFrame({"ADM3_VI": ["Cổ Dũng"], "ADM3_EN": ["Co Dung"],
                            "ADM3_PCODE": ["VN10725"], "ADM2_VI": ["Kim Thành"],
                            "ADM1_VI": ["Hải Dương"]}, geometry=c.geometry)
    osm = gpd.GeoDataFrame({"name": ["Cẩm Tân", "Cẩm Thủy"], "admin_level": ["8", "6"],
                            "osm_id": ["r123", "r9"]}, geometry=[c.geometry[0]] * 2)
    for name, gdf, fmt, code, label in (("gadm", gadm, "gadm", "VNM.23.5.1_1", "An Phụ"),
                                        ("hdx", hdx, "hdx", "VN10725", "Cổ Dũng"),
                                        ("osm", osm, "osm", "r123", "Cẩm Tân")):
        r = read_layer(fx.write(gdf.set_crs(4326), tmp_path / f"{name}.geojson"), "communes")
        assert r.ok, (name, r.errors)
        assert r.source_format == fmt
        assert list(r.frame["code"]) == [code] and list(r.frame["name"]) == [label]


@pytest.mark.slow
def test_large_file_reads_with_progress(tmp_path):
    """~40 MB of GeoJSON points, near the default import limits (ANTT_IMPORT_MAX_FILE_MB,
    ANTT_IMPORT_MAX_FEATURES): progress is reported and nothing crashes."""
    import numpy as np
    n = 190_000
    rng = np.random.default_rng(0)
    gdf = gpd.GeoDataFrame({"code": [f"S{i}" for i in range(n)],
                            "name": ["Nhà văn hóa thôn mô phỏng số"] * n,
                            "voters": rng.integers(300, 4000, n)},
                           geometry=gpd.points_from_xy(rng.uniform(105.2, 106.4, n),
                                                       rng.uniform(20.5, 21, n)), crs=4326)
    path = fx.write(gdf, tmp_path / "big.geojson")
    assert 40e6 < path.stat().st_size < 50e6
    seen = []
    r = read_layer(path, "sites", progress=seen.append)
    assert r.ok and len(r.frame) == n
    assert len(seen) >= 2


# ---- fuzz: the readers never raise, whatever the bytes ----------------------------------
_json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "features", "geometry", "coordinates", "properties", "code",
                         "name", "crs"]), children, max_size=5), max_leaves=20)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(doc=_json_values, kind=st.sampled_from(["sites", "hamlets", "routes"]))
def test_fuzz_geojson_never_raises(tmp_path, doc, kind):
    import json
    path = tmp_path / "fuzz.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": doc, "properties": {"code": "A", "name": "B"}}]})
        if not isinstance(doc, dict) else json.dumps(doc))
    r = read_layer(path, kind)
    assert r.ok or r.errors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".geojson", ".gpkg",
                                                             ".zip", ".xlsx"]))
def test_fuzz_bytes_never_raise(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    r = read_layer(path, "sites")
    assert r.ok or r.errors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6),
                               st.one_of(st.floats(), st.text(max_size=5)),
                               st.one_of(st.floats(), st.text(max_size=5))), min_size=1,
                     max_size=5))
def test_fuzz_csv_rows_never_raise(tmp_path, rows):
    df = pd.DataFrame(rows, columns=["code", "name", "lon", "lat"])
    df.to_csv(tmp_path / "f.csv", index=False)
    r = read_layer(tmp_path / "f.csv", "sites")
    assert r.ok or r.errors


def test_stored_feature_props_use_the_one_json_encoder():
    """Props go through geo.codec: NumPy numbers plain, a missing or non-finite number
    ``null`` (valid JSON, never ``NaN`` / ``Infinity``), a time ISO text."""
    import json

    import numpy as np
    from shapely.geometry import Point

    from geo.analysis.places import to_features

    gdf = gpd.GeoDataFrame({"code": ["S1", "S2"], "name": ["a", "b"],
                            "hamlet_code": ["H1", None], "commune_code": ["C", "C"],
                            "voters": [np.int64(412), np.inf]},
                           geometry=[Point(106.5, 21.0), Point(106.6, 21.0)], crs=4326)
    props = list(to_features(gdf, "sites")["props"])

    def strict(text):
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in {text}"))

    assert [strict(p) for p in props] == [{"hamlet_code": "H1", "voters": 412},
                                          {"hamlet_code": None, "voters": None}]
    when = gdf.assign(hamlet_code=pd.Timestamp("2021-05-23 07:00"))
    assert strict(to_features(when, "sites")["props"][0])["hamlet_code"] == \
        "2021-05-23T07:00:00.000000"
