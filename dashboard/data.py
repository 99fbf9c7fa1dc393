"""The dashboard's door to ``geo``: one Store per database path, and cached pure readers."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import calendar as election_calendar
from geo import settings
from geo.analysis.places import commune_labels, load_layer
from geo.event_text import Names, names_of
from geo.io.importer import LAYER_ORDER
from geo.store import Filters, Store

__all__ = ["store", "incidents", "layers", "sites", "units", "latest_events", "place_names",
           "event_names",
           "hamlet_names", "team_names",
           "checkins", "review"]


@st.cache_resource
def _store(path: str) -> Store:
    # Short: a page shows its last state with a notice rather than hang on a held file.
    s = Store(path, lock_timeout=settings.get("page_lock_timeout"))
    s.init()
    return s


def store() -> Store:
    """The Store for ``$ANTT_DB`` (shared by every session; it is thread-safe)."""
    return _store(settings.get("db"))


def incidents(filters: Filters, limit: int | None = 500) -> pd.DataFrame:
    """Filtered incidents, newest first. Not cached: the list must be live."""
    return store().incidents(filters, limit=limit)


@st.cache_resource(max_entries=4, show_spinner=False)
def _layers(path: str, version: int) -> dict[str, gpd.GeoDataFrame]:
    s = _store(path)
    return {kind: load_layer(s, kind) for kind in LAYER_ORDER}


def layers() -> dict[str, gpd.GeoDataFrame]:
    """Every map layer, cached until the next import (the version is part of the key).

    Shared, not copied: every session gets the same frames, so they must never be changed
    in place (filter or copy them). ``st.cache_data`` unpickled a copy on every call,
    several calls a run: 0.8 s a run for a national drill's 6,072 communes."""
    s = store()
    return dict(_layers(s.path, s.layers_version()))


def place_names(frame: pd.DataFrame, name_col: str = "name") -> dict[str, str]:
    """code → "name — commune" for pickers: names repeat across communes ("Thôn 1",
    "Tổ tuần tra số 1"), and a picker must never offer two identical labels."""
    communes = layers()["communes"]
    cname = commune_labels(communes)
    return {c: f"{n} — {cname.get(cc, cc)}" if cc else n
            for c, n, cc in zip(frame["code"], frame[name_col], frame["commune_code"],
                                strict=True)}


def hamlet_names() -> dict[str, str]:
    """hamlet code → "Thôn … — commune" (a table or popup shows names, never codes)."""
    return place_names(layers()["hamlets"])


def team_names() -> dict[str, str]:
    """team code → "Tổ tuần tra số 1 — An Phụ": two communes' "số 1" never look alike."""
    return place_names(units())


@st.cache_data(ttl=30, show_spinner=False)
def _display_names(path: str, last_event: int) -> dict[str, str]:
    from geo.accounts import display_names
    return display_names(_store(path))


def display_names() -> dict[str, str]:
    """Who acted, as people read it: user name → display name, and team code → the team's
    name (a team reporting from the field acts as itself)."""
    s = store()
    return {**team_names(), **_display_names(s.path, s.last_event()[0])}


@st.cache_data(ttl=30, show_spinner=False, max_entries=16)
def _calendar(path: str, last_event: int, communes: tuple[str, ...]) -> pd.DataFrame:
    return election_calendar.entries(_store(path), communes)


def calendar(communes: Sequence[str]) -> pd.DataFrame:
    """The election calendar's active rows for *communes*, cached until the next event
    (a calendar change is one)."""
    s = store()
    return _calendar(s.path, s.last_event()[0], tuple(communes))


@st.cache_data(ttl=30, show_spinner=False)
def _event_names(path: str, last_event: int, layers_version: int) -> Names:
    return names_of(_store(path))


def event_names() -> Names:
    """Every name an event's words need (``geo.event_text``): people, teams, places."""
    s = store()
    return _event_names(s.path, s.last_event()[0], s.layers_version())


def latest_events(n: int, filters: Filters, teams: Sequence[str] | None = None
                  ) -> pd.DataFrame:
    """The newest *n* events worth a ticker line of what *filters* shows (and of *teams*
    only, when given): not the routine position pings and checkpoint check-ins (every few
    minutes a team; they buried the incidents on the wall; the teams page keeps the
    check-ins)."""
    return store().recent_events(n, filters, skip_actions=("position", "checkin"),
                                 unit_codes=teams)


def checkins() -> pd.DataFrame:
    """Every checkpoint check-in event (the team board compares them to the schedule)."""
    return store().events(entity="unit", action="checkin")


def sites() -> pd.DataFrame:
    return store().frame("site")


def units() -> pd.DataFrame:
    return store().frame("unit")


@st.cache_data(ttl=30, show_spinner=False, max_entries=8)
def _review(path: str, last_event: int, layers_version: int, start, end, communes: tuple,
            hamlets: tuple, kinds: tuple, severities: tuple, lang: str):
    from geo.analysis.review_figures import gather_review
    from geo.clock import Period

    return gather_review(_store(path), Period(start, end), lang=lang,
                         commune_codes=communes, hamlet_codes=hamlets, kinds=kinds,
                         severities=severities)


def review(period, filters: Filters, lang: str):
    """The review's figures for *period* and the filters, in *lang*, cached until the log
    grows. Without its pictures: ``geo.io.report.with_pictures`` draws them for the PDF
    and HTML, on download."""
    s = store()
    return _review(s.path, s.last_event()[0], s.layers_version(), period.start, period.end,
                   tuple(filters.commune_codes), tuple(filters.hamlet_codes),
                   tuple(filters.kinds), tuple(int(x) for x in filters.severities), lang)
