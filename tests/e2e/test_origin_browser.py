"""Only the dashboard's own origin can use a session (dashboard/server.py), run for real.

The attack: with an operator logged in on the dashboard, a page served from another port
of the same host (the same *site*, so a SameSite=Strict cookie goes along) opened the
dashboard's websocket, read the board and dispatched a team; and page JavaScript could
read the session cookie. Here that page is served by a tiny HTTP server on a second port,
in the same browser as a real login; the websocket must be refused and the cookie must
be out of its reach. A plain websocket client checks the rule itself: the same origin
and an ``ANTT_PUBLIC_URL`` origin pass, any other gets 403 before Streamlit sees it.
"""

from __future__ import annotations

import http.server
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bench.processes import free_port, start
from geo import accounts
from geo.i18n import message
from geo.store import Store

from .conftest import Dashboard, demo_db, serve
from .test_accounts_browser import PASSWORD, _log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PUBLIC = "https://antt.example, http://desk.example:8080"
TIMEOUT = 30_000
LOGIN = "Đăng nhập — ANTT bầu cử"

# What the hostile page does: read the cookies it can, open the dashboard's websocket,
# and report whether it opened (a promise the test awaits: an event, not a sleep).
PROBE = """(url) => new Promise((resolve) => {
    const out = {cookie: document.cookie, ws: null};
    const ws = new WebSocket(url, ["streamlit"]);
    ws.onopen = () => { out.ws = "open"; ws.close(); resolve(out); };
    ws.onclose = (e) => { out.ws = out.ws || "refused " + e.code; resolve(out); };
})"""


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Iterator[Dashboard]:
    """The demo served with two public addresses listed (as behind a proxy)."""
    db = demo_db(tmp_path_factory.mktemp("origin"))
    with serve(db, ANTT_PUBLIC_URL=PUBLIC) as url:
        yield Dashboard(url, Store(db))


