"""The review page (Streamlit AppTest) on the hand-worked scenario."""

from __future__ import annotations


# ---- the page (Streamlit AppTest on the same scenario) ----------------------------------------
def test_review_page_shows_the_figures_and_filters_by_hamlet(scenario, monkeypatch):
    from ..conftest import app_as
    store, _ = scenario
    monkeypatch.setenv("ANTT_DB", store.path)
    at = app_as(store, "commander").run()
    at.switch_page("app_pages/review.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sơ kết, rút kinh nghiệm"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tổng số vụ việc"] == "4"
    assert metrics["Điều lực lượng trong 60 giây"] == "67 %"
    table = at.dataframe[0].value
    assert list(table["Thôn"]) == ["Thôn An Cư", "Thôn Đại Sơn", "Tổng"]
    assert list(table["Số vụ"]) == ["3", "1", "4"]
    # The sidebar's hamlet filter narrows the review.
    at.multiselect(key="f_hamlets").set_value(["C1-H2"]).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Tổng số vụ việc"] == "1"
    assert list(at.dataframe[0].value["Thôn"]) == ["Thôn Đại Sơn", "Tổng"]
