"""Incident, site and unit lifecycles through the real store."""

import pytest

from geo import incidents as inc
from geo import sites, units
from geo.errors import IllegalMove, Invalid, NotFound

from ..conftest import report_args


def test_full_incident_path_with_team(staffed):
    s = staffed
    r = inc.report(s, **report_args())
    assert (r["status"], r["version"]) == ("reported", 1)
    r = inc.verify(s, r["id"], expected_version=1, actor="A")
    r = inc.dispatch(s, r["id"], "T1", expected_version=2, actor="A")
    assert r["status"] == "dispatched" and r["team_code"] == "T1"
    t1 = s.get("unit", "T1")
    assert t1["status"] == "responding" and t1["incident_id"] == r["id"]
    r = inc.arrive(s, r["id"], expected_version=3, actor="T1")
    r = inc.resolve(s, r["id"], expected_version=4, actor="T1")
    assert s.get("unit", "T1")["status"] == "available"
    r = inc.close(s, r["id"], expected_version=5, actor="A")
    assert r["status"] == "closed"
    for col in ("reported_at", "verified_at", "dispatched_at", "on_scene_at", "resolved_at",
                "closed_at"):
        assert r[col] is not None, col
    assert r["reported_at"] < r["verified_at"] < r["dispatched_at"] < r["on_scene_at"]
    actions = list(s.events("incident", r["id"])["action"])
    assert actions == ["report", "verify", "dispatch", "arrive", "resolve", "close"]


def test_illegal_move_names_current_state_and_allowed(staffed):
    r = inc.report(staffed, **report_args())
    with pytest.raises(IllegalMove) as e:
        inc.close(staffed, r["id"], expected_version=1, actor="A")
    msg = str(e.value)
    assert "'reported'" in msg and "verify" in msg and "escalate" in msg
    assert e.value.allowed == ["verify", "escalate", "false_alarm"]
    assert staffed.get("incident", r["id"])["version"] == 1


@pytest.mark.parametrize("status_path", [[], ["verify"], ["verify", "dispatch"],
                                         ["verify", "dispatch", "arrive"]])
@pytest.mark.parametrize("give_up", ["escalate", "false_alarm"])
def test_any_open_state_may_escalate_or_be_false_alarm(staffed, status_path, give_up):
    r = inc.report(staffed, **report_args())
    for action in status_path:
        r = inc.move(staffed, r["id"], action, expected_version=r["version"], actor="A",
                     team_code="T1" if action == "dispatch" else None)
    r = inc.move(staffed, r["id"], give_up, expected_version=r["version"], actor="A")
    assert r["status"] == inc.LIFECYCLE.moves["reported"][give_up]
    assert r["closed_at"] is not None
    # The team is freed when the incident leaves our hands.
    assert staffed.get("unit", "T1")["status"] == "available"
    with pytest.raises(IllegalMove):
        inc.verify(staffed, r["id"], expected_version=r["version"], actor="A")


def test_reassign_releases_first_team(staffed):
    r = inc.report(staffed, **report_args())
    r = inc.verify(staffed, r["id"], expected_version=1, actor="A")
    r = inc.dispatch(staffed, r["id"], "T1", expected_version=2, actor="A")
    r = inc.reassign(staffed, r["id"], "T2", expected_version=3, actor="A")
    assert r["team_code"] == "T2" and r["status"] == "dispatched"
    assert staffed.get("unit", "T1")["status"] == "available"
    assert staffed.get("unit", "T2")["status"] == "responding"


def test_cannot_dispatch_busy_or_off_duty_or_unknown_team(staffed):
    a = inc.verify(staffed, inc.report(staffed, **report_args())["id"], expected_version=1,
                   actor="A")
    b = inc.verify(staffed, inc.report(staffed, **report_args())["id"], expected_version=1,
                   actor="A")
    inc.dispatch(staffed, a["id"], "T1", expected_version=2, actor="A")
    with pytest.raises(IllegalMove, match="responding"):
        inc.dispatch(staffed, b["id"], "T1", expected_version=2, actor="A")
    t2 = staffed.get("unit", "T2")
    units.set_status(staffed, "T2", "stand_down", expected_version=t2["version"], actor="A")
    with pytest.raises(IllegalMove, match="off_duty"):
        inc.dispatch(staffed, b["id"], "T2", expected_version=2, actor="A")
    with pytest.raises(NotFound, match="T9"):
        inc.dispatch(staffed, b["id"], "T9", expected_version=2, actor="A")
    assert staffed.get("incident", b["id"])["status"] == "verifying"
    assert staffed.get("incident", b["id"])["version"] == 2


def test_notes_keep_status_and_bump_version(staffed):
    r = inc.report(staffed, **report_args())
    r = inc.add_note(staffed, r["id"], "Đã gọi trưởng thôn", expected_version=1, actor="A")
    assert r["status"] == "reported" and r["version"] == 2
    ev = staffed.events("incident", r["id"]).iloc[-1]
    assert ev["action"] == "note" and "Đã gọi trưởng thôn" in ev["detail"]
    with pytest.raises(Invalid, match="note"):
        inc.add_note(staffed, r["id"], "   ", expected_version=2, actor="A")


def test_site_lifecycle_and_suspension_reason(staffed):
    s = staffed.get("site", "S1")
    assert s["status"] == "not_open"
    s = sites.move(staffed, "S1", "open", expected_version=1, actor="A")
    with pytest.raises(Invalid, match="reason"):
        sites.move(staffed, "S1", "suspend", expected_version=2, actor="A")
    r = inc.report(staffed, **report_args(site_code="S1"))
    s = sites.move(staffed, "S1", "suspend", expected_version=2, actor="A",
                   reason="Mất điện", incident_id=r["id"])
    assert (s["status"], s["reason"], s["incident_id"]) == ("suspended", "Mất điện", r["id"])
    s = sites.move(staffed, "S1", "resume", expected_version=3, actor="A")
    s = sites.move(staffed, "S1", "close", expected_version=4, actor="A", voted=850)
    with pytest.raises(IllegalMove, match="start_count"):
        sites.move(staffed, "S1", "open", expected_version=5, actor="A")
    s = sites.move(staffed, "S1", "start_count", expected_version=5, actor="A")
    s = sites.move(staffed, "S1", "finish", expected_version=6, actor="A")
    assert s["status"] == "done" and s["voted"] == 850
    with pytest.raises(Invalid, match="registered voters"):
        sites.register(staffed, code="S2", name="X", lon=106.5, lat=21.0, actor="A", voters=10)
        sites.move(staffed, "S2", "open", expected_version=1, actor="A", voted=11)


def test_unit_positions_and_checkins(staffed):
    u = units.report_position(staffed, "T1", 106.531, 21.041, actor="T1")
    assert (u["lon"], u["lat"]) == (106.531, 21.041) and u["position_at"] is not None
    u = units.check_in(staffed, "T1", "CP-1", 106.532, 21.042, actor="T1")
    assert u["last_checkpoint"] == "CP-1" and u["last_checkin_at"] == u["position_at"]
    u = units.set_status(staffed, "T1", "start_patrol", expected_version=u["version"],
                         actor="A")
    assert u["status"] == "on_patrol"
