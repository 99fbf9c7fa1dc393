"""The bundled demo's layers (``data/<kind>.geojson``), imported as a drill needs them:
re-dated to the drill's day and clock. Both the demo (``geo.drills.demo``) and the drill
(``geo.drills.simulate``) load them from here."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from geo import DATA_DIR
from geo.accounts import Actor
from geo.clock import layer_local_day, to_local
from geo.io.importer import LAYER_ORDER, ImportPlan, import_layer
from geo.store import Store

__all__ = ["DEMO_DIR", "load_demo"]

DEMO_DIR = DATA_DIR


def load_demo(store: Store, folder: str | Path = DEMO_DIR, *, actor: Actor = "demo",
              progress: Callable[[str], None] | None = None,
              at: datetime | None = None, day: date | None = None,
              clock: timedelta = timedelta(0)) -> list[ImportPlan]:
    """Import the bundled demo layers (``data/<kind>.geojson``) in dependency order,
    marked as the demo's: a real import outranks them wherever a place is looked up.

    *at* stamps the registrations (a drill sets up its world before its day starts); the
    routes are re-dated to the drill's *day* (``at``'s local date if not given), on a
    clock moved by *clock* (see ``simulate.drill_clock``).
    """
    plans = []
    with tempfile.TemporaryDirectory(prefix="antt-demo-") as tmp:
        for k, kind in enumerate(LAYER_ORDER):
            path = Path(folder) / f"{kind}.geojson"
            if not path.exists():
                continue
            if kind == "routes" and at is not None:
                path = _routes_on_day(path, day or to_local(at).date(), Path(tmp), clock)
            when = None if at is None else at + timedelta(seconds=k)
            plans.append(import_layer(store, path, kind, actor=actor, progress=progress,
                                      at=when, demo=True))
    return plans


def _routes_on_day(path: Path, day: date, tmp: Path, clock: timedelta = timedelta(0)) -> Path:
    """The demo routes re-dated so each route's last day (election day) is *day*, their
    times moved by *clock*.

    The files keep the real plans' dates (23/5/2021, 8/12/2024); a drill played on
    another day needs its patrols on duty that day, or the team board and the review
    would see no patrol at all. Times of day and lengths are kept.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    for feat in data["features"]:
        props = feat["properties"]
        shift = timedelta(days=(day - layer_local_day(props["ends_at"])).days) + clock
        for key in ("starts_at", "ends_at"):
            props[key] = (datetime.fromisoformat(props[key]) + shift).isoformat()
    out = tmp / path.name
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out
