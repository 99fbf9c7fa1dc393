"""Child process for the server-restart test: report incidents in a loop, print each id
after its commit, and carry on through the server's restart (printing "unavailable"
for each write refused while it is down)."""

import sys
import time

from geo import incidents as inc
from geo.errors import StoreBusy, StoreUnusable
from geo.store import Store

store = Store(sys.argv[1], lock_timeout=2)
print("ready", flush=True)
i = 0
while True:
    i += 1
    try:
        row = inc.report(store, kind="disorder", severity=1 + i % 4, lon=106.5, lat=21.0,
                         source="patrol", actor="restart-writer", description=f"vụ {i}")
    except (StoreBusy, StoreUnusable):
        print("unavailable", flush=True)
        time.sleep(0.05)  # the operator tries again
        continue
    print(row["id"], flush=True)  # only after report() returned, i.e. after commit
