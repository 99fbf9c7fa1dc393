"""Every kind of bad input is refused with a message naming the field, and writes nothing."""

import math

import pytest

from geo import incidents as inc
from geo import sites
from geo.errors import AnttError, IllegalMove, Invalid, NotFound, StaleVersion

from ..conftest import report_args

NASTY = "<img src=x onerror=alert(1)>'); DROP TABLE incidents; --"


def _n_events(store):
    return store.counts()["events"]


@pytest.mark.parametrize("over, field", [
    ({"kind": "riot"}, "kind"),
    ({"kind": None}, "kind"),
    ({"severity": 0}, "severity"),
    ({"severity": 5}, "severity"),
    ({"severity": "high"}, "severity"),
    ({"severity": 2.5}, "severity"),
    ({"severity": True}, "severity"),
    ({"lon": math.nan}, "lon"),
    ({"lat": math.inf}, "lat"),
    ({"lon": "abc"}, "lon"),
    ({"lon": None}, "lon"),
    ({"source": "rumour"}, "source"),
    ({"actor": ""}, "actor"),
    ({"actor": "x" * 65}, "actor"),
    ({"description": "x" * 5000}, "description"),
])
def test_report_refuses_bad_fields(staffed, over, field):
    before = _n_events(staffed)
    with pytest.raises(Invalid) as e:
        inc.report(staffed, **report_args(**over))
    assert field in {p.field for p in e.value.problems}
    assert f"'{field}'" in str(e.value)
    assert _n_events(staffed) == before
    assert staffed.incidents().empty


def test_swapped_coordinates_are_named(staffed):
    with pytest.raises(Invalid, match="swapped"):
        inc.report(staffed, **report_args(lon=21.04, lat=106.53))


@pytest.mark.parametrize("lon, lat", [(2.35, 48.85), (100.5, 13.75), (106.5, 25.0),
                                      (580000.0, 2320000.0)])
def test_points_outside_vietnam_refused(staffed, lon, lat):
    with pytest.raises(Invalid, match="outside Vietnam|not in degrees"):
        inc.report(staffed, **report_args(lon=lon, lat=lat))
    assert staffed.incidents().empty


def test_all_problems_reported_at_once(staffed):
    with pytest.raises(Invalid) as e:
        inc.report(staffed, **report_args(kind="x", severity=9, source="y", actor=""))
    assert {p.field for p in e.value.problems} >= {"kind", "severity", "source", "actor"}


def test_unknown_site_refused(staffed):
    with pytest.raises(Invalid, match="unknown polling site 'S404'"):
        inc.report(staffed, **report_args(site_code="S404"))
    assert staffed.incidents().empty


def test_unknown_team_and_incident(staffed):
    with pytest.raises(NotFound):
        inc.verify(staffed, 999, expected_version=1, actor="A")
    r = inc.verify(staffed, inc.report(staffed, **report_args())["id"], expected_version=1,
                   actor="A")
    n = _n_events(staffed)
    with pytest.raises(NotFound, match="unit 'NOPE'"):
        inc.dispatch(staffed, r["id"], "NOPE", expected_version=2, actor="A")
    assert _n_events(staffed) == n


def test_illegal_move_and_stale_version_write_nothing(staffed):
    r = inc.report(staffed, **report_args())
    inc.verify(staffed, r["id"], expected_version=1, actor="Trực ban 1")
    n = _n_events(staffed)
    with pytest.raises(StaleVersion) as e:
        inc.escalate(staffed, r["id"], expected_version=1, actor="Trực ban 2")
    assert e.value.actor == "Trực ban 1" and "changed by Trực ban 1 at" in str(e.value)
    with pytest.raises(IllegalMove):
        inc.resolve(staffed, r["id"], expected_version=2, actor="Trực ban 2")
    assert _n_events(staffed) == n
    assert staffed.get("incident", r["id"])["version"] == 2


def test_dispatch_failure_rolls_back_both_sides(staffed):
    """The incident and the team change in one transaction: a failure leaves both."""
    r = inc.verify(staffed, inc.report(staffed, **report_args())["id"], expected_version=1,
                   actor="A")
    t1 = staffed.get("unit", "T1")
    with pytest.raises(StaleVersion):
        inc.dispatch(staffed, r["id"], "T1", expected_version=1, actor="A")
    assert staffed.get("unit", "T1") == t1


def test_sql_and_html_are_stored_as_given(staffed):
    r = inc.report(staffed, **report_args(description=NASTY, actor="O'Brien; --"))
    back = staffed.get("incident", r["id"])
    assert back["description"] == NASTY and back["created_by"] == "O'Brien; --"
    assert len(staffed.incidents()) == 1  # the table is still there


def test_event_times_must_move_forward(staffed):
    r = inc.report(staffed, **report_args())
    with pytest.raises(AnttError, match="time order"):
        inc.verify(staffed, r["id"], expected_version=1, actor="A", at=r["reported_at"])


def test_site_registration_refuses_bad_point(store):
    with pytest.raises(Invalid, match="swapped"):
        sites.register(store, code="S", name="X", lon=21.0, lat=106.0, actor="A")
