"""The incident board on a duty shift, in a real browser: an idle board shows an incident
written elsewhere without anyone touching it and keeps the incident being looked at; an
urgent one raises a banner (and beeps, once the sound is switched on) until an operator
acknowledges it; resolve then close, without touching a filter."""

from __future__ import annotations

import time

import pytest

from geo import incidents as inc
from geo.analysis.places import load_layer

from ..conftest import make_account
from .conftest import ARTIFACTS, REFRESH_S

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT = 30_000
PICKER = "Vụ việc đang xem (khẩn nhất ở đầu)"


def _picked(page) -> str:
    """The incident the board's picker shows."""
    return page.get_by_test_id("stMain").get_by_role("combobox", name=PICKER).input_value()


def test_the_board_on_duty(dashboard, open_page):
    store = dashboard.store
    site = load_layer(store, "sites").sort_values("code").iloc[0]
    hamlet_team = make_account(store, "operator", username="to_antt_1",
                               communes=site["commune_code"], display_name="Tổ ANTT thôn")
    first = inc.report(store, kind="other", severity=1, lon=site.geometry.x,
                       lat=site.geometry.y, source="hamlet_team", actor=hamlet_team,
                       description="Vụ đang xem", site_code=site["code"])
    row = inc.verify(store, first["id"], expected_version=first["version"], actor=hamlet_team)
    row = inc.dispatch(store, first["id"], f"{site['commune_code']}-TEAM1",
                       expected_version=row["version"], actor=hamlet_team)
    inc.move(store, first["id"], "arrive", expected_version=row["version"], actor=hamlet_team)
    store.close()

    token = dashboard.session("commander", username="trucban_bang",
                              display_name="Trực ban bảng")
    b = open_page(dashboard.url + "/board", session=token)
    page = b.page
    main = page.get_by_test_id("stMain")
    main.get_by_text("Đang xử lý (1)").wait_for(timeout=TIMEOUT)
    assert _picked(page) == f"#{first['id']}"
    # The sound switch: the click that lets the browser play sound on this page.
    page.get_by_test_id("stSidebar").get_by_text("Âm báo khi có vụ việc khẩn").click()
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=TIMEOUT)

    # An urgent incident logged elsewhere (the CLI, another operator): nobody touches
    # the board.
    urgent = inc.report(store, kind="fire", severity=4, lon=site.geometry.x + 0.001,
                        lat=site.geometry.y, source="citizen_tip", actor=hamlet_team,
                        description="Cháy rơm sau nhà văn hóa")
    store.close()
    written = time.monotonic()
    main.get_by_text("Đang xử lý (2)").wait_for(timeout=TIMEOUT)
    seen = time.monotonic() - written
    banner = page.locator("[class*='st-key-antt-alert-board']")
    banner.get_by_text(f"#{urgent['id']} Cháy, nổ").wait_for(timeout=TIMEOUT)
    print(f"new incident on the idle board after {seen:.1f} s (refresh every {REFRESH_S} s)")
    assert _picked(page) == f"#{first['id']}"  # still the one being looked at
    page.wait_for_function("() => (window.__anttBeeps || 0) >= 1", timeout=TIMEOUT)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "board-alert.png"), animations="disabled")

    # Acknowledged by the operator: the banner goes and the event says who.
    banner.get_by_role("button", name=f"Đã nhận #{urgent['id']}").click()
    page.locator("[class*='st-key-antt-alert-board']").wait_for(state="detached",
                                                                 timeout=TIMEOUT)
    acks = store.events("incident", urgent["id"], action="acknowledge")
    store.close()
    assert list(acks["actor"]) == ["trucban_bang"]

    # Resolve, then close (a commander may), from the board as it is: the resolved one waits under
    # its own heading, and each step says what happened.
    main.get_by_role("button", name="đã xử lý", exact=True).click()
    main.get_by_text(f"Vụ việc #{first['id']}: đã xử lý").wait_for(timeout=TIMEOUT)
    main.get_by_text("Đã giải quyết, chờ kết thúc (1)").wait_for(timeout=TIMEOUT)
    assert _picked(page) == f"#{first['id']}"
    main.get_by_role("button", name="đóng", exact=True).click()
    main.get_by_text(f"Vụ việc #{first['id']}: đóng").wait_for(timeout=TIMEOUT)
    assert store.get("incident", first["id"])["status"] == "closed"
    store.close()
    assert b.errors == [] and b.blocked == []
