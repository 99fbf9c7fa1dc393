"""Audit log (commanders, admins): every event, who did it, filtered, as CSV. Renders only."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from dashboard import data, state
from dashboard.i18n import label, t
from geo.clock import local_text, local_to_utc, to_local, utcnow
from geo.io.exports import csv_bytes

lang = state.get("lang")
st.title(t("audit.title", lang))
store = data.store()
names = data.display_names()
today = to_local(utcnow()).date()
c1, c2, c3, c4 = st.columns(4)
who = c1.selectbox(t("audit.user", lang), [None, *sorted(names)], key="audit_user",
                   format_func=lambda u: "—" if u is None else f"{names[u]} ({u})")
ACTIONS = ("login", "login_failed", "logout", "create", "disable", "password", "revoke",
           "report", "verify", "dispatch", "reassign", "arrive", "resolve", "close",
           "escalate", "false_alarm", "note", "register", "update", "open", "suspend",
           "resume", "checkin", "start_patrol", "end_patrol")
action = c2.selectbox(t("audit.action", lang), [None, *ACTIONS], key="audit_action",
                      format_func=lambda a: "—" if a is None else label("action", a, lang))
since = c3.date_input(t("audit.since", lang), today - timedelta(days=1), key="audit_since")
until = c4.date_input(t("audit.until", lang), today, key="audit_until")
events = store.audit(actor=who, action=action,
                     since=local_to_utc(datetime.combine(since, time())),
                     until=local_to_utc(datetime.combine(until + timedelta(days=1), time())))
if events.empty:
    st.info(t("audit.empty", lang))
    st.stop()
st.caption(t("audit.count", lang, n=len(events)))
table = {
    t("ticker.time", lang): [local_text(a, "%d/%m/%Y %H:%M:%S") for a in events["occurred_at"]],
    t("audit.user", lang): [names.get(a, a) for a in events["actor"]],
    t("audit.action", lang): [label("action", a, lang) for a in events["action"]],
    t("audit.entity", lang): [f"{e} {i}" for e, i in zip(events["entity"], events["entity_id"],
                                                         strict=True)],
    t("audit.detail", lang): events["detail"].fillna(""),
}
st.dataframe(table, hide_index=True, width="stretch", height=620)
st.download_button(t("audit.download", lang), data=lambda: csv_bytes(events),
                   file_name=f"antt-nhat-ky-{since:%Y%m%d}-{until:%Y%m%d}.csv",
                   mime="text/csv", key="audit_csv", on_click="ignore")
