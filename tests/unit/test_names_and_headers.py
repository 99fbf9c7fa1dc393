"""Names and headers as real files have them: GADM's squashed names, Vietnamese and
English column headers."""

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from geo import admin2025
from geo.io.layers import LayerRead, _canonical_headers, unsquash


def test_gadm_names_get_their_spaces_back():
    assert [unsquash(n) for n in ("AnPhụ", "CổDũng", "KinhMôn", "Phường1", "Phường10",
                                  "ThịTrấnPhúThái", "ĐồngLạc", "HảiDương")] == [
        "An Phụ", "Cổ Dũng", "Kinh Môn", "Phường 1", "Phường 10", "Thị Trấn Phú Thái",
        "Đồng Lạc", "Hải Dương"]
    assert unsquash("") == "" and unsquash(None) is None


def test_capitals_split_before_a_small_letter_and_the_2025_spelling_wins_where_known():
    """GADM's "KrôngANa" is "Krông A Na" (a capital followed by a small letter starts a
    word); as a commune's name, the 2025 list's spelling wins: it writes "Krông Ana"."""
    assert unsquash("KrôngANa") == "Krông A Na"
    assert unsquash("PhườngIV") == "Phường IV" and unsquash("ThịTrấnPhúThái") == \
        "Thị Trấn Phú Thái"
    assert unsquash("KrôngANa", spelt=admin2025.spelling) == "Krông Ana"
    assert unsquash("BắcAnPhụ", spelt=admin2025.spelling) == "Bắc An Phụ"
    assert unsquash("AnPhụ", spelt=admin2025.spelling) == "An Phụ"  # unknown: the rule
    assert unsquash("Krông A Na", spelt=admin2025.spelling) == "Krông A Na"  # spaced: kept


@given(st.lists(st.sampled_from(["An", "Phụ", "Cổ", "Dũng", "Đồng", "Lạc", "Ước", "Ea"]),
                min_size=1, max_size=4))
def test_a_spaced_name_is_left_as_it_is_and_squashing_it_round_trips(words):
    """Words of a capital and small letters (a one-letter word cannot be told apart)."""
    spaced = " ".join(words)
    assert unsquash(spaced) == spaced
    assert unsquash("".join(words)) == spaced


def test_headers_are_matched_in_vietnamese_and_english_whatever_the_accents():
    df = pd.DataFrame(columns=["Mã điểm", "TÊN ĐIỂM", "Kinh độ", "Vi do", "Số cử tri",
                               "Thôn", "Xã", "ghi chú"])
    out = _canonical_headers(df, LayerRead("sites", None))
    assert list(out.columns) == ["code", "name", "lon", "lat", "voters", "hamlet", "commune",
                                 "ghi chú"]
    # A file that already has the schema's name keeps it; the other is left alone.
    both = _canonical_headers(pd.DataFrame(columns=["code", "Mã"]), LayerRead("sites", None))
    assert list(both.columns) == ["code", "Mã"]
