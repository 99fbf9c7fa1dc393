"""The web session's rules (``geo.web``) and their ASGI glue (``dashboard/server.py``),
driven in process with hand-made ASGI messages: which origins pass, the single-use ticket,
and the cookie the session route sets."""

from __future__ import annotations

import asyncio
import importlib
import sys

import pytest

from geo import web

HOST = "127.0.0.1:8611"


@pytest.mark.parametrize("origin, host, public, allowed", [
    (None, HOST, "", True),  # not a page: a program, or a same-origin GET
    ("http://127.0.0.1:8611", HOST, "", True),
    ("HTTP://127.0.0.1:8611", "127.0.0.1:8611", "", True),
    ("http://127.0.0.1:8614", HOST, "", False),  # another port: the same site, not origin
    ("http://localhost:8611", HOST, "", False),  # another name for the same server
    ("http://evil.example", HOST, "", False),
    ("null", HOST, "", False),  # a sandboxed frame, a file
    ("https://127.0.0.1:8611", HOST, "", True),  # TLS at a proxy that keeps the port
    ("https://antt.example", "antt.example", "", True),  # default port on both sides
    ("https://antt.example", "antt.example:443", "", True),
    ("http://antt.example", "antt.example:8080", "", False),
    ("https://antt.example", "127.0.0.1:8501", "", False),  # a proxy that rewrites Host …
    ("https://antt.example", "127.0.0.1:8501", "https://antt.example/", True),  # … listed
    ("https://antt.example:443", "127.0.0.1:8501", "https://antt.example", True),
    ("http://antt.example", "127.0.0.1:8501", "https://antt.example", False),  # scheme
    ("https://evil.example", "127.0.0.1:8501", "https://antt.example, http://b:81", False),
    ("http://b:81", "127.0.0.1:8501", "https://antt.example, http://b:81", True),
    ("http://[::1]:8611", "[::1]:8611", "", True),
    ("http://127.0.0.1:8611", None, "", False),
    ("http://127.0.0.1:x", HOST, "", False),
])
def test_only_the_pages_own_origin_or_a_listed_one_passes(origin, host, public, allowed):
    assert web.origin_allowed(origin, host, web.parse_origins(public)) is allowed


def test_public_url_lists_origins_as_browsers_write_them():
    assert web.parse_origins(" https://Antt.Example/board , http://10.0.0.5:8080,, ftp://x,"
                             " nonsense, https://a.example:443") == {
        "https://antt.example", "http://10.0.0.5:8080", "https://a.example"}
    assert web.parse_origins("") == frozenset()


def test_a_ticket_is_good_once_and_not_after_its_time():
    tickets = web.Tickets()
    ticket = tickets.issue("token-1")
    assert ticket != "token-1" and len(ticket) >= 32
    assert tickets.redeem("not-a-ticket") is None
    assert tickets.redeem(ticket) == "token-1"
    assert tickets.redeem(ticket) is None  # spent
    stale = web.Tickets(seconds=-1.0)  # issued already expired: no clock in the test
    assert stale.redeem(stale.issue("token-2")) is None


def test_the_session_route_lives_under_the_base_url_path():
    assert web.session_path("") == "/api/session"
    assert web.session_path("/antt/") == "/antt/api/session"


# --- dashboard/server.py, in process -------------------------------------------------------

@pytest.fixture
def server(monkeypatch):
    """``dashboard.server``; what importing it changes in this process (the IP look-ups,
    the ticket office's flag) is put back after the test."""
    from streamlit import net_util
    for name in ("get_external_ip", "get_internal_ip"):
        monkeypatch.setattr(net_util, name, getattr(net_util, name))
    monkeypatch.setattr(web.TICKETS, "served", web.TICKETS.served)
    loaded = sys.modules.get("dashboard.server")  # imported by an earlier test: again
    return importlib.reload(loaded) if loaded else importlib.import_module("dashboard.server")


