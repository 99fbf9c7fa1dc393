"""The shared filter sidebar (or, in wall mode, filters from the URL). Renders only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import streamlit as st

from dashboard import state
from dashboard.i18n import label, t
from geo.checks.inert import md_text
from geo.checks.text import fold
from geo.incidents import KINDS, LIFECYCLE, OPEN, SEVERITIES
from geo.store import Filters, utcnow

__all__ = ["View", "sidebar", "from_url", "WINDOWS"]

ALL = "*"
WINDOWS = {"1h": timedelta(hours=1), "6h": timedelta(hours=6), "24h": timedelta(hours=24),
           "all": None}


@dataclass
class View:
    """What the user asked to see: one commune or all, hamlets, and incident filters."""

    commune: str = ALL
    hamlets: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    severities: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=lambda: list(OPEN))
    window: str = "all"
    wall: bool = False
    scope: list[str] = field(default_factory=list)  # the account's communes; empty: all

    def filters(self) -> Filters:
        span = WINDOWS[self.window]
        return Filters(commune_codes=list(self.scope) if self.commune == ALL else
                       [self.commune],
                       hamlet_codes=self.hamlets, kinds=self.kinds,
                       severities=self.severities, statuses=self.statuses,
                       since=None if span is None else utcnow() - span)


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
                               if c == ALL else communes[c])
        options = [c for c, (_, cc) in hamlets.items() if commune in (ALL, cc)]
        # The folded name after the dot lets "hue tri" find "Thôn Huề Trì".
        chosen = st.multiselect(t("filter.hamlets", lang), options, key="f_hamlets",
                                format_func=lambda c: _hamlet_label(hamlets[c][0]),
                                placeholder=t("filter.hamlets_hint", lang))
        # A hamlet clicked on the map lives in its own state, not in the widget's key:
        # the browser sends widget values with every rerun it asks for (the live page's
        # refresh among them) and would overwrite a value written from code.
        clicked = state.get("map_hamlet")
        if clicked in hamlets and clicked not in chosen:
            st.caption(t("filter.map_hamlet", lang) + ": "
                       + md_text(_hamlet_label(hamlets[clicked][0])))
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


def _hamlet_label(name: str) -> str:
    folded = fold(name)
    return name if folded == name.lower() else f"{name} · {folded}"


def from_url(params: dict) -> View:
    """Wall mode: ``?wall=1&commune=10732&hamlet=a,b&kind=fire&severity=3,4&status=...``."""
    def listed(key: str) -> list[str]:
        return [v for v in params.get(key, "").split(",") if v]

    sev = [int(s) for s in listed("severity") if s in {"1", "2", "3", "4"}]
    window = params.get("window", "all")
    return View(commune=params.get("commune", ALL), hamlets=listed("hamlet"),
                kinds=[k for k in listed("kind") if k in KINDS], severities=sev,
                statuses=[s for s in listed("status") if s in LIFECYCLE.statuses]
                or list(OPEN),
                window=window if window in WINDOWS else "all", wall=True)
