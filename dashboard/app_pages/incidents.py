"""Incident list: what the store holds now, filterable; it refreshes itself. Renders only."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data, state
from dashboard.i18n import label, t
from geo import settings
from geo.clock import local_text

lang = state.get("lang")
view = state.get("view")
st.title(t("incidents.title", lang))


@auth.fragment(run_every=settings.get("refresh_seconds"))
def listing() -> None:
    df = data.incidents(view.filters())
    if df.empty:
        st.info(t("incidents.empty", lang))
        return
    hamlets, teams = data.hamlet_names(), data.team_names()
    st.caption(t("incidents.count", lang, n=len(df)))
    # st.dataframe renders cells as text, never as HTML, so descriptions stay data.
    st.dataframe({
        t("col.id", lang): df["id"],
        t("col.reported_at", lang): [local_text(v) for v in df["reported_at"]],
        t("col.kind", lang): [label("kind", v, lang) for v in df["kind"]],
        t("col.severity", lang): [label("severity", v, lang) for v in df["severity"]],
        t("col.status", lang): [label("status", v, lang) for v in df["status"]],
        t("col.hamlet", lang): [hamlets.get(h, "") for h in df["hamlet_code"]],
        t("col.team", lang): [teams.get(c, "") for c in df["team_code"]],
        t("col.source", lang): [label("source", v, lang) for v in df["source"]],
        t("col.description", lang): df["description"].fillna(""),
    }, hide_index=True, width="stretch")


listing()
