"""Who to send: the nearest free teams to an incident, with distance and ETA."""

from __future__ import annotations

import pandas as pd

from geo import settings
from geo.analysis.spatial import nearest_teams, points
from geo.units import UNIT_LIFECYCLE

__all__ = ["FREE", "suggest"]

# The statuses a team may be dispatched from: those the unit lifecycle lets "respond".
FREE = tuple(s for s in UNIT_LIFECYCLE.statuses if "respond" in UNIT_LIFECYCLE.allowed(s))


def suggest(incident: dict, units: pd.DataFrame, *, k: int = 5,
            speed_kmh: float | None = None) -> pd.DataFrame:
    """The *k* nearest teams that may be dispatched (available or on patrol, with a known
    position), nearest first: code, name, status, distance_m, eta_min (straight line at
    *speed_kmh*, default the ``travel_kmh`` setting; roads are longer, so this is a lower
    bound)."""
    speed_kmh = settings.get("travel_kmh") if speed_kmh is None else speed_kmh
    free = units[units["status"].isin(FREE) & units["lon"].notna() & units["lat"].notna()]
    cols = ["code", "name", "status", "distance_m", "eta_min"]
    if free.empty:
        return pd.DataFrame(columns=cols)
    near = nearest_teams(points([incident["lon"]], [incident["lat"]]),
                         points(free["lon"], free["lat"]).set_index(free["code"]), k=k)
    out = near.rename(columns={"team": "code"}).merge(free[["code", "name", "status"]],
                                                      on="code")
    out["eta_min"] = out["distance_m"] / (speed_kmh * 1000 / 60)
    return out[cols].sort_values("distance_m").reset_index(drop=True)
