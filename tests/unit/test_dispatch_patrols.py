"""Dispatch suggestions and checkpoint schedules on small frames; one clock for route times."""

import json
from datetime import datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geo.analysis import dispatch
from geo.analysis.patrols import checkpoint_report


def test_suggest_only_free_teams_nearest_first():
    teams = pd.DataFrame({"code": ["A", "B", "C", "D"], "name": list("ABCD"),
                          "status": ["available", "responding", "on_patrol", "off_duty"],
                          "lon": [106.51, 106.5001, 106.53, 106.5002],
                          "lat": [21.0, 21.0, 21.0, 21.0]})
    got = dispatch.suggest({"lon": 106.5, "lat": 21.0}, teams, k=5, speed_kmh=30)
    assert list(got["code"]) == ["A", "C"]
    assert got["distance_m"].iloc[0] == pytest.approx(1039, rel=0.01)
    assert got["eta_min"].iloc[0] == pytest.approx(1039 / 500, rel=0.01)


def test_suggest_keeps_the_own_communes_teams_before_nearer_neighbours():
    """Six free teams of the next commune stand nearer than the incident's own two: the
    own commune's teams still come first, and are not cut off by k (the board's picker)."""
    lons = [106.5001, 106.5002, 106.5003, 106.5004, 106.5005, 106.5006, 106.52, 106.53]
    teams = pd.DataFrame({"code": [f"N{i}" for i in range(6)] + ["H1", "H2"],
                          "name": [f"Tổ {i}" for i in range(8)],
                          "status": ["available"] * 7 + ["on_patrol"],
                          "commune_code": ["NEXT"] * 6 + ["HOME"] * 2,
                          "lon": lons, "lat": [21.0] * 8})
    incident = {"lon": 106.5, "lat": 21.0, "commune_code": "HOME"}
    got = dispatch.suggest(incident, teams, k=5, speed_kmh=30)
    assert list(got["code"]) == ["H1", "H2", "N0", "N1", "N2"]
    assert got["distance_m"].iloc[0] > got["distance_m"].iloc[2]  # own first, not nearest
    assert got["code"].is_unique
    # Outside every loaded commune (or a commune with no team): nearest first.
    nowhere = dispatch.suggest({**incident, "commune_code": None}, teams, k=5)
    assert list(nowhere["code"]) == ["N0", "N1", "N2", "N3", "N4"]
    far = dispatch.suggest({**incident, "commune_code": "OTHER"}, teams, k=3)
    assert list(far["code"]) == ["N0", "N1", "N2"]
    # Only two own teams and k=1: the nearer of the two.
    assert list(dispatch.suggest(incident, teams, k=1)["code"]) == ["H1"]


def test_checkpoint_schedule_late_and_missed():
    """The team board's call: today up to now. A stretch longer than grace x interval
    anywhere in the duty so far is late, even if the team has checked in since."""
    cps = pd.DataFrame({"code": ["C1", "C2", "C3"], "name": ["a", "b", "c"],
                        "route_code": ["R"] * 3, "interval_min": [60, 60, 60]})
    routes = pd.DataFrame({"code": ["R"], "team_code": ["T"],
                           "starts_at": ["2021-05-23T05:00:00+07:00"],
                           "ends_at": ["2021-05-23T23:00:00+07:00"]})
    now = datetime(2021, 5, 23, 5, 0)  # 12:00 local
    ev = pd.DataFrame({"occurred_at": [now - timedelta(minutes=30), now - timedelta(hours=3)],
                       "detail": ['{"checkpoint": "C1"}', '{"checkpoint": "C2"}']})
    today = (datetime(2021, 5, 22, 17, 0), now)  # local midnight .. now
    got = checkpoint_report(cps, routes, ev, today, grace=1.5).set_index("checkpoint")
    assert got["state"].to_dict() == {"C1": "late", "C2": "late", "C3": "missed"}
    assert got["open_gap_min"].to_dict() == {"C1": 30, "C2": 180, "C3": 420}
    assert got["longest_gap_min"].to_dict() == {"C1": 390, "C2": 240, "C3": 420}
    assert got["team"].tolist() == ["T"] * 3 and got["on_duty"].all()
    before = checkpoint_report(cps, routes, ev, (today[0], datetime(2021, 5, 22, 21, 0)))
    assert set(before["state"]) == {"ok"} and not before["on_duty"].any()  # not started


