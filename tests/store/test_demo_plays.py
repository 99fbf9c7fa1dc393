"""The demo stays a live day while it is watched: after `antt init` played the drill up to
the minute, the player carries it on (check-ins when due, new incidents, incidents moving
on), leaves alone what a person took over, and `antt serve` runs it beside the dashboard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from geo import incidents as inc
from geo import units
from geo.analysis.places import load_layer
from geo.clock import utcnow
from geo.drills.demo import load_live_demo
from geo.drills.live import DRILL_OPS, LiveDrill, is_live_demo, start_player
from geo.store import Store

from ..conftest import ROOT, make_account

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = Store(str(db))
    store.init()
    load_live_demo(store)
    store.close()
    return db


def _copy(db, tmp_path):
    import shutil
    out = tmp_path / "copy.duckdb"
    shutil.copy(db, out)
    return Store(str(out))


def test_the_drill_carries_on_and_leaves_a_person_s_incident_alone(live_demo_db, tmp_path):
    store = _copy(live_demo_db, tmp_path)
    assert is_live_demo(store)
    start = utcnow()
    # A person takes over one of the drill's new incidents.
    chief = make_account(store, "commander", username="chihuy-live")
    here = load_layer(store, "hamlets").geometry.iloc[0].representative_point()
    fresh = inc.report(store, kind="disorder", severity=2, lon=here.x, lat=here.y,
                       source="hotline", actor=DRILL_OPS, description="vụ của diễn tập")
    taken = inc.move(store, fresh["id"], "verify", expected_version=1, actor=chief)
    # Teams on patrol, whatever moment of the drill's day the clock fell on (at some
    # moments every team is answering a call or back at its post).
    free = store.frame("unit").query("status == 'available' and route_code.notna()")
    for team in free.itertuples(index=False):
        units.set_status(store, team.code, "start_patrol", expected_version=int(team.version),
                         actor=chief)
    before = store.counts()["events"]
    drill = LiveDrill(store, seed=3)
    drill.step(start)
    applied = drill.step(start + timedelta(hours=2))  # two hours later on the drill's watch
    assert applied > 0 and store.counts()["events"] > before
    new = store.audit(since=start)
    checkins = new[new["action"] == "checkin"]
    on_patrol = store.frame("unit").query("status == 'on_patrol'")["route_code"]
    cps = load_layer(store, "checkpoints")
    due = set(cps[cps["route_code"].isin(on_patrol)]["code"])
    assert due and due <= {json.loads(d)["checkpoint"] for d in checkins["detail"]}
    assert (new["action"] == "report").any()  # new incidents come in
    moved = new[(new["entity"] == "incident") & (new["action"] != "report")
                & (new["actor"] != "chihuy-live")]
    assert len(moved) > 0  # the drill's incidents move on
    # …but not the one a person took over.
    assert store.get("incident", fresh["id"])["version"] == taken["version"]


def test_a_real_commune_is_never_played(tmp_path):
    from geo.drills.demo import load_demo
    store = Store(str(tmp_path / "real.duckdb"))
    store.init()
    load_demo(store)  # layers only, no drill: as a commune's own database
    assert not is_live_demo(store)
    assert start_player(tmp_path / "real.duckdb") is None


def test_antt_serve_plays_the_demo_until_it_stops(live_demo_db, tmp_path):
    store = _copy(live_demo_db, tmp_path)
    path = store.path
    last = store.last_event()[0]
    store.close()
    env = {**os.environ, "ANTT_DEMO_STEP_SECONDS": "1", "ANTT_DEMO_PLAY": "1"}
    # The player alone (what `antt serve` starts beside Streamlit), as a real process.
    proc = subprocess.Popen([sys.executable, "-m", "geo.drills.live", "--db", path],
                            stdin=subprocess.PIPE, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while Store(path).last_event()[0] == last:  # waits for the player's first write
            assert time.monotonic() < deadline, "the demo did not move in 120 s"
            assert proc.poll() is None, "the player stopped"
            time.sleep(0.5)  # polling interval, not an assertion
        # A second dashboard on the same database: its player finds the lock and leaves.
        second = subprocess.run([sys.executable, "-m", "geo.drills.live", "--db", path],
                                stdin=subprocess.PIPE, cwd=ROOT, env=env, timeout=60)
        assert second.returncode == 0 and proc.poll() is None
    finally:
        proc.stdin.close()  # the dashboard is gone: the player stops by itself
        assert proc.wait(timeout=60) == 0


def test_the_setting_stops_it(live_demo_db, monkeypatch):
    monkeypatch.setenv("ANTT_DEMO_PLAY", "0")
    assert start_player(live_demo_db) is None
    monkeypatch.setenv("ANTT_DEMO_PLAY", "1")
    player = start_player(live_demo_db)
    assert player is not None
    player.stdin.close()
    assert player.wait(timeout=60) == 0
