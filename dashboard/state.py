"""Every session_state key the dashboard uses, with its default, in one place."""

from __future__ import annotations

from typing import Any

import streamlit as st

__all__ = ["DEFAULTS", "init", "get", "set"]

DEFAULTS: dict[str, Any] = {
    "lang": "vi",               # UI language: "vi" (default) or "en"
    "f_commune": "*",           # one commune code, or "*" for all
    "f_hamlets": [],            # hamlet codes (empty: all)
    "f_status": ["reported", "verifying", "dispatched", "on_scene"],  # open ones
    "f_kind": [],               # incident kinds (empty: all)
    "f_severity": [],           # severities 1..4 (empty: all)
    "f_window": "all",          # time window: 1h, 6h, 24h, all
    "map_click": None,          # the last map click already acted on (click-to-filter)
    "view": None,               # the View the sidebar (or the wall URL) produced this run
}


def init() -> None:
    """Put every key's default in session_state if it is not there yet."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, list(value) if isinstance(value, list) else value)


def get(key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(f"undeclared session key {key!r}: add it to dashboard/state.py")
    return st.session_state.get(key, DEFAULTS[key])


def set(key: str, value: Any) -> None:  # noqa: A001 - mirrors get()
    if key not in DEFAULTS:
        raise KeyError(f"undeclared session key {key!r}: add it to dashboard/state.py")
    st.session_state[key] = value
