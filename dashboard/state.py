"""Every session_state key the dashboard uses, with its default, in one place."""

from __future__ import annotations

import copy
from typing import Any

import streamlit as st

from geo.incidents import OPEN
from geo.view import ALL

__all__ = ["DEFAULTS", "init", "get", "set", "hamlets_key"]

DEFAULTS: dict[str, Any] = {
    "lang": "vi",               # UI language: "vi" (default) or "en"
    "f_commune": ALL,           # one commune code, or ALL ("*") for all
    "f_hamlets": [],            # hamlet codes (empty: all); see hamlets_key()
    "f_hamlets_gen": 0,         # hamlets chosen on the map so far (the widget's key)
    "f_status": list(OPEN),     # the open statuses (geo.incidents.OPEN)
    "f_kind": [],               # incident kinds (empty: all)
    "f_severity": [],           # severities 1..4 (empty: all)
    "f_window": "all",          # time window: 1h, 6h, 24h, all
    "account": None,            # the logged-in geo.accounts.Account (None: login page)
    "session_token": None,      # this browser session's token (its hash is in the db)
    "cookie_pending": None,     # a token to put in the cookie ("" to clear it), once
    "op_point": None,           # operator page: picked (lon, lat)
    "op_click": None,           # operator page: last map click acted on
    "op_sent": None,            # operator page: the last report sent (forms.Sent)
    "op_clear": False,          # operator page: clear the form before drawing it (saved)
    "alert_sound": False,       # beep for a new alert (the sidebar's switch)
    "alert_outcome": None,      # the last acknowledgement: ("ok"/"stale"/"error", message)
    "board_outcome": None,      # incident board: (id, "ok"/"stale"/"error", message)
    "sites_outcome": None,      # site board: (code, "stale"/"error", message)
    "teams_outcome": None,      # team board: (code, message)
    "calendar_outcome": None,   # calendar page: ("ok"/"stale"/"error", message) of the last write
    "review_phase": None,       # review page: the calendar phase picked as the period
    "reports_outcome": None,    # reports page: (key, "ok"/"error", message) of the last send
    "field_site_outcome": None,  # field page: (kind, message) of the last site change
    "field_checkin_outcome": None,  # field page: (kind, message) of the last check-in
    "field_confirm_close": None,  # field page: the site whose closing awaits "confirm"
    "field_gps": None,          # field page: the phone's last GPS fix (dashboard.gps)
    "field_point": None,        # field page: the place tapped on its map (lon, lat)
    "field_click": None,        # field page: the last map tap acted on
    "field_sent": None,         # field page: the last report sent (forms.Sent)
    "map_click": None,          # the last map click already acted on (click-to-filter)
    "map_hamlet": None,         # the hamlet clicked on the map (not a widget key, see filters)
    "review_t": None,           # review page: the replayed moment (naive Vietnam time)
    "review_bounds": None,      # review page: the period the replay's slider was made for
    "review_playing": False,    # review page: the replay is playing
    "review_step": 15,          # review page: minutes the replay advances per second
    "view": None,               # the View the sidebar (or the wall URL) produced this run
    "complaint_outcome": None,  # complaints page: the last receive ("ok"/"error", message)
    "complaint_move_outcome": None,  # complaints page: (id, kind, message) of the last move
    "complaint_alert_outcome": None,  # board/wall: the last complaint acknowledgement
    "live_last": None,          # live page: the last data read (shown while the db is busy)
}


def init() -> None:
    """Put every key's default in session_state if it is not there yet."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, copy.copy(value))


def get(key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(f"undeclared session key {key!r}: add it to dashboard/state.py")
    return st.session_state.get(key, DEFAULTS[key])


def set(key: str, value: Any) -> None:  # noqa: A001 - mirrors get()
    if key not in DEFAULTS:
        raise KeyError(f"undeclared session key {key!r}: add it to dashboard/state.py")
    st.session_state[key] = value


def hamlets_key() -> str:
    """The hamlet filter widget's key: "f_hamlets", then "f_hamlets_N" once N hamlets were
    chosen on the map. A hamlet clicked on the map joins the selection under a new key:
    the browser sends widget values with every rerun it asks for (the live page's check
    every second among them), so a value written from code under the old key could be
    overwritten by one the browser sent before it saw it; a new key it has never sent."""
    gen = int(st.session_state.get("f_hamlets_gen", 0))
    return "f_hamlets" if gen == 0 else f"f_hamlets_{gen}"
