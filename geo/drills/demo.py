"""The bundled demo: the layers in ``data/``, today's drill played up to now, and the
demo accounts (whose passwords are public: demo only)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from geo import DATA_DIR, accounts
from geo.accounts import Actor
from geo.clock import to_local
from geo.io.importer import LAYER_ORDER, ImportPlan, import_layer
from geo.store import Store

__all__ = ["DEMO_DIR", "DEMO_ACCOUNTS", "load_demo", "load_live_demo", "add_demo_accounts",
           "demo_password"]

DEMO_DIR = DATA_DIR

# (username, display name, role, communes, team, polling site)
DEMO_ACCOUNTS = (
    ("admin", "Quản trị (demo)", "admin", "*", None, None),
    ("chihuy", "Chỉ huy trực (demo)", "commander", "*", None, None),
    ("trucban", "Trực ban (demo)", "operator", "*", None, None),
    ("xem", "Màn hình xem (demo)", "viewer", "*", None, None),
    ("anphu1", "Tổ ANTT An Phụ 1 (demo)", "field", "10732", "10732-TEAM1", "10732-S01"),
)


def demo_password(username: str) -> str:
    return f"{username}-demo-2021"


def load_demo(store: Store, folder: str | Path = DEMO_DIR, *, actor: Actor = "demo",
              progress: Callable[[str], None] | None = None,
              at: datetime | None = None, day: date | None = None,
              clock: timedelta = timedelta(0)) -> list[ImportPlan]:
    """Import the bundled demo layers (``data/<kind>.geojson``) in dependency order.

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
                                      at=when))
    return plans


# A busier day than the drill's default (9 a commune, about 2021's reports), so that at
# any moment of the demo some incidents are in progress on the map.
DEMO_INCIDENTS_PER_COMMUNE = 40


def load_live_demo(store: Store, *, seed: int = 1, progress: bool = False,
                   real_clock: bool = False, now: datetime | None = None
                   ) -> tuple[list[ImportPlan], str, timedelta]:
    """A new database's demo: the layers, and today's drill played up to now, so the
    wall screen shows a day in progress and live writes carry on after it. Outside voting
    hours the drill's clock is moved so that now is mid-morning of election day (unless
    *real_clock*); returns the plans, the drill's summary and that move."""
    from geo.drills.simulate import drill_clock, setup_time, simulate

    day, clock, now = drill_clock(now, real=real_clock)
    plans = load_demo(store, actor="diễn tập", at=setup_time(day) + clock, day=day,
                      clock=clock)
    summary = simulate(store, scale="commune", seed=seed, day=day, until=now,
                       progress=progress, clock=clock,
                       incidents_per_commune=DEMO_INCIDENTS_PER_COMMUNE)
    return plans, summary, clock


def add_demo_accounts(store: Store) -> list[tuple[str, str, str]]:
    """Create the demo accounts; return (username, password, role) of each."""
    made = []
    for name, display, role, commune, unit, site in DEMO_ACCOUNTS:
        accounts.add_user(store, "demo", username=name, display_name=display, role=role,
                          password=demo_password(name), communes=commune,
                          unit_code=unit, site_code=site)
        made.append((name, demo_password(name), role))
    return made


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
        ends = datetime.fromisoformat(props["ends_at"])
        shift = timedelta(days=(day - ends.date()).days) + clock
        for key in ("starts_at", "ends_at"):
            props[key] = (datetime.fromisoformat(props[key]) + shift).isoformat()
    out = tmp / path.name
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out
