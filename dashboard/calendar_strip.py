"""The election calendar's strip on the live page and the wall: which phase it is, what
is on today (voting hours, events to guard, anniversaries, milestones) and what comes
next. Renders only; ``geo.calendar.strip`` decides what falls where."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.i18n import label, t
from geo import calendar as cal
from geo.clock import local_text, to_local

__all__ = ["StripLine", "line", "show", "entry_text"]


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


@dataclass(frozen=True)
class StripLine:
    key: str    # the container's key: antt-calendar-<phase code> (browser tests find it)
    text: str   # t() messages only; t() guards the calendar's names it is given


def line(frame: pd.DataFrame, at: datetime, lang: str, places: Mapping[str, str], *,
         wall: bool = False) -> StripLine | None:
    """The strip's line; None when the calendar is empty. On the wall, read from 5 m in
    one line: election day by its short name, today's rows not over yet (without their
    places), and what is next only when nothing is left today."""
    s = cal.strip(frame, at)
    if s.empty:
        return None
    if s.phase is None:
        parts = [t("calendar.no_phase", lang)]
    else:
        short = wall and s.phase["kind"] == "election_day"
        parts = [t("calendar.phase_now", lang, name=label("calendar_kind", "election_day", lang)
                   if short else s.phase["name"])]
    today = [r for r in s.today if (r["ends"] or r["starts"]) > at] if wall else s.today
    shown = {} if wall else places
    if today:
        parts.append(t("calendar.today", lang, items="; ".join(
            entry_text({**r, "place": None, "place_code": None} if wall else r, lang, shown,
                       day=True) for r in today)))
    upcoming = s.upcoming[:1] if wall else s.upcoming
    if upcoming and not (wall and today):
        parts.append(t("calendar.next", lang, items="; ".join(
            entry_text(r, lang, shown, day=False) for r in upcoming)))
    return StripLine(f"antt-calendar-{s.phase['code'] if s.phase else 'none'}",
                     " · ".join(parts))


def show(strip: StripLine | None, prefix: str = "") -> None:
    """The strip in its own container (after *prefix*, a t() message, when given: the
    wall puts it on the line of the KPIs' time to leave the map its height)."""
    if strip is None:
        if prefix:
            st.caption(prefix)
        return
    with st.container(key=strip.key):
        st.caption(prefix + strip.text)
