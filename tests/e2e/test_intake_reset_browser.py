"""After a report is saved, the operator's form starts empty for the next call: the kind,
what was typed, the place and the severity are not carried over to another incident."""

from __future__ import annotations

import pytest

from .test_operations_browser import RUNS_OVER, _main, log_fire

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_after_saving_the_form_is_empty_for_the_next_call(dashboard, open_page):
    store = dashboard.store
    before = set(store.incidents()["id"])
    store.close()
    b, _ = log_fire(open_page, dashboard, "trucban-reset", before)
    page = b.page
    page.wait_for_function(RUNS_OVER, timeout=30_000)
    main = _main(page)
    assert main.get_by_label("Nội dung").input_value() == ""
    # An empty selectbox shows its placeholder, not the last choice.
    kind = main.get_by_test_id("stSelectbox").filter(has_text="Loại vụ việc").inner_text()
    assert "Loại vụ việc" in kind and "Cháy" not in kind
    site = main.get_by_test_id("stSelectbox").filter(has_text="Điểm bỏ phiếu").inner_text()
    assert "Huề Trì" not in site
    assert main.get_by_text("chưa chọn").count() >= 1  # no place: "Vị trí đã chọn: chưa chọn"
    # The saved report's confirmation is still shown.
    assert page.get_by_text("Đã ghi vụ việc số #").count() == 1
