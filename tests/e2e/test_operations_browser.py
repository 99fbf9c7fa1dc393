"""Operations in a real browser: log on the operator page and see it on the live map; only
legal moves on the board; a double click saves once; the field page on a phone."""

from __future__ import annotations

import pytest

from geo.analysis.places import load_layer

from .conftest import ARTIFACTS
from .test_live_browser import _settled

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _main(page):
    """The page's main area (the sidebar has widgets with the same labels)."""
    return page.get_by_test_id("stMain")


# No script run going on or asked for, nothing left stale from one (Streamlit's own state:
# a run asked for by a widget keeps the app out of "notRunning" until the run is over).
RUNS_OVER = """() => document.querySelector('[data-testid="stApp"]')
    ?.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelectorAll('.stale-element').length === 0"""


def _idle(page) -> None:
    """Wait for the script run to finish (stale elements linger while it runs)."""
    page.wait_for_timeout(300)  # for the run to start, not an assertion
    page.wait_for_function(RUNS_OVER, timeout=30_000)


def _choose(page, label: str, text: str) -> None:
    """Pick an option in a Streamlit selectbox in the main area by typing part of it."""
    _idle(page)
    _main(page).get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    _idle(page)


def _operator_ready(open_page, dashboard, site_name: str, username: str):
    session = dashboard.session("operator", username=username, display_name="Trực ban E2E")
    b = open_page(dashboard.url + "/operator", session=session)
    page = b.page
    _main(page).get_by_text("Điểm bỏ phiếu", exact=True).first.click()
    # The run the choice asked for draws the sites' picker.
    _main(page).get_by_role("combobox", name="Điểm bỏ phiếu", exact=True).wait_for(
        timeout=30_000)
    _choose(page, "Điểm bỏ phiếu", site_name)
    _choose(page, "Loại vụ việc", "Cháy")
    return b


def _new_ids(store, before: set[int]) -> list[int]:
    ids = set(store.incidents()["id"])
    store.close()
    return sorted(ids - before)


def log_fire(open_page, dashboard, username: str, before: set[int]):
    """An operator logs a fire at Huề Trì on the operator page: the browser and the one
    new incident's id."""
    b = _operator_ready(open_page, dashboard, "Huề Trì", username)
    _main(b.page).get_by_label("Nội dung").fill("Khói bốc lên sau nhà văn hóa")
    _main(b.page).get_by_role("button", name="Ghi vụ việc").click()
    b.page.get_by_text("Đã ghi vụ việc số #").wait_for(timeout=20_000)
    new = _new_ids(dashboard.store, before)
    assert len(new) == 1
    return b, new[0]


def test_log_on_operator_page_then_see_it_on_the_live_map(dashboard, open_page):
    store = dashboard.store
    before = set(store.incidents()["id"])
    store.close()
    b, new_id = log_fire(open_page, dashboard, "trucban-e2e", before)
    row = store.get("incident", new_id)
    store.close()
    assert row["kind"] == "fire" and row["created_by"] == "trucban-e2e"  # the account
    assert row["description"] == "Khói bốc lên sau nhà văn hóa"
    live = open_page(dashboard.url + "/", session=dashboard.session("viewer"))
    frame = _settled(live)
    frame.wait_for_selector(f".antt-incident[data-id='{row['id']}']", state="attached",
                            timeout=30_000)
    assert b.errors == [] and b.blocked == [] and live.errors == []


def test_double_click_on_save_logs_one_incident(dashboard, open_page):
    store = dashboard.store
    before = set(store.incidents()["id"])
    store.close()
    b = _operator_ready(open_page, dashboard, "Thôn 2", "trucban-e2e-2")
    _main(b.page).get_by_label("Nội dung").fill("Bấm hai lần")
    _main(b.page).get_by_role("button", name="Ghi vụ việc").dblclick()
    b.page.get_by_text("Đã ghi vụ việc số #").wait_for(timeout=20_000)
    # Both clicks were sent before the message showed; once every run they asked for is
    # over, a second submission has landed or never will.
    b.page.wait_for_function(RUNS_OVER, timeout=30_000)
    assert len(_new_ids(store, before)) == 1


def test_board_shows_only_legal_moves(dashboard, open_page):
    b = open_page(dashboard.url + "/board", session=dashboard.session("commander"))
    _main(b.page).get_by_role("button", name="xác minh").wait_for(timeout=30_000)
    _idle(b.page)
    labels = {x.strip() for x in _main(b.page).get_by_role("button").all_inner_texts()}
    # The most urgent open incident is "reported": verify, escalate, false alarm, note.
    assert {"xác minh", "chuyển cấp trên", "báo sai"} <= labels
    assert not labels & {"có mặt", "đã xử lý", "đóng", "điều lực lượng"}


def test_field_page_on_a_phone(dashboard, open_page):
    ARTIFACTS.mkdir(exist_ok=True)
    session = dashboard.session("field", username="to-e2e", communes="10732",
                                unit="10732-TEAM1", site="10732-S01")
    b = open_page(dashboard.url + "/", width=390, height=844, session=session)
    b.page.get_by_role("button", name="Gửi báo cáo").wait_for(timeout=20_000)
    send = b.page.get_by_role("button", name="Gửi báo cáo").bounding_box()
    assert send["width"] >= 300 and send["height"] >= 38  # a big button on a 390 px screen
    b.page.screenshot(path=str(ARTIFACTS / "field-390x844.png"), full_page=True)
    assert (ARTIFACTS / "field-390x844.png").stat().st_size > 20_000
    assert load_layer(dashboard.store, "sites").shape[0] == 19
    assert b.errors == [] and b.blocked == []
