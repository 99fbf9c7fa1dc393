"""Incident list: what the store holds now, filterable. Renders only."""

from __future__ import annotations

import streamlit as st

from dashboard import data, state
from dashboard.i18n import label, t
from geo.clock import local_text
from geo.errors import AnttError

lang = state.get("lang")
view = state.get("view")
st.title(t("incidents.title", lang))

try:
    df = data.incidents(view.filters())
except AnttError as e:
    st.error(t("error.store", lang, reason=e))
    st.stop()

if df.empty:
    st.info(t("incidents.empty", lang))
    st.stop()

st.caption(t("incidents.count", lang, n=len(df)))
table = {
    t("col.id", lang): df["id"],
    t("col.reported_at", lang): [local_text(v) for v in df["reported_at"]],
    t("col.kind", lang): [label("kind", v, lang) for v in df["kind"]],
    t("col.severity", lang): [label("severity", v, lang) for v in df["severity"]],
    t("col.status", lang): [label("status", v, lang) for v in df["status"]],
    t("col.hamlet", lang): df["hamlet_code"],
    t("col.team", lang): df["team_code"],
    t("col.source", lang): [label("source", v, lang) for v in df["source"]],
    t("col.description", lang): df["description"],
}
# st.dataframe renders cells as text, never as HTML, so descriptions stay data.
st.dataframe(table, hide_index=True, width="stretch")
