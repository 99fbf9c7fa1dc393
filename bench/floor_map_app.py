"""Benchmark floor: the Streamlit shell and streamlit-folium's component with a map of
one marker, nothing else (no login, no database). No page showing a map in this shell
can paint sooner."""

import folium
import streamlit as st
from streamlit_folium import st_folium

from dashboard import maps  # the project root is on PYTHONPATH (see bench.browser.serve)

st.set_page_config(layout="wide")
m = folium.Map(location=[21.0, 106.5], zoom_start=13, tiles=None)
folium.Marker([21.0, 106.5]).add_to(m)
st_folium(maps.localize(m), key="floor", returned_objects=[], height=680,
          use_container_width=True)
