"""The 2025 two-level administrative units as reference data (issue 30): the shipped list,
looking a unit up, its label, the crosswalk from 2021-era communes, unit types as files
write them, and the province drill's names."""

import csv
import hashlib
import json
import re

import numpy as np
import pytest

from geo import admin2025
from geo.admin2025 import ADMIN_2025_DIR

LIST = ADMIN_2025_DIR / "communes-2025.json"


def test_the_shipped_list_has_34_provinces_and_3321_units():
    doc = json.loads(LIST.read_text(encoding="utf-8"))
    assert len(doc) == 34
    assert sum(len(p["phuongxa"]) for p in doc) == 3321
    assert len(admin2025.units()) == 3321 and len(admin2025.provinces()) == 34
    assert len({u.code for u in admin2025.units()}) == 3321  # codes are unique
    assert {u.type for u in admin2025.units()} == {"Xã", "Phường", "Đặc khu"}


def test_the_list_is_the_file_its_readme_names_with_the_attribution_kept():
    readme = " ".join((ADMIN_2025_DIR / "README.md").read_text(encoding="utf-8").split())
    digest = hashlib.sha256(LIST.read_bytes()).hexdigest()
    assert digest in readme
    for words in ("rexin4n15/vietnam-map-34-provinces", "commit 3c8ea21", "MIT licence",
                  "copyright 2025 BYT Team"):
        assert words in readme, words


def test_a_unit_is_found_by_code_and_by_name_with_or_without_its_type_or_accents():
    bac = admin2025.by_code("10709069")
    assert (bac.name, bac.type, bac.bare, bac.province) == (
        "Phường Bắc An Phụ", "Phường", "Bắc An Phụ", "Thành phố Hải Phòng")
    assert admin2025.by_code(10709069) == admin2025.by_code(" 10709069 ") == bac
    assert admin2025.by_code("10732") is None  # a pre-2025 GSO code is not the list's
    nam = admin2025.by_code("10709072")
    for written in ("Xã Nam An Phụ", "Nam An Phụ", "nam an phu", "XÃ NAM AN PHỤ",
                    "Xa Nam An Phu", "  Xã  Nam An Phụ ", "Phường Nam An Phụ"):
        assert admin2025.find(written) == [nam], written
    assert admin2025.match("Cẩm Tân", "Thanh Hóa").code == "40115139"


def test_accents_given_are_respected_and_a_province_tells_namesakes_apart():
    # No 2025 unit is "An Phụ"; "An Phú" is five of them. Without accents, all five.
    assert admin2025.find("An Phụ") == []
    assert len(admin2025.find("An Phu")) == 5
    assert {u.province for u in admin2025.find("an phu")} >= {"Thành phố Hải Phòng",
                                                               "Tỉnh An Giang"}
    # The list writes "Định Hoà"; "Định Hòa" (the tone on the o) is the same name.
    both = admin2025.find("Xã Định Hòa")
    assert len(both) == 2
    assert [u.code for u in admin2025.find("Xã Định Hòa", "Thanh Hóa")] == ["40135071"]
    assert admin2025.match("Xã Định Hòa") is None  # two: not one
    assert admin2025.find("Xã Cẩm Tân", province="Hải Dương") == []  # not a 2025 province


def test_a_unit_is_labelled_with_its_type_and_its_province_spelt_out():
    assert admin2025.by_code("10709069").label == "Phường Bắc An Phụ, Thành phố Hải Phòng"
    assert admin2025.by_code("40115139").label == "Xã Cẩm Tân, Tỉnh Thanh Hóa"
    # The list writes four cities "Tp …": the label spells "Thành phố" out.
    assert not any(p.startswith("Tp ") for p in admin2025.provinces())
    assert admin2025.province_of("TP. Hồ Chí Minh") == "Thành phố Hồ Chí Minh"
    assert admin2025.province_of("hai phong") == "Thành phố Hải Phòng"
    assert admin2025.province_of("Hải Dương") is None  # merged into Hải Phòng in 2025


