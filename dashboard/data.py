"""The dashboard's door to ``geo``: one Store per database path, and cached pure readers."""

from __future__ import annotations

import streamlit as st

from geo import settings
from geo.store import Filters, Store

__all__ = ["store", "incidents"]


@st.cache_resource
def _store(path: str) -> Store:
    s = Store(path, lock_timeout=float(settings.get("lock_timeout")))
    s.init()
    return s


def store() -> Store:
    """The Store for ``$ANTT_DB`` (shared by every session; it is thread-safe)."""
    return _store(settings.get("db"))


def incidents(filters: Filters, limit: int = 500):
    """Filtered incidents, newest first. Not cached: the list must be live."""
    return store().incidents(filters, limit=limit)
