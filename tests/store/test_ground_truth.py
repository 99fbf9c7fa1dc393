"""Real files imported right or refused: positions checked against the loaded communes,
the wrong VN-2000 zone named, Vietnamese headers, surveyor order, names for codes,
GADM names, 2-level boundary sets, honest layer counts."""

from __future__ import annotations

import json
import unicodedata
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, box

from geo.analysis.places import commune_labels, load_layer
from geo.errors import Invalid
from geo.io.importer import import_layer, plan_import

from .. import geofixtures as fx

LON0, LAT0, D = fx.LON0, fx.LAT0, fx.D  # commune C1: a 2 x 2 km square of four hamlets


def _points(tmp_path, name: str, rows: list[dict], lonlat: list[tuple[float, float]],
            crs: str = "EPSG:4326", columns: tuple[str, str] = ("lon", "lat"),
            encoding: str = "utf-8", swap: bool = False) -> object:
    """A CSV of points: *lonlat* in degrees, written as *crs* coordinates."""
    pts = gpd.GeoSeries([Point(x, y) for x, y in lonlat], crs=4326).to_crs(crs)
    xs, ys = pts.x.round(3 if crs != "EPSG:4326" else 7), pts.y.round(3 if crs != "EPSG:4326"
                                                                         else 7)
    if swap:
        xs, ys = ys, xs
    frame = pd.DataFrame(rows).assign(**{columns[0]: xs.to_numpy(), columns[1]: ys.to_numpy()})
    path = tmp_path / name
    path.write_bytes(frame.to_csv(index=False).encode(encoding))
    return path


def _messages(plan_or_error) -> str:
    problems = plan_or_error.problems if isinstance(plan_or_error, Invalid) else \
        [*plan_or_error.errors, *plan_or_error.warnings]
    return "\n".join(str(p) for p in problems)


# ---- positions against the commune polygon ---------------------------------------------
def test_a_site_outside_the_commune_its_code_names_is_refused_with_its_distance(
        loaded, tmp_path):
    inside = (LON0 + 0.005, LAT0 + 0.005)
    near = (LON0 + 2 * D + 0.0002, LAT0 + 0.01)      # ~20 m east of the border
    far = (LON0 + 2 * D + 0.0135, LAT0 + 0.01)       # ~1.4 km east
    path = _points(tmp_path, "s.csv", [
        {"code": f"S{i}", "name": f"Điểm {i}", "commune_code": "C1"} for i in range(3)],
        [inside, near, far])
    plan = plan_import(loaded, path, "sites")
    assert [p.row for p in plan.errors] == [3], _messages(plan)
    assert "lies 1.4 km outside commune C1 (Xã Thử)" in plan.errors[0].reason
    assert "tolerance 50 m" in plan.errors[0].reason
    with pytest.raises(Invalid):
        import_layer(loaded, path, "sites", actor="admin")
    assert load_layer(loaded, "sites").empty  # a refused import writes nothing


def test_a_site_outside_its_hamlet_is_refused_and_codes_come_from_containment(
        loaded, tmp_path):
    path = _points(tmp_path, "s.csv", [
        {"code": "S1", "name": "a", "hamlet_code": "C1-H4"},   # lies in C1-H1
        {"code": "S2", "name": "b"}], [(LON0 + 0.005, LAT0 + 0.005), (LON0 + 0.015,
                                                                     LAT0 + 0.015)])
    plan = plan_import(loaded, path, "sites")
    assert len(plan.errors) == 1 and "outside hamlet C1-H4" in plan.errors[0].reason
    fine = _points(tmp_path, "ok.csv", [{"code": "S2", "name": "b"}],
                   [(LON0 + 0.015, LAT0 + 0.015)])
    import_layer(loaded, fine, "sites", actor="admin")
    site = loaded.get("site", "S2")
    assert (site["commune_code"], site["hamlet_code"]) == ("C1", "C1-H4")


@pytest.mark.parametrize("kind", ["sites", "targets", "hotspots", "routes", "hamlets"])
def test_unknown_commune_codes_are_errors_for_every_kind(loaded, tmp_path, kind):
    x, y = LON0 + 0.005, LAT0 + 0.005
    props = {"code": "X1", "name": "x", "commune_code": "NOPE"}
    geom = fx.point(x, y)
    if kind == "targets":
        props["kind"] = "school"
    elif kind == "hotspots":
        props["reason"] = "thử"
    elif kind == "routes":
        props["team_code"] = "T9"
        geom = {"type": "LineString", "coordinates": [[x, y], [x + 0.001, y]]}
    elif kind == "hamlets":
        geom = shapely.geometry.mapping(box(x - 0.001, y - 0.001, x + 0.001, y + 0.001))
    path = fx.write_raw_geojson(tmp_path / f"{kind}.geojson", [fx.feature(geom, **props)])
    plan = plan_import(loaded, path, kind)
    assert any(p.field == "commune_code" and "unknown commune 'NOPE'" in p.reason
               for p in plan.errors), _messages(plan)


