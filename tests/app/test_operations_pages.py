"""Each operations page's flow through Streamlit's AppTest on a real store with the demo
layers."""

from streamlit.testing.v1 import AppTest

from geo import incidents as inc
from geo import units
from geo.analysis.places import load_layer

from ..conftest import ROOT, make_account, report_args

APP = str(ROOT / "dashboard" / "app.py")


# ---- pages ----------------------------------------------------------------------------


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
    # The form starts empty for the next call: place, kind and text are not carried over.
    assert at.selectbox(key="op_pick_site").value is None
    assert at.selectbox(key="op_kind").value is None and at.text_area(
        key="op_description").value == ""
    at.selectbox(key="op_pick_site").set_value(site["code"]).run()
    at.selectbox(key="op_kind").set_value("tampering")
    at.text_area(key="op_description").input("Danh sách cử tri bị xé")
    at.main.button[0].click().run()  # the same form sent again, after its confirmation:
    assert any("Cùng vụ việc?" in w.value for w in at.warning)  # asked, nothing logged
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


def test_operator_position_outside_the_communes_is_refused_in_vietnamese(app, demo):
    at = app("operator")
    at.session_state["op_point"] = (105.0, 21.5)  # a click far from every demo commune
    at.run()
    at.selectbox(key="op_kind").set_value("disorder")
    at.main.button[0].click().run()
    errors = " ".join(e.value for e in at.error)
    assert "Kiểm tra lại vị trí" in errors and "outside" not in errors, errors
    assert demo.incidents().empty


