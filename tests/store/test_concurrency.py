"""Threads and processes against one store: a real DuckDB file and a real PostgreSQL
database."""

from __future__ import annotations

import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bench.store_bench import sigkill_trials
from geo import incidents as inc
from geo.drills.simulate import bulk_history
from geo.errors import StaleVersion
from geo.store import Store

from ..conftest import PYTHON, ROOT, add_accounts, cli_env, report_args


def _race(store: Store, incident_id: int, n: int, retry: bool) -> tuple[list, list]:
    barrier = threading.Barrier(n)
    landed, stale = [], []

    def worker(k: int) -> None:
        barrier.wait()
        while True:
            version = store.get("incident", incident_id)["version"]
            try:
                inc.add_note(store, incident_id, f"ghi chú {k}", expected_version=version,
                             actor=f"op{k}")
                landed.append(k)
                return
            except StaleVersion:
                if not retry:
                    stale.append(k)
                    return

    with ThreadPoolExecutor(n) as pool:
        list(pool.map(worker, range(n)))
    return landed, stale


def _versions(store: Store, incident_id: int) -> list[int]:
    return [int(v) for v in store.events("incident", incident_id)["version"]]


def test_twenty_threads_each_update_lands_or_is_refused(staffed):
    r = inc.report(staffed, **report_args())
    landed, stale = _race(staffed, r["id"], 20, retry=False)
    assert len(landed) + len(stale) == 20 and landed
    final = staffed.get("incident", r["id"])
    assert final["version"] == 1 + len(landed)
    assert _versions(staffed, r["id"]) == list(range(1, final["version"] + 1))
    notes = staffed.events("incident", r["id"])["detail"].dropna()
    assert sorted(int(d.split("ghi chú ")[1].split('"')[0]) for d in notes) == sorted(landed)


def test_twenty_threads_retrying_all_land_gap_free(staffed):
    r = inc.report(staffed, **report_args())
    landed, _ = _race(staffed, r["id"], 20, retry=True)
    assert sorted(landed) == list(range(20))
    assert _versions(staffed, r["id"]) == list(range(1, 22))


def test_readers_and_writers_in_threads(staffed):
    errors = []

    def write(k):
        try:
            for _ in range(5):
                inc.report(staffed, **report_args(description=f"w{k}"))
        except Exception as e:  # collected and asserted below
            errors.append(e)

    def read(_):
        try:
            for _ in range(10):
                staffed.incidents(limit=20)
                staffed.counts()
        except Exception as e:
            errors.append(e)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: (write if k % 2 else read)(k), range(16)))
    assert errors == []
    assert len(staffed.incidents()) == 8 * 5


@pytest.mark.slow
def test_sigkill_never_loses_an_acknowledged_incident(db):
    """A child prints each id after its commit; we SIGKILL it at random moments."""
    acknowledged: set[int] = set()
    for trial, (acknowledged, present) in enumerate(
            sigkill_trials(db, 20, seed=20210523, env=cli_env(db))):
        missing = acknowledged - present
        assert not missing, f"trial {trial}: acknowledged but lost: {sorted(missing)}"
    assert len(acknowledged) >= 20


@pytest.mark.slow
def test_cli_writes_while_a_long_lived_writer_runs(db):
    add_accounts(db, **{f"cli{k}": "operator" for k in range(4)})
    writer = subprocess.Popen([PYTHON, str(ROOT / "tests" / "busy_writer.py"), str(db),
                               "6"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=cli_env(db))
    assert writer.stdout.readline().strip() == "ready"
    clis = [subprocess.Popen([PYTHON, "-m", "geo.cli", "--db", str(db), "--user",
                              f"cli{k}", "incident", "report", "--kind", "fire", "--severity",
                              "3", "--lon", "106.5", "--lat", "21.0", "--source", "hotline"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=cli_env(db), cwd=ROOT)
            for k in range(4)]
    results = [c.communicate(timeout=120) + (c.returncode,) for c in clis]
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    for _out, cli_err, rc in results:
        assert rc == 0, cli_err
        assert "Could not set lock" not in cli_err
    wrote = int(out.split("wrote ")[1])
    store = Store(db)
    df = store.incidents()
    assert (df["created_by"] == "dashboard").sum() == wrote
    assert sorted(df.loc[df["kind"] == "fire", "created_by"]) == [f"cli{k}" for k in range(4)]


@pytest.mark.slow
def test_a_bulk_load_waits_for_another_process_writing(staffed, db, tmp_path):
    """A drill's bulk load (``antt simulate`` on the province server) while a team's phone
    reports positions from another process: both land, and the log keeps one order (ids
    without a gap, times never going back), the bulk's events in one block between the
    phone's."""
    stop = tmp_path / "stop"
    phone = subprocess.Popen([PYTHON, str(ROOT / "tests" / "position_writer.py"), str(db),
                              str(stop)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=cli_env(db))
    assert phone.stdout.readline().strip() == "started", phone.stderr.read()
    _, last_at = staffed.last_event()
    places = staffed.frame("site")[["lon", "lat", "hamlet_code", "commune_code"]]
    incidents, events = bulk_history(
        300, start=last_at + timedelta(hours=1), hours=2, places=places, teams=["T2"],
        first_event_id=1, first_incident_id=staffed.next_incident_id(), settle=True)
    staffed.bulk_load({"incident": incidents}, events)
    stop.touch()
    out, err = phone.communicate(timeout=300)
    assert phone.returncode == 0, err
    wrote = int(out.split("wrote ")[1])

    log = staffed.events()
    assert list(log["id"]) == list(range(1, len(log) + 1))
    assert log["occurred_at"].is_monotonic_increasing
    positions = log.index[(log["entity"] == "unit") & (log["action"] == "position")]
    drill = log.index[log["actor"] == "drill"]
    assert len(positions) == wrote and len(drill) == len(events)
    assert list(drill) == list(range(drill[0], drill[0] + len(drill)))  # one block
    assert positions.min() < drill[0] and positions.max() > drill[-1]
    assert len(staffed.incidents()) == 300
