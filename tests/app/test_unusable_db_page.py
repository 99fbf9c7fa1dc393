"""The dashboard given a damaged database: one clear message, never a traceback."""

from __future__ import annotations

import pytest

from ..conftest import ROOT
from ..helpers_unusable_db import _damaged


@pytest.mark.parametrize("kind", ["truncated", "text file"])
def test_dashboard_explains_an_unusable_database(tmp_path, good_bytes, monkeypatch, kind):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "bad.duckdb"
    db.write_bytes(_damaged(kind, good_bytes))
    monkeypatch.setenv("ANTT_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith("Không mở được cơ sở dữ liệu")
    assert "Traceback" not in at.error[0].value and str(ROOT) not in at.error[0].value
