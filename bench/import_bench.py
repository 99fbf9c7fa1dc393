"""Layer import at scale: how long the database is held (everyone else waits that long),
and the whole import, for 20,000 and 100,000 polling sites.

Baseline, same run and same file: the registration as it was before, one
``get`` + ``create`` (an INSERT and an event) per site inside the transaction.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo.analysis.places import load_layer, to_features
from geo.drills.demo import load_demo
from geo.io.importer import apply_import, plan_import
from geo.sites import SITE_LIFECYCLE
from geo.store import Store

from .common import table

SIZES = (20_000, 100_000)


def _sites_file(store: Store, n: int, folder: Path) -> Path:
    """*n* sites at random points inside the demo hamlets (so each gets its hamlet)."""
    hamlets = load_layer(store, "hamlets")
    area = shapely.union_all(hamlets.geometry.values)
    shapely.prepare(area)
    rng = np.random.default_rng(7)
    w, s, e, n_ = area.bounds
    xs, ys = [], []
    while len(xs) < n:
        x, y = rng.uniform(w, e, 4 * n), rng.uniform(s, n_, 4 * n)
        keep = shapely.contains_xy(area, x, y)
        xs += list(x[keep])
        ys += list(y[keep])
    gdf = gpd.GeoDataFrame(
        {"code": [f"B{i:06d}" for i in range(n)],
         "name": [f"Nhà văn hóa thôn mô phỏng {i}" for i in range(n)],
         "voters": rng.integers(300, 4000, n)},
        geometry=gpd.points_from_xy(xs[:n], ys[:n]), crs=4326)
    path = folder / f"sites-{n}.geojson"
    gdf.to_file(path, driver="GeoJSON")
    return path


@contextmanager
def _held(store: Store, out: list[float]):
    """Time every transaction of *store*: the time the database file is held."""
    real = store.transact

    def transact(fn, **kw):
        t = time.perf_counter()
        try:
            return real(fn, **kw)
        finally:
            out.append(time.perf_counter() - t)

    store.transact = transact  # type: ignore[method-assign]
    try:
        yield
    finally:
        del store.transact


def _fresh(folder: Path, name: str) -> Store:
    store = Store(folder / f"{name}.duckdb")
    store.init()
    load_demo(store)
    return store


def _baseline(store: Store, plan) -> float:
    """The old path: per-row get + create inside the transaction. Returns seconds held."""
    gdf = plan.read.frame
    rows = to_features(gdf, "sites")

    def cmd(tx):
        tx.put_features("sites", rows, actor="bench", source="bench", added=len(rows),
                        changed=0)
        for _, r in gdf.iterrows():
            if tx.get("site", r["code"]) is None:
                tx.create("site", {"code": r["code"], "name": r["name"],
                                   "commune_code": r["commune_code"],
                                   "hamlet_code": r["hamlet_code"],
                                   "voters": int(r["voters"]), "lon": float(r.geometry.x),
                                   "lat": float(r.geometry.y),
                                   "status": SITE_LIFECYCLE.initial},
                          actor="bench", action="register")

    t = time.perf_counter()
    store.transact(cmd)
    return time.perf_counter() - t


def run() -> str:
    rows = []
    with tempfile.TemporaryDirectory(prefix="antt-bench-import-") as tmp:
        folder = Path(tmp)
        for n in SIZES:
            store = _fresh(folder, f"ours-{n}")
            path = _sites_file(store, n, folder)
            t0 = time.perf_counter()
            plan = plan_import(store, path, "sites")
            assert plan.ok, plan.errors[:3]
            t1 = time.perf_counter()
            held: list[float] = []
            with _held(store, held):
                apply_import(store, plan, actor="bench")
            total = time.perf_counter() - t0
            assert len(store.frame("site")) >= n
            store.close()
            base = _fresh(folder, f"base-{n}")
            base_plan = plan_import(base, path, "sites")
            base_held = _baseline(base, base_plan) if n <= 20_000 else None
            base.close()
            rows.append((f"{n:,} sites: database held", f"{sum(held):.2f} s",
                         f"{base_held:.2f} s" if base_held is not None else "not run (> 20k)",
                         "≤ 2 s" if n == 20_000 else "—"))
            rows.append((f"{n:,} sites: whole import (read, check, plan, write)",
                         f"{total:.1f} s (plan {t1 - t0:.1f} s)", "—",
                         "≤ 30 s" if n == 100_000 else "—"))
    return table("Layer import (python -m bench import)", rows)