# ---- the crosswalk -----------------------------------------------------------------------
def test_the_crosswalk_holds_only_the_rows_a_source_supports():
    rows = {(p.old, p.unit.code, p.unit.name, p.source) for p in admin2025.crosswalk()}
    assert rows == {
        ("An Phụ (Thị xã Kinh Môn, Tỉnh Hải Dương)", "10709068", "Phường Trần Liễu",
         "1669/NQ-UBTVQH15"),
        ("Cẩm Tân (Huyện Cẩm Thủy, Tỉnh Thanh Hóa)", "40115139", "Xã Cẩm Tân",
         "1686/NQ-UBTVQH15"),
    }
    with open(ADMIN_2025_DIR / "crosswalk-2025.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            assert re.fullmatch(r"\d{4}/NQ-UBTVQH15", r["source"]), r
            assert "http" in r["evidence"], r
    # Cổ Dũng is left out on purpose (the README says why): nothing is guessed for it.
    assert admin2025.part_of("Cổ Dũng", "Kim Thành", "Hải Dương") is None
    assert "Cổ Dũng" in (ADMIN_2025_DIR / "README.md").read_text(encoding="utf-8")


def test_a_2021_commune_is_found_in_the_crosswalk_however_it_is_written():
    tran_lieu = admin2025.by_code("10709068")
    for args in (("An Phụ", "Kinh Môn", "Hải Dương"),
                 ("Phường An Phụ", "Thị xã Kinh Môn", "Tỉnh Hải Dương"),
                 ("an phu", "kinh mon", "hai duong"),
                 ("An Phụ", None, "Hải Dương")):  # no district: name and province tell
        assert admin2025.part_of(*args).unit == tran_lieu, args
    assert admin2025.part_of("An Phụ", "Cẩm Thủy", "Thanh Hóa") is None
    assert admin2025.part_of("An Phụ", "Kinh Môn", None) is None


def test_a_commune_is_a_2025_unit_or_a_2021_commune_now_part_of_one():
    cam_tan = admin2025.by_code("40115139")
    # By the list's code, whatever else the row says.
    assert admin2025.identify("40115139", "Cẩm Tân") == (cam_tan, None)
    # By name and province, when the row is of the 2025 set (or does not say).
    assert admin2025.identify("X", "Xã Cẩm Tân", None, "Tỉnh Thanh Hóa") == (cam_tan, None)
    assert admin2025.identify("X", "Cẩm Tân", None, "Thanh Hóa", "2025 (tỉnh / xã)") == (
        cam_tan, None)
    # A commune with a district is of the 2021 set: the same name is not the 2025 unit,
    # which merged three communes; the crosswalk says it is now part of it.
    unit, part = admin2025.identify("15178", "Cẩm Tân", "Huyện Cẩm Thủy", "Thanh Hóa",
                                    "2021-2025")
    assert unit is None and part.unit == cam_tan and part.source == "1686/NQ-UBTVQH15"
    assert admin2025.identify("X", "Xã Cẩm Tân", None, None) == (None, None)  # no province


def test_communes_are_annotated_and_described_in_both_languages():
    import pandas as pd

    rows = pd.DataFrame({"code": ["10732", "N1", "C9"],
                         "name": ["An Phụ", "Xã Nam An Phụ", "Xã Thử"],
                         "district": ["Thị xã Kinh Môn", None, "Kinh Môn"],
                         "province": ["Hải Dương", "Thành phố Hải Phòng", "Hải Dương"],
                         "unit_2025": ["forged", None, "10709069"]})
    out = admin2025.annotate_communes(rows)

    def values(col: str) -> list:
        return [v if isinstance(v, str) else None for v in out[col]]

    assert values("unit_2025") == [None, "10709072", None]  # derived, never the file's
    assert values("part_of_2025") == ["10709068", None, None]
    assert values("label_2025") == ["Phường Trần Liễu, Thành phố Hải Phòng",
                                    "Xã Nam An Phụ, Thành phố Hải Phòng", None]
    assert admin2025.describe(out.iloc[0]) == (
        "nay thuộc Phường Trần Liễu, Thành phố Hải Phòng (theo Nghị quyết 1669/NQ-UBTVQH15)")
    assert admin2025.describe(out.iloc[0], "en") == (
        "now part of Phường Trần Liễu, Thành phố Hải Phòng (Resolution 1669/NQ-UBTVQH15)")
    assert admin2025.describe(out.iloc[1]) == (
        "đơn vị hành chính năm 2025: Xã Nam An Phụ, Thành phố Hải Phòng")
    assert admin2025.describe(out.iloc[2]) is None


# ---- types and spellings -----------------------------------------------------------------
def test_unit_types_are_spelt_as_people_write_them_from_a_sourced_list():
    assert admin2025.type_spelling("Thịtrấn") == "Thị trấn"
    assert admin2025.type_spelling("Thị Trấn") == "Thị trấn"
    assert admin2025.type_spelling("Trungtâmhuấnluyện") == "Trung tâm huấn luyện"
    assert admin2025.type_spelling("Xã") == "Xã"
    assert admin2025.type_spelling("Khu Kinh Tế") == "Khu kinh tế"  # not listed: lower case
    assert admin2025.type_spelling(None) is None
    with open(ADMIN_2025_DIR / "unit-types.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            assert r["source"].strip() and r["level"] in ("commune", "district",
                                                          "province"), r


def test_a_squashed_name_takes_the_2025_spelling_where_its_letters_match():
    assert admin2025.spelling("KrôngANa") == "Krông Ana"  # as the 2025 list writes it
    assert admin2025.spelling("BắcAnPhụ") == "Bắc An Phụ"
    assert admin2025.spelling("AnPhụ") is None  # no 2025 unit has these letters
    assert admin2025.spelling("HồChíMinh", "province") == "Hồ Chí Minh"
    assert admin2025.spelling("HảiDương", "province") is None  # not a 2025 province


# ---- the province drill ------------------------------------------------------------------
def test_the_province_drill_names_its_communes_as_hai_phongs_2025_units():
    from geo.drills.simulate import SCALES, _synthetic_places

    n_sites, _, per = SCALES["province"]
    first, _ = _synthetic_places(n_sites, per, np.random.default_rng(1))
    again, _ = _synthetic_places(n_sites, per, np.random.default_rng(2))
    assert first["name"].tolist() == again["name"].tolist()  # deterministic
    hai_phong = [u.name for u in admin2025.units() if u.province == "Thành phố Hải Phòng"]
    assert len(hai_phong) == 114 and len(first) == 200
    assert first["name"].tolist()[:114] == hai_phong
    assert first["name"].iloc[114] == f"{hai_phong[0]} (2)"
    assert first["name"].is_unique
    assert set(first["province"]) == {"Thành phố Hải Phòng"}
    assert all(re.match(r"(Xã|Phường|Đặc khu) ", n) for n in first["name"])


@pytest.mark.parametrize("path", admin2025.data_files(), ids=lambda p: p.name)
def test_the_reference_files_ship_with_the_code(path):
    assert path.is_file() and path.stat().st_size > 0
