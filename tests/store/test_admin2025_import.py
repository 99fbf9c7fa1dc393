"""Files named by the 2025 units (issue 30, points 4 and 5): GADM's names and types spelt
as people write them."""

from __future__ import annotations

import shapely
from shapely.geometry import box

from geo.analysis.places import load_layer
from geo.io.importer import import_layer

from .. import geofixtures as fx

LON0, LAT0, D = fx.LON0, fx.LAT0, fx.D


def _square(k: int):
    x = LON0 + 0.03 * k
    return box(x, LAT0, x + 0.02, LAT0 + 0.02)


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
