"""Wall-screen styling: dark, high contrast, large type readable from 5 m on 1920×1080.

One screen, no scrolling: the page is exactly the viewport's height; the title and the
KPI strip take what they need and the row of the map and the ticker takes the rest (the
map's frame is stretched to it, and ``maps.base_map(dark=True)`` makes the map fill its
frame). The ticker is our own list of markdown lines (``live._wall_ticker``), one per
event, styled here; an incident's line has its severity's colour (``SEVERITY_COLOURS``,
written out: this CSS must stay a constant; ``tests/unit/test_stacked.py`` compares).

Only our own constant CSS goes through ``unsafe_allow_html``; never user text.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["wall", "WALL_CSS", "review", "REVIEW_CSS", "phone", "PHONE_CSS"]

WALL_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"] { display: none !important; }
.stApp { background: #0b0f14; color: #f5f7fa; }
.block-container { padding: 10px 24px 12px 24px !important; max-width: 100% !important;
    height: 100vh; box-sizing: border-box; display: flex; flex-direction: column; }
.block-container > [data-testid="stVerticalBlock"] { flex: 1 1 auto; min-height: 0;
    gap: 10px; }
/* The row of the map and the ticker: whatever height is left. */
[data-testid="stLayoutWrapper"]:has(iframe[title="streamlit_folium.st_folium"]) {
    flex: 1 1 0; min-height: 360px; }
[data-testid="stLayoutWrapper"]:has(iframe[title="streamlit_folium.st_folium"])
    > [data-testid="stHorizontalBlock"] { flex: 1 1 0; min-height: 0; height: 100%;
    align-items: stretch; }
[data-testid="stColumn"]:has(iframe[title="streamlit_folium.st_folium"]) {
    display: flex; flex-direction: column; }
[data-testid="stColumn"]:has(iframe[title="streamlit_folium.st_folium"])
    > [data-testid="stVerticalBlock"] { flex: 1 1 0; min-height: 0; }
[data-testid="stElementContainer"]:has(> div > iframe[title="streamlit_folium.st_folium"]) {
    flex: 1 1 0; min-height: 0; }
[data-testid="stElementContainer"]:has(> div > iframe[title="streamlit_folium.st_folium"])
    > div { height: 100%; }
iframe[title="streamlit_folium.st_folium"] { height: 100% !important; display: block;
    border-radius: 6px; }
h1 { font-size: 2.4rem !important; color: #ffffff !important; padding: 0 0 10px 0 !important;
    line-height: 1.35 !important; }
h3 { font-size: 2rem !important; color: #ffffff !important; padding: 0 0 .2rem 0 !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { white-space: normal !important;
    overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMetricLabel"] p { font-size: 24px !important; color: #cfd8dc !important;
    line-height: 1.2 !important; }
[data-testid="stMetricValue"] { font-size: 3.2rem !important; color: #ffffff !important;
    font-weight: 700 !important; }
[data-testid="stMetric"] { background: #16202a; border-radius: 8px; padding: .3rem .8rem;
    min-height: 136px; box-sizing: border-box; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
    font-size: 24px !important; color: #cfd8dc !important; line-height: 1.2 !important;
    opacity: 1 !important; }
/* The alert banner: one line, large (dashboard.alerts colours it). */
[class*="st-key-antt-alert-"] [data-testid="stAlertContainer"] p {
    font-size: 30px !important; line-height: 1.25 !important; }
/* A refresh must not dim the screen: Streamlit fades what it is redrawing. */
[data-stale="true"] { opacity: 1 !important; transition: none !important; }
.stApp p, .stApp li, .stApp span, .stApp div { color: #eceff1; }
/* The ticker: a line per event; a long line wraps under itself, nothing is cut off (and
   nothing shrinks: were the list ever taller than its column, the page would show it). */
.st-key-antt-ticker { gap: 5px !important; }
.st-key-antt-ticker > *, .st-key-antt-ticker [data-testid="stElementContainer"],
.st-key-antt-ticker [data-testid="stLayoutWrapper"] { flex-shrink: 0 !important; }
[class*="st-key-antt-tick-s"] { background: #16202a; border-radius: 6px;
    border-left: 10px solid #37474f; padding: 3px 12px; flex-shrink: 0 !important; }
[class*="st-key-antt-tick-s4-"] { border-left-color: #c62828; }
[class*="st-key-antt-tick-s3-"] { border-left-color: #ef6c00; }
[class*="st-key-antt-tick-s2-"] { border-left-color: #f9a825; }
[class*="st-key-antt-tick-s1-"] { border-left-color: #2e7d32; }
.st-key-antt-ticker [data-testid="stMarkdownContainer"] { margin-bottom: 0 !important; }
.st-key-antt-ticker p { font-size: 24px !important; line-height: 1.3 !important;
    margin: 0 !important; color: #f5f7fa !important; overflow-wrap: anywhere; }
.st-key-antt-ticker p strong { color: #ffffff; margin-right: .3em; }
</style>
"""


def wall() -> None:
    st.markdown(WALL_CSS, unsafe_allow_html=True)


# The review page's summary: a figure's name and value wrap inside their column, never cut
# ("Khẩn cấp 1 · Cao 1 · T…"); the value a little smaller than a lone number's.
REVIEW_CSS = """
<style>
.st-key-antt-review-summary [data-testid="stMetricLabel"],
.st-key-antt-review-summary [data-testid="stMetricLabel"] *,
.st-key-antt-review-summary [data-testid="stMetricValue"],
.st-key-antt-review-summary [data-testid="stMetricValue"] * {
    white-space: normal !important; overflow: visible !important;
    text-overflow: clip !important; overflow-wrap: anywhere; }
.st-key-antt-review-summary [data-testid="stMetricValue"] { font-size: 1.6rem !important;
    line-height: 1.25 !important; }
</style>
"""


# The hamlet team's phone (the field page only): every control at least 44 px tall (a
# thumb's width), no blank band above the title. Injected by that page alone, so the
# wall and the desk keep their sizes.
PHONE_CSS = """
<style>
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 3.5rem !important; }
.block-container h1 { padding-top: 0 !important; }
.stApp button { min-height: 44px !important; }
[data-testid="stRadioOption"] { min-height: 44px; align-items: center;
    margin-right: 6px; }
[data-testid="stSelectbox"] [role="group"], [data-testid="stSelectbox"] input,
[data-testid="stTextInputRootElement"], [data-testid="stTextInputField"],
.stApp select { min-height: 44px !important; }
.stApp textarea { min-height: 88px !important; }
/* The GPS watcher draws nothing: no room for it. */
.st-key-field_gps_box { position: absolute !important; height: 0 !important;
    overflow: hidden !important; }
.st-key-field_close_zone { margin-top: 28px; padding-top: 14px;
    border-top: 3px dashed #c62828; }
</style>
"""


def review() -> None:
    st.markdown(REVIEW_CSS, unsafe_allow_html=True)


def phone() -> None:
    st.html(PHONE_CSS)  # style only: Streamlit gives it no room on the page