def _scope(kind: str, method: str = "GET", path: str = "/_stcore/stream", **headers: str
           ) -> dict:
    scope = {"type": kind, "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "scheme": "ws" if kind == "websocket" else "http",
             "server": ("127.0.0.1", 8611), "client": ("127.0.0.1", 50000),
             "headers": [(k.replace("_", "-").lower().encode(), v.encode())
                         for k, v in headers.items()]}
    if kind == "http":
        scope["method"] = method
        scope["http_version"] = "1.1"
    return scope


def _run(app, scope: dict, body: bytes = b"") -> tuple[list[dict], bool]:
    """Messages the middleware *app(inner)* sent for *scope*, and whether it let the
    request through to *inner*."""
    sent: list[dict] = []
    reached = []
    incoming = [{"type": "websocket.connect"} if scope["type"] == "websocket"
                else {"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def inner(scope, receive, send):
        reached.append(scope)

    asyncio.run(app(inner)(scope, receive, send))
    return sent, bool(reached)


def test_middleware_refuses_another_origins_websocket_and_writes(server):
    guard = lambda inner: server.SameOriginOnly(  # noqa: E731
        inner, public=web.parse_origins("https://antt.example"))
    # Websockets: no Origin, the same origin, a listed one pass; another port does not.
    for origin, passes in ((None, True), ("http://127.0.0.1:8611", True),
                           ("https://antt.example", True), ("http://127.0.0.1:8614", False),
                           ("http://evil.example", False)):
        headers = {"host": HOST} | ({"origin": origin} if origin else {})
        sent, reached = _run(guard, _scope("websocket", **headers))
        assert reached is passes, origin
        assert sent == ([] if passes else [{"type": "websocket.close", "code": 1008}])
    # HTTP: a read from anywhere passes (nothing changes); a write only from the origin.
    foreign = {"host": HOST, "origin": "http://127.0.0.1:8614"}
    assert _run(guard, _scope("http", "GET", "/_stcore/health", **foreign))[1]
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        sent, reached = _run(guard, _scope("http", method, "/api/session", **foreign))
        assert not reached and sent[0]["status"] == 403, method
        assert "trang khác" in sent[1]["body"].decode()
    assert _run(guard, _scope("http", "POST", "/api/session", host=HOST,
                              origin="http://127.0.0.1:8611"))[1]


def _route(server, method: str, body: bytes = b"", **headers: str):
    from starlette.requests import Request
    scope = _scope("http", method, "/api/session", host=HOST, **headers)
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return asyncio.run(server.session_route(Request(scope, receive)))


def test_a_ticket_buys_an_httponly_cookie_once_and_logout_clears_it(server, monkeypatch):
    monkeypatch.setenv("ANTT_SESSION_HOURS", "8")
    ticket = web.TICKETS.issue("the-token")
    answer = _route(server, "POST", ticket.encode())
    assert answer.status_code == 204
    assert answer.headers["set-cookie"] == (
        "antt_session=the-token; Max-Age=28800; Path=/; HttpOnly; SameSite=Strict")
    assert answer.headers["cache-control"] == "no-store"
    again = _route(server, "POST", ticket.encode())  # single use
    assert again.status_code == 403 and "set-cookie" not in again.headers
    assert _route(server, "POST", b"made-up").status_code == 403
    # Behind a TLS proxy the cookie is Secure.
    secure = _route(server, "POST", web.TICKETS.issue("t2").encode(),
                    x_forwarded_proto="https")
    assert secure.headers["set-cookie"].endswith("; HttpOnly; SameSite=Strict; Secure")
    cleared = _route(server, "DELETE")
    assert cleared.status_code == 204
    assert cleared.headers["set-cookie"] == (
        "antt_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict")


def test_server_asks_nobody_for_this_machines_address(server):
    from streamlit import net_util
    assert net_util.get_external_ip() is None and net_util.get_internal_ip() is None
    assert web.TICKETS.served  # the page posts its ticket to the route
    assert server.app._resolve_script_path().name == "app.py"
