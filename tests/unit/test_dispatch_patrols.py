"""Dispatch suggestions and checkpoint schedules on small frames; one clock for route times."""

from datetime import datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geo.analysis import dispatch
from geo.analysis.patrols import checkpoint_status


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
