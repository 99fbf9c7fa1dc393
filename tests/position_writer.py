"""Child process standing in for a team's phone on the province server: reports team
T1's position again and again until the file named by argv[2] exists, then once more (so
at least one report comes after whatever the parent did before making that file), then
prints how many it wrote."""

import sys
from pathlib import Path

from geo import units
from geo.store import Store

store = Store(sys.argv[1])
stop = Path(sys.argv[2])
n, last = 0, False
while True:
    last = stop.exists()
    units.report_position(store, "T1", 106.53 + 1e-5 * (n % 50), 21.04, actor="trực ban")
    n += 1
    if n == 1:
        print("started", flush=True)
    if last:
        break
print(f"wrote {n}", flush=True)
