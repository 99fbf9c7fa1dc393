"""One writer process of ``python -m bench load``: *operators* threads, each a simulated
operator reporting, verifying, dispatching, arriving, resolving and closing shared
incidents through the same commands the pages call, as fast as the store lets it, until
*deadline* (a ``time.time()``).

Each acknowledged write (the command returned) is appended to *out* as one JSON line,
with one unbuffered ``os.write`` after the command returns: a line in the file is a
write the store acknowledged, even if this process is SIGKILLed a moment later. The
counts of refusals go to ``out + ".counts"`` at the end (a killed writer leaves none).

    python -m bench.load_writer DB OUT DEADLINE OPERATORS SEED FIRST_ID LAST_ID TEAMS
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
import threading
import time
from collections import Counter

from geo import incidents
from geo.errors import (
    AnttError,
    IllegalMove,
    Invalid,
    NotFound,
    StaleVersion,
    StoreBusy,
    StoreUnusable,
)
from geo.store import Store

# The next step of an incident in each status (a closed one gets a note).
NEXT = {"reported": "verify", "verifying": "dispatch", "dispatched": "arrive",
        "on_scene": "resolve", "resolved": "close"}


def operator(store: Store, name: str, rng: random.Random, deadline: float, ids: list[int],
             teams: int, fd: int, counts: Counter, lock: threading.Lock) -> None:
    n = 0
    while time.time() < deadline:
        n += 1
        t0 = time.perf_counter()
        try:
            if rng.random() < 0.1:
                row = incidents.report(
                    store, kind="disorder", severity=rng.randint(1, 4),
                    lon=106.5 + rng.random() / 10, lat=21.0 + rng.random() / 10,
                    source="hotline", actor=name, description=f"{name} #{n}",
                    request_id=f"{name}-{n}")
                action = "report"
                with lock:
                    ids.append(int(row["id"]))
            else:
                iid = rng.choice(ids)
                cur = store.get("incident", iid)  # what the operator's page shows
                action = NEXT.get(cur["status"], "note")
                row = incidents.move(
                    store, iid, action, expected_version=int(cur["version"]), actor=name,
                    team_code=f"T{rng.randint(1, teams)}" if action == "dispatch" else None,
                    note=f"{name} #{n}" if action == "note" else None)
            ms = (time.perf_counter() - t0) * 1000
            line = json.dumps({"id": int(row["id"]), "v": int(row["version"]), "a": action,
                               "ms": round(ms, 3)}) + "\n"
            os.write(fd, line.encode())
            outcome = "ok"
        except StaleVersion:
            outcome = "stale"
        except (IllegalMove, Invalid, NotFound):
            outcome = "refused"  # a rule said no (a team already out, say)
        except (StoreBusy, StoreUnusable):
            outcome = "unavailable"  # the server is restarting: the operator tries again
            time.sleep(0.05)
        except AnttError as e:
            outcome = f"error: {type(e).__name__}: {e}"[:200]
        with lock:
            counts[outcome] += 1


def main(argv: list[str]) -> int:
    # The pool's reconnection warnings while the server is down are expected here.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    db, out, deadline, operators, seed, first, last, teams = argv
    store = Store(db, lock_timeout=15)
    ids = list(range(int(first), int(last) + 1))
    counts: Counter = Counter()
    lock = threading.Lock()
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    threads = [threading.Thread(target=operator, args=(
        store, f"op{seed}.{k}", random.Random(int(seed) * 1000 + k), float(deadline), ids,
        int(teams), fd, counts, lock)) for k in range(int(operators))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    os.close(fd)
    with open(out + ".counts", "w") as f:
        json.dump(dict(counts), f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
