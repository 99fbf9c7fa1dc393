"""Who is looking: the login page, the session cookie that survives F5, wall-screen tokens.

The rules (roles, scope, lockout) live in ``geo.accounts``; this module only asks for
a name and password, keeps the session token in a cookie, and re-checks the session
on every run, so a logout elsewhere, a disabled account or a revoked wall token takes
effect at the next refresh.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboard import data, state
from dashboard.i18n import LANGS, t
from geo import accounts, web
from geo.accounts import Account, LoginFailed
from geo.errors import StoreBusy

__all__ = ["current", "login_page", "logout", "cookie_script", "fragment"]

COOKIE = web.COOKIE


def current() -> Account | None:
    """The account of this browser session, checked against the database now."""
    store = data.store()
    token = st.query_params.get("token")
    if token:  # a wall screen: its token, every run (a revoked one is out at once)
        account = accounts.wall_account(store, token)
    else:
        session = state.get("session_token") or st.context.cookies.get(COOKIE)
        account = accounts.session_account(store, session)
        state.set("session_token", session if account else None)
        if account is None and _sso_configured() and st.user.is_logged_in:
            account = accounts.sso_account(st.user.to_dict())
            if account is not None and state.get("account") is None:
                accounts.note_sso_login(store, account)
    state.set("account", account)
    return account


def fragment(run_every: float | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``st.fragment(run_every=...)`` whose every run first asks whether the session is
    still open. A fragment reruns alone, without ``app.py``'s check: without this, a tab
    left open after a logout, a disabled account or a password change would go on
    receiving data. An ended session reruns the whole app, which shows the login page.
    A busy database is not an ended session: the fragment's own notice handles it."""
    def wrap(body: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(body)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not _still_open():
                st.rerun(scope="app")
            return body(*args, **kwargs)
        return st.fragment(checked, run_every=run_every)
    return wrap


def _still_open() -> bool:
    account = state.get("account")
    if account is None:
        return False
    try:
        return accounts.still_open(data.store(), account)
    except StoreBusy:
        return True


def _sso_configured() -> bool:
    """Single sign-on is on when ``.streamlit/secrets.toml`` has an ``[auth]`` section
    (Streamlit's OIDC settings); local accounts stay, the office may be offline."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def login_page(lang: str) -> None:
    """The login form (Vietnamese, with an English switch). Stops the script."""
    with st.columns([1, 2, 1])[1]:  # a form of reading width, also on a wall screen
        _login_form(lang)
    st.stop()


def _login_form(lang: str) -> None:
    st.selectbox(t("app.language", lang), LANGS, key="lang",
                 format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])
    lang = state.get("lang")
    st.title(t("login.title", lang))
    if accounts.needs_bootstrap(data.store()):
        st.info(t("login.no_accounts", lang))
    if st.query_params.get("token"):
        st.warning(t("login.wall_token_invalid", lang))
    with st.form("login", enter_to_submit=True):
        username = st.text_input(t("login.username", lang), key="login_username",
                                 max_chars=100, autocomplete="username")
        password = st.text_input(t("login.password", lang), type="password",
                                 key="login_password", max_chars=1024,
                                 autocomplete="current-password")
        sent = st.form_submit_button(t("login.submit", lang), type="primary")
    if sent:
        try:
            # The client's address (behind the province's nginx, uvicorn takes it from
            # X-Forwarded-For, trusted from 127.0.0.1 only): a lock belongs to it.
            account = accounts.login(data.store(), username, password,
                                     source=st.context.ip_address or "localhost")
        except LoginFailed:
            st.error(t("login.failed", lang))
            st.stop()
        token = accounts.start_session(data.store(), account)
        state.set("session_token", token)
        state.set("account", accounts.session_account(data.store(), token))
        state.set("cookie_pending", token)
        st.rerun()
    if _sso_configured():
        st.button(t("login.sso", lang), key="login_sso", on_click=st.login)
    st.caption(t("login.hint", lang))


def logout() -> None:
    """End the account's sessions everywhere and forget it here."""
    account = state.get("account")
    if account is not None and account.via == "password":
        accounts.logout(data.store(), account)
    if account is not None and account.via == "sso":
        st.logout()
    state.set("account", None)
    state.set("session_token", None)
    state.set("cookie_pending", "")  # "" clears the cookie


def cookie_script() -> None:
    """Once after a login or logout, have the page set (or clear) the session cookie.

    The cookie is HttpOnly, so page JavaScript can neither set nor read it: the page posts
    a single-use ticket for the token to the server's session route (``dashboard/server.py``)
    and the answer sets the cookie; at logout it asks the route to clear it. Without that
    route (plain ``streamlit run dashboard/app.py``, AppTest) the login lives only in this
    tab's Streamlit session: F5 starts a new session and shows the login page again.
    """
    pending = state.get("cookie_pending")
    if pending is None:
        return
    state.set("cookie_pending", None)
    if not web.TICKETS.served:
        return
    path = web.session_path(st.get_option("server.baseUrlPath") or "")
    # Both values are URL-safe base64 or a constant path: nothing to quote.
    body = f"method: 'POST', body: '{web.TICKETS.issue(pending)}'" if pending else \
        "method: 'DELETE'"
    st.html(f"<script>fetch('{path}', {{{body}, credentials: 'same-origin'}})"
            ".catch(() => {});</script>", unsafe_allow_javascript=True)
