"""Geography benchmark: point-in-hamlet rate (vectorised vs a per-point loop), province-scale
site-list import, and the national drill's wall time and peak memory."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.analysis.spatial import assign_hamlets, points
from geo.io.importer import import_layer
from geo.store import Store

from .common import table

ROOT = Path(__file__).resolve().parent.parent


def _voronoi_hamlets(n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """*n* irregular hamlet polygons (Voronoi cells) tiling a 0.5° square in Hải Dương."""
    box = shapely.box(106.1, 20.7, 106.6, 21.2)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(106.1, 106.6, n),
                                                 rng.uniform(20.7, 21.2, n)]))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))
    cells = shapely.intersection(cells, box)
    return gpd.GeoDataFrame({"code": [f"H{i:05d}" for i in range(len(cells))],
                             "commune_code": [f"C{i // 12:04d}" for i in range(len(cells))]},
                            geometry=cells, crs=4326)


def _loop_assign(pts: gpd.GeoDataFrame, hamlets: gpd.GeoDataFrame) -> list:
    """The baseline: one point at a time, testing hamlets in turn (bounding box first)."""
    geoms, codes = list(hamlets.geometry), list(hamlets["code"])
    bounds = [g.bounds for g in geoms]
    out = []
    for p in pts.geometry:
        hit = None
        for (x0, y0, x1, y1), g, c in zip(bounds, geoms, codes, strict=True):
            if x0 <= p.x <= x1 and y0 <= p.y <= y1 and g.intersects(p):
                hit = c
                break
        out.append(hit)
    return out


# Runs ``antt`` in this child and prints its own peak (VmHWM: the high-water mark of the
# child's memory since its exec). The kernel's ru_maxrss is no use here: a child inherits
# its parent's peak at fork (this bench holds a million points), and exec keeps it.
_PEAK = """import sys
from geo.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as e:
    code = e.code
hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')][0]
print('PEAK_KIB', hwm.split()[1], file=sys.stderr)
sys.exit(code)
"""


def _peak(args: list[str]) -> tuple[float, int, str]:
    """Run ``antt *args*`` in a child: (wall seconds, its own peak RSS in KiB, its
    standard output)."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK, *args], capture_output=True,
                          text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    if done.returncode:
        raise RuntimeError(done.stderr)
    kib = int(done.stderr.rsplit("PEAK_KIB", 1)[1].split()[0])
    return wall, kib, done.stdout


def run(n_points: int = 1_000_000, n_hamlets: int = 2_400, loop_points: int = 20_000,
        national: bool = True) -> str:
    rng = np.random.default_rng(0)
    hamlets = _voronoi_hamlets(n_hamlets, rng)
    pts = points(rng.uniform(106.1, 106.6, n_points), rng.uniform(20.7, 21.2, n_points))
    t = time.perf_counter()
    got = assign_hamlets(pts, hamlets)
    vec_s = time.perf_counter() - t
    sample = pts.iloc[:loop_points]
    t = time.perf_counter()
    loop = _loop_assign(sample, hamlets)
    loop_s = time.perf_counter() - t
    # Borders are shared: a point on one may go to either neighbour; count true mismatches.
    agree = np.mean([a == b for a, b in zip(loop, got["hamlet_code"].iloc[:loop_points],
                                            strict=True)])

    tmp = Path(tempfile.mkdtemp(prefix="antt-geo-bench-"))
    n_sites = 3000
    sites = pd.DataFrame({"code": [f"S{i:04d}" for i in range(n_sites)],
                          "name": [f"Nhà văn hóa thôn {i}" for i in range(n_sites)],
                          "lon": rng.uniform(106.1, 106.6, n_sites),
                          "lat": rng.uniform(20.7, 21.2, n_sites),
                          "voters": rng.integers(300, 4000, n_sites)})
    sites.to_csv(tmp / "sites.csv", index=False)
    store = Store(tmp / "import.duckdb")
    store.init()
    t = time.perf_counter()
    import_layer(store, tmp / "sites.csv", "sites", actor="bench")
    import_s = time.perf_counter() - t
    store.close()

    rows = [
        (f"point-in-hamlet, {n_points:,} points × {len(hamlets):,} hamlets (vectorised, "
         "STRtree)", f"{n_points / vec_s:,.0f} points/s ({vec_s:.2f} s)",
         f"per-point loop on {loop_points:,} points: {loop_points / loop_s:,.0f} points/s "
         f"({loop_s:.1f} s); answers agree on {agree:.2%}", "≥ 100,000 points/s"),
        (f"import a province site list ({n_sites:,} sites, CSV)", f"{import_s:.2f} s", "", ""),
    ]
    if national:
        db = tmp / "national.duckdb"
        cli = ["--db", str(db)]
        _peak([*cli, "init", "--empty"])
        # The floor: the same command line's own imports, on the same (empty) database.
        _, floor_rss, _ = _peak([*cli, "status"])
        wall, peak, out = _peak([*cli, "simulate", "--scale", "national", "--seed", "1",
                                 "--no-progress"])
        rows.append(("`antt simulate --scale national` (" + out.strip().split(": ")[1] + ")",
                     f"{wall:.0f} s wall, peak RSS {peak / 1024:,.0f} MiB",
                     f"`antt status` on the empty database: peak RSS {floor_rss / 1024:,.0f} MiB",
                     "≤ 2 GiB"))
    return table("Geography", rows)
