"""Patrol schedules: which checkpoints are late or missed, from the check-in events."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from geo.clock import layer_time_utc

__all__ = ["checkpoint_status", "FAR_M"]

FAR_M = 200.0  # a check-in further than this from its checkpoint is flagged (and kept)


def checkpoint_status(checkpoints: pd.DataFrame, routes: pd.DataFrame, checkins: pd.DataFrame,
                      now: datetime, grace: float = 1.5) -> pd.DataFrame:
    """Per checkpoint: its team, last check-in and whether it is overdue.

    *checkpoints*: code, name, route_code, interval_min. *routes*: code, team_code,
    starts_at, ends_at. *checkins*: events with entity_id (team), occurred_at and
    detail JSON holding ``checkpoint``. A checkpoint is ``late`` when more than
    *grace* × its interval has passed since its last check-in (or since the
    route's start) while the route is active; ``missed`` when it never saw one.
    """
    last: dict[str, datetime] = {}
    for ev in checkins.itertuples(index=False):
        cp = json.loads(ev.detail or "{}").get("checkpoint")
        if cp:
            last[cp] = max(last.get(cp, ev.occurred_at), ev.occurred_at)
    routes = routes.set_index("code")
    rows = []
    for cp in checkpoints.itertuples(index=False):
        team = routes["team_code"].get(cp.route_code)
        start = layer_time_utc(routes["starts_at"].get(cp.route_code))
        end = layer_time_utc(routes["ends_at"].get(cp.route_code))
        active = (start is None or start <= now) and (end is None or now <= end)
        interval = float(cp.interval_min or 60) * 60
        seen = last.get(cp.code)
        since = seen or start
        overdue = bool(active and since is not None
                       and (now - since).total_seconds() > grace * interval)
        state = "ok" if not overdue else ("missed" if seen is None else "late")
        rows.append({"checkpoint": cp.code, "name": cp.name, "route": cp.route_code,
                     "team": team, "last_checkin": seen, "state": state})
    return pd.DataFrame(rows, columns=["checkpoint", "name", "route", "team", "last_checkin",
                                       "state"])

