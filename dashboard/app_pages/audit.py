"""Audit log (commanders, admins): every event, operations apart from security, page by
page, filtered, the whole filtered set as CSV. Renders only (``geo.audit`` decides)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from dashboard import data, state
from dashboard.i18n import label, t
from geo.audit import ACTIONS, CATEGORIES, PAGE_SIZES, AuditFilter, audit_page
from geo.clock import local_text, local_to_utc, to_local, utcnow
from geo.event_text import detail_text, entity_text
from geo.io.exports import audit_csv


def _first_page() -> None:
    """A changed filter or page size starts again at the newest events."""
    st.session_state["audit_page"] = 1


lang = state.get("lang")
st.title(t("audit.title", lang))
store = data.store()
names = data.display_names()
today = to_local(utcnow()).date()
c0, c1, c2, c3, c4 = st.columns(5)
category = c0.selectbox(t("audit.category", lang), list(CATEGORIES), key="audit_category",
                        format_func=lambda c: label("audit.category", c, lang),
                        on_change=_first_page)
who = c1.selectbox(t("audit.user", lang), [None, *sorted(names)], key="audit_user",
                   format_func=lambda u: "—" if u is None else f"{names[u]} ({u})",
                   on_change=_first_page)
action = c2.selectbox(t("audit.action", lang), [None, *ACTIONS], key="audit_action",
                      format_func=lambda a: "—" if a is None else label("action", a, lang),
                      on_change=_first_page)
since = c3.date_input(t("audit.since", lang), today - timedelta(days=1), key="audit_since",
                      on_change=_first_page)
until = c4.date_input(t("audit.until", lang), today, key="audit_until",
                      on_change=_first_page)
flt = AuditFilter(category=category, actor=who, action=action,
                  since=local_to_utc(datetime.combine(since, time())),
                  until=local_to_utc(datetime.combine(until + timedelta(days=1), time())))
c_range, c_size, c_page = st.columns([3, 1, 1], vertical_alignment="bottom")
size = c_size.selectbox(t("audit.page_size", lang), PAGE_SIZES, index=1, key="audit_size",
                        on_change=_first_page)
shown = audit_page(store, flt, page=st.session_state.get("audit_page", 1), size=size)
if not shown.total:
    st.info(t("audit.empty", lang))
    st.stop()
st.session_state["audit_page"] = shown.page  # in range before the widget is drawn
c_page.number_input(t("audit.page", lang, pages=shown.pages), min_value=1,
                    max_value=shown.pages, step=1, key="audit_page")
c_range.caption(t("audit.range", lang, first=shown.first, last=shown.last, n=shown.total))
events = shown.events
words = data.event_names()  # codes in words: no "unit 10732-TEAM1", no raw JSON
table = {
    t("ticker.time", lang): [local_text(a, "%d/%m/%Y %H:%M:%S") for a in events["occurred_at"]],
    t("audit.user", lang): [words.person(a) for a in events["actor"]],
    t("audit.action", lang): [label("action", a, lang) for a in events["action"]],
    t("audit.entity", lang): [entity_text(e, i, words, lang) for e, i in
                              zip(events["entity"], events["entity_id"], strict=True)],
    t("audit.detail", lang): [detail_text(d, words, lang) for d in events["detail"]],
}
st.dataframe(table, hide_index=True, width="stretch", height=620)
# Every matching event, not this page: fetched when the button is pressed.
st.download_button(t("audit.download", lang, n=shown.total),
                   data=lambda: audit_csv(store, flt, lang),
                   file_name=f"antt-nhat-ky-{category}-{since:%Y%m%d}-{until:%Y%m%d}.csv",
                   mime="text/csv", key="audit_csv", on_click="ignore")
