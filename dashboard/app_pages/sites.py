"""Polling-site board: every site with its status, last change and open incidents nearby;
status changes follow the lifecycle; suspending needs a reason and links an incident."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, state
from dashboard.i18n import label, t
from geo import accounts, settings
from geo import sites as site_cmd
from geo.analysis.spatial import points, within_distance
from geo.checks.inert import md_text
from geo.clock import local_text
from geo.errors import AnttError, IllegalMove, Invalid, StaleVersion
from geo.incidents import OPEN
from geo.sites import SITE_LIFECYCLE
from geo.store import Filters

lang = state.get("lang")
view = state.get("view")
actor = state.get("account")
can_write = accounts.may(actor, "site.status")
RADIUS = float(settings.get("coverage_radius_m"))

st.title(t("sites.title", lang))
sites = data.sites()
if view.commune != "*":
    sites = sites[sites["commune_code"] == view.commune]
if view.hamlets:
    sites = sites[sites["hamlet_code"].isin(view.hamlets)]
if sites.empty:
    st.info(t("sites.empty", lang))
    st.stop()
sites = sites.reset_index(drop=True)
open_inc = data.incidents(Filters(commune_codes=view.filters().commune_codes, statuses=OPEN),
                          limit=None)
near = within_distance(points(sites["lon"], sites["lat"]),
                       points(open_inc["lon"], open_inc["lat"]), RADIUS) \
    if len(open_inc) else pd.DataFrame(columns=["point", "place"])
counts = near.groupby("point").size() if len(near) else pd.Series(dtype=int)
table = pd.DataFrame({
    t("sites.site", lang): list(data.place_names(sites).values()),
    t("col.status", lang): [label("site_status", s, lang) for s in sites["status"]],
    t("sites.last_change", lang): [f"{local_text(a)} ({w})" for a, w in
                                   zip(sites["updated_at"], sites["updated_by"], strict=True)],
    t("sites.nearby", lang, m=int(RADIUS)): [int(counts.get(i, 0)) for i in sites.index],
    t("sites.voted", lang): [f"{int(v)}/{int(n)}" if pd.notna(v) and pd.notna(n) else "" for
                             v, n in zip(sites["voted"], sites["voters"], strict=True)],
})
st.dataframe(table, hide_index=True, width="stretch")
names = data.place_names(sites)
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
    nearby_ids = [int(open_inc.iloc[j]["id"]) for j in
                  near.loc[near["point"] == row_index, "place"]] if len(near) else []
    st.selectbox(t("sites.link_incident", lang), nearby_ids, index=None,
                 key=f"link_{site['code']}", format_func=lambda i: f"#{i}")
if "close" in allowed:
    st.number_input(t("sites.voted", lang), min_value=0, step=1, value=None,
                    key=f"voted_{site['code']}")


def _act(code: str, action: str, version: int) -> None:
    """Button callback: the version is the one on screen (see the incident board)."""
    reason = st.session_state.get(f"reason_{code}")
    linked = st.session_state.get(f"link_{code}")
    voted = st.session_state.get(f"voted_{code}")
    try:
        site_cmd.move(data.store(), code, action, expected_version=version, actor=actor,
                      reason=reason, incident_id=linked,
                      voted=int(voted) if voted is not None and action == "close" else None)
        outcome = None
    except StaleVersion as e:
        outcome = ("stale", t("incident.changed_by", lang, who=e.actor, at=local_text(e.at)))
    except IllegalMove as e:
        outcome = ("error", t("incident.illegal", lang,
                              current=label("site_status", e.current, lang),
                              allowed=", ".join(label("action", a, lang) for a in e.allowed)))
    except Invalid as e:
        outcome = ("error", " ".join(t("sites.error.reason", lang) if p.field == "reason"
                                     else md_text(p.reason) for p in e.problems))
    except AnttError as e:
        outcome = ("error", md_text(str(e)))
    state.set("sites_outcome", (code, *outcome) if outcome else None)


cols = st.columns(max(1, len(allowed)))
for col, action in zip(cols, allowed, strict=False):
    col.button(label("action", action, lang), key=f"site_{action}_{site['code']}",
               use_container_width=True, on_click=_act,
               args=(site["code"], action, site["version"]))
outcome = state.get("sites_outcome")
if outcome and outcome[0] == site["code"]:
    (st.warning if outcome[1] == "stale" else st.error)(outcome[2])
