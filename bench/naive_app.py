"""Benchmark baseline: the same sites and open incidents as one folium Marker each, shown
with st_folium in the same Streamlit shell as the live page (local assets, no clustering)."""

import folium
import streamlit as st
from streamlit_folium import st_folium

from dashboard import maps  # the project root is on PYTHONPATH (see map_bench._serve)
from geo import settings
from geo.checks.inert import html_text
from geo.incidents import OPEN
from geo.store import Filters, Store

st.set_page_config(layout="wide")
store = Store(settings.get("db"))
sites = store.frame("site")
incidents = store.incidents(Filters(statuses=OPEN))
m = folium.Map(location=[sites["lat"].mean(), sites["lon"].mean()], zoom_start=8, tiles=None)
for r in sites.itertuples(index=False):
    folium.Marker([r.lat, r.lon], tooltip=html_text(r.name)).add_to(m)
for r in incidents.itertuples(index=False):
    folium.Marker([r.lat, r.lon], popup=html_text(r.description)).add_to(m)
st_folium(maps.localize(m), key="naive", returned_objects=[], height=680,
          use_container_width=True)
