"""Polling-site board: every site with its status, last change and open incidents nearby;
status changes follow the lifecycle; suspending needs a reason and links an incident."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, auth, data, state
from dashboard.i18n import label, t
from geo import accounts, settings
from geo import sites as site_cmd
from geo.analysis.spatial import near_each
from geo.checks.inert import md_text
from geo.clock import local_text
from geo.incidents import OPEN
from geo.sites import SITE_LIFECYCLE

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")
can_write = accounts.may(actor, "site.status")
RADIUS = settings.get("coverage_radius_m")

def _read() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sites = view.frame(data.sites())
    open_inc = data.incidents(view.filters(hamlet_codes=[], kinds=[], severities=[],
                                           statuses=list(OPEN), since=None), limit=None)
    return sites, open_inc, near_each(sites, open_inc, RADIUS)


st.title(t("sites.title", lang))
sites, open_inc, near = _read()
if sites.empty:
    st.info(t("sites.empty", lang))
    st.stop()
names = data.place_names(sites)


@auth.fragment(run_every=settings.get("refresh_seconds"))
def table() -> None:
    """The board refreshes itself; the site picked below and its form stay as they are."""
    now_sites, _, now_near = _read()
    st.dataframe(pd.DataFrame({
        t("sites.site", lang): [names.get(c, c) for c in now_sites["code"]],
        t("col.status", lang): [label("site_status", s, lang) for s in now_sites["status"]],
        t("sites.last_change", lang): [f"{local_text(a)} ({who.get(w, w)})" for a, w in
                                       zip(now_sites["updated_at"], now_sites["updated_by"],
                                           strict=True)],
        t("sites.nearby", lang, m=int(RADIUS)): now_near.groupby("place").size().reindex(
            now_sites.index, fill_value=0).astype(int),
        t("sites.voted", lang): [f"{int(v)}/{int(n)}" if pd.notna(v) and pd.notna(n) else ""
                                 for v, n in zip(now_sites["voted"], now_sites["voters"],
                                                 strict=True)],
    }), hide_index=True, width="stretch")


who = data.display_names()
table()
code = st.selectbox(t("sites.pick", lang), list(names), index=None, key="sites_pick",
                    format_func=names.get, placeholder=t("op.search_hint", lang))
if code is None:
    st.stop()
row_index = int(sites.index[sites["code"] == code][0])
site = data.store().get("site", code)
st.subheader(md_text(f"{site['name']} · {label('site_status', site['status'], lang)}"))
allowed = SITE_LIFECYCLE.allowed(site["status"]) if can_write else []  # viewers: none
if "suspend" in allowed:
    st.text_input(t("sites.reason", lang), key=f"reason_{site['code']}")
    nearby_ids = [int(open_inc.at[j, "id"]) for j in near.loc[near["place"] == row_index,
                                                              "incident"]]
    st.selectbox(t("sites.link_incident", lang), nearby_ids, index=None,
                 key=f"link_{site['code']}", format_func=lambda i: f"#{i}")
if "close" in allowed:
    st.number_input(t("sites.voted", lang), min_value=0, step=1, value=None,
                    key=f"voted_{site['code']}")


def _act(code: str, action: str, version: int) -> None:
    """Button callback: the version is the one on screen (see the incident board)."""
    voted = st.session_state.get(f"voted_{code}")
    outcome = actions.attempt(lambda: site_cmd.move(
        data.store(), code, action, expected_version=version, actor=actor,
        reason=st.session_state.get(f"reason_{code}"),
        incident_id=st.session_state.get(f"link_{code}"),
        voted=int(voted) if voted is not None and action == "close" else None),
        lang, "site_status", done=actions.moved("site_status", lang))
    state.set("sites_outcome", (code, *outcome) if outcome else None)


actions.buttons(allowed, key=f"site_{{action}}_{site['code']}", lang=lang, on_click=_act,
                args=lambda a: (site["code"], a, site["version"]))
outcome = state.get("sites_outcome")
if outcome and outcome[0] == site["code"]:
    actions.show(outcome[1:])
