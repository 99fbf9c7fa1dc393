"""Who to send: the nearest free teams to an incident, with distance and ETA."""

from __future__ import annotations

import pandas as pd

from geo.analysis.spatial import nearest_teams, points

__all__ = ["FREE", "suggest"]

FREE = ("available", "on_patrol")


def suggest(incident: dict, units: pd.DataFrame, *, k: int = 5, speed_kmh: float = 25.0
            ) -> pd.DataFrame:
    """The *k* nearest teams that may be dispatched (available or on patrol, with a known
    position), nearest first: code, name, status, distance_m, eta_min (straight line at
    *speed_kmh*; roads are longer, so this is a lower bound)."""
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
