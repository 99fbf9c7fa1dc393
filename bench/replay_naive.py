"""The naive replay: every event re-applied in Python, oldest first. The review
benchmark's baseline, and the tests' independent check of ``geo.analysis.replay``."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from geo.store import ENTITIES

__all__ = ["replay_naive"]


def replay_naive(events: pd.DataFrame, at: datetime) -> dict[str, dict[str, dict]]:
    """``{entity: {id: row}}`` at *at*, from the event log's frame."""
    out: dict[str, dict[str, dict]] = {e: {} for e in ENTITIES}
    for ev in events.sort_values("id").itertuples(index=False):
        if ev.occurred_at > at:
            break
        if ev.entity in out:  # session events (logins) change no entity
            out[ev.entity][ev.entity_id] = json.loads(ev.after)
    return out
