"""Login flood benchmark: what six clients failing to log in about once a second each cost
an operator's save (the report command, p50/p95), beside the same saves with no flood,
in one run, in one process (as the dashboard server holds both).

Floods measured:
- six sources, each failing on the operator's name (each source is locked after five
  failures: the real policy);
- every attempt from a new source (the lock never applies: every attempt costs a full
  argon2 check, the worst case);
- the previous code path as the baseline: the argon2 check inside the write transaction.

``python -m bench login`` (``--seconds`` per phase)."""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from geo import accounts
from geo import incidents as inc
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.store import Store

from .browser import DAY, PASSWORD
from .common import pct, table

CLIENTS = 6
PACE_S = 1.0  # each flooding client tries about once a second


def _old_login(store: Store, name: str, password: str) -> None:
    """The code path before this issue: the password checked inside the transaction,
    holding the store's write lock."""
    def cmd(tx) -> None:
        digest = tx.password_hash(name)
        try:
            accounts._HASHER.verify(digest, password)
        except Exception:  # noqa: BLE001 - a wrong password, as the old code caught it
            pass
        tx.note_event(name, "login_failed", name)

    store.transact(cmd)


def _phase(store: Store, site: dict, seconds: float,
           attempt: Callable[[int, int], None] | None) -> tuple[list[float], int]:
    """Saves (ms) made back to back for *seconds* while CLIENTS threads call *attempt*
    (client, n) about once a second; and how many attempts were made."""
    stop = threading.Event()
    attempts = itertools.count()

    def flood(client: int) -> None:
        n = 0
        while not stop.is_set():
            t = time.monotonic()
            try:
                attempt(client, n)
            except accounts.LoginFailed:
                pass
            next(attempts)
            n += 1
            stop.wait(max(0.0, PACE_S - (time.monotonic() - t)))  # pacing, not a measure

    threads = [threading.Thread(target=flood, args=(c,)) for c in range(CLIENTS)] \
        if attempt else []
    for th in threads:
        th.start()
    saves = []
    end = time.monotonic() + seconds
    k = 0
    while time.monotonic() < end:
        t = time.perf_counter()
        inc.report(store, kind="fire", severity=2, lon=float(site["lon"]),
                   lat=float(site["lat"]), source="hotline", actor="bench",
                   description=f"flood bench {k}", site_code=str(site["code"]))
        saves.append((time.perf_counter() - t) * 1000)
        k += 1
        time.sleep(0.05)  # an operator's pace is far slower; this keeps the log moving
    stop.set()
    for th in threads:
        th.join()
    return saves, next(attempts)


def measure(seconds: float = 20) -> list[tuple[str, list[float], int]]:
    folder = Path(tempfile.mkdtemp(prefix="antt-login-bench-"))
    store = Store(folder / "login.duckdb")
    store.init()
    load_demo(store, at=setup_time(DAY))
    accounts.add_user(store, "bench", username="tb1", role="operator", password=PASSWORD)
    site = store.get("site", "10732-S01")
    fresh = itertools.count()
    phases: list[tuple[str, Callable[[int, int], None] | None]] = [
        ("no flood", None),
        ("6 sources, one name (locked after 5 each)",
         lambda c, n: accounts.login(store, "tb1", "sai-mat-khau", source=f"10.0.0.{c}")),
        ("a new source every attempt (never locked)",
         lambda c, n: accounts.login(store, "tb1", "sai-mat-khau",
                                     source=f"10.1.{next(fresh)}")),
        ("previous code: check inside the write lock",
         lambda c, n: _old_login(store, "tb1", "sai-mat-khau")),
        ("no flood, again", None),
    ]
    out = []
    for name, attempt in phases:
        saves, n = _phase(store, site, seconds, attempt)
        print(f"login bench: {name}: {len(saves)} saves, p50 {statistics.median(saves):.1f} "
              f"ms, p95 {pct(saves, 95):.1f} ms, {n} login attempts", file=sys.stderr)
        out.append((name, saves, n))
    store.close()
    return out


def run(seconds: float = 20) -> str:
    got = measure(seconds)
    calm = [s for name, saves, _ in got if name.startswith("no flood") for s in saves]
    base50, base95 = statistics.median(calm), pct(calm, 95)
    rows = [(f"operator save (report command), {name}",
             f"p50 {statistics.median(saves):.1f} ms, p95 {pct(saves, 95):.1f} ms "
             f"({len(saves)} saves, {n} login attempts)",
             f"no flood: p50 {base50:.1f} ms, p95 {base95:.1f} ms; flood cost p50 "
             f"{statistics.median(saves) / base50 - 1:+.0%}, "
             f"p95 {pct(saves, 95) / base95 - 1:+.0%}",
             "flood ≤ +20 %" if not name.startswith(("no flood", "previous")) else "—")
            for name, saves, n in got if not name.startswith("no flood")]
    rows.insert(0, ("operator save (report command), no flood (two phases)",
                    f"p50 {base50:.1f} ms, p95 {base95:.1f} ms ({len(calm)} saves)", "—",
                    "—"))
    return table(f"Login flood: {CLIENTS} clients, about one failed login a second each",
                 rows)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=20)
    print(run(p.parse_args().seconds))
