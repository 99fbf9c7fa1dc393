"""Store benchmark: the dashboard's filter query on 1 M events / 200 k incidents in DuckDB
vs SQLite with equivalent indexes; single-write latency; bulk ingest; crash trials."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from geo import incidents as inc
from geo.store import Filters, Store

from .common import median, pct, table, timed

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2021, 5, 22, 17, 0)  # 00:00 on 23/5/2021 in Vietnam, as UTC


def _places(n_hamlets: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "lon": rng.uniform(105.5, 106.6, n_hamlets), "lat": rng.uniform(20.2, 21.1, n_hamlets),
        "hamlet_code": [f"H{i:03d}" for i in range(n_hamlets)],
        "commune_code": [f"C{i // 8:02d}" for i in range(n_hamlets)],
    })


def _filters_for(i: int) -> Filters:
    rng = random.Random(i)
    h0 = rng.randrange(0, 397)
    since = START + timedelta(hours=rng.randrange(0, 18))
    return Filters(hamlet_codes=[f"H{h0 + k:03d}" for k in range(3)],
                   kinds=["disorder", "gathering", "tampering"],
                   statuses=["reported", "verifying", "dispatched", "on_scene", "resolved",
                             "closed"],
                   since=since, until=since + timedelta(hours=6))


def _sqlite_copy(df: pd.DataFrame, path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    out = df.copy()
    for c in out.columns:
        if c.endswith("_at"):
            out[c] = out[c].astype(str)
    out.to_sql("incidents", con, index=False)
    con.execute("CREATE INDEX ix_filter ON incidents (hamlet_code, kind, status, reported_at)")
    con.execute("CREATE INDEX ix_time ON incidents (reported_at)")
    con.commit()
    return con


def _sqlite_query(con: sqlite3.Connection, f: Filters) -> pd.DataFrame:
    q = lambda xs: ",".join("?" * len(xs))  # noqa: E731
    sql = (f"SELECT * FROM incidents WHERE hamlet_code IN ({q(f.hamlet_codes)}) "
           f"AND kind IN ({q(f.kinds)}) AND status IN ({q(f.statuses)}) "
           "AND reported_at >= ? AND reported_at < ? ORDER BY reported_at DESC, id DESC")
    args = [*f.hamlet_codes, *f.kinds, *f.statuses, str(f.since), str(f.until)]
    return pd.read_sql_query(sql, con, params=args)


def _sqlite_counts(con: sqlite3.Connection, f: Filters) -> list:
    return con.execute("SELECT status, kind, severity, count(*) FROM incidents "
                       "WHERE reported_at >= ? AND reported_at < ? GROUP BY 1, 2, 3",
                       [str(f.since), str(f.until)]).fetchall()


def sigkill_trials(db: Path, trials: int, *, seed: int = 7, env: dict | None = None
                   ) -> Iterator[tuple[set[int], set[int]]]:
    """Kill a writer (tests/crash_writer.py, which prints each id after its commit) with
    SIGKILL at a random moment, *trials* times; after each, yield the ids acknowledged so
    far and the ids in the store. Shared with tests/store/test_concurrency.py."""
    rng = random.Random(seed)
    Store(db).init()
    acked: set[int] = set()
    env = env or {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(trials):
        p = subprocess.Popen([sys.executable, str(ROOT / "tests" / "crash_writer.py"), str(db)],
                             stdout=subprocess.PIPE, text=True, env=env)
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError("the crash writer did not start")
        for _ in range(rng.randint(1, 25)):
            line = p.stdout.readline()
            if line.strip().isdigit():
                acked.add(int(line))
        p.send_signal(signal.SIGKILL)
        rest, _ = p.communicate()
        acked.update(int(x) for x in rest.split() if x.isdigit())
        s = Store(db)
        present = set(s.incidents()["id"])
        s.close()
        yield acked, present


def _crash_trials(db: Path, trials: int) -> tuple[int, int]:
    """Kill a writer with SIGKILL *trials* times; return (acknowledged, lost)."""
    acked: set[int] = set()
    lost: set[int] = set()
    for acked, present in sigkill_trials(db, trials):
        lost = acked - present
    return len(acked), len(lost)


def _counts(store: Store, filters: Filters) -> pd.Series:
    """What the KPI strip computes: the filtered incidents, counted by status, kind and
    severity."""
    return store.incidents(filters).groupby(["status", "kind", "severity"]).size()


def run(n_incidents: int = 200_000, crash_trials: int = 100) -> str:
    from geo.drills.simulate import bulk_history

    tmp = Path(tempfile.mkdtemp(prefix="antt-bench-"))
    store = Store(tmp / "bench.duckdb")
    store.init()
    t = time.perf_counter()
    incidents, events = bulk_history(n_incidents, start=START, hours=24, places=_places(),
                                     teams=[f"T{i}" for i in range(50)], first_event_id=1)
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    store.bulk_load({"incident": incidents}, events)
    load_s = time.perf_counter() - t
    n_events = len(events)
    print(f"generated {n_incidents} incidents / {n_events} events in {gen_s:.1f} s; "
          f"loaded in {load_s:.1f} s", file=sys.stderr)

    filters = [_filters_for(i) for i in range(50)]
    store.incidents(filters[0])  # warm the anchor, as a running dashboard has it
    it = iter(filters * 2)
    duck = timed(lambda: store.incidents(next(it)), 50)
    # The wall screen's KPI strip: counts over every hamlet in a time window.
    broad = [Filters(since=f.since, until=f.until) for f in filters]
    it_counts = iter(broad * 2)
    duck_counts = timed(lambda: _counts(store, next(it_counts)), 50)
    store.close()
    cold = timed(lambda: (store.incidents(filters[0]), store.close()), 10)

    sq = _sqlite_copy(store.incidents(), tmp / "bench.sqlite")
    store.close()
    its = iter(filters * 2)
    lite = timed(lambda: _sqlite_query(sq, next(its)), 50)
    itc = iter(broad * 2)
    lite_counts = timed(lambda: _sqlite_counts(sq, next(itc)), 50)
    assert _counts(store, broad[5]).sum() == sum(r[3] for r in _sqlite_counts(sq, broad[5]))
    # Same answer from both, or the comparison means nothing.
    a = store.incidents(filters[3])["id"].tolist()
    b = _sqlite_query(sq, filters[3])["id"].tolist()
    assert a == b, "DuckDB and SQLite disagree"

    writes = timed(lambda: inc.report(store, kind="fire", severity=3, lon=106.5, lat=21.0,
                                      source="hotline", actor="bench"), 200)
    store.close()
    acked, lost = _crash_trials(tmp / "crash.duckdb", crash_trials)

    speedup = median(lite) / median(duck)
    rows = [
        ("filter query (hamlets+kinds+status+6 h window), median", f"{median(duck):.1f} ms",
         f"SQLite + composite index: {median(lite):.1f} ms (DuckDB ÷ SQLite speed: "
         f"{speedup:.2f}×)",
         "≤ 50 ms, ≥ 5× faster"),
        ("filter query p95", f"{pct(duck, 95):.1f} ms", f"SQLite: {pct(lite, 95):.1f} ms", ""),
        ("KPI counts by status/kind/severity, all hamlets, 6 h window, median",
         f"{median(duck_counts):.1f} ms",
         f"SQLite + index on time: {median(lite_counts):.1f} ms "
         f"(DuckDB ÷ SQLite speed: {median(lite_counts) / median(duck_counts):.1f}×)", ""),
        ("filter query incl. opening the file (cold), median", f"{median(cold):.1f} ms", "",
         ""),
        ("single write (report, commit + checkpoint) p50 / p95",
         f"{median(writes):.1f} / {pct(writes, 95):.1f} ms", "", ""),
        ("bulk ingest", f"{n_events / load_s:,.0f} events/s ({n_events:,} events, "
         f"{n_incidents:,} incidents in {load_s:.1f} s)", "", ""),
        (f"crash: SIGKILL × {crash_trials}", f"{lost} of {acked} acknowledged ids lost", "",
         "0 lost"),
    ]
    return table(f"Store — {n_events:,} events / {n_incidents:,} incidents", rows)
