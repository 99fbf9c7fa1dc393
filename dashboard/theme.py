"""Wall-screen styling: dark, high contrast, large type readable from 5 m on 1920×1080.

Only our own constant CSS goes through ``unsafe_allow_html``; never user text.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["wall", "WALL_CSS"]

WALL_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"] { display: none !important; }
.stApp { background: #0b0f14; color: #f5f7fa; }
.block-container { padding: 1rem 1.5rem 0 1.5rem !important; max-width: 100% !important; }
h1 { font-size: 2.6rem !important; color: #ffffff !important; }
[data-testid="stMetricLabel"] p { font-size: 1.35rem !important; color: #cfd8dc !important; }
[data-testid="stMetricValue"] { font-size: 3.4rem !important; color: #ffffff !important;
    font-weight: 700 !important; }
[data-testid="stMetric"] { background: #16202a; border-radius: 8px; padding: .4rem .8rem; }
.stApp p, .stApp li, .stApp span, .stApp div { color: #eceff1; }
[data-testid="stDataFrame"] { font-size: 1.2rem; }
</style>
"""


def wall() -> None:
    st.markdown(WALL_CSS, unsafe_allow_html=True)
