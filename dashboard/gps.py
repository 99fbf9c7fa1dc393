"""The phone's own GPS position on the field page.

A check-in says "we were there": it is made at the position the phone's browser reports
(``navigator.geolocation``), never at a spot tapped on the map. A small component of our
own (``components/gps/index.html``: no drawing, no library) watches the position and
sends it to the page; the last fix is kept in the session under ``state_key``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

from dashboard import state

__all__ = ["watch", "position", "Fix"]

Fix = dict  # {"lon", "lat", "accuracy", "at"} or {"error": "denied" | "timeout" | ...}

_COMPONENT = components.declare_component(
    "antt_gps", path=str(Path(__file__).parent / "components" / "gps"))


def watch(state_key: str = "field_gps") -> Fix | None:
    """Put the watcher on the page (it draws nothing); the phone's last fix, or None
    before the first one. A new fix from the browser replaces the kept one."""
    fix = _COMPONENT(key=f"{state_key}_watch", default=None)
    if isinstance(fix, dict) and fix != state.get(state_key):
        state.set(state_key, fix)
    kept = state.get(state_key)
    return kept if isinstance(kept, dict) else None


def position(fix: Fix | None) -> tuple[float, float] | None:
    """The fix's (lon, lat), or None (no fix yet, or the phone refused)."""
    if not fix or "error" in fix:
        return None
    try:
        return float(fix["lon"]), float(fix["lat"])
    except (KeyError, TypeError, ValueError):
        return None

