"""The drill simulator: real rules at commune scale, the bulk path at province scale."""

from datetime import datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest

from geo import incidents as inc
from geo.analysis.replay import state_at
from geo.drills.simulate import simulate
from geo.errors import AnttError
from geo.io.importer import import_layer
from geo.store import Store

from .. import geofixtures as fx
from ..conftest import live_state, report_args


@pytest.fixture
def drill_store(store, tmp_path):
    cps = fx.checkpoints()
    hot = gpd.GeoDataFrame({"code": ["C1-HS1"], "name": ["Khu tranh chấp đất"],
                            "reason": ["Tranh chấp đất đai kéo dài"], "risk": [3]},
                           geometry=[fx.hamlets().geometry[3]], crs=4326)
    for kind, gdf in (("communes", fx.commune()), ("hamlets", fx.hamlets()),
                      ("sites", fx.sites()), ("targets", None), ("hotspots", hot),
                      ("routes", fx.routes()), ("checkpoints", cps)):
        if gdf is not None:
            _setup(store, tmp_path, kind, gdf)
    return store


def _setup(store, tmp_path, kind, gdf):
    """Import a layer stamped before the drill day starts, as a drill's set-up is."""
    last = store.last_event()[1]
    at = SETUP if last is None else last + timedelta(seconds=1)
    import_layer(store, fx.write(gdf, tmp_path / f"{kind}.geojson"), kind, actor="t", at=at)


SETUP = datetime(2021, 5, 22, 20, 0)  # 03:00 on election day in Vietnam


def test_incident_gets_its_hamlet_when_written(drill_store):
    r = inc.report(drill_store, **report_args(lon=106.515, lat=21.015))
    assert (r["commune_code"], r["hamlet_code"]) == ("C1", "C1-H4")


def test_commune_drill_follows_the_rules_and_replays(drill_store):
    summary = simulate(drill_store, scale="commune", seed=3, progress=False)
    assert "diễn tập cấp xã" in summary  # Vietnamese unless asked otherwise
    counts = drill_store.counts()
    assert counts["sites"] == {"done": 4}
    assert sum(counts["incidents"].values()) > 0
    ev = drill_store.events()
    assert ev["occurred_at"].is_monotonic_increasing and ev["id"].is_monotonic_increasing
    assert {"checkin", "position", "dispatch", "arrive", "open", "finish"} <= set(ev["action"])
    assert ev.loc[ev["entity"] == "incident", "action"].isin(inc.ACTIONS + ("report",)).all()
    # Every dispatched incident went to a registered team.
    teams = set(drill_store.frame("unit")["code"])
    assert set(drill_store.incidents()["team_code"].dropna()) <= teams
    # Replay at many moments equals the live state rebuilt by re-reading the log.
    assert state_at(drill_store) == live_state(drill_store)
    # Same seed, same day → the same drill.
    with pytest.raises(AnttError, match="fresh database"):
        simulate(drill_store, scale="commune", seed=3, progress=False)


@pytest.mark.slow
def test_full_demo_drill_day(tmp_path):
    """The whole day on the real demo communes: 13 teams end patrol at the same minute."""
    from geo.drills.demo import load_demo
    from geo.drills.simulate import setup_time
    from geo.store import Store
    s = Store(tmp_path / "demo.duckdb")
    s.init()
    day = datetime(2021, 5, 23).date()
    load_demo(s, at=setup_time(day))
    simulate(s, scale="commune", seed=5, day=day, progress=False)
    counts = s.counts()
    assert counts["sites"] == {"done": 19}
    assert counts["units"] == {"available": 13}
    assert state_at(s) == live_state(s)


def test_commune_drill_is_deterministic(tmp_path):
    from geo.store import Store
    outs = []
    for k in range(2):
        (tmp_path / str(k)).mkdir()
        s = Store(tmp_path / f"d{k}.duckdb")
        s.init()
        for kind, gdf in (("communes", fx.commune()), ("hamlets", fx.hamlets()),
                          ("sites", fx.sites()), ("routes", fx.routes())):
            _setup(s, tmp_path / str(k), kind, gdf)
        simulate(s, scale="commune", seed=11, progress=False)
        df = s.incidents().sort_values("id")
        outs.append(df[["kind", "severity", "status", "lon", "lat", "team_code"]]
                    .reset_index(drop=True))
        s.close()
    assert outs[0].equals(outs[1])


@pytest.mark.slow
def test_province_drill_bulk_path(store):
    summary = simulate(store, scale="province", seed=2, progress=False)
    assert "3,000 điểm bỏ phiếu" in summary
    counts = store.counts()
    assert counts["sites"] == {"done": 3000}
    assert sum(counts["incidents"].values()) == 10_000
    assert "dispatched" not in counts["incidents"] and "on_scene" not in counts["incidents"]
    live = live_state(store)
    assert state_at(store) == live


@pytest.mark.slow
def test_province_drill_is_the_same_in_small_chunks(tmp_path):
    """The drill is made and written a chunk at a time (its memory is one chunk's), and the
    log it writes does not depend on the chunk's size: same ids, times, actions, rows."""
    logs = []
    for chunk in (10_000, 777):
        s = Store(tmp_path / f"c{chunk}.duckdb")
        s.init()
        simulate(s, scale="province", seed=3, progress=False, chunk=chunk)
        ev = s.events()
        logs.append((ev[["id", "occurred_at", "entity", "entity_id", "action", "version",
                         "after"]].reset_index(drop=True),
                     s.frame("incident").sort_values("id").reset_index(drop=True)))
        s.close()
    assert len(logs[0][0]) > 50_000
    assert logs[0][0].equals(logs[1][0])
    assert logs[0][1].equals(logs[1][1])


def test_bulk_load_in_chunks_writes_nothing_if_a_chunk_fails(store):
    """All chunks go in one transaction: a failure half-way leaves the store as it was."""
    from geo.drills.simulate import incident_chunks

    places = pd.DataFrame({"lon": [106.5], "lat": [21.0], "hamlet_code": ["H1"],
                           "commune_code": ["C1"]})
    before = (store.last_event(), store.counts())

    def chunks():
        for i, (rows, events) in enumerate(incident_chunks(
                30, start=datetime(2030, 1, 1), hours=2, places=places, teams=["T1"],
                chunk=10, settle=True)):
            if i == 2:
                raise RuntimeError("the drill broke off")
            yield {"incident": rows}, events

    with pytest.raises(RuntimeError, match="broke off"):
        store.bulk_load_chunks(chunks())
    assert (store.last_event(), store.counts()) == before
    # The staging tables went with it, and DuckDB's memory limit is its default again.
    with store._cursor() as cur:
        tables = [r[0] for r in cur.rows("SELECT table_name FROM information_schema.tables")]
        limit = (cur.rows("SELECT current_setting('memory_limit')")[0][0]
                 if store.kind == "duckdb" else None)
    assert not [t for t in tables if t.startswith("_bulk")], tables
    assert limit != "953.6 MiB"
