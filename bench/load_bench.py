"""``python -m bench load``: many writers on one store, and nothing acknowledged lost.

PostgreSQL: K writer processes (``bench/load_writer.py``) × M simulated operators each,
on shared incidents, for a fixed time, against a throwaway server on localhost (fsync on)
that this benchmark starts itself. During the run it SIGKILLs writer processes (and
starts new ones in their place) and crashes the server once (``pg_ctl stop -m
immediate``, then start: WAL recovery). DuckDB, in the same run: one process with K×M
operator threads on a file (DuckDB takes one writing process per file), no kills.

Then, for each store: every acknowledged write is in the event log at its version, every
entity's current row equals its replay from the log, and each entity's versions in the
log run 1, 2, … n with no gap: "lost updates" counts the exceptions (it must be 0).

Bounded: ``--seconds`` each (default 60), ``--writers`` ≤ 16, ``--operators`` ≤ 32,
``--kills`` ≤ 50; only a server this benchmark started, on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.pgserver import PgServer
from geo import incidents, units
from geo.analysis.replay import current_state, state_at
from geo.store import ENTITIES, Store

from .common import pct, table

ROOT = Path(__file__).resolve().parent.parent
TEAMS = 150
SHARED = 120  # incidents every operator works on


def _setup(db: str) -> None:
    store = Store(db)
    store.init()
    for k in range(1, TEAMS + 1):
        units.register(store, code=f"T{k}", name=f"Tổ {k}", actor="setup", size=3)
    for k in range(SHARED):
        incidents.report(store, kind="disorder", severity=1 + k % 4, lon=106.5 + k / 1000,
                         lat=21.0, source="hotline", actor="setup", description=f"Vụ {k}")
    store.close()


def _spawn(db: str, folder: Path, n: int, deadline: float, operators: int) -> tuple:
    out = folder / f"writer{n}.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ANTT_PG_POOL_SIZE": str(operators)}
    proc = subprocess.Popen([sys.executable, "-m", "bench.load_writer", db, str(out),
                             str(deadline), str(operators), str(n), "1", str(SHARED),
                             str(TEAMS)], env=env, cwd=ROOT)
    return proc, out


def _drive(db: str, folder: Path, *, seconds: float, writers: int, operators: int,
           kills: int, server: PgServer | None) -> dict:
    """Run the writers; SIGKILL *kills* of them along the way and, with *server*, crash
    and restart it half-way. The acknowledged writes and refusal counts."""
    start = time.time() + 1.5  # the writers start their clocks together
    deadline = start + seconds
    running = [_spawn(db, folder, n, deadline, operators) for n in range(writers)]
    outs = [out for _, out in running]
    rng = random.Random(7)
    events = sorted([(start + seconds * (0.05 + 0.85 * (i + 0.5) / max(kills, 1)), "kill")
                     for i in range(kills)]
                    + ([(start + seconds * 0.5, "restart")] if server else []))
    killed, down = 0, None
    for when, what in events:
        time.sleep(max(0.0, when - time.time()))
        if what == "kill":
            k = rng.randrange(len(running))
            running[k][0].send_signal(signal.SIGKILL)
            running[k][0].wait()
            killed += 1
            running[k] = _spawn(db, folder, writers + killed, deadline, operators)
            outs.append(running[k][1])
        else:
            down = server.restart("immediate")
    for proc, _ in running:
        proc.wait(timeout=seconds + 120)
    acks, counts = [], Counter()
    for out in outs:
        for line in out.read_text().splitlines() if out.exists() else []:
            try:
                acks.append(json.loads(line))
            except json.JSONDecodeError:  # pragma: no cover - a line cut by a SIGKILL
                pass
        c = Path(str(out) + ".counts")
        if c.exists():
            counts.update(json.loads(c.read_text()))
    return {"acks": acks, "counts": counts, "killed": killed, "down": down,
            "seconds": seconds}


def _verify(db: str) -> dict:
    """Lost updates: acknowledged writes missing from the log, entities whose row differs
    from their replay, and gaps or repeats in an entity's versions."""
    store = Store(db)
    log = store.events()
    logged = {(str(e), int(v), a) for e, v, a in
              log.loc[log["entity"] == "incident", ["entity_id", "version", "action"]]
              .itertuples(index=False, name=None)}
    replay = state_at(store)
    live = current_state(store)
    differ = sum(live[e].get(k) != replay[e].get(k)
                 for e in ENTITIES for k in set(live[e]) | set(replay[e]))
    gaps = 0
    for _, versions in log[log["entity"] != "session"].groupby(["entity", "entity_id"])[
            "version"]:
        gaps += list(versions) != list(range(1, len(versions) + 1))
    store.close()
    return {"logged": logged, "differ": differ, "gaps": gaps, "events": len(log)}


