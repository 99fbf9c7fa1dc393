"""One line for the board: the next report due upward and how many are late (the reports
page has the rest). Renders only; ``geo.upward`` decides what is due."""

from __future__ import annotations

import streamlit as st

from dashboard import data, state
from dashboard.i18n import t
from geo.clock import local_text
from geo.errors import AnttError
from geo.upward import due_reports

__all__ = ["show"]


def show(lang: str) -> None:
    """The next unsent report and its due time; the late ones in red. A schedule file
    that cannot be read says so here instead of stopping the board."""
    try:
        due = due_reports(data.store(), state.get("account"))
    except AnttError:
        st.caption(t("reports.line.no_schedule", lang))
        return
    late = [d for d in due if d.state == "late"]
    nxt = next((d for d in due if d.state in ("upcoming", "due_soon")), None)
    if late:
        st.error(t("reports.line.late", lang, n=len(late), title=late[0].occurrence.row.title,
                   due=local_text(late[0].occurrence.due_at, "%H:%M %d/%m/%Y")))
    if nxt is not None:
        st.caption(t("reports.line.next", lang, title=nxt.occurrence.row.title,
                     due=local_text(nxt.occurrence.due_at, "%H:%M %d/%m/%Y")))
