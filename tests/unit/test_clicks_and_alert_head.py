"""The logic behind issue 29's map fixes: which map click is new (a click on a layer
counts), the alert a wall banner names, and the teams a hamlet filter keeps."""

from __future__ import annotations

from datetime import datetime, timedelta

import geopandas as gpd
import pandas as pd
import shapely

from geo.incidents import oldest_alert
from geo.mapclick import new_click
from geo.view import View


def test_a_click_on_a_layer_is_a_click():
    first = new_click({"last_clicked": {"lat": 21.0, "lng": 106.5}}, None)
    assert first is not None and first.point == (106.5, 21.0)
    assert new_click({"last_clicked": {"lat": 21.0, "lng": 106.5}}, first.seen) is None
    # A hotspot's popup stops the map's own click: only the object click moves.
    value = {"last_clicked": {"lat": 21.0, "lng": 106.5},
             "last_object_clicked": {"lat": 21.1, "lng": 106.6}}
    second = new_click(value, first.seen)
    assert second is not None and second.point == (106.6, 21.1)
    assert new_click(value, second.seen) is None
    assert new_click(None, None) is None and new_click({}, None) is None


def test_the_banner_names_the_oldest_alert():
    t0 = datetime(2021, 5, 23, 1, 0)
    pending = pd.DataFrame({
        "id": [7, 3, 9], "kind": ["fire", "disorder", "gathering"], "severity": [4, 3, 4],
        "site_code": [None, "S3", None], "hamlet_code": ["H1", "H3", None],
        "reported_at": [t0 + timedelta(minutes=5), t0, t0 + timedelta(minutes=9)]})
    head = oldest_alert(pending, t0 + timedelta(minutes=12, seconds=30))
    assert (head.id, head.kind, head.site_code, head.hamlet_code, head.minutes, head.more) \
        == (3, "disorder", "S3", "H3", 12, 2)
    assert oldest_alert(pending.iloc[:0], t0) is None


def test_a_hamlet_filter_keeps_the_teams_in_it():
    square = shapely.box(0, 0, 1, 1)
    hamlets = gpd.GeoDataFrame({"code": ["H1", "H2"], "commune_code": ["C1", "C1"]},
                               geometry=[square, shapely.box(1, 0, 2, 1)], crs=4326)
    units = pd.DataFrame({"code": ["T1", "T2", "T3", "T4"],
                          "lon": [0.5, 1.5, None, 1.5], "lat": [0.5, 0.5, None, 0.5],
                          "incident_id": [None, None, 12, None]})
    assert View(hamlets=["H1"]).teams(units, hamlets, [12]) == ["T1", "T3"]
    assert View(hamlets=["H2"]).teams(units, hamlets) == ["T2", "T4"]
    assert View().teams(units, hamlets) is None  # no hamlet chosen: every team


def test_the_ticker_keeps_only_the_teams_given(staffed):
    store = staffed
    from geo.store import Filters
    everything = store.recent_events(50, Filters(), skip_actions=())
    units = everything[everything["entity"] == "unit"]
    assert set(units["entity_id"]) == {"T1", "T2"}
    one = "T1"
    got = store.recent_events(50, Filters(), skip_actions=(), unit_codes=[one])
    assert set(got[got["entity"] == "unit"]["entity_id"]) == {one}
    none = store.recent_events(50, Filters(), skip_actions=(), unit_codes=[])
    assert none[none["entity"] == "unit"].empty
