"""Dashboard entry point: theme, language, wall mode, the shared filters, navigation."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard import auth, chrome, data, filters, guard, state, theme  # noqa: E402
from dashboard.i18n import LANGS, label, t  # noqa: E402
from geo import accounts  # noqa: E402
from geo.analysis.places import commune_labels, commune_notes_2025  # noqa: E402
from geo.view import View, account_scope  # noqa: E402

# No page or page icons: Streamlit fetches Material-icon favicons from the internet.
st.set_page_config(page_title="ANTT", layout="wide",
                   initial_sidebar_state="collapsed" if st.query_params.get("wall") else "auto")
state.init()
wall = st.query_params.get("wall") in ("1", "true")
if st.query_params.get("lang") in LANGS:
    state.set("lang", st.query_params["lang"])
lang = state.get("lang")
chrome.vietnamese(lang)

layers = account = None
with guard.page_errors(lang, retry=data.layers):
    layers = data.layers()
    account = auth.current()
if layers is None:  # the database did not answer: the notice is on the page
    st.stop()
auth.cookie_script()
if account is None:
    auth.login_page(lang)  # stops here
communes = commune_labels(layers["communes"])  # name, or name (district, province)
scope = account_scope(account, communes)
if not account.all_communes:
    communes = {c: communes[c] for c in scope}
hamlets = {c: (n, cc) for c, n, cc in zip(layers["hamlets"]["code"], layers["hamlets"]["name"],
                                           layers["hamlets"]["commune_code"], strict=True)}
if wall or account.via == "wall_token":
    theme.wall()
    view = View.from_params(st.query_params.to_dict())
else:
    with st.sidebar:
        st.selectbox(t("app.language", lang), LANGS, key="lang",
                     format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])
        lang = state.get("lang")
        st.caption(t("auth.signed_in", lang, name=account.display_name,
                     role=label("role", account.role, lang)))
        st.button(t("auth.logout", lang), key="logout", on_click=auth.logout)
        st.toggle(t("alert.sound", lang), key="alert_sound")
    # A hamlet team's phone needs no filters: its page knows its team and site.
    view = filters.sidebar(communes, hamlets, lang, scoped=bool(scope),
                           notes=commune_notes_2025(layers["communes"])) \
        if account.role != "field" else View()
view.narrow(scope)
state.set("view", view)


def _page(path: str, name: str, **kw) -> st.Page:
    return st.Page(f"app_pages/{path}.py", title=t(f"nav.{name}", lang),
                   url_path=kw.pop("url_path", path), **kw)


def _home(path: str) -> list[st.Page]:
    """The role's first page at "/" and, hidden from the menu, the same page at "/<path>":
    Streamlit serves its default page only at "/", so a bookmarked or typed "/live" opened
    a "page not found" dialog."""
    return [_page(path, path, default=True, url_path=f"{path}-home"),
            _page(path, path, visibility="hidden")]


# Each role sees only its pages: a page not in the list cannot be opened, even by URL.
if account.via == "wall_token":
    pages = _home("live")
elif account.role == "field":
    pages = _home("field")
else:
    pages = _home("live")
    if accounts.may(account, "incident.report"):
        pages.append(_page("operator", "operator"))
    pages += [_page(p, p) for p in ("board", "sites", "teams", "review", "incidents",
                                    "calendar", "complaints", "reports")]
    if accounts.may(account, "audit.read"):
        pages.append(_page("audit", "audit"))
page = st.navigation(pages, position="hidden" if view.wall else "sidebar")
with guard.page_errors(lang, retry=data.layers):
    page.run()
