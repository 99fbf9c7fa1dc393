"""Every page a role has opens at its own address: "/live" and, for a hamlet team's
phone, "/field" (bookmarked, typed, or sent in a message) show the page, not Streamlit's
"page not found" dialog over the first page."""

from __future__ import annotations

import pytest

from .test_operations_browser import RUNS_OVER

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("path,role,account,ready", [
    ("/live", "viewer", {}, "stMain"),
    ("/field", "field", {"communes": "10732", "unit": "10732-TEAM1", "site": "10732-S01"},
     "stMain"),
    ("/board", "commander", {}, "stMain"),
])
def test_a_page_opens_at_its_own_address(dashboard, open_page, path, role, account, ready):
    b = open_page(dashboard.url + path, session=dashboard.session(role, **account),
                  width=390 if role == "field" else 1920,
                  height=844 if role == "field" else 1080)
    page = b.page
    page.get_by_test_id(ready).get_by_role("heading").first.wait_for(timeout=30_000)
    page.wait_for_function(RUNS_OVER, timeout=30_000)
    assert page.get_by_text("Không tìm thấy trang").count() == 0
    assert page.get_by_text("Page not found").count() == 0
    assert page.url.split("?")[0].endswith(path)
    assert b.errors == []
