"""The shared filter sidebar: it renders widgets and returns a ``geo.view.View``."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.i18n import label, t
from geo.incidents import KINDS, LIFECYCLE, SEVERITIES
from geo.view import ALL, WINDOWS, View

__all__ = ["sidebar"]


def sidebar(communes: dict[str, str], hamlets: dict[str, tuple[str, str]], lang: str,
            *, scoped: bool = False, notes: dict[str, tuple[str, dict]] | None = None
            ) -> View:
    """Filter widgets in the sidebar. *hamlets* maps code → (name, commune code). A
    *scoped* account sees only its *communes*, and no "all communes" choice. *notes*: what
    the 2025 list says of a commune (``geo.analysis.places.commune_notes_2025``), shown
    under the picker when that commune is chosen."""
    choices = list(communes) if scoped else [ALL, *communes]
    if state.get("f_commune") not in choices:
        state.set("f_commune", choices[0])
    with st.sidebar:
        commune = st.selectbox(t("filter.commune", lang), choices, key="f_commune",
                               format_func=lambda c: t("filter.all_communes", lang)
                               if c == ALL else communes[c])
        if notes and commune in notes:
            said, params = notes[commune]
            st.caption(t(said, lang, **params))
        options = [c for c, (_, cc) in hamlets.items() if commune in (ALL, cc)]
        key = _take_map_hamlet(options)
        # The name only: the folded one ("thon hue tri") is never shown.
        chosen = st.multiselect(t("filter.hamlets", lang), options, key=key,
                                format_func=lambda c: hamlets[c][0],
                                placeholder=t("filter.hamlets_hint", lang))
        if chosen:
            st.button(t("filter.clear_hamlets", lang), key="clear_hamlets",
                      on_click=_clear_hamlets)
        anything = t("filter.any", lang)  # not Streamlit's English "Choose options"
        kinds = st.multiselect(t("filter.kind", lang), KINDS, key="f_kind",
                               format_func=lambda k: label("kind", k, lang),
                               placeholder=anything)
        sev = st.multiselect(t("filter.severity", lang), list(SEVERITIES), key="f_severity",
                             format_func=lambda s: label("severity", s, lang),
                             placeholder=anything)
        statuses = st.multiselect(t("filter.status", lang), LIFECYCLE.statuses,
                                  key="f_status", format_func=lambda s: label("status", s, lang),
                                  placeholder=anything)
        window = st.radio(t("filter.window", lang), list(WINDOWS), key="f_window",
                          horizontal=True, format_func=lambda w: t(f"window.{w}", lang))
    picked = [h for h in chosen if h in options]
    return View(commune, picked, kinds, sev, statuses, window)


def _take_map_hamlet(options: list[str]) -> str:
    """The hamlet widget's key; a hamlet clicked on the map (one of *options*) joins its
    selection, under a new key (``state.hamlets_key``), before the widget is drawn."""
    key = state.hamlets_key()
    clicked = state.get("map_hamlet")
    if clicked is None:
        return key
    state.set("map_hamlet", None)
    if clicked not in options:
        return key
    held = [h for h in st.session_state.get(key) or [] if h in options]
    state.set("f_hamlets_gen", state.get("f_hamlets_gen") + 1)
    key = state.hamlets_key()
    st.session_state[key] = [*held, clicked] if clicked not in held else held
    return key


def _clear_hamlets() -> None:
    """Button callback (runs before the script, when the widget may still be changed)."""
    st.session_state[state.hamlets_key()] = []
    state.set("map_hamlet", None)