def test_with_no_communes_loaded_the_import_says_positions_were_not_checked(store, tmp_path):
    path = _points(tmp_path, "s.csv", [{"code": "S1", "name": "a"}], [(106.5, 21.0)])
    plan = plan_import(store, path, "sites")
    assert plan.ok
    assert any("positions not cross-checked" in w.reason for w in plan.warnings)


# ---- the wrong VN-2000 zone ----------------------------------------------------------------
def test_the_wrong_vn2000_zone_is_refused_and_the_right_one_named(loaded, tmp_path):
    """Hải Dương x/y in the 105°30' provincial zone (EPSG:9209) imported as UTM 48N
    (EPSG:3405) would land ~50 km west; the message names EPSG:9209."""
    spots = [(LON0 + 0.002 + 0.004 * i, LAT0 + 0.003 + 0.003 * i) for i in range(5)]
    path = _points(tmp_path, "tm3.csv", [{"code": f"S{i}", "name": f"s{i}"} for i in range(5)],
                   spots, crs="EPSG:9209", columns=("x", "y"))
    plan = plan_import(loaded, path, "sites", crs="EPSG:3405")
    assert len(plan.errors) == 1, _messages(plan)
    reason = plan.errors[0].reason
    assert "0/5 points lie in the loaded communes" in reason
    assert "with EPSG:9209 (VN-2000 / TM-3 105-30) 5/5 do" in reason
    assert "--crs EPSG:9209" in reason and "5/5 điểm nằm trong các xã đã nạp" in reason
    good = plan_import(loaded, path, "sites", crs="EPSG:9209")
    assert good.ok and len(good.added) == 5, _messages(good)


# ---- files as people have them ---------------------------------------------------------
def test_windows_1258_csv_with_vietnamese_headers_and_the_commune_by_name(loaded, tmp_path):
    """A CSV saved by Vietnamese Excel: Windows-1258 (tone marks as combining characters),
    headers "Mã", "Tên", "Xã", "Số cử tri", X/Y in VN-2000 TM-3 metres."""
    name = "Nhà văn hóa th\u00f4n \u0110\u1ea1i S\u01a1n"
    rows = [{"Mã": "S1", "Tên": name, "Xã": "xa thu", "Số cử tri": "812"},
            {"Mã": "S2", "Tên": "Điểm 2", "Xã": "Xã Th\u01b0\u0309", "Số cử tri": "640"}]
    cp1258 = [{_cp1258(k): _cp1258(v) for k, v in r.items()} for r in rows]
    pts = [(LON0 + 0.015, LAT0 + 0.005), (LON0 + 0.005, LAT0 + 0.015)]
    path = _points(tmp_path, "cp1258.csv", cp1258, pts, crs="EPSG:9209", columns=("X", "Y"),
                   encoding="cp1258")
    plan = import_layer(loaded, path, "sites", actor="admin", crs="EPSG:9209")
    assert any("Windows-1258" in w.reason for w in plan.warnings)
    s1 = loaded.get("site", "S1")
    assert s1["name"] == unicodedata.normalize("NFC", name) and s1["voters"] == 812
    assert (s1["commune_code"], s1["hamlet_code"]) == ("C1", "C1-H2")
    assert loaded.get("site", "S2")["commune_code"] == "C1"


