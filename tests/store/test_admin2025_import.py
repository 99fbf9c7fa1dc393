"""Files named by the 2025 units (issue 30, points 4 and 5): communes matched to the 2025
list on import, a commune column that gives a 2025 unit's name or code, the 2021-era
communes told which 2025 unit they are now part of, GADM's names and types spelt as people
write them, and what `antt import` and `antt layers` print of it."""

from __future__ import annotations

import subprocess

import pandas as pd
import shapely
from shapely.geometry import box

from geo.analysis.places import commune_labels, load_layer
from geo.io.importer import import_layer, plan_import

from .. import geofixtures as fx
from ..conftest import PYTHON, ROOT, add_accounts, cli_env

LON0, LAT0, D = fx.LON0, fx.LAT0, fx.D
DEMO_COMMUNES = ROOT / "data" / "communes.geojson"
# Where each demo commune lies (inside its drawn outline).
AN_PHU, CAM_TAN = (106.5168, 20.9877), (105.5419, 20.1258)


def _square(k: int):
    x = LON0 + 0.03 * k
    return box(x, LAT0, x + 0.02, LAT0 + 0.02)


def _communes_2025(store, tmp_path):
    """Two communes of a 2025 boundary file (drawn squares): one by its name and province,
    one by the list's code with a name written without accents; and a commune the list
    does not know."""
    path = fx.write_features(tmp_path / "xa-2025.geojson", [
        ({"code": "HP-BAP", "name": "Bắc An Phụ", "province": "Thành phố Hải Phòng"},
         _square(0)),
        ({"code": "10709072", "name": "Nam An Phu"}, _square(1)),
        ({"code": "HP-X", "name": "Xã Thử", "province": "Hải Phòng"}, _square(2)),
    ])
    return import_layer(store, path, "communes", actor="admin")


def _values(frame: pd.DataFrame, col: str) -> list:
    return [v if isinstance(v, str) else None for v in frame[col]]


def test_communes_of_a_2025_file_are_matched_to_the_list_and_labelled_by_it(store, tmp_path):
    _communes_2025(store, tmp_path)
    communes = load_layer(store, "communes").set_index("code", drop=False).loc[
        ["HP-BAP", "10709072", "HP-X"]]
    assert _values(communes, "unit_2025") == ["10709069", "10709072", None]
    assert _values(communes, "label_2025") == [
        "Phường Bắc An Phụ, Thành phố Hải Phòng", "Xã Nam An Phụ, Thành phố Hải Phòng", None]
    # Shown as the 2025 list names them, wherever a commune's name is shown.
    assert commune_labels(communes) == {"HP-BAP": "Phường Bắc An Phụ",
                                        "10709072": "Xã Nam An Phụ", "HP-X": "Xã Thử"}


def test_a_site_file_names_its_commune_by_a_2025_code_or_name(store, tmp_path):
    _communes_2025(store, tmp_path)
    inside = [_square(0).centroid, _square(1).centroid, _square(0).centroid]
    path = tmp_path / "sites.csv"
    pd.DataFrame({"Mã điểm": ["S1", "S2", "S3"], "Tên điểm": ["NVH 1", "NVH 2", "NVH 3"],
                  "Xã": ["10709069", "Xã Nam An Phụ", "phuong bac an phu"],
                  "Kinh độ": [p.x for p in inside], "Vĩ độ": [p.y for p in inside]}
                 ).to_csv(path, index=False)
    plan = plan_import(store, path, "sites")
    assert plan.ok, plan.errors
    # The list's code of Bắc An Phụ finds the loaded commune HP-BAP, which is that unit.
    assert plan.read.frame["commune_code"].tolist() == ["HP-BAP", "10709072", "HP-BAP"]


def test_a_hamlet_file_names_its_commune_by_a_2025_code(store, tmp_path):
    _communes_2025(store, tmp_path)
    path = fx.write_features(tmp_path / "thon.geojson", [
        ({"code": "H1", "name": "Thôn 1", "commune": "10709069"},
         box(LON0 + 0.002, LAT0 + 0.002, LON0 + 0.008, LAT0 + 0.008))])
    plan = plan_import(store, path, "hamlets")
    assert plan.ok, plan.errors
    assert plan.read.frame["commune_code"].tolist() == ["HP-BAP"]


def test_a_2025_unit_no_loaded_commune_is_gets_a_message_naming_it(store, tmp_path):
    """The demo's 2021-era communes loaded, a site list of 2025 names: each row says which
    2025 unit it names, that no loaded commune is it, and which loaded commune is now part
    of it where the crosswalk knows."""
    import_layer(store, DEMO_COMMUNES, "communes", actor="admin")
    path = tmp_path / "sites.csv"
    pd.DataFrame({"code": ["S1", "S2", "S3"], "name": ["NVH 1", "NVH 2", "NVH 3"],
                  "commune": ["Xã Nam An Phụ", "Phường Trần Liễu", "40115139"],
                  "lon": [AN_PHU[0], AN_PHU[0], CAM_TAN[0]],
                  "lat": [AN_PHU[1], AN_PHU[1], CAM_TAN[1]]}).to_csv(path, index=False)
    plan = plan_import(store, path, "sites")
    said = {p.row: p for p in plan.errors if p.field == "commune"}
    assert said[1].reason == (
        "Xã Nam An Phụ, Thành phố Hải Phòng (2025 list of administrative units, code "
        "10709072): no loaded commune is this unit; import the unit's boundary first, or "
        "give the code or name of a loaded commune")
    assert said[2].reason == (
        "Phường Trần Liễu, Thành phố Hải Phòng (2025 list of administrative units, code "
        "10709068): no loaded commune is this unit; the loaded An Phụ (Thị xã Kinh Môn, "
        "Hải Dương) is now part of it (1669/NQ-UBTVQH15), but only a part; import the "
        "unit's 2025 boundary, or give the loaded commune's code or name")
    assert "the loaded Cẩm Tân (Huyện Cẩm Thủy, Thanh Hóa) is now part of it " \
           "(1686/NQ-UBTVQH15)" in said[3].reason
    # The same in Vietnamese, from the catalogue, as a page or the command line shows it.
    from geo.i18n import message
    assert message(said[2].key, "vi", **said[2].params).startswith(
        "Phường Trần Liễu, Thành phố Hải Phòng (danh mục đơn vị hành chính năm 2025, mã "
        "10709068): không xã nào đã nạp là đơn vị này; xã đã nạp An Phụ (Thị xã Kinh Môn, "
        "Hải Dương) nay thuộc đơn vị này (1669/NQ-UBTVQH15)")
    assert not plan.ok


