"""The audit page (Streamlit AppTest): events by user, for commanders only."""

from __future__ import annotations

import pytest

from geo import incidents as inc

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
