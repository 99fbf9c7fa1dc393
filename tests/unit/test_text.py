import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from geo.checks.text import clean_text, fold, matches, nfc


def test_fold_examples():
    assert fold("Cổ Dũng") == "co dung"
    assert fold("An Phụ") == "an phu"
    assert fold("ĐẠI SƠN") == "dai son"
    assert fold("  Kinh   Môn ") == "kinh mon"


def test_search_with_and_without_diacritics():
    assert matches("Co Dung", "xã Cổ Dũng, huyện Kim Thành")
    assert matches("an phu", "An Phụ")
    assert matches("đại sơn", "Thôn Đại Sơn")
    assert matches("Dai Son", "Thôn Đại Sơn")
    assert not matches("An Phu", "Cổ Dũng")


def test_nfd_input_is_stored_as_nfc():
    decomposed = unicodedata.normalize("NFD", "Cẩm Tân")
    assert decomposed != "Cẩm Tân"
    assert clean_text(decomposed) == "Cẩm Tân"
    assert nfc(decomposed) == "Cẩm Tân"


@given(st.text())
def test_fold_is_idempotent_and_ascii_for_vietnamese(s):
    assert fold(fold(s)) == fold(s)


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩị"
                        "òóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ "))
def test_folded_vietnamese_is_plain_ascii(s):
    assert fold(s).isascii()
    assert matches(fold(s), s)