def _cp1258(text: str) -> str:
    """Text as Windows-1258 writes it: base letters (ư, ơ, â …) with tone marks apart."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and ch not in tones and out:
            out[-1] = unicodedata.normalize("NFC", out[-1] + ch)
        else:
            out.append(ch)
    return "".join(out)


def test_surveyor_order_xlsx_with_vietnamese_headers_is_swapped_with_a_warning(
        loaded, tmp_path):
    """A survey table: "Mã điểm", "Tên điểm", "Thôn" by name, X = northing, Y = easting."""
    spots = [(LON0 + 0.005, LAT0 + 0.005), (LON0 + 0.015, LAT0 + 0.015)]
    pts = gpd.GeoSeries([Point(x, y) for x, y in spots], crs=4326).to_crs("EPSG:9209")
    frame = pd.DataFrame({"Mã điểm": ["S1", "S2"], "Tên điểm": ["Điểm 1", "Điểm 2"],
                          "Thôn": ["An Cư", "thon co dung"],
                          "X": pts.y.round(3), "Y": pts.x.round(3)})
    path = tmp_path / "khao-sat.xlsx"
    frame.to_excel(path, index=False)
    plan = import_layer(loaded, path, "sites", actor="admin", crs="EPSG:9209")
    assert any("surveyor order" in w.reason and "swapped" in w.reason for w in plan.warnings)
    assert [loaded.get("site", c)["hamlet_code"] for c in ("S1", "S2")] == ["C1-H1", "C1-H4"]
    assert loaded.get("site", "S1")["lon"] == pytest.approx(spots[0][0], abs=1e-6)


def test_a_hamlet_file_naming_its_commune_by_name_or_not_at_all(store, tmp_path):
    import_layer(store, fx.write(fx.commune(), tmp_path / "c.geojson"), "communes",
                 actor="admin")
    by_name = fx.hamlets().drop(columns="commune_code").assign(commune="Thử")
    fx.write(by_name.iloc[:2], tmp_path / "h1.geojson")
    import_layer(store, tmp_path / "h1.geojson", "hamlets", actor="admin")
    fx.write(fx.hamlets().drop(columns="commune_code").iloc[2:], tmp_path / "h2.geojson")
    import_layer(store, tmp_path / "h2.geojson", "hamlets", actor="admin")
    hamlets = load_layer(store, "hamlets")
    assert hamlets["commune_code"].tolist() == ["C1"] * 4
    unknown = fx.hamlets().drop(columns="commune_code").assign(commune="Xã Không Có")
    plan = plan_import(store, fx.write(unknown, tmp_path / "h3.geojson"), "hamlets")
    assert "no loaded commune named 'Xã Không Có'" in _messages(plan)


# ---- boundary files ----------------------------------------------------------------------
def _gadm(tmp_path, names: list[tuple[str, str, str, str]]):
    feats = []
    for k, (gid, name, district, province) in enumerate(names):
        x = LON0 + 0.03 * k
        feats.append(fx.feature(shapely.geometry.mapping(box(x, LAT0, x + 0.02, LAT0 + 0.02)),
                                GID_3=gid, NAME_3=name, NAME_2=district, NAME_1=province,
                                VARNAME_3=unicodedata.normalize("NFD", name).encode(
                                    "ascii", "ignore").decode(), TYPE_3="Xã",
                                GID_2="x", NAME_0="VietNam"))
    return fx.write_raw_geojson(tmp_path / "gadm41_VNM_3.json", feats)


def test_gadm_names_get_their_spaces_back_with_aliases_and_types(store, tmp_path):
    path = _gadm(tmp_path, [("VNM.22.7.1_1", "AnPhụ", "KinhMôn", "HảiDương"),
                            ("VNM.1.1.1_1", "Phường1", "QuậnBaĐình", "HàNội"),
                            ("VNM.57.1.1_1", "AnPhụ", "CẩmThủy", "ThanhHóa")])
    plan = import_layer(store, path, "communes", actor="admin")
    assert plan.read.source_format == "gadm"
    communes = load_layer(store, "communes").set_index("code")
    assert communes.loc["VNM.22.7.1_1", ["name", "district", "province", "type", "aliases"]
                        ].tolist() == ["An Phụ", "Kinh Môn", "Hải Dương", "Xã", "AnPhu"]
    assert communes.loc["VNM.1.1.1_1", "name"] == "Phường 1"
    labels = commune_labels(communes.reset_index())
    # "An Phụ" is in two provinces: the label says which; a unique name stands alone.
    assert labels["VNM.22.7.1_1"] == "An Phụ (Kinh Môn, Hải Dương)"
    assert labels["VNM.57.1.1_1"] == "An Phụ (Cẩm Thủy, Thanh Hóa)"
    assert labels["VNM.1.1.1_1"] == "Phường 1"


def test_two_level_2025_boundaries_import(store, tmp_path):
    feats = [fx.feature(shapely.geometry.mapping(box(LON0, LAT0, LON0 + 0.02, LAT0 + 0.02)),
                        ADM2_PCODE="VN30001", ADM2_VI="Xã An Phụ", ADM2_EN="An Phu",
                        ADM1_VI="Thành phố Hải Phòng", ADM1_PCODE="VN30")]
    plan = import_layer(store, fx.write_raw_geojson(tmp_path / "adm2.geojson", feats),
                        "communes", actor="admin")
    assert plan.read.source_format == "hdx-2-level"
    row = load_layer(store, "communes").iloc[0]
    assert (row["code"], row["name"], row["province"], row["district"], row["aliases"]) == (
        "VN30001", "Xã An Phụ", "Thành phố Hải Phòng", None, "An Phu")
    assert row["admin_set"].startswith("2025")


def test_antt_layers_counts_what_is_stored_after_repeated_imports(store, tmp_path):
    path = fx.write(fx.commune(), tmp_path / "c.geojson")
    for _ in range(3):
        import_layer(store, path, "communes", actor="admin")
    summary = store.layer_summary().set_index("kind")
    assert summary.loc["communes", "features"] == 1
    assert summary.loc["communes", "communes"] == 1


def test_an_identical_zipped_shapefile_is_unchanged_whatever_its_single_or_multi_type(
        store, tmp_path):
    import_layer(store, fx.write(fx.commune(), tmp_path / "c.geojson"), "communes",
                 actor="admin")
    multi = fx.commune()
    multi["geometry"] = [MultiPolygon([g]) for g in multi.geometry]
    shp = tmp_path / "shp"
    shp.mkdir()
    multi.to_file(shp / "communes.shp", engine="pyogrio")
    zipped = tmp_path / "communes.shp.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for f in shp.iterdir():
            z.write(f, f.name)
    plan = plan_import(store, zipped, "communes")
    assert plan.ok and (plan.added, plan.changed, plan.unchanged) == ([], [], ["C1"]), (
        plan.summary())
    moved = fx.commune()
    moved["geometry"] = [shapely.affinity.translate(g, 0.001) for g in moved.geometry]
    plan = plan_import(store, fx.write(moved, tmp_path / "moved.geojson"), "communes")
    assert plan.changed == ["C1"]  # a real change is still one


def test_a_geojson_with_vietnamese_property_names_reads(loaded, tmp_path):
    path = fx.write_raw_geojson(tmp_path / "s.geojson", [fx.feature(
        fx.point(LON0 + 0.005, LAT0 + 0.005), **{"Mã": "S1", "Tên": "Nhà văn hóa", "Số cử tri":
                                                 "500"})])
    plan = import_layer(loaded, path, "sites", actor="admin")
    assert plan.ok and loaded.get("site", "S1")["voters"] == 500
    assert json.loads(json.dumps(plan.summary()))


def test_an_incident_outside_every_commune_is_refused_with_the_nearest_or_flagged(
        loaded, tmp_path):
    from geo import incidents as inc

    from ..conftest import report_args

    far = report_args(lon=LON0 + 2 * D + 0.03, lat=LAT0 + 0.01)  # ~3 km east of C1
    with pytest.raises(Invalid, match=r"outside every loaded commune: the nearest is Xã Thử "
                                      r"\(C1\), 3\.\d km away"):
        inc.report(loaded, **far)
    assert loaded.incidents().empty
    row = inc.report(loaded, **far, outside=True)
    detail = json.loads(loaded.events("incident", row["id"])["detail"].iloc[0])
    assert detail["outside_communes"] is True and detail["nearest_commune"] == "C1"
    inside = inc.report(loaded, **report_args(lon=LON0 + 0.005, lat=LAT0 + 0.005))
    assert (inside["commune_code"], inside["hamlet_code"]) == ("C1", "C1-H1")


def test_outside_lets_an_operator_record_a_point_beyond_the_border_and_says_so(loaded):
    """``--outside`` always lets an operator record a real incident: a point beyond the
    outline's band (here in Laos, Vientiane) is refused without it, recorded with it and
    flagged in its event; a point that is no position at all is refused either way."""
    from geo import incidents as inc
    from geo.event_text import Names, detail_text

    from ..conftest import report_args

    vientiane = report_args(lon=102.6331, lat=17.9757)
    with pytest.raises(Invalid, match="outside Vietnam"):
        inc.report(loaded, **vientiane)
    assert loaded.incidents().empty
    row = inc.report(loaded, **vientiane, outside=True)
    detail = loaded.events("incident", row["id"])["detail"].iloc[0]
    assert json.loads(detail)["outside_vietnam"] is True
    assert detail_text(detail, Names(), "vi").startswith("Ngoài lãnh thổ Việt Nam")
    with pytest.raises(Invalid, match="not in degrees"):
        inc.report(loaded, **report_args(lon=585_000, lat=2_320_000), outside=True)
