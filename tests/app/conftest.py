"""App tests: the dashboard through Streamlit's AppTest on a real store. Fixtures shared with
tests/store come from the helper modules."""

import pytest
from streamlit.testing.v1 import AppTest

from geo import accounts

from ..conftest import ROOT, make_account
from ..helpers_operations import demo  # noqa: F401
from ..helpers_review import scenario  # noqa: F401
from ..helpers_unusable_db import good_bytes  # noqa: F401

APP = str(ROOT / "dashboard" / "app.py")


@pytest.fixture
def app(demo, monkeypatch):  # noqa: F811 - demo is the fixture imported above
    """``app(page, account=commander)``: an AppTest of one page, logged in, on the demo."""
    monkeypatch.setenv("ANTT_DB", demo.path)

    who = make_account(demo, "commander", username="trucban1", display_name="Trực ban 1")

    def open_page(page: str, account: accounts.Account = who) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["session_token"] = accounts.start_session(demo, account)
        at.run()
        if account.role != "field":  # a hamlet team has the field page and nothing else
            at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, at.exception
        return at
    return open_page
