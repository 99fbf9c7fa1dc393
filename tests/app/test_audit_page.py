"""The audit page (Streamlit AppTest): events by user, for commanders only."""

from __future__ import annotations

import pytest

from geo import incidents as inc
from geo.event_text import entity_text, names_of

from ..conftest import make_account, report_args


def test_audit_page_lists_events_by_user_for_commanders_only(staffed, monkeypatch):
    from ..conftest import app_as

    monkeypatch.setenv("ANTT_DB", staffed.path)
    op = make_account(staffed, "operator", username="tb", display_name="Trực ban 1")
    inc.report(staffed, **report_args(actor=op))
    at = app_as(staffed, "commander").run()
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="audit_user").set_value("tb").run()
    table = at.dataframe[0].value
    assert set(table["Người thực hiện"]) == {"Trực ban 1"}
    assert {"Đăng nhập", "tiếp nhận"} <= set(table["Thao tác"])
    viewer = app_as(staffed, "viewer").run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        viewer.switch_page("app_pages/audit.py")


def test_audit_page_pages_through_a_flood_and_keeps_operations_apart(staffed, monkeypatch):
    """2,200 failed logins no longer push the operations out: the operations category
    shows every one of them, the caption says which events of how many are on screen,
    and the pages reach the oldest event."""
    from ..conftest import app_as

    monkeypatch.setenv("ANTT_DB", staffed.path)
    op = make_account(staffed, "operator", username="tb", display_name="Trực ban 1")
    for description in ("Tụ tập trước nhà văn hóa", "Mất trộm ở chợ"):
        inc.report(staffed, **report_args(actor=op, description=description))
    staffed.transact(lambda tx: [tx.note_event("ke-la", "login_failed", "ke-la")
                                 for _ in range(2200)])
    at = app_as(staffed, "commander").run()
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception, at.exception
    log = staffed.events()
    n = len(log)

    def shown() -> str:
        return at.caption[0].value

    assert shown() == f"Sự kiện 1–100 trong tổng số {n} (mới nhất trước)"
    assert len(at.dataframe[0].value) == 100
    assert at.get("download_button")[0].label == f"Tải CSV (cả {n} sự kiện đã lọc)"
    at.number_input(key="audit_page").increment().run()
    assert shown().startswith("Sự kiện 101–200 ")
    at.selectbox(key="audit_size").set_value(500).run()  # a new size starts at page 1
    assert shown().startswith("Sự kiện 1–500 ")
    pages = -(-n // 500)
    at.number_input(key="audit_page").set_value(pages).run()
    first = (pages - 1) * 500 + 1
    assert shown() == f"Sự kiện {first}–{n} trong tổng số {n} (mới nhất trước)"
    assert len(at.dataframe[0].value) == n - first + 1
    oldest = log.iloc[0]
    # What an event is about, in words: "Tổ: Tổ tuần tra 1", never "unit T1".
    shown_entity = at.dataframe[0].value["Đối tượng"]
    assert shown_entity.iloc[-1] == entity_text(oldest.entity, oldest.entity_id,
                                                names_of(staffed))
    assert not shown_entity.str.match(r"^(unit|site|session|incident|user) ").any()
    assert not at.dataframe[0].value["Chi tiết"].str.contains("{", regex=False).any()

    at.selectbox(key="audit_category").set_value("operations").run()
    operations = log[log["entity"].isin({"incident", "site", "unit"})]
    assert at.number_input(key="audit_page").value == 1
    assert shown() == (f"Sự kiện 1–{len(operations)} trong tổng số {len(operations)} "
                       "(mới nhất trước)")
    table = at.dataframe[0].value
    assert len(table) == len(operations) and "Đăng nhập sai" not in set(table["Thao tác"])
    assert list(table["Thao tác"]).count("tiếp nhận") == 2

    at.selectbox(key="audit_category").set_value("security").run()
    at.selectbox(key="audit_action").set_value("login_failed").run()
    assert shown().endswith("trong tổng số 2200 (mới nhất trước)")
    assert set(at.dataframe[0].value["Thao tác"]) == {"Đăng nhập sai"}
    assert at.get("download_button")[0].label == "Tải CSV (cả 2200 sự kiện đã lọc)"
    assert not at.exception, at.exception
