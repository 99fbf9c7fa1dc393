"""The dashboard's door to ``geo``: one Store per database path, and cached pure readers."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import settings
from geo.importer import LAYER_ORDER
from geo.places import load_layer
from geo.store import Filters, Store

__all__ = ["store", "incidents", "layers", "sites", "units", "latest_events"]


@st.cache_resource
def _store(path: str) -> Store:
    s = Store(path, lock_timeout=float(settings.get("lock_timeout")))
    s.init()
    return s


def store() -> Store:
    """The Store for ``$ANTT_DB`` (shared by every session; it is thread-safe)."""
    return _store(settings.get("db"))


def incidents(filters: Filters, limit: int | None = 500) -> pd.DataFrame:
    """Filtered incidents, newest first. Not cached: the list must be live."""
    return store().incidents(filters, limit=limit)


@st.cache_data(ttl=60, show_spinner=False)
def _layers(path: str, version: int) -> dict[str, gpd.GeoDataFrame]:
    s = _store(path)
    return {kind: load_layer(s, kind) for kind in LAYER_ORDER}


def layers() -> dict[str, gpd.GeoDataFrame]:
    """Every map layer, cached until the next import (the version is part of the key)."""
    s = store()
    return _layers(s.path, s.layers_version())


def latest_events(n: int, commune_codes: list[str]) -> pd.DataFrame:
    """The newest *n* events worth a ticker line (not routine position pings)."""
    return store().recent_events(n, commune_codes)


def sites() -> pd.DataFrame:
    return store().frame("site")


def units() -> pd.DataFrame:
    return store().frame("unit")
