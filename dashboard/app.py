"""Dashboard entry point: theme, language, navigation, shared sidebar."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard import state  # noqa: E402
from dashboard.i18n import LANGS, t  # noqa: E402

# No page or page icons: Streamlit fetches Material-icon favicons from the internet.
st.set_page_config(page_title="ANTT", layout="wide")
state.init()

with st.sidebar:
    st.selectbox(t("app.language", state.get("lang")), LANGS, key="lang",
                 format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])

lang = state.get("lang")
pages = [
    st.Page("app_pages/live.py", title=t("nav.live", lang), url_path="live",
            default=True),
    st.Page("app_pages/incidents.py", title=t("nav.incidents", lang),
            url_path="incidents"),
]
st.navigation(pages).run()
