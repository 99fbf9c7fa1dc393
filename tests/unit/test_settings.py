from geo.settings import SETTINGS

from ..conftest import ROOT


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if s.env not in readme]
    assert missing == []
