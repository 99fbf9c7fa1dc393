"""Dashboard entry point: theme, language, wall mode, the shared filters, navigation."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard import data, filters, guard, state, theme  # noqa: E402
from dashboard.i18n import LANGS, t  # noqa: E402

# No page or page icons: Streamlit fetches Material-icon favicons from the internet.
st.set_page_config(page_title="ANTT", layout="wide",
                   initial_sidebar_state="collapsed" if st.query_params.get("wall") else "auto")
state.init()
wall = st.query_params.get("wall") in ("1", "true")
if st.query_params.get("lang") in LANGS:
    state.set("lang", st.query_params["lang"])
lang = state.get("lang")

layers = None
with guard.page_errors(lang, retry=data.layers):
    layers = data.layers()
if layers is None:  # the database did not answer: the notice is on the page
    st.stop()
communes = dict(zip(layers["communes"]["code"], layers["communes"]["name"], strict=True))
hamlets = {c: (n, cc) for c, n, cc in zip(layers["hamlets"]["code"], layers["hamlets"]["name"],
                                           layers["hamlets"]["commune_code"], strict=True)}
if wall:
    theme.wall()
    view = filters.from_url(st.query_params.to_dict())
else:
    with st.sidebar:
        st.selectbox(t("app.language", lang), LANGS, key="lang",
                     format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])
        lang = state.get("lang")
        # Until accounts exist: a name or call sign, once per session, on every write.
        st.text_input(t("actor.label", lang), key="actor", max_chars=64,
                      placeholder=t("actor.hint", lang))
    view = filters.sidebar(communes, hamlets, lang)
state.set("view", view)

pages = [
    st.Page("app_pages/live.py", title=t("nav.live", lang), url_path="live", default=True),
    st.Page("app_pages/operator.py", title=t("nav.operator", lang), url_path="operator"),
    st.Page("app_pages/board.py", title=t("nav.board", lang), url_path="board"),
    st.Page("app_pages/sites.py", title=t("nav.sites", lang), url_path="sites"),
    st.Page("app_pages/teams.py", title=t("nav.teams", lang), url_path="teams"),
    st.Page("app_pages/field.py", title=t("nav.field", lang), url_path="field"),
    st.Page("app_pages/review.py", title=t("nav.review", lang), url_path="review"),
    st.Page("app_pages/incidents.py", title=t("nav.incidents", lang), url_path="incidents"),
]
page = st.navigation(pages, position="hidden" if wall else "sidebar")
with guard.page_errors(lang, retry=data.layers):
    page.run()
