"""A session that ends stops every open tab: a board left open before the account is
disabled, its password changed or its user logged out elsewhere writes nothing with its
next click (a button callback runs before the page checks the session; the command
checks it in its transaction) and goes to the login page; a tab whose only activity is
its self-refreshing part (a fragment) goes to the login page by itself."""

from __future__ import annotations

import pytest

from geo import accounts
from geo import incidents as inc
from geo.store import Store

from ..conftest import TEST_PASSWORD, make_account
from .conftest import demo_db, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOGIN = "Đăng nhập — ANTT bầu cử"


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    """A dashboard whose self-refreshing parts wait 10 minutes: what a click does is then
    the click's alone, never a refresh that happened to run first."""
    db = demo_db(tmp_path_factory.mktemp("session-end"))
    with serve(db, ANTT_REFRESH_SECONDS="600") as url:
        yield url, db


def _urgent_incident(store: Store) -> dict:
    site = store.frame("site").iloc[0]
    return inc.report(store, kind="fire", severity=4, lon=float(site["lon"]),
                      lat=float(site["lat"]), source="hotline", actor="setup",
                      commune_code=site["commune_code"], description="Cháy kho")


def _end(store: Store, how: str, username: str) -> None:
    admin = "admin-" + username
    accounts.add_user(store, "setup", username=admin, role="admin", password=TEST_PASSWORD)
    boss = accounts.login(store, admin, TEST_PASSWORD)
    if how == "disable":
        accounts.disable_user(store, boss, username)
    elif how == "passwd":
        accounts.set_password(store, boss, username, "mat-khau-moi-hoan-toan")
    else:  # logging out in another browser ends every session of the account
        accounts.logout(store, accounts.login(store, username, TEST_PASSWORD))


@pytest.mark.parametrize("how", ["disable", "passwd", "logout"])
@pytest.mark.parametrize("button", ["verify", "acknowledge"])
def test_an_open_board_writes_nothing_after_its_session_ends(quiet, open_page, how, button):
    url, db = quiet
    store = Store(db)
    name = f"tb-{how}-{button}"
    who = make_account(store, "operator", username=name)
    row = _urgent_incident(store)
    token = accounts.start_session(store, who)
    store.close()
    b = open_page(url + "/board", session=token)
    page = b.page
    label = "xác minh" if button == "verify" else f"Đã nhận #{row['id']}"
    target = page.get_by_role("button", name=label, exact=True)
    target.first.wait_for(timeout=60_000)
    _end(store, how, name)
    store.close()
    target.first.click()
    page.get_by_role("heading", name=LOGIN).wait_for(timeout=60_000)
    now = store.get("incident", row["id"])
    events = store.events("incident", row["id"])
    store.close()
    assert now["version"] == row["version"] and now["status"] == "reported"
    assert list(events["action"]) == ["report"]  # nothing by this account


def test_a_refreshing_tab_goes_to_the_login_page_by_itself(dashboard, open_page):
    """The incidents list refreshes itself (a fragment): once the viewer is disabled, its
    next refresh shows the login page, with no click."""
    _urgent_incident(dashboard.store)
    token = dashboard.session("viewer", username="xem-disable")
    dashboard.store.close()
    b = open_page(dashboard.url + "/incidents", session=token)
    b.page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    _end(dashboard.store, "disable", "xem-disable")
    dashboard.store.close()
    b.page.get_by_role("heading", name=LOGIN).wait_for(timeout=60_000)
    # The login page's run removes the list's elements when it finishes, a moment after
    # its heading is drawn: wait for that, then the list is gone for good.
    b.page.get_by_test_id("stDataFrame").first.wait_for(state="detached", timeout=60_000)
    assert b.page.get_by_test_id("stDataFrame").count() == 0

