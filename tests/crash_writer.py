"""Child process for the crash test: report incidents in a loop, print each id after commit."""

import sys

from geo import incidents as inc
from geo.store import Store

store = Store(sys.argv[1])
store.init()
print("ready", flush=True)
i = 0
while True:
    i += 1
    row = inc.report(store, kind="disorder", severity=1 + i % 4, lon=106.5, lat=21.0,
                     source="patrol", actor="crash-writer", description=f"vụ {i}")
    print(row["id"], flush=True)  # only after report() returned, i.e. after commit
