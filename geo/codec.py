"""Rows as JSON text: one encoder for event snapshots and stored feature properties.

Datetimes become ISO text (microseconds), NumPy scalars plain numbers, and a missing
or non-finite number (None, NaN, ±inf) ``null`` — so ``json.loads(to_json(row))``
equals ``snapshot(row)``, and a row read back from the store encodes the same way.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import pandas as pd

__all__ = ["plain", "snapshot", "to_json", "event_json"]


def plain(v: Any) -> Any:
    """One value as JSON has it."""
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, datetime):  # pandas' Timestamp is a datetime too
        return v.isoformat(timespec="microseconds")
    if hasattr(v, "item"):  # NumPy scalar
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def snapshot(row: dict) -> dict:
    """A row as it goes into an event: every value :func:`plain`."""
    return {k: plain(v) for k, v in row.items()}


def to_json(obj: Any) -> str:
    """Compact-enough, sorted, UTF-8 JSON text of *obj* (values made :func:`plain`)."""
    if isinstance(obj, dict):
        obj = snapshot(obj)
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=_default)


def _default(v: Any) -> Any:
    out = plain(v)
    if out is v:
        raise TypeError(f"cannot store {type(v).__name__} as JSON")
    return out


def event_json(row: dict | None) -> str | None:
    """A row as the JSON text an event stores (None stays None)."""
    return None if row is None else to_json(row)