def test_without_a_session_only_the_login_page_shows(demo, monkeypatch):
    monkeypatch.setenv("ANTT_DB", demo.path)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value.startswith("Đăng nhập")
    assert [i.label for i in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert not at.sidebar.button  # no page, no logout, nothing to write with


def _demo_point(demo, k: int = 0) -> dict:
    """A place inside the demo communes (polling site *k*): a report there is accepted."""
    site = demo.frame("site").iloc[k]
    return {"lon": float(site["lon"]), "lat": float(site["lat"])}


def _labels(at):
    return [b.label for b in at.main.button]


def test_board_offers_only_legal_moves_and_dispatches_nearest(app, demo):
    here = _demo_point(demo)
    row = inc.report(demo, **report_args(**here))
    units.report_position(demo, demo.frame("unit").iloc[0]["code"], here["lon"] + 0.0001,
                          here["lat"] + 0.0001,
                          actor="t")
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
    row = inc.report(demo, **report_args(**_demo_point(demo)))
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
    name = demo.get("site", code)["name"]
    assert any(name in s.value and "Tạm dừng" in s.value for s in at.success), \
        [s.value for s in at.success]  # every action says what happened
    assert demo.get("site", code)["reason"] == "Mất điện"


def _phone(app, demo, *, communes: str, **place: str):
    """The field page on a hamlet team's phone (account to1, for one team or one site)."""
    return app("field", make_account(demo, "field", username="to1", communes=communes,
                                     **place))


def test_teams_board_and_field_check_in(app, demo):
    unit = demo.frame("unit").iloc[0]
    at = _phone(app, demo, communes=unit["commune_code"], unit=unit["code"])
    at.radio(key="field_task").set_value("checkin").run()
    at.selectbox(key="field_team").set_value(unit["code"]).run()
    assert at.button(key="field_checkin").disabled  # not before the phone says where it is
    cp = load_layer(demo, "checkpoints").set_index("code").loc[at.radio(key="field_cp").value]
    # The GPS 1 km off; a spot tapped on the checkpoint itself does not count.
    at.session_state["field_gps"] = {"lon": cp.geometry.x + 0.01, "lat": cp.geometry.y,
                                     "accuracy": 5}
    at.session_state["field_point"] = (cp.geometry.x, cp.geometry.y)
    at.run()
    at.button(key="field_checkin").click().run()
    assert any("chỉ ghi qua chốt khi ở trong phạm vi 200 m" in e.value for e in at.error), \
        [e.value for e in at.error]  # the refusal in the page's language, with the distance
    assert demo.get("unit", unit["code"])["last_checkin_at"] is None
    gps = (cp.geometry.x + 0.0005, cp.geometry.y)  # ~50 m: fine
    at.session_state["field_gps"] = {"lon": gps[0], "lat": gps[1], "accuracy": 5}
    at.run()
    at.button(key="field_checkin").click().run()
    assert not at.exception
    assert "Đã ghi qua chốt" in at.success[0].value
    row = demo.get("unit", unit["code"])
    assert row["last_checkin_at"] is not None
    assert (row["lon"], row["lat"]) == gps  # where the GPS said, not where was tapped
    # The check-in's message stays with the check-in: not on the site task.
    at.radio(key="field_task").set_value("site").run()
    assert not [s.value for s in at.success if "qua chốt" in s.value]
    assert any("Đang dùng: to1" in c.value for c in at.caption)  # who, on the page itself
    at = app("teams")
    shown = [str(v) for df in at.dataframe for v in df.value.to_numpy().ravel()]
    assert not [v for v in shown if v in ("nan", "None", "<NA>") or "nan " in v], shown
    at.selectbox(key="teams_pick").set_value(unit["code"]).run()
    at.button(key=f"unit_start_patrol_{unit['code']}").click().run()
    assert demo.get("unit", unit["code"])["status"] == "on_patrol"
    assert any(unit["name"] in s.value for s in at.success), [s.value for s in at.success]


def test_field_report_from_a_site(app, demo):
    site = demo.frame("site").iloc[2]
    at = _phone(app, demo, communes=site["commune_code"], site=site["code"])
    at.radio(key="field_where").set_value("site").run()
    at.selectbox(key="field_pick_site").set_value(site["code"]).run()
    at.selectbox(key="field_kind").set_value("disorder").run()
    at.button(key="field_send").click().run()
    assert not at.exception
    df = demo.incidents()
    assert len(df) == 1 and df.iloc[0]["source"] == "hamlet_team"
    assert df.iloc[0]["site_code"] == site["code"]


def test_field_report_outside_the_commune_names_it(app, demo):
    """The refusal names the commune as people know it, not by its code."""
    commune = load_layer(demo, "communes").iloc[0]
    at = _phone(app, demo, communes=commune["code"])
    w, s, e, n = load_layer(demo, "communes").total_bounds
    at.session_state["field_point"] = (e + 0.05, n + 0.05)  # beyond every commune
    at.run()
    at.selectbox(key="field_kind").set_value("disorder").run()
    at.button(key="field_send").click().run()
    shown = " ".join(e.value for e in at.error)
    assert f"ngoài xã {commune['name']}" in shown, shown
    assert commune["code"] not in shown, shown


def test_board_timeline_shows_the_accounts_display_name(app, demo):
    row = inc.report(demo, **report_args(**_demo_point(demo, 1), severity=4))
    ops = make_account(demo, "operator", username="tb9", display_name="Trực ban <b>số 9</b>")
    inc.verify(demo, row["id"], expected_version=1, actor=ops)
    at = app("board")
    at.selectbox(key="board_pick").set_value(row["id"]).run()
    timeline = at.dataframe[-1].value
    assert list(timeline["Người thực hiện"])[-1] == "Trực ban <b>số 9</b>"


def test_board_timeline_says_outside_the_communes_in_words(app, demo):
    row = inc.report(demo, **report_args(lon=105.0, lat=21.5), outside=True)
    at = app("board")
    at.selectbox(key="board_pick").set_value(row["id"]).run()
    detail = " ".join(map(str, at.dataframe[-1].value["Chi tiết"]))
    assert detail.startswith("Ngoài mọi xã đã tải") and "Xã gần nhất: " in detail, detail
    assert "outside_communes" not in detail and "True" not in detail
