"""Patrol schedules: which checkpoints were late or missed, from the check-in events.

One evaluator for the team board (today up to now) and the review (voting hours), so
the two always agree.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from geo import settings
from geo.clock import layer_time_utc

__all__ = ["checkpoint_report", "COLUMNS"]

COLUMNS = ["checkpoint", "name", "route", "team", "team_name", "on_duty", "checkins",
           "last_checkin", "longest_gap_min", "open_gap_min", "state"]


def checkpoint_report(checkpoints: pd.DataFrame, routes: pd.DataFrame, checkins: pd.DataFrame,
                      window: tuple[datetime, datetime], grace: float | None = None
                      ) -> pd.DataFrame:
    """Per checkpoint, how its route's team kept the schedule during *window* (naive UTC).

    *checkpoints*: code, name, route_code, interval_min. *routes*: code, team_code,
    starts_at, ends_at (layer times, Vietnam time without an offset), team_name if
    known. *checkins*: events with occurred_at and detail JSON holding ``checkpoint``;
    with an ``entity_id`` (the team), only the route's own team's check-ins count.

    A checkpoint is on duty for the part of *window* its route is. Over that part:
    ``checkins`` seen, ``last_checkin``, ``longest_gap_min`` (the longest stretch without
    a check-in, counting from the start to the end of the part) and ``open_gap_min``
    (from the last check-in, or the start, to the end). ``state``: ``late`` when a
    stretch was longer than *grace* × the checkpoint's interval (default: the
    ``checkin_grace`` setting), ``missed`` when that happened with no check-in at all,
    else ``ok`` (also when the route is not on duty in the window).
    """
    grace = settings.get("checkin_grace") if grace is None else grace
    r = routes.set_index("code") if "code" in routes.columns else routes
    team_of = dict(zip(checkpoints["code"], checkpoints["route_code"].map(
        r["team_code"] if "team_code" in r.columns else {}), strict=True))
    seen: dict[str, list[datetime]] = {}
    for ev in checkins.itertuples(index=False):
        cp = json.loads(ev.detail or "{}").get("checkpoint")
        # Only the route's own team keeps its schedule (the events' entity_id is the team
        # that checked in; older logs may hold another team's check-in).
        if cp and getattr(ev, "entity_id", team_of.get(cp)) == team_of.get(cp):
            seen.setdefault(cp, []).append(pd.Timestamp(ev.occurred_at).to_pydatetime())
    rows = []
    for cp in checkpoints.itertuples(index=False):
        known = cp.route_code in r.index
        starts = layer_time_utc(r.at[cp.route_code, "starts_at"]) if known else None
        ends = layer_time_utc(r.at[cp.route_code, "ends_at"]) if known else None
        start, end = max(starts or window[0], window[0]), min(ends or window[1], window[1])
        on_duty = known and start < end
        times = sorted(t for t in seen.get(cp.code, []) if start <= t <= end)
        marks = [start, *times, end]
        longest = max((b - a).total_seconds() for a, b in zip(marks, marks[1:], strict=False)) \
            if on_duty else 0.0
        open_gap = (end - marks[-2]).total_seconds() if on_duty else 0.0
        interval = float(cp.interval_min or 60) * 60
        state = "ok" if longest <= grace * interval else ("late" if times else "missed")
        rows.append({
            "checkpoint": cp.code, "name": cp.name, "route": cp.route_code,
            "team": r.at[cp.route_code, "team_code"] if known else None,
            "team_name": r.at[cp.route_code, "team_name"]
            if known and "team_name" in r.columns else None,
            "on_duty": on_duty, "checkins": len(times),
            "last_checkin": max(seen[cp.code]) if seen.get(cp.code) else None,
            "longest_gap_min": longest / 60, "open_gap_min": open_gap / 60, "state": state})
    # on_duty typed even with no rows: an untyped empty column indexes columns, not rows
    # (``cps[cps["on_duty"]]`` lost every column and the review of a day with no
    # checkpoints failed).
    return pd.DataFrame(rows, columns=COLUMNS).astype({"on_duty": bool})