def test_the_demo_communes_are_told_which_2025_unit_they_are_now_part_of(store):
    plan = import_layer(store, DEMO_COMMUNES, "communes", actor="admin")
    assert plan.notes_2025("en") == [
        "An Phụ: now part of Phường Trần Liễu, Thành phố Hải Phòng "
        "(Resolution 1669/NQ-UBTVQH15)",
        "Cẩm Tân: now part of Xã Cẩm Tân, Tỉnh Thanh Hóa (Resolution 1686/NQ-UBTVQH15)"]
    communes = load_layer(store, "communes").set_index("code")
    assert _values(communes, "part_of_2025") == ["10709068", None, "40115139"]
    assert _values(communes, "unit_2025") == [None, None, None]  # 2021 units, not 2025's
    assert _values(communes, "source_2025") == ["1669/NQ-UBTVQH15", None, "1686/NQ-UBTVQH15"]
    # Their names are theirs: a 2021 commune is not relabelled as the 2025 unit.
    assert commune_labels(communes.reset_index()) == {"10732": "An Phụ", "10762": "Cổ Dũng",
                                                      "15178": "Cẩm Tân"}


def _gadm(tmp_path, rows: list[tuple[str, str, str, str, str]]):
    feats = [fx.feature(shapely.geometry.mapping(_square(k)), GID_3=gid, NAME_3=name,
                        NAME_2=district, NAME_1=province, TYPE_3=kind, VARNAME_3="x",
                        GID_2="x", NAME_0="VietNam")
             for k, (gid, name, district, province, kind) in enumerate(rows)]
    return fx.write_raw_geojson(tmp_path / "gadm41_VNM_3.json", feats)


def test_gadm_types_and_names_are_spelt_as_people_write_them(store, tmp_path):
    path = _gadm(tmp_path, [("G1", "KrôngANa", "KrôngANa", "ĐắkLắk", "Thịtrấn"),
                            ("G2", "PhúThái", "KimThành", "HảiDương", "Thị Trấn"),
                            ("G3", "ĐồngTâm", "ĐồngHỷ", "TháiNguyên", "Trungtâmhuấnluyện"),
                            ("G4", "CẩmTân", "CẩmThủy", "ThanhHóa", "Xã")])
    import_layer(store, path, "communes", actor="admin")
    c = load_layer(store, "communes").set_index("code")
    assert c["type"].tolist() == ["Thị trấn", "Thị trấn", "Trung tâm huấn luyện", "Xã"]
    # A commune's squashed name takes the 2025 list's spelling ("Krông Ana"); the district,
    # which the 2025 list does not have, is split by its capitals ("Krông A Na").
    assert c.loc["G1", ["name", "district", "province"]].tolist() == [
        "Krông Ana", "Krông A Na", "Đắk Lắk"]
    assert c.loc["G2", ["name", "district", "province"]].tolist() == [
        "Phú Thái", "Kim Thành", "Hải Dương"]
    # GADM 4.1 is of the 2021 set: its Cẩm Tân is the old commune, now part of Xã Cẩm Tân.
    assert (c.loc["G4", "unit_2025"], c.loc["G4", "part_of_2025"]) == (None, "40115139")


def _antt(db, *args: str, lang: str = "vi") -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "geo.cli", "--db", str(db), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**cli_env(db), "ANTT_LANG": lang}, stdin=subprocess.DEVNULL)


def test_antt_import_and_layers_say_what_became_of_each_commune_in_2025(tmp_path):
    db = tmp_path / "c.duckdb"
    add_accounts(db, admin="admin")
    r = _antt(db, "--user", "admin", "import", "--kind", "communes",
              str(DEMO_COMMUNES))
    assert r.returncode == 0, r.stderr
    assert ("  An Phụ: nay thuộc Phường Trần Liễu, Thành phố Hải Phòng (theo Nghị quyết "
            "1669/NQ-UBTVQH15)") in r.stdout.splitlines(), r.stdout
    layers = _antt(db, "layers").stdout.splitlines()
    assert layers[1:] == [
        "    An Phụ: nay thuộc Phường Trần Liễu, Thành phố Hải Phòng (theo Nghị quyết "
        "1669/NQ-UBTVQH15)",
        "    Cẩm Tân: nay thuộc Xã Cẩm Tân, Tỉnh Thanh Hóa (theo Nghị quyết 1686/NQ-UBTVQH15)"]
    en = _antt(db, "layers", lang="en").stdout
    assert "    Cẩm Tân: now part of Xã Cẩm Tân, Tỉnh Thanh Hóa (Resolution " \
           "1686/NQ-UBTVQH15)" in en, en
