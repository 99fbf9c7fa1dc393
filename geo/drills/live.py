"""The demo keeps playing while the dashboard runs: ``antt init`` plays today's drill up to
the minute; from then on this player carries the day on, a step every few seconds, so the
wall never goes still and no checkpoint turns "late" because the script stopped.

Each step looks at the database as it is now and does what the drill's people would do
next, through the normal commands (so every rule, version and audit event holds):

* teams on patrol check in at each checkpoint of their route when it falls due, and
  report their position along the route every few minutes;
* new incidents come in at the demo's rate, in hamlets and hotspots;
* incidents the drill logged move on (verify, dispatch the nearest free team, arrive,
  resolve, close) at plausible delays, unless a person has taken one over: an incident
  last moved by anyone but the drill is left to them.

It plays only a database the live demo made (``antt init`` on a new database), and only
one player a database (a lock file beside it). ``antt serve`` starts it; the
``demo_play`` setting (``ANTT_DEMO_PLAY=0``) stops it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from geo import incidents as inc
from geo import settings
from geo import units as unit_cmd
from geo.analysis.dispatch import FREE
from geo.analysis.places import load_layer
from geo.analysis.spatial import nearest_teams, points
from geo.clock import utcnow
from geo.errors import AnttError
from geo.store import Store

__all__ = ["DRILL_OPS", "is_live_demo", "LiveDrill", "start_player", "play", "main"]

log = logging.getLogger(__name__)

# Who the drill acts as (the names ``geo.drills.simulate`` writes with).
DRILL_OPS = "Trực ban (diễn tập)"
# Incidents an hour across the demo's communes while it plays (the drill's mid-morning).
RATE_PER_HOUR = 4.0
POSITION_EVERY = timedelta(minutes=5)
# How long each move of a drill incident waits after the last: (action, minutes).
_NEXT = {"reported": ("verify", 1.0), "verifying": ("dispatch", 1.5),
         "dispatched": ("arrive", 6.0), "on_scene": ("resolve", 15.0),
         "resolved": ("close", 10.0)}
_DESCRIPTIONS = {
    "disorder": "Gây mất trật tự trước nhà văn hóa thôn",
    "tampering": "Danh sách cử tri niêm yết bị xé một phần",
    "gathering": "Một nhóm người tụ tập, mang theo đơn khiếu nại",
    "complaint": "Cử tri khiếu nại về danh sách cử tri",
    "traffic": "Ùn tắc giao thông trên đường vào điểm bỏ phiếu",
    "medical": "Cử tri cao tuổi bị mệt, cần hỗ trợ y tế",
}


def is_live_demo(store: Store) -> bool:
    """Whether *store* holds the live demo (its drill's incidents), not a real commune."""
    return store.audit_count(actor=DRILL_OPS, entities=("incident",)) > 0


@dataclass
class LiveDrill:
    """One database's demo day, carried on a step at a time (:meth:`step`)."""

    store: Store
    seed: int = 1
    rate_per_hour: float = RATE_PER_HOUR
    rng: np.random.Generator = field(init=False)
    _last_step: datetime | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng([self.seed, os.getpid()])

    def step(self, now: datetime | None = None) -> int:
        """Do what is due at *now* (naive UTC; the commands stamp their own time); return
        how many commands were applied."""
        now = now or utcnow()
        since = self._last_step or now - timedelta(minutes=1)
        self._last_step = now
        done = self._checkins(now) + self._positions(now)
        done += self._new_incidents((now - since).total_seconds() / 3600)
        done += self._incidents_move_on(now)
        return done

    # ---- teams ----------------------------------------------------------------------
    def _patrolling(self) -> pd.DataFrame:
        teams = self.store.frame("unit")
        return teams[(teams["status"] == "on_patrol") & teams["route_code"].notna()]

    def _checkins(self, now: datetime) -> int:
        teams = self._patrolling()
        if teams.empty:
            return 0
        cps = load_layer(self.store, "checkpoints")
        last: dict[str, datetime] = {}
        for ev in self.store.events("unit").itertuples(index=False):
            if ev.action == "checkin" and ev.detail:
                cp = json.loads(ev.detail).get("checkpoint")
                last[cp] = max(last.get(cp, ev.occurred_at), ev.occurred_at)
        done = 0
        for team in teams.itertuples(index=False):
            for cp in cps[cps["route_code"] == team.route_code].itertuples(index=False):
                every = timedelta(minutes=float(getattr(cp, "interval_min", None) or 60))
                seen = last.get(cp.code)
                # A little before it falls due: the patrol keeps its schedule.
                if seen is not None and now - pd.Timestamp(seen).to_pydatetime() < every * 0.8:
                    continue
                if self._try(unit_cmd.check_in, self.store, team.code, cp.code,
                             cp.geometry.x, cp.geometry.y, actor=team.code):
                    done += 1
        return done

    def _positions(self, now: datetime) -> int:
        teams = self._patrolling()
        routes = load_layer(self.store, "routes").set_index("code")
        done = 0
        for team in teams.itertuples(index=False):
            if team.route_code not in routes.index:
                continue
            at = team.position_at
            if at is not None and not pd.isna(at) and \
                    now - pd.Timestamp(at).to_pydatetime() < POSITION_EVERY:
                continue
            minute = now.hour * 60 + now.minute
            p = routes.loc[team.route_code].geometry.interpolate((minute % 60) / 60,
                                                                 normalized=True)
            if self._try(unit_cmd.report_position, self.store, team.code, p.x, p.y,
                         actor=team.code):
                done += 1
        return done

    # ---- incidents ------------------------------------------------------------------
    def _new_incidents(self, hours: float) -> int:
        n = int(self.rng.poisson(max(hours, 0) * self.rate_per_hour))
        if not n:
            return 0
        hamlets = load_layer(self.store, "hamlets")
        if hamlets.empty:
            return 0
        done = 0
        for _ in range(n):
            geom = hamlets.geometry.iloc[int(self.rng.integers(len(hamlets)))]
            p = geom.representative_point()
            x = p.x + float(self.rng.normal(0, 0.0015))
            y = p.y + float(self.rng.normal(0, 0.0015))
            if not geom.contains(type(p)(x, y)):
                x, y = p.x, p.y
            kind = str(self.rng.choice(list(_DESCRIPTIONS)))
            if self._try(inc.report, self.store, kind=kind,
                         severity=int(self.rng.choice([1, 2, 3, 4], p=[.35, .4, .18, .07])),
                         lon=x, lat=y, source=str(self.rng.choice(inc.SOURCES)),
                         actor=DRILL_OPS, description=_DESCRIPTIONS[kind]):
                done += 1
        return done

    def _incidents_move_on(self, now: datetime) -> int:
        incidents = self.store.incidents()
        teams = set(self.store.frame("unit")["code"])
        mine = incidents[(incidents["created_by"] == DRILL_OPS)
                         & (incidents["updated_by"].isin({DRILL_OPS, *teams}))
                         & incidents["status"].isin(list(_NEXT))]
        done = 0
        for row in mine.itertuples(index=False):
            action, minutes = _NEXT[row.status]
            if now - pd.Timestamp(row.updated_at).to_pydatetime() < timedelta(minutes=minutes):
                continue
            if action == "dispatch":
                done += self._dispatch(row)
            else:
                who = row.team_code if action == "arrive" and row.team_code else DRILL_OPS
                done += self._try(inc.move, self.store, int(row.id), action,
                                  expected_version=int(row.version), actor=who)
        return done

    def _dispatch(self, row) -> int:
        free = self.store.frame("unit")
        free = free[free["status"].isin(FREE) & free["lon"].notna()]
        if free.empty:
            return self._try(inc.escalate, self.store, int(row.id),
                             expected_version=int(row.version), actor=DRILL_OPS,
                             note="Không còn tổ trống")
        near = nearest_teams(points([row.lon], [row.lat]),
                             points(free["lon"], free["lat"]).set_index(free["code"]), k=1)
        return self._try(inc.dispatch, self.store, int(row.id), near.iloc[0]["team"],
                         expected_version=int(row.version), actor=DRILL_OPS)

    @staticmethod
    def _try(fn, *args, **kw) -> int:
        """1 if the command was applied; 0 if it was refused (a person got there first:
        a stale version, a move no longer allowed). The drill never overrides anyone."""
        try:
            fn(*args, **kw)
            return 1
        except AnttError as e:
            log.debug("demo step refused: %s", e)
            return 0


def play(db: str, stop: threading.Event, every: float) -> None:
    """Step the demo in *db* every *every* seconds until *stop* is set."""
    store = Store(db)
    drill = LiveDrill(store)
    while not stop.is_set():
        try:
            drill.step()
        except AnttError as e:  # the database busy or being replaced: try again later
            log.warning("demo step skipped: %s", e)
        finally:
            store.close()
        stop.wait(every)


def start_player(db: str | os.PathLike[str]) -> subprocess.Popen | None:
    """Start the demo's player beside the dashboard, if *db* is a live demo database and
    the ``demo_play`` setting is on; None otherwise. It ends when its standard input
    closes (the dashboard stopped, however it stopped)."""
    from geo.store.pg import is_url

    if not settings.get("demo_play") or is_url(str(db)) or not Path(db).exists():
        return None
    if not is_live_demo(Store(str(db))):
        return None
    return subprocess.Popen([sys.executable, "-m", "geo.drills.live", "--db", str(db)],
                            stdin=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m geo.drills.live --db FILE``: play until standard input closes."""
    import fcntl

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True)
    p.add_argument("--every", type=float, default=settings.get("demo_step_seconds"))
    args = p.parse_args(argv)
    lock = open(f"{args.db}.demo-player.lock", "w")  # noqa: SIM115 - held while playing
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another dashboard already plays this demo
    stop = threading.Event()

    def watch_parent() -> None:
        sys.stdin.read()  # EOF when the dashboard that started us is gone
        stop.set()

    threading.Thread(target=watch_parent, daemon=True).start()
    play(args.db, stop, args.every)
    return 0


if __name__ == "__main__":
    sys.exit(main())
