"""Property tests: random command sequences never reach an illegal state, and replay
at every recorded moment equals the live state seen at that moment."""

from __future__ import annotations

import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.replay_naive import replay_naive
from geo import incidents as inc
from geo import sites, units
from geo.analysis.replay import state_at
from geo.errors import AnttError
from geo.sites import SITE_LIFECYCLE
from geo.store import Store
from geo.units import UNIT_LIFECYCLE

from ..conftest import live_state

TEAMS = ["T1", "T2", "T3"]
INC_ACTIONS = [a for a in inc.ACTIONS]
command = st.one_of(
    st.tuples(st.just("report"), st.sampled_from(inc.KINDS), st.integers(1, 4)),
    st.tuples(st.just("move"), st.integers(0, 5), st.sampled_from(INC_ACTIONS),
              st.sampled_from(TEAMS), st.booleans()),
    st.tuples(st.just("site"), st.sampled_from(list(
        {a for m in SITE_LIFECYCLE.moves.values() for a in m}))),
    st.tuples(st.just("unit"), st.sampled_from(TEAMS), st.sampled_from(list(units.UNIT_ACTIONS))),
)


def _check_invariants(live: dict) -> None:
    incs, unit_rows = live["incident"], live["unit"]
    for i in incs.values():
        assert i["status"] in inc.LIFECYCLE.statuses
        assert 1 <= i["severity"] <= 4
        if i["status"] in ("dispatched", "on_scene"):
            t = unit_rows[i["team_code"]]
            assert t["status"] == "responding" and t["incident_id"] == i["id"]
        if i["status"] in ("reported", "verifying"):
            assert i["team_code"] is None
    for u in unit_rows.values():
        assert u["status"] in UNIT_LIFECYCLE.statuses
        if u["status"] == "responding":
            i = incs[str(u["incident_id"])]
            assert i["team_code"] == u["code"] and i["status"] in ("dispatched", "on_scene")
    for s in live["site"].values():
        assert s["status"] in SITE_LIFECYCLE.statuses


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command, min_size=1, max_size=25))
def test_random_commands_keep_invariants_and_replay_exactly(store_kind, new_database, cmds):
    with tempfile.TemporaryDirectory() as d:  # a new database for each example
        store = Store(new_database(d, "p"), **(
            {"checkpoint": False, "idle_close": -1} if store_kind == "duckdb" else {}))
        store.init()
        for t in TEAMS:
            units.register(store, code=t, name=t, actor="setup")
        sites.register(store, code="S1", name="NVH", lon=106.5, lat=21.0, actor="setup",
                       voters=100)
        seen = [(store.last_event(), live_state(store))]
        for c in cmds:
            try:
                if c[0] == "report":
                    inc.report(store, kind=c[1], severity=c[2], lon=106.5, lat=21.0,
                               source="patrol", actor="p")
                elif c[0] == "move":
                    df = store.incidents()
                    if df.empty:
                        continue
                    row = df.iloc[c[1] % len(df)]
                    version = int(row["version"]) - (1 if c[4] else 0)  # sometimes stale
                    inc.move(store, int(row["id"]), c[2], expected_version=version, actor="p",
                             team_code=c[3], note="ghi chú")
                elif c[0] == "site":
                    s = store.get("site", "S1")
                    sites.move(store, "S1", c[1], expected_version=s["version"], actor="p",
                               reason="lý do")
                else:
                    u = store.get("unit", c[1])
                    units.set_status(store, c[1], c[2], expected_version=u["version"],
                                     actor="p")
            except AnttError:
                pass  # refused commands are part of the property: they must write nothing
            live = live_state(store)
            _check_invariants(live)
            seen.append((store.last_event(), live))
        events = store.events()
        for (eid, at), live in seen:
            assert state_at(store, at) == live
            assert state_at(store, until_event=eid) == live
            if at is not None:
                assert replay_naive(events, at) == live
        store.close()