@contextmanager
def hostile_site() -> Iterator[str]:
    """Another origin on this host: a page with nothing on it, on a free port."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = b"<!doctype html><title>evil</title><p>nothing to see</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _ws_status(url: str, origin: str | None) -> int:
    """101 when the dashboard's websocket opens for *origin*, else the HTTP status.
    (The sync client: Playwright's sync API already runs an event loop here.)"""
    try:
        with connect(url.replace("http://", "ws://") + "/_stcore/stream", origin=origin,
                     subprotocols=["streamlit"], open_timeout=30):
            return 101
    except InvalidStatus as e:
        return e.response.status_code


def _post(url: str, path: str, origin: str, method: str = "POST") -> tuple[int, str]:
    req = urllib.request.Request(url + path, data=b"x", method=method,
                                 headers={"Origin": origin})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _add(store: Store, name: str, role: str) -> None:
    accounts.add_user(store, "setup", username=name, role=role, password=PASSWORD,
                      display_name=name.upper())
    store.close()  # let the dashboard process have the file


def test_websocket_only_for_the_same_origin_or_a_public_one(published):
    url = published.url
    port = url.rsplit(":", 1)[1]
    assert _ws_status(url, None) == 101  # a program, not a page
    assert _ws_status(url, url) == 101  # the page's own origin
    assert _ws_status(url, "https://antt.example") == 101  # ANTT_PUBLIC_URL
    assert _ws_status(url, "http://desk.example:8080") == 101
    for origin in (f"http://127.0.0.1:{int(port) + 1}", f"http://localhost:{port}",
                   "http://evil.example", "https://desk.example:8080", "null"):
        assert _ws_status(url, origin) == 403, origin


def test_writes_from_another_origin_are_refused(published):
    url = published.url
    other = f"http://127.0.0.1:{int(url.rsplit(':', 1)[1]) + 1}"
    refused = message("web.cross_origin")
    assert _post(url, "/api/session", other) == (403, refused)
    assert _post(url, "/api/session", other, "DELETE") == (403, refused)
    assert _post(url, "/_stcore/upload_file/x/y", other, "PUT") == (403, refused)
    # The same origin reaches the route, which wants a real ticket.
    assert _post(url, "/api/session", url) == (403, message("web.ticket_invalid"))


def test_login_sets_an_httponly_cookie_f5_keeps_it_logout_clears_it(published, open_page):
    _add(published.store, "tb-origin", "operator")
    b = open_page(published.url + "/")
    page = b.page
    page.get_by_role("heading", name=LOGIN).wait_for(timeout=TIMEOUT)
    posted = _log_in(page, "tb-origin")
    assert posted.status == 204
    assert posted.header_value("set-cookie") == (
        f"antt_session={_cookie(page)['value']}; Max-Age={12 * 3600}; Path=/; HttpOnly; "
        "SameSite=Strict")
    cookie = _cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert accounts.session_account(published.store, cookie["value"]).username == "tb-origin"
    published.store.close()
    assert "antt_session" not in page.evaluate("document.cookie")  # out of scripts' reach
    page.get_by_text("Đăng nhập: TB-ORIGIN").wait_for(timeout=TIMEOUT)
    page.reload()  # F5: a new Streamlit session, the same login
    page.get_by_text("Đăng nhập: TB-ORIGIN").wait_for(timeout=TIMEOUT)
    with page.expect_response(lambda r: r.url.endswith("/api/session")
                              and r.request.method == "DELETE", timeout=TIMEOUT) as cleared:
        page.get_by_role("button", name="Đăng xuất").click()
    assert cleared.value.status == 204
    assert _cookie(page) is None
    page.reload()
    page.get_by_role("heading", name=LOGIN).wait_for(timeout=TIMEOUT)
    assert b.errors == [] and b.blocked == []


def _cookie(page) -> dict | None:
    found = [c for c in page.context.cookies() if c["name"] == "antt_session"]
    return found[0] if found else None


def test_a_page_on_another_port_cannot_use_the_session(published, open_page):
    _add(published.store, "tb-victim", "operator")
    b = open_page(published.url + "/")
    page = b.page
    page.get_by_role("heading", name=LOGIN).wait_for(timeout=TIMEOUT)
    assert _log_in(page, "tb-victim").status == 204
    page.get_by_text("Đăng nhập: TB-VICTIM").wait_for(timeout=TIMEOUT)
    ws_url = published.url.replace("http://", "ws://") + "/_stcore/stream"
    # The probe itself works: from the dashboard's own page the socket opens.
    assert page.evaluate(PROBE, ws_url)["ws"] == "open"
    # A cookie without HttpOnly would be readable there: cookies belong to the host,
    # whatever the port.
    page.context.add_cookies([{"name": "plain", "value": "1", "url": published.url}])
    with hostile_site() as evil:
        hostile = page.context.new_page()  # the same browser, so the same cookie jar
        hostile.goto(evil + "/")
        got = hostile.evaluate(PROBE, ws_url)
    assert got["ws"].startswith("refused"), got  # 403 at the handshake: closed, code 1006
    assert "plain=1" in got["cookie"] and "antt_session" not in got["cookie"], got
    assert _cookie(page)["httpOnly"]
    # The refused attempt left the user's own page logged in and working.
    page.reload()
    page.get_by_text("Đăng nhập: TB-VICTIM").wait_for(timeout=TIMEOUT)


def test_antt_serve_runs_the_guarded_server(tmp_path):
    """What an office runs, `antt serve`, has the origin check and the session route."""
    db = demo_db(tmp_path)
    port = free_port()
    url = start([sys.executable, "-m", "geo.cli", "--db", str(db), "serve", "--port", str(port)],
                f"http://127.0.0.1:{port}", "antt serve", env={"ANTT_ADDRESS": "127.0.0.1"},
                start_new_session=True)  # antt and its streamlit: one process group
    proc = url.proc
    try:
        assert _ws_status(url, url) == 101
        assert _ws_status(url, "http://evil.example") == 403
        assert _post(url, "/api/session", url) == (403, message("web.ticket_invalid"))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
