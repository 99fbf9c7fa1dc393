"""Figures the command centre watches: counts and response times. Pure functions on frames."""

from __future__ import annotations

import pandas as pd

from geo.analysis.dispatch import FREE
from geo.incidents import OPEN, SEVERITIES

__all__ = ["kpis", "spans", "SPANS"]


# The response spans: (from, to) timestamp columns of an incident.
SPANS = {"to_dispatch": ("reported_at", "dispatched_at"),
         "to_scene": ("dispatched_at", "on_scene_at"),
         "to_resolve": ("reported_at", "resolved_at")}


def spans(incidents: pd.DataFrame) -> pd.DataFrame:
    """Per incident, seconds for each of :data:`SPANS` (NaN where a step never happened)."""
    return pd.DataFrame({
        name: (pd.to_datetime(incidents[b]) - pd.to_datetime(incidents[a])).dt.total_seconds()
        for name, (a, b) in SPANS.items()}, index=incidents.index)


def kpis(open_incidents: pd.DataFrame, today: pd.DataFrame, sites: pd.DataFrame,
         units: pd.DataFrame) -> dict:
    """The KPI strip: open incidents by severity, sites and teams by status, the teams free
    to take an incident, and the median
    reported→dispatched and dispatched→on-scene times of *today*'s incidents."""
    open_ = open_incidents[open_incidents["status"].isin(OPEN)]
    times = spans(today)
    return {
        "open_total": int(len(open_)),
        "open_by_severity": {s: int((open_["severity"] == s).sum()) for s in SEVERITIES},
        "sites_by_status": sites["status"].value_counts().to_dict(),
        "units_by_status": units["status"].value_counts().to_dict(),
        # Teams free to take an incident (dispatch.FREE: available or on patrol).
        "units_free": int(units["status"].isin(FREE).sum()),
        "median_to_dispatch_s": _median(times["to_dispatch"]),
        "median_to_scene_s": _median(times["to_scene"]),
    }


def _median(s: pd.Series) -> float | None:
    s = s.dropna()
    return float(s.median()) if len(s) else None
