"""The election calendar's strip on the live page and the wall: which phase it is, what
is on today (voting hours, events to guard, anniversaries, milestones) and what comes
next. Renders only; ``geo.calendar.strip`` decides what falls where."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.i18n import t
from geo import calendar as cal
from geo.checks.inert import md_text
from geo.clock import local_text, to_local

__all__ = ["show", "entry_text"]


def _when(row: dict, lang: str, *, day: bool) -> str:
    """A row's hours (today's rows) or date and hour (later rows), in Vietnam time."""
    start, end = row["starts"], row["ends"]
    whole_days = to_local(start).hour == 0 and to_local(start).minute == 0 and (
        end is None or (to_local(end).hour == 0 and to_local(end).minute == 0))
    if day:
        if whole_days:
            return ""
        return local_text(start, "%H:%M") + ("" if end is None else
                                               "–" + local_text(end, "%H:%M"))
    if whole_days:
        last = start if end is None else end - timedelta(seconds=1)
        same = to_local(last).date() == to_local(start).date()
        return local_text(start, "%d/%m") + ("" if same else "–" + local_text(last, "%d/%m"))
    return local_text(start, "%H:%M %d/%m")


def entry_text(row: dict, lang: str, places: Mapping[str, str], *, day: bool) -> str:
    """One row as the strip reads it: "Giờ bỏ phiếu 07:00–19:00 (Nhà văn hóa thôn Huề
    Trì)"; plain text (the strip guards it where it is shown)."""
    where = row.get("place") or places.get(row.get("place_code") or "", row.get("place_code"))
    when = _when(row, lang, day=day)
    text = str(row["name"]) + (f" {when}" if when else "")
    return text + (f" ({where})" if where and not pd.isna(where) else "")


def show(frame: pd.DataFrame, at: datetime, lang: str, places: Mapping[str, str], *,
         wall: bool = False) -> None:
    """The strip, one line (two on a narrow screen); nothing when the calendar is empty."""
    s = cal.strip(frame, at)
    if s.empty:
        return
    parts = [t("calendar.phase_now", lang, name=s.phase["name"]) if s.phase
             else t("calendar.no_phase", lang)]
    if s.today:
        parts.append(t("calendar.today", lang, items="; ".join(
            entry_text(r, lang, places, day=True) for r in s.today)))
    if s.upcoming:
        parts.append(t("calendar.next", lang, items="; ".join(
            entry_text(r, lang, places, day=False) for r in s.upcoming)))
    key = f"antt-calendar-{s.phase['code'] if s.phase else 'none'}"
    with st.container(key=key):
        st.caption(md_text(" · ".join(parts)))  # the office's names: inert
