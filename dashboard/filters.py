"""The shared filter sidebar: it renders widgets and returns a ``geo.view.View``."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.i18n import label, t
from geo.checks.inert import md_text
from geo.checks.text import searchable
from geo.incidents import KINDS, LIFECYCLE, SEVERITIES
from geo.view import ALL, WINDOWS, View

__all__ = ["sidebar"]


def sidebar(communes: dict[str, str], hamlets: dict[str, tuple[str, str]], lang: str,
            *, scoped: bool = False) -> View:
    """Filter widgets in the sidebar. *hamlets* maps code → (name, commune code). A
    *scoped* account sees only its *communes*, and no "all communes" choice."""
    choices = list(communes) if scoped else [ALL, *communes]
    if state.get("f_commune") not in choices:
        state.set("f_commune", choices[0])
    with st.sidebar:
        commune = st.selectbox(t("filter.commune", lang), choices, key="f_commune",
                               format_func=lambda c: t("filter.all_communes", lang)
                               if c == ALL else searchable(communes[c]))
        options = [c for c, (_, cc) in hamlets.items() if commune in (ALL, cc)]
        # The folded name after the dot lets "hue tri" find "Thôn Huề Trì".
        chosen = st.multiselect(t("filter.hamlets", lang), options, key="f_hamlets",
                                format_func=lambda c: searchable(hamlets[c][0]),
                                placeholder=t("filter.hamlets_hint", lang))
        # A hamlet clicked on the map lives in its own state, not in the widget's key:
        # the browser sends widget values with every rerun it asks for (the live page's
        # refresh among them) and would overwrite a value written from code.
        clicked = state.get("map_hamlet")
        if clicked in hamlets and clicked not in chosen:
            st.caption(t("filter.map_hamlet", lang) + ": "
                       + md_text(searchable(hamlets[clicked][0])))
        if chosen or clicked:
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
    if clicked in options and clicked not in picked:
        picked.append(clicked)
    return View(commune, picked, kinds, sev, statuses, window)


def _clear_hamlets() -> None:
    """Button callback (runs before the script, when the widget may still be changed)."""
    state.set("f_hamlets", [])
    state.set("map_hamlet", None)
