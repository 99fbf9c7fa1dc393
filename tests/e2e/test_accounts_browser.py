"""Accounts in a real browser: the login page comes first; an operator logs in, logs an
incident and its timeline names the account; F5 keeps the session; a wall token shows the
map and nothing that writes; a viewer sees no write buttons; a field account on a phone
sees the field page only; a display name with markup shows as text."""

from __future__ import annotations

import pytest

from geo import accounts

from ..conftest import make_account
from .conftest import ARTIFACTS
from .test_operations_browser import _choose, _idle, _main

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "mat-khau-e2e-dai"


def _add(dashboard, name: str, role: str, display: str, **kw) -> None:
    accounts.add_user(dashboard.store, "setup", username=name, role=role, password=PASSWORD,
                      display_name=display, **kw)
    dashboard.store.close()


def _log_in(page, name: str, password: str = PASSWORD, *, succeeds: bool = True):
    """Log in through the form. When it *succeeds*, wait for the page to exchange its
    ticket for the HttpOnly cookie (an F5 or a new URL right after would cancel that
    request) and return that response."""
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(password)
    if not succeeds:
        page.get_by_role("button", name="Đăng nhập").click()
        return None
    with page.expect_response(lambda r: r.url.endswith("/api/session")
                              and r.request.method == "POST", timeout=30_000) as posted:
        page.get_by_role("button", name="Đăng nhập").click()
    return posted.value


def test_login_first_then_operator_logs_and_timeline_names_the_account(dashboard, open_page):
    display = "Trực ban <img src=x onerror=alert(1)> Hải"
    _add(dashboard, "tb-login", "operator", display)
    b = open_page(dashboard.url + "/operator")
    page = b.page
    page.get_by_role("heading", name="Đăng nhập — ANTT bầu cử").wait_for(timeout=30_000)
    assert page.get_by_test_id("stSidebarNav").count() == 0  # no page before login
    _log_in(page, "tb-login", "sai-mat-khau", succeeds=False)
    page.get_by_text("Đăng nhập không thành công").wait_for(timeout=30_000)
    _log_in(page, "tb-login")
    page.get_by_text("Đăng nhập: Trực ban").wait_for(timeout=30_000)
    assert page.get_by_text("Deploy").count() == 0  # client.toolbarMode = "minimal"
    assert page.get_by_text("Clear cache").count() == 0
    # F5: a new Streamlit session, the same login (the HttpOnly cookie).
    page.reload()
    page.get_by_text("Đăng nhập: Trực ban").wait_for(timeout=30_000)
    page.goto(dashboard.url + "/operator")
    _main(page).get_by_text("Điểm bỏ phiếu", exact=True).first.click()
    _idle(page)
    _choose(page, "Điểm bỏ phiếu", "Huề Trì")
    _choose(page, "Loại vụ việc", "Cháy")
    _main(page).get_by_role("button", name="Ghi vụ việc").click()
    page.get_by_text("Đã ghi vụ việc số #").wait_for(timeout=30_000)
    mine = dashboard.store.incidents()
    dashboard.store.close()
    assert (mine["created_by"] == "tb-login").sum() == 1  # the account, not typed text
    # The board's timeline is a canvas grid the browser cannot read: that it names the
    # account is checked by AppTest, tests/app/test_operations_pages.py
    # ::test_board_timeline_shows_the_accounts_display_name.
    assert b.dialogs == []  # the <img onerror> never ran
    assert page.locator("img[src='x']").count() == 0
    assert "Đăng nhập: Trực ban <img src=x onerror=alert(1)> Hải" in page.inner_text("body")
    events = dashboard.store.audit(actor="tb-login")
    dashboard.store.close()
    assert {"login", "login_failed", "report"} <= set(events["action"])


def test_wall_token_shows_the_map_and_nothing_that_writes(dashboard, open_page):
    admin = make_account(dashboard.store, "admin", username="admin-e2e")
    row, token = accounts.create_wall_token(dashboard.store, admin, "Màn hình", ["10732"])
    dashboard.store.close()
    b = open_page(f"{dashboard.url}/?wall=1&token={token}&commune=10732")
    b.map_frame()  # the live map is there
    assert b.page.get_by_role("button", name="Ghi vụ việc").count() == 0
    # Another page's URL: not registered for a wall token, so no operator form appears.
    b.page.goto(f"{dashboard.url}/operator?wall=1&token={token}")
    b.map_frame()
    assert b.page.get_by_role("button", name="Ghi vụ việc").count() == 0
    assert b.page.get_by_text("Tiếp nhận vụ việc").count() == 0
    # Revoked: the screen goes to the login page at its next refresh, by itself.
    accounts.revoke_wall_token(dashboard.store, admin, row["id"])
    dashboard.store.close()
    b.page.get_by_role("heading", name="Đăng nhập — ANTT bầu cử").wait_for(timeout=60_000)


def test_viewer_sees_no_write_buttons(dashboard, open_page):
    b = open_page(dashboard.url + "/board", session=dashboard.session("viewer"))
    page = b.page
    _main(page).get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    _idle(page)
    labels = {x.strip() for x in _main(page).get_by_role("button").all_inner_texts()}
    assert not labels & {"xác minh", "chuyển cấp trên", "báo sai", "điều lực lượng",
                         "Thêm ghi chú"}
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "Tiếp nhận vụ việc" not in nav


def test_field_account_on_a_phone_sees_only_the_field_page(dashboard, open_page):
    ARTIFACTS.mkdir(exist_ok=True)
    _add(dashboard, "to-phone", "field", "Tổ ANTT thôn Huề Trì", communes="10732",
         unit_code="10732-TEAM1", site_code="10732-S01")
    b = open_page(dashboard.url + "/board", width=390, height=844)
    _log_in(b.page, "to-phone")
    b.page.get_by_role("button", name="Gửi báo cáo").wait_for(timeout=30_000)
    assert b.page.get_by_test_id("stSidebarNav").count() == 0  # one page: no menu
    b.page.goto(dashboard.url + "/board")  # the board's URL: not a field account's page
    b.page.get_by_role("button", name="Gửi báo cáo").wait_for(timeout=30_000)
    assert b.page.get_by_text("Xử lý vụ việc").count() == 0
    b.page.screenshot(path=str(ARTIFACTS / "field-login-390x844.png"), full_page=True)
