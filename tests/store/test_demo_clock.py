"""A demo that always shows a live day: outside voting hours the drill's clock is moved so
that now is mid-morning of its election day; inside them it runs on the real clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from geo.analysis import patrols
from geo.analysis.places import load_layer
from geo.clock import layer_time_utc, local_hour_utc, to_local
from geo.drills.demo import load_live_demo
from geo.drills.simulate import DRILL_NOW, drill_clock

# 22:00 and 05:00 in Vietnam (UTC+7), and 09:00, all as naive UTC.
EVENING = datetime(2026, 11, 23, 15, 0)
DAWN = datetime(2026, 11, 23, 22, 0)
MORNING = datetime(2026, 11, 23, 2, 0)


def test_inside_voting_hours_the_clock_is_the_real_one():
    day, clock, now = drill_clock(MORNING)
    assert (day, clock, now) == (to_local(MORNING).date(), timedelta(0), MORNING)


@pytest.mark.parametrize("now", [EVENING, DAWN])
def test_outside_voting_hours_now_is_mid_morning_of_the_drill(now):
    day, clock, _ = drill_clock(now)
    assert day == to_local(now).date()
    assert local_hour_utc(day, DRILL_NOW) + clock == now
    assert drill_clock(now, real=True)[1] == timedelta(0)


@pytest.mark.slow
def test_the_evening_demo_shows_a_day_in_progress(store):
    plans, summary, clock = load_live_demo(store, now=EVENING)
    assert clock == timedelta(hours=11, minutes=30)
    sites = store.frame("site")
    assert (sites["status"] == "voting").mean() > 0.8, sites["status"].value_counts()
    teams = store.frame("unit")
    # On duty: patrolling, answering an incident, or back and free for the next.
    assert teams["status"].isin(["on_patrol", "responding", "available"]).all(), \
        teams["status"].tolist()
    assert len(store.incidents()) > 0  # the morning's incidents
    assert store.last_event()[1] <= EVENING  # nothing from the future
    # The routes moved with the clock: the teams are on duty now, and their check-ins
    # were due on the drill's clock (most kept, not all missed).
    routes = load_layer(store, "routes")
    on_duty = [layer_time_utc(a) <= EVENING <= layer_time_utc(b)
               for a, b in zip(routes["starts_at"], routes["ends_at"], strict=True)]
    assert all(on_duty), routes[["code", "starts_at", "ends_at"]]
    report = patrols.checkpoint_report(
        load_layer(store, "checkpoints"), routes,
        store.events(entity="unit", action="checkin"), (EVENING - timedelta(hours=3), EVENING))
    assert len(report) and (report["state"] == "ok").mean() > 0.5, \
        report["state"].value_counts()


@pytest.mark.slow
def test_the_real_clock_in_the_evening_is_a_day_that_is_over(store):
    _, _, clock = load_live_demo(store, now=EVENING, real_clock=True)
    assert clock == timedelta(0)
    assert not (store.frame("site")["status"] == "voting").any()
