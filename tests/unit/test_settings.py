from geo.settings import SETTINGS

from ..conftest import ROOT


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if s.env not in readme]
    assert missing == []


def test_settings_are_typed_with_one_default(monkeypatch):
    import pytest

    from geo import settings
    from geo.errors import AnttError

    assert settings.get("checkin_grace") == 1.5 and settings.get("db") == "var/antt.duckdb"
    monkeypatch.setenv("ANTT_TRAVEL_KMH", "40")
    assert settings.get("travel_kmh") == 40.0
    monkeypatch.setenv("ANTT_TRAVEL_KMH", "")  # empty: the default
    assert settings.get("travel_kmh") == 25.0
    monkeypatch.setenv("ANTT_CHECKIN_FAR_M", "abc")
    with pytest.raises(AnttError, match="ANTT_CHECKIN_FAR_M='abc': must be a number"):
        settings.get("checkin_far_m")
