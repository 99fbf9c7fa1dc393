"""Child process standing in for the dashboard: keeps writing for a while, then reports."""

import sys
import time

from geo import incidents as inc
from geo.store import Store

store = Store(sys.argv[1])
store.init()
seconds = float(sys.argv[2])
print("ready", flush=True)
n, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    inc.report(store, kind="traffic", severity=2, lon=106.5, lat=21.0, source="patrol",
               actor="dashboard")
    n += 1
    store.incidents(limit=50)  # and reads, as the live page does
print(f"wrote {n}", flush=True)