def test_only_the_routes_own_team_keeps_its_checkpoints():
    """Another team's check-in at a checkpoint is not the route's schedule kept."""
    cps = pd.DataFrame({"code": ["C1"], "name": ["a"], "route_code": ["R"],
                        "interval_min": [60]})
    routes = pd.DataFrame({"code": ["R"], "team_code": ["T"],
                           "starts_at": ["2021-05-23T05:00:00+07:00"],
                           "ends_at": ["2021-05-23T23:00:00+07:00"]})
    now = datetime(2021, 5, 23, 5, 0)
    ev = pd.DataFrame({"occurred_at": [now - timedelta(minutes=10)] * 2,
                       "entity_id": ["OTHER", "T"],
                       "detail": ['{"checkpoint": "C1"}'] * 2})
    window = (datetime(2021, 5, 22, 17, 0), now)
    assert checkpoint_report(cps, routes, ev, window)["checkins"].tolist() == [1]
    assert checkpoint_report(cps, routes, ev.iloc[:1], window)["checkins"].tolist() == [0]


def test_the_team_board_and_the_review_agree():
    """One evaluator: the board (today up to the end of the duty) and the review (voting
    hours) give each checkpoint the same state when both cover its whole duty."""
    cps = pd.DataFrame({"code": ["A", "B", "C"], "name": ["a", "b", "c"],
                        "route_code": ["R"] * 3, "interval_min": [60, 60, 60]})
    routes = pd.DataFrame({"code": ["R"], "team_code": ["T"], "team_name": ["Tổ 1"],
                           "starts_at": ["2021-05-23T07:00:00+07:00"],
                           "ends_at": ["2021-05-23T10:00:00+07:00"]})
    base = datetime(2021, 5, 23, 0, 0)  # 07:00 local
    times = {"A": [45, 120, 170], "C": [100]}   # minutes after 07:00
    checkins = pd.DataFrame([{"occurred_at": base + timedelta(minutes=m),
                              "detail": json.dumps({"checkpoint": cp})}
                             for cp, ms in times.items() for m in ms])
    review = checkpoint_report(cps, routes, checkins, (base, base + timedelta(hours=12)))
    board = checkpoint_report(cps, routes, checkins, (base - timedelta(hours=7),
                                                      base + timedelta(hours=5)))
    by = review.set_index("checkpoint")
    assert by["state"].to_dict() == {"A": "ok", "B": "missed", "C": "late"}
    assert by.loc["A", "longest_gap_min"] == 75 and by.loc["C", "longest_gap_min"] == 100
    assert by.loc["B", "checkins"] == 0 and by.loc["A", "team_name"] == "Tổ 1"
    pd.testing.assert_frame_equal(board, review)


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
    today = (datetime(2021, 5, 22, 17, 0), at_0730_local)
    assert checkpoint_report(cps, routes, none, today)["state"].tolist() == ["missed"]
    line = gpd.GeoDataFrame(routes, geometry=[LineString([(106.5, 21.0), (106.51, 21.0)])],
                            crs=4326)
    place = gpd.GeoDataFrame({"code": ["S"]}, geometry=[Point(106.505, 21.0001)], crs=4326)
    during = coverage(place, line, 300, window=(datetime(2021, 5, 23, 0, 15),
                                               datetime(2021, 5, 23, 0, 45)))
    after = coverage(place, line, 300, window=(datetime(2021, 5, 23, 1, 15),
                                              datetime(2021, 5, 23, 1, 45)))
    assert during["covered"].tolist() == [True] and after["covered"].tolist() == [False]


def test_no_checkpoints_still_filters_by_duty():
    """A day without a checkpoints layer (the province drill): the report is empty but
    keeps its columns when filtered to the checkpoints on duty, as the review does."""
    empty = pd.DataFrame(columns=["code", "name", "route_code", "interval_min"])
    routes = pd.DataFrame(columns=["code", "team_code", "starts_at", "ends_at"])
    checkins = pd.DataFrame(columns=["occurred_at", "detail"])
    window = (datetime(2021, 5, 23, 0), datetime(2021, 5, 23, 12))
    cps = checkpoint_report(empty, routes, checkins, window)
    on_duty = cps[cps["on_duty"]]
    assert list(on_duty.columns) == list(cps.columns) and len(on_duty) == 0
    assert int((on_duty["state"] == "missed").sum()) == 0