def _row(name: str, run: dict, check: dict) -> list[str]:
    acks = run["acks"]
    missing = sum((str(a["id"]), a["v"], a["a"]) not in check["logged"] for a in acks)
    lost = missing + check["differ"] + check["gaps"]
    ms = [a["ms"] for a in acks]
    c = run["counts"]
    return [name, f"{len(acks):,}", f"{len(acks) / run['seconds']:,.0f}/s",
            f"{pct(ms, 50):.1f} / {pct(ms, 95):.1f} / {pct(ms, 99):.1f}" if ms else "—",
            f"{c['stale']:,}", f"{c['refused']:,}", f"{c['unavailable']:,}",
            f"{run['killed']}" + (f" + server crash ({run['down']:.1f} s down)"
                                  if run["down"] else ""),
            f"**{lost}**" + (f" ({missing} missing, {check['differ']} differ, "
                             f"{check['gaps']} gaps)" if lost else "")]


def run(seconds: float = 60, writers: int = 4, operators: int = 8, kills: int = 20) -> str:
    writers, operators = min(writers, 16), min(operators, 32)
    kills = min(kills, 50)
    folder = Path(tempfile.mkdtemp(prefix="antt-load-"))
    rows = []
    with PgServer(durable=True, max_connections=writers * operators * 2 + 40) as server:
        url = server.create_database("load")
        _setup(url)
        (folder / "pg").mkdir()
        pg = _drive(url, folder / "pg", seconds=seconds, writers=writers,
                    operators=operators, kills=kills, server=server)
        rows.append(_row(f"PostgreSQL, {writers} processes × {operators} operators", pg,
                         _verify(url)))
    duck = str(folder / "load.duckdb")
    _setup(duck)
    (folder / "duck").mkdir()
    dk = _drive(duck, folder / "duck", seconds=seconds, writers=1,
                operators=writers * operators, kills=0, server=None)
    rows.append(_row(f"DuckDB, 1 process × {writers * operators} operators", dk,
                     _verify(duck)))
    errors = {k: v for r in (pg, dk) for k, v in r["counts"].items() if k.startswith("error")}
    head = ("\n### Load: concurrent operators on shared incidents "
            f"({seconds:g} s each, {SHARED} shared incidents, {TEAMS} teams)\n\n"
            "| store | acknowledged writes | throughput | write latency p50 / p95 / p99 "
            "(ms) | stale-version refusals | rule refusals | unavailable (retried) | "
            "SIGKILLs | lost updates |\n|---|---|---|---|---|---|---|---|---|\n")
    body = "\n".join("| " + " | ".join(r) + " |" for r in rows) + "\n"
    if errors:
        body += "\nOther errors: " + "; ".join(f"{k} ×{v}" for k, v in errors.items()) + "\n"
    table("Load", [("lost updates, PostgreSQL with kills and a crash", rows[0][-1],
                    f"DuckDB: {rows[1][-1]}", "0")])
    return head + body


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench load")
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--operators", type=int, default=8)
    p.add_argument("--kills", type=int, default=20)
    a = p.parse_args(argv)
    print(run(a.seconds, a.writers, a.operators, a.kills))
    return 0


if __name__ == "__main__":
    sys.exit(main())
