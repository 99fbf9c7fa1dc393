"""Each operations page's flow through Streamlit's AppTest on a real store with the demo
layers."""

import pytest
from streamlit.testing.v1 import AppTest

from geo import accounts, units
from geo import incidents as inc
from geo.io.features import load_layer

from ..conftest import ROOT, make_account, report_args

APP = str(ROOT / "dashboard" / "app.py")


# ---- pages ----------------------------------------------------------------------------
@pytest.fixture
def app(demo, monkeypatch):
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


def test_operator_logs_at_a_site_and_a_double_submit_logs_once(app, demo):
    at = app("operator")
    at.radio(key="op_where").set_value("site").run()
    site = demo.frame("site").iloc[0]
    at.selectbox(key="op_pick_site").set_value(site["code"]).run()
    # Values in a form travel with its submit, so they are set in the same run.
    at.selectbox(key="op_kind").set_value("tampering")
    at.text_area(key="op_description").input("Danh sách cử tri bị xé")
    at.main.button[0].click().run()  # the form's submit button
    assert not at.exception
    assert "Đã ghi vụ việc số #1" in at.success[0].value
    at.selectbox(key="op_kind").set_value("tampering")
    at.text_area(key="op_description").input("Danh sách cử tri bị xé")
    at.main.button[0].click().run()  # the same form sent again
    df = demo.incidents()
    assert len(df) == 1
    assert df.iloc[0]["site_code"] == site["code"]
    assert df.iloc[0]["created_by"] == "trucban1"  # the account, never typed text
    assert df.iloc[0]["hamlet_code"] == site["hamlet_code"]


def test_operator_missing_kind_and_location_are_named(app, demo):
    at = app("operator")
    at.main.button[0].click().run()
    errors = " ".join(e.value for e in at.error)
    assert "Chưa chọn vị trí" in errors and "Chưa chọn loại vụ việc" in errors
    assert demo.incidents().empty


def test_without_a_session_only_the_login_page_shows(demo, monkeypatch):
    monkeypatch.setenv("ANTT_DB", demo.path)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value.startswith("Đăng nhập")
    assert [i.label for i in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert not at.sidebar.button  # no page, no logout, nothing to write with


def _labels(at):
    return [b.label for b in at.main.button]


def _in_hamlet(store, code: str):
    """A point inside one of the loaded demo hamlets (so inside its commune too)."""
    return load_layer(store, "hamlets").set_index("code").loc[code, "geometry"] \
        .representative_point()


def test_board_offers_only_legal_moves_and_dispatches_nearest(app, demo):
    spot = _in_hamlet(demo, "10732-H01")
    row = inc.report(demo, **report_args(lon=spot.x, lat=spot.y))
    units.report_position(demo, demo.frame("unit").iloc[0]["code"], spot.x + 0.0001,
                          spot.y + 0.0001, actor="t")
    at = app("board")
    assert at.selectbox(key="board_pick").value == row["id"]
    assert [b for b in _labels(at) if b != "Thêm ghi chú"] == ["xác minh", "chuyển cấp trên",
                                                                "báo sai"]
    at.main.button[0].click().run()  # verify
    assert demo.get("incident", row["id"])["status"] == "verifying"
    assert "điều lực lượng" in _labels(at)
    team = at.radio(key=f"team_{row['id']}").value
    assert team == demo.frame("unit").iloc[0]["code"]  # the one with a position close by
    at.button(key=f"do_dispatch_{row['id']}").click().run()
    assert demo.get("incident", row["id"])["team_code"] == team
    assert demo.get("unit", team)["status"] == "responding"
    assert "có mặt" in _labels(at) and "xác minh" not in _labels(at)


def test_board_stale_write_names_who_changed_it(app, demo):
    row = inc.report(demo, **report_args())
    at = app("board")
    inc.verify(demo, row["id"], expected_version=1, actor="Trực ban 2")  # someone else
    at.button(key=f"do_escalate_{row['id']}").click().run()
    assert any("changed" in w.value or "Trực ban 2" in w.value for w in at.warning), \
        [w.value for w in at.warning]
    assert any("Trực ban 2" in w.value for w in at.warning)
    assert demo.get("incident", row["id"])["status"] == "verifying"


def test_sites_board_suspend_needs_reason(app, demo):
    code = demo.frame("site").iloc[0]["code"]
    at = app("sites")
    at.selectbox(key="sites_pick").set_value(code).run()
    at.button(key=f"site_open_{code}").click().run()
    assert demo.get("site", code)["status"] == "voting"
    at.button(key=f"site_suspend_{code}").click().run()
    assert "phải ghi lý do" in at.error[0].value
    assert demo.get("site", code)["status"] == "voting"
    at.text_input(key=f"reason_{code}").input("Mất điện").run()
    at.button(key=f"site_suspend_{code}").click().run()
    assert demo.get("site", code)["status"] == "suspended"
    assert demo.get("site", code)["reason"] == "Mất điện"


def test_teams_board_and_field_check_in(app, demo):
    unit = demo.frame("unit").iloc[0]
    team = make_account(demo, "field", username="to1", communes=unit["commune_code"],
                        unit=unit["code"])
    at = app("field", team)
    at.radio(key="field_task").set_value("checkin").run()
    at.selectbox(key="field_team").set_value(unit["code"]).run()
    at.button(key="field_checkin").click().run()
    assert not at.exception
    assert "Đã ghi qua chốt" in at.success[0].value
    assert demo.get("unit", unit["code"])["last_checkin_at"] is not None
    at = app("teams")
    at.selectbox(key="teams_pick").set_value(unit["code"]).run()
    at.button(key=f"unit_start_patrol_{unit['code']}").click().run()
    assert demo.get("unit", unit["code"])["status"] == "on_patrol"


def test_field_report_from_a_site(app, demo):
    site = demo.frame("site").iloc[2]
    team = make_account(demo, "field", username="to1", communes=site["commune_code"],
                        site=site["code"])
    at = app("field", team)
    at.radio(key="field_where").set_value("site").run()
    at.selectbox(key="field_pick_site").set_value(site["code"]).run()
    at.selectbox(key="field_kind").set_value("disorder").run()
    at.button(key="field_send").click().run()
    assert not at.exception
    df = demo.incidents()
    assert len(df) == 1 and df.iloc[0]["source"] == "hamlet_team"
    assert df.iloc[0]["site_code"] == site["code"]


def test_board_timeline_shows_the_accounts_display_name(app, demo):
    spot = _in_hamlet(demo, "10732-H02")
    row = inc.report(demo, **report_args(lon=spot.x, lat=spot.y, severity=4))
    ops = make_account(demo, "operator", username="tb9", display_name="Trực ban <b>số 9</b>")
    inc.verify(demo, row["id"], expected_version=1, actor=ops)
    at = app("board")
    at.selectbox(key="board_pick").set_value(row["id"]).run()
    timeline = at.dataframe[-1].value
    assert list(timeline["Người thực hiện"])[-1] == "Trực ban <b>số 9</b>"
