"""Incident operations: dispatch suggestions, checkpoint schedules, field rules, and each
page's flow through Streamlit's AppTest on a real store with the demo layers."""

from datetime import date, datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point
from streamlit.testing.v1 import AppTest

from geo import accounts, units
from geo import incidents as inc
from geo.analysis import dispatch
from geo.analysis.patrols import checkpoint_status
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.errors import Invalid
from geo.io.features import load_layer

from . import geofixtures as fx
from .conftest import ROOT, make_account, report_args

APP = str(ROOT / "dashboard" / "app.py")


def test_suggest_only_free_teams_nearest_first():
    teams = pd.DataFrame({"code": ["A", "B", "C", "D"], "name": list("ABCD"),
                          "status": ["available", "responding", "on_patrol", "off_duty"],
                          "lon": [106.51, 106.5001, 106.53, 106.5002],
                          "lat": [21.0, 21.0, 21.0, 21.0]})
    got = dispatch.suggest({"lon": 106.5, "lat": 21.0}, teams, k=5, speed_kmh=30)
    assert list(got["code"]) == ["A", "C"]
    assert got["distance_m"].iloc[0] == pytest.approx(1039, rel=0.01)
    assert got["eta_min"].iloc[0] == pytest.approx(1039 / 500, rel=0.01)


def test_checkpoint_schedule_late_and_missed():
    cps = pd.DataFrame({"code": ["C1", "C2", "C3"], "name": ["a", "b", "c"],
                        "route_code": ["R"] * 3, "interval_min": [60, 60, 60]})
    routes = pd.DataFrame({"code": ["R"], "team_code": ["T"],
                           "starts_at": ["2021-05-23T05:00:00+07:00"],
                           "ends_at": ["2021-05-23T23:00:00+07:00"]})
    now = datetime(2021, 5, 23, 5, 0)  # 12:00 local
    ev = pd.DataFrame({"occurred_at": [now - timedelta(minutes=30), now - timedelta(hours=3)],
                       "detail": ['{"checkpoint": "C1"}', '{"checkpoint": "C2"}']})
    got = checkpoint_status(cps, routes, ev, now).set_index("checkpoint")["state"]
    assert got.to_dict() == {"C1": "ok", "C2": "late", "C3": "missed"}
    after_end = checkpoint_status(cps, routes, ev, datetime(2021, 5, 23, 17, 0))
    assert set(after_end["state"]) == {"ok"}  # the route is over: nothing is overdue


def test_a_route_time_without_offset_is_vietnam_time_on_the_team_board_and_coverage():
    """One clock: "07:00" in a route file is 07:00 in Vietnam (00:00 UTC) for the team
    board and for coverage alike (the review reads it so too)."""
    from geo.analysis.spatial import coverage
    from geo.clock import layer_time_utc

    assert layer_time_utc("2021-05-23T07:00") == datetime(2021, 5, 23, 0, 0)
    assert layer_time_utc("2021-05-23T07:00+07:00") == datetime(2021, 5, 23, 0, 0)
    cps = pd.DataFrame({"code": ["C1"], "name": ["a"], "route_code": ["R"],
                        "interval_min": [10]})
    routes = pd.DataFrame({"code": ["R"], "team_code": ["T"],
                           "starts_at": ["2021-05-23T07:00"], "ends_at": ["2021-05-23T08:00"]})
    none = pd.DataFrame({"occurred_at": [], "detail": []})
    at_0730_local = datetime(2021, 5, 23, 0, 30)  # naive UTC
    assert checkpoint_status(cps, routes, none, at_0730_local)["state"].tolist() == ["missed"]
    line = gpd.GeoDataFrame(routes, geometry=[LineString([(106.5, 21.0), (106.51, 21.0)])],
                            crs=4326)
    place = gpd.GeoDataFrame({"code": ["S"]}, geometry=[Point(106.505, 21.0001)], crs=4326)
    during = coverage(place, line, 300, window=(datetime(2021, 5, 23, 0, 15),
                                               datetime(2021, 5, 23, 0, 45)))
    after = coverage(place, line, 300, window=(datetime(2021, 5, 23, 1, 15),
                                              datetime(2021, 5, 23, 1, 45)))
    assert during["covered"].tolist() == [True] and after["covered"].tolist() == [False]


@pytest.fixture
def demo(store):
    load_demo(store, at=setup_time(date(2021, 5, 23)))
    return store


def test_check_in_far_from_checkpoint_is_flagged_and_kept(demo):
    cp = load_layer(demo, "checkpoints").iloc[0]
    team = demo.frame("unit").set_index("route_code").loc[cp["route_code"], "code"]
    near = units.check_in(demo, team, cp["code"], cp.geometry.x, cp.geometry.y, actor="t")
    far = units.check_in(demo, team, cp["code"], cp.geometry.x + 0.01, cp.geometry.y,
                         actor="t")
    assert far["last_checkpoint"] == cp["code"] and far["version"] == near["version"] + 1
    details = demo.events("unit", team, action="checkin")["detail"].tolist()
    assert '"far": false' in details[0] and '"far": true' in details[1]
    with pytest.raises(Invalid, match="unknown checkpoint"):
        units.check_in(demo, team, "NOPE", cp.geometry.x, cp.geometry.y, actor="t")


def test_report_outside_the_named_commune_is_refused(demo):
    communes = load_layer(demo, "communes")
    an_phu = communes[communes["name"] == "An Phụ"].iloc[0]
    inside = an_phu.geometry.representative_point()
    row = inc.report(demo, **report_args(lon=inside.x, lat=inside.y,
                                         commune_code=an_phu["code"]))
    assert row["commune_code"] == an_phu["code"] and row["hamlet_code"]
    with pytest.raises(Invalid, match="outside commune"):
        inc.report(demo, **report_args(lon=105.45, lat=20.2, commune_code=an_phu["code"]))
    assert len(demo.incidents()) == 1


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


def test_board_offers_only_legal_moves_and_dispatches_nearest(app, demo):
    row = inc.report(demo, **report_args(lon=106.4786, lat=21.0019))
    units.report_position(demo, demo.frame("unit").iloc[0]["code"], 106.4787, 21.002,
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


def test_unused_imports_guard():
    assert gpd and Point and fx  # fixtures module shared with other tests


def test_board_timeline_shows_the_accounts_display_name(app, demo):
    row = inc.report(demo, **report_args(lon=106.4905, lat=21.0104, severity=4))
    ops = make_account(demo, "operator", username="tb9", display_name="Trực ban <b>số 9</b>")
    inc.verify(demo, row["id"], expected_version=1, actor=ops)
    at = app("board")
    at.selectbox(key="board_pick").set_value(row["id"]).run()
    timeline = at.dataframe[-1].value
    assert list(timeline["Người thực hiện"])[-1] == "Trực ban <b>số 9</b>"
