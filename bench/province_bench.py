"""``python -m bench province``: the dashboard on a PostgreSQL server, beside DuckDB.

The commune drill is built in a DuckDB file, then moved up with ``geo.store.migrate`` (what
``antt migrate --to`` runs) into a throwaway PostgreSQL server on localhost. Then, on
each store: the live page's first paint in headless Chromium, and write → visible: a
report committed by another process (this one, through the same command the operator
page calls) until its marker is on an open live page (20 writes, refresh every 5 s,
change check every 1 s). On PostgreSQL the live page is served by one of two Streamlit
processes on the same database.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.pgserver import PgServer
from geo.store import Store, migrate

from .browser import ARGS, CHROMIUM, build, serve, session
from .common import table
from .map_bench import _p95, _paints, _write_latency


def run() -> str:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="antt-province-bench-"))
    duck = build("commune", folder)
    rows = []
    with PgServer(durable=True) as server, sync_playwright() as p:
        url = server.create_database("province")
        t = time.perf_counter()
        moved = migrate.migrate(Store(duck), Store(url))
        took = time.perf_counter() - t
        assert not moved.conflicts, moved.conflicts
        events = sum(c for t_, c, _ in moved.summary() if t_ == "events")
        rows.append(("antt migrate: the commune drill into PostgreSQL",
                     f"{took:.1f} s ({events:,} events)", "", ""))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, db in (("DuckDB file", str(duck)), ("PostgreSQL", url)):
            with serve(db) as page_url:
                _, paint, _ = _paints(browser, page_url + "/", session(db), 10)
            if name == "PostgreSQL":
                with serve(db):  # a second app process on the same database
                    latency = _write_latency(browser, db)
            else:
                latency = _write_latency(browser, db)
            rows.append((f"{name}: live page first paint, commune drill, median",
                         f"{paint:.2f} s", "", ""))
            rows.append((f"{name}: write → visible on the live page"
                         + (" of another app process" if name == "PostgreSQL" else "")
                         + ", 20 writes, p95 (median)",
                         f"{_p95(latency):.2f} s ({statistics.median(latency):.2f} s)",
                         "refresh 5 s, change check 1 s", "≤ refresh + 1 s"))
        browser.close()
    return table("The dashboard on PostgreSQL beside DuckDB (headless Chromium)", rows)
