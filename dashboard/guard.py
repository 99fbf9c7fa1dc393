"""What a viewer sees when the database cannot answer: a notice in Vietnamese, never a
traceback. The full trace goes to the server log (``client.showErrorDetails`` is
``none``, see ``.streamlit/config.toml``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st

from dashboard import auth, state
from dashboard.i18n import t
from geo import settings
from geo.errors import AnttError, StoreBusy, StoreUnusable

__all__ = ["page_errors", "busy_notice", "or_last"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def busy_notice(lang: str) -> None:
    st.warning(t("error.busy", lang))


@contextmanager
def page_errors(lang: str, retry: Callable[[], object]) -> Iterator[None]:
    """Run a page: a busy database shows the notice and tries again by itself every
    refresh (calling *retry*, a cheap read, then rerunning the app once it answers);
    an unusable one shows why; another domain error shows its message."""
    try:
        yield
    except StoreBusy:
        busy_notice(lang)
        _retry_when_free(retry)
    except StoreUnusable as e:
        log.error("database cannot be used: %s", e)
        st.error(t("error.unusable", lang, why=e.why))
    except AnttError as e:
        log.warning("page refused: %s", e)
        st.error(t("error.store", lang, reason=e))


def _retry_when_free(retry: Callable[[], object]) -> None:
    @auth.fragment(run_every=settings.get("refresh_seconds"))
    def _probe() -> None:
        try:
            retry()
        except StoreBusy:
            return
        st.rerun(scope="app")

    _probe()


def or_last(read: Callable[[], T], key: str, lang: str) -> T | None:
    """*read*, remembered in the session under *key* (declared in ``state``); while the
    database is busy, the last value read (with the notice), or None if none yet."""
    try:
        value = read()
    except StoreBusy:
        busy_notice(lang)
        return state.get(key)
    state.set(key, value)
    return value
