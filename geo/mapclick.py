"""Which click on a map is new, from what the map component returns.

streamlit-folium returns the map's last click (``last_clicked``) and the last click on
a layer (``last_object_clicked``), and keeps returning both until the next click. A
click on a layer that opens a popup (a hotspot) or on a marker never reaches the map's
own click, so a place picker that read ``last_clicked`` alone lost it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Click", "new_click"]

_KEYS = ("last_clicked", "last_object_clicked")


@dataclass(frozen=True)
class Click:
    """A new click: where (``(lon, lat)``), and what to keep to tell the next one."""

    point: tuple[float, float]
    seen: tuple


def _latlng(value: object) -> tuple[float, float] | None:
    if not isinstance(value, Mapping):
        return None
    try:
        return float(value["lat"]), float(value["lng"])
    except (KeyError, TypeError, ValueError):
        return None


def new_click(value: Mapping | None, seen: object) -> Click | None:
    """The click in the component's *value* that *seen* (the ``seen`` of the last one
    taken, or None) does not hold yet: the map's own click if it changed, else the click
    on a layer; None when neither changed."""
    now = tuple(_latlng((value or {}).get(k)) for k in _KEYS)
    before = seen if isinstance(seen, tuple) and len(seen) == len(_KEYS) else (None,) * 2
    for got, old in zip(now, before, strict=True):
        if got is not None and got != old:
            return Click((got[1], got[0]), now)
    return None
