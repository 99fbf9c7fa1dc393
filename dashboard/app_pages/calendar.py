"""Election calendar page: the phases, voting hours, milestones, anniversaries and
events of the view's communes; an admin loads a calendar file, enters a row or takes one
off. Renders only; ``geo.calendar`` checks and writes."""

from __future__ import annotations

from datetime import datetime, time

import pandas as pd
import streamlit as st

from dashboard import actions, data, state
from dashboard.i18n import label, t
from geo import accounts
from geo import calendar as cal
from geo.checks.inert import md_text
from geo.clock import local_text, utcnow

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")

st.title(t("calendar.title", lang))
frame = data.calendar(view.commune_codes)
places = {**data.place_names(data.layers()["sites"]), **data.place_names(data.layers()["targets"])}
s = cal.strip(frame, utcnow())
if s.phase is not None:
    st.info(t("calendar.phase_now", lang, name=md_text(s.phase["name"])))
if frame.empty:
    st.info(t("calendar.empty", lang))
else:
    st.dataframe(pd.DataFrame({
        t("calendar.col.kind", lang): [label("calendar_kind", k, lang) for k in frame["kind"]],
        t("calendar.col.name", lang): frame["name"],
        t("calendar.col.starts", lang): [local_text(v, "%d/%m/%Y %H:%M") for v in frame["starts"]],
        t("calendar.col.ends", lang): ["" if pd.isna(v) else local_text(v, "%d/%m/%Y %H:%M")
                                       for v in frame["ends"]],
        t("calendar.col.place", lang): [p if isinstance(p, str) and p else
                                        places.get(c, c or "") if isinstance(c, str) else ""
                                        for p, c in zip(frame["place"], frame["place_code"],
                                                        strict=True)],
        t("calendar.col.commune", lang): [c if isinstance(c, str) else t("calendar.all", lang)
                                          for c in frame["commune_code"]],
        t("calendar.col.source", lang): frame["source"],
    }), hide_index=True, width="stretch", key="calendar_table")

if not accounts.may(actor, "calendar.edit"):
    st.stop()

actions.show(state.get("calendar_outcome"))
st.subheader(t("calendar.import", lang))
upload = st.file_uploader(t("calendar.file", lang), type=["csv"], key="calendar_file")
replace = st.checkbox(t("calendar.replace", lang), key="calendar_replace")
if upload is not None and st.button(t("calendar.load", lang), key="calendar_load",
                                    type="primary"):
    def _load() -> dict:
        rows = cal.read_calendar(upload.getvalue())
        return cal.import_calendar(data.store(), rows, actor=actor, source=upload.name,
                                   replace=replace)
    state.set("calendar_outcome", actions.attempt(
        _load, lang, "calendar_kind",
        lambda n: t("calendar.loaded", lang, **n)))
    st.rerun()

st.subheader(t("calendar.add", lang))
with st.form("calendar_add", clear_on_submit=False):
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox(t("calendar.col.kind", lang), cal.KINDS, key="calendar_kind",
                        format_func=lambda k: label("calendar_kind", k, lang))
    code = c2.text_input(t("calendar.code", lang), key="calendar_code")
    name = c3.text_input(t("calendar.col.name", lang), key="calendar_name")
    d1, d2, d3, d4 = st.columns(4)
    day0 = d1.date_input(t("calendar.col.starts", lang), key="calendar_day0", format="DD/MM/YYYY")
    hour0 = d2.time_input(t("calendar.hour", lang), value=time(0, 0), key="calendar_hour0")
    day1 = d3.date_input(t("calendar.col.ends", lang), value=None, key="calendar_day1",
                         format="DD/MM/YYYY")
    hour1 = d4.time_input(t("calendar.hour", lang), value=None, key="calendar_hour1")
    p1, p2 = st.columns(2)
    place = p1.text_input(t("calendar.col.place", lang), key="calendar_place")
    source = p2.text_input(t("calendar.col.source", lang), key="calendar_source")
    commune = view.one_commune
    sent = st.form_submit_button(t("calendar.save", lang), type="primary")
if sent:
    def _fmt(day, hour) -> str:
        if day is None:
            return ""
        return datetime.combine(day, hour).strftime("%Y-%m-%d %H:%M") if hour else f"{day}"
    raw = {"code": code, "kind": kind, "name": name, "starts": _fmt(day0, hour0),
           "ends": _fmt(day1, hour1), "commune_code": commune, "place": place,
           "source": source}
    state.set("calendar_outcome", actions.attempt(
        lambda: cal.add_entry(data.store(), raw, actor=actor), lang, "calendar_kind",
        lambda row: t("calendar.saved", lang, name=md_text(row["name"]))))
    st.rerun()

if not frame.empty:
    st.subheader(t("calendar.remove", lang))
    ids = list(frame["id"])
    pick = st.selectbox(t("calendar.pick", lang), ids, index=None, key="calendar_pick",
                        format_func=lambda i: md_text(frame.set_index("id").loc[i, "name"]))
    if pick is not None and st.button(t("calendar.remove_button", lang), key="calendar_off"):
        version = int(frame.set_index("id").loc[pick, "version"])
        state.set("calendar_outcome", actions.attempt(
            lambda: cal.remove_entry(data.store(), pick, expected_version=version, actor=actor),
            lang, "calendar_kind", lambda row: t("calendar.removed", lang,
                                                 name=md_text(row["name"]))))
        st.rerun()
