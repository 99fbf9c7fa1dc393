"""Live page: the map of the communes with sites, incidents and teams, and the KPI strip."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from dashboard import data, maps, state
from dashboard.i18n import label, t
from geo import settings
from geo.incidents import OPEN
from geo.store import Filters

lang = state.get("lang")
ALL = "*"


def _label(group: str, code: object) -> str:
    return label(group, code, lang)


layers = data.layers()
if layers["communes"].empty:
    st.info(t("live.no_layers", lang))
    st.stop()

communes = layers["communes"]
names = dict(zip(communes["code"], communes["name"], strict=True))
choice = st.selectbox(t("live.commune", lang), [ALL, *names], key="f_commune",
                      format_func=lambda c: t("live.all_communes", lang) if c == ALL else names[c])
if choice != ALL:
    layers = {k: v[v["code" if k == "communes" else "commune_code"] == choice]
              if k != "checkpoints" else v for k, v in layers.items()}
st.title(t("live.title", lang) + ("" if choice == ALL else f" — {names[choice]}"))
kpi = st.container()


@st.fragment(run_every=float(settings.get("refresh_seconds")))
def live() -> None:
    sites, units = data.sites(), data.units()
    codes = [] if choice == ALL else [choice]
    incidents = data.incidents(Filters(statuses=OPEN, commune_codes=codes), limit=None)
    if codes:
        sites = sites[sites["commune_code"].isin(codes)]
        units = units[units["commune_code"].isin(codes)]
    with kpi:
        cols = st.columns(4)
        cols[0].metric(t("kpi.open_incidents", lang), len(incidents))
        cols[1].metric(t("kpi.sites_voting", lang), int((sites["status"] == "voting").sum()))
        cols[2].metric(t("kpi.teams_available", lang),
                       int(units["status"].isin(["available", "on_patrol"]).sum()))
        cols[3].metric(t("kpi.teams_responding", lang),
                       int((units["status"] == "responding").sum()))
    # A fresh base map each run: st_folium mutates the map it is given, and its JS
    # (random ids aside) is the same each time, so the browser keeps the map and its view.
    base = maps.localize(maps.base_map(layers, label=_label,
                                       tile_url=settings.get("tile_url")))
    groups = maps.live_groups(sites, incidents, units, label=_label)
    st_folium(base, key="live_map", feature_group_to_add=groups, returned_objects=[],
              height=720, use_container_width=True)


live()
