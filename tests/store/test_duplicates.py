"""A second report of the same incident, on both stores: the open incidents a new report may
repeat (same kind, close by, recent) and the incident an earlier send of a form logged."""

from datetime import datetime, timedelta

import pytest

from geo import incidents as inc
from geo.errors import Invalid

from ..conftest import report_args

T0 = datetime(2021, 5, 23, 1, 0)  # naive UTC, as stored
LON, LAT = 106.53, 21.04
DEG_100M = 100 / 103_900  # degrees of longitude in 100 m at latitude 21


def _at(store, minutes: float, **over) -> dict:
    """Report at T0 + *minutes* (events go in time order, so call in that order)."""
    return inc.report(store, **report_args(**over), at=T0 + timedelta(minutes=minutes))


def _ids(store, kind="disorder", lon=LON, lat=LAT, minutes=20.0, **kw) -> list[int]:
    return inc.possible_duplicates(store, kind, lon, lat, T0 + timedelta(minutes=minutes),
                                   **kw)["id"].tolist()


def test_same_kind_close_by_and_recent_is_a_possible_duplicate(store):
    first = _at(store, 0)
    far = _at(store, 1, lon=LON + 2 * DEG_100M)  # ~200 m east
    near = _at(store, 2, lon=LON + DEG_100M)  # ~100 m east
    _at(store, 3, kind="fire")  # the same place, another kind
    dups = inc.possible_duplicates(store, "disorder", LON, LAT, T0 + timedelta(minutes=20))
    assert dups["id"].tolist() == [first["id"], near["id"]]  # nearest first; not `far`
    assert far["id"] not in dups["id"].tolist()
    assert dups["distance_m"].iloc[0] == pytest.approx(0, abs=0.5)
    assert dups["distance_m"].iloc[1] == pytest.approx(100, abs=3)
    assert dups["minutes_ago"].tolist() == pytest.approx([20, 18])
    assert set(dups["status"]) == {"reported"} and set(dups["kind"]) == {"disorder"}
    assert _ids(store, kind="fire") == [4]
    assert _ids(store, kind="medical") == []


def test_the_radius_is_a_setting(store, monkeypatch):
    far = _at(store, 0, lon=LON + 2 * DEG_100M)
    assert _ids(store) == []
    monkeypatch.setenv("ANTT_DUPLICATE_RADIUS_M", "250")
    assert _ids(store) == [far["id"]]


def test_only_reports_of_the_last_minutes_before_the_moment(store, monkeypatch):
    row = _at(store, 0)
    assert _ids(store, minutes=29) == [row["id"]]
    assert _ids(store, minutes=31) == []  # older than duplicate_minutes (30)
    assert _ids(store, minutes=-1) == []  # not yet reported at that moment
    monkeypatch.setenv("ANTT_DUPLICATE_MINUTES", "45")
    assert _ids(store, minutes=44) == [row["id"]]


def test_only_open_incidents(store):
    open_one = _at(store, 0)
    alarm = _at(store, 1)
    resolved = _at(store, 2)
    escalated = _at(store, 3)
    inc.verify(store, open_one["id"], expected_version=1, actor="t", at=T0 + timedelta(minutes=4))
    inc.false_alarm(store, alarm["id"], expected_version=1, actor="t",
                    at=T0 + timedelta(minutes=5))
    inc.escalate(store, escalated["id"], expected_version=1, actor="t",
                 at=T0 + timedelta(minutes=6))
    store.transact(lambda tx: tx.change("incident", tx.get("incident", resolved["id"]),
                                        {"status": "resolved"}, actor="t", action="resolve"),
                   at=T0 + timedelta(minutes=7))
    assert _ids(store) == [open_one["id"]]  # verifying is still open


def test_scoped_to_the_reporters_communes(store):
    mine = _at(store, 0, commune_code="C1")
    theirs = _at(store, 1, commune_code="C2")
    assert _ids(store) == [mine["id"], theirs["id"]]
    assert _ids(store, commune_codes=["C1"]) == [mine["id"]]
    assert _ids(store, commune_codes=["C2", "C3"]) == [theirs["id"]]


def test_nothing_to_compare_with_is_an_empty_frame(store):
    dups = inc.possible_duplicates(store, "fire", LON, LAT)
    assert dups.empty and {"id", "distance_m", "minutes_ago"} <= set(dups.columns)


def test_a_bad_kind_or_point_is_refused(store):
    with pytest.raises(Invalid, match="unknown kind"):
        inc.possible_duplicates(store, "riot", LON, LAT)
    with pytest.raises(Invalid, match="outside Vietnam"):
        inc.possible_duplicates(store, "fire", 2.35, 48.85)


def test_the_incident_an_earlier_send_logged(store):
    row = inc.report(store, **report_args(), request_id="abc123")
    assert inc.earlier_report(store, "abc123")["id"] == row["id"]
    assert inc.earlier_report(store, "other") is None
    assert inc.earlier_report(store, "") is None
    assert len(store.incidents()) == 1
