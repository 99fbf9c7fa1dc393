"""Who to send: the nearest free teams to an incident, with distance and ETA."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.analysis.spatial import nearest_teams, points
from geo.units import UNIT_LIFECYCLE

__all__ = ["FREE", "suggest"]

# The statuses a team may be dispatched from: those the unit lifecycle lets "respond".
FREE = tuple(s for s in UNIT_LIFECYCLE.statuses if "respond" in UNIT_LIFECYCLE.allowed(s))


def suggest(incident: dict, units: pd.DataFrame, *, k: int = 5,
            speed_kmh: float | None = None) -> pd.DataFrame:
    """The teams to offer for *incident*, in the order to offer them: at most *k* of those
    that may be dispatched (available or on patrol, with a known position), the incident's
    own commune's teams first, then the others, each nearest first; every team once.
    Columns code, name, status, distance_m, eta_min (straight line at *speed_kmh*,
    default the ``travel_kmh`` setting; roads are longer, so this is a lower bound).

    The own commune comes first before the cut to *k*: five nearer teams of a neighbouring
    commune never push the incident's own teams off the list."""
    speed_kmh = settings.get("travel_kmh") if speed_kmh is None else speed_kmh
    free = units[units["status"].isin(FREE) & units["lon"].notna() & units["lat"].notna()
                 ].drop_duplicates("code")
    cols = ["code", "name", "status", "distance_m", "eta_min"]
    if free.empty:
        return pd.DataFrame(columns=cols)
    home = incident.get("commune_code")
    if isinstance(home, str) and home and "commune_code" in free.columns:
        own = free["commune_code"] == home
    else:  # outside every loaded commune, or teams with no commune: nearest first
        own = pd.Series(False, index=free.index)
    at = points([incident["lon"]], [incident["lat"]])
    groups = [_nearest(at, group, k).assign(_away=away)
              for away, group in ((False, free[own]), (True, free[~own])) if len(group)]
    out = pd.concat(groups, ignore_index=True).sort_values(
        ["_away", "distance_m", "code"], kind="stable").head(k)
    out["eta_min"] = out["distance_m"] / (speed_kmh * 1000 / 60)
    return out[cols].reset_index(drop=True)


def _nearest(at: gpd.GeoDataFrame, teams: pd.DataFrame, k: int) -> pd.DataFrame:
    """The *k* teams nearest *at*: code, name, status, distance_m."""
    near = nearest_teams(at, points(teams["lon"], teams["lat"]).set_index(teams["code"]), k=k)
    return near.rename(columns={"team": "code"}).merge(teams[["code", "name", "status"]],
                                                       on="code")
