"""State at any moment T, rebuilt from the append-only event log.

Each event carries the entity's full row after the change, so the state at T
is, per entity, the ``after`` of its last event at or before T — one
``arg_max`` in DuckDB, no re-application of commands.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from geo.codec import snapshot
from geo.store import ENTITIES, Filters, Store

__all__ = ["state_at", "current_state", "frames_at", "filtered_frames_at"]


def state_at(store: Store, at: datetime | None = None, *, until_event: int | None = None
             ) -> dict[str, dict[str, dict]]:
    """``{entity: {id: row}}`` as it stood at *at* (UTC) or after event *until_event*.

    Rows are the events' snapshots (``geo.codec.snapshot`` of each row), so they equal
    the current rows, encoded the same way, when nothing has happened since *at*.
    """
    out: dict[str, dict[str, dict]] = {e: {} for e in ENTITIES}
    for entity, entity_id, after in store.latest_snapshots(at, until_event):
        out[entity][entity_id] = json.loads(after)
    return out


def current_state(store: Store) -> dict[str, dict[str, dict]]:
    """Every entity's current row, encoded as its events encode it: what
    :func:`state_at` of "now" must equal (the tests' and the load benchmark's check)."""
    return {entity: {str(k): snapshot(store.get(entity, k))
                     for k in store.frame(entity)[spec["key"]].tolist()}
            for entity, spec in ENTITIES.items()}


def frames_at(store: Store, at: datetime | None = None) -> dict[str, pd.DataFrame]:
    """Every entity's rows at *at*, typed as in their tables, ordered by key: the same
    content as :func:`state_at`, parsed inside DuckDB (what the review page draws)."""
    return {entity: store.frame_at(entity, at) for entity in ENTITIES}


def filtered_frames_at(store: Store, at: datetime, filters: Filters) -> dict[str, pd.DataFrame]:
    """:func:`frames_at`, narrowed as the dashboard's filters narrow the live page: incidents
    by commune, hamlet, kind, severity and reported since ``filters.since``; sites by
    commune and hamlet; units by commune (status filters are not applied: a replay shows
    every state)."""
    frames = frames_at(store, at)
    inc, sites, units = frames["incident"], frames["site"], frames["unit"]
    if filters.commune_codes:
        inc = inc[inc["commune_code"].isin(filters.commune_codes)]
        sites = sites[sites["commune_code"].isin(filters.commune_codes)]
        units = units[units["commune_code"].isin(filters.commune_codes)]
    if filters.hamlet_codes:
        inc = inc[inc["hamlet_code"].isin(filters.hamlet_codes)]
        sites = sites[sites["hamlet_code"].isin(filters.hamlet_codes)]
    if filters.kinds:
        inc = inc[inc["kind"].isin(filters.kinds)]
    if filters.severities:
        inc = inc[inc["severity"].isin(filters.severities)]
    if filters.since is not None:
        inc = inc[pd.to_datetime(inc["reported_at"]) >= filters.since]
    return {"incident": inc, "site": sites, "unit": units}
