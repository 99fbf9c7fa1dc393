"""The dashboard as an ASGI app (``streamlit run dashboard/server.py``, what ``antt serve``
runs): Streamlit's server with two additions the plain ``app.py`` cannot have.

* Only the page's own origin may use it: a websocket, or a request that changes
  something, whose ``Origin`` is not the ``Host`` it was sent to (nor one of
  ``ANTT_PUBLIC_URL``) is refused before Streamlit sees it. Streamlit's own check
  compares host names only, so a page on another port of the same host got in, and the
  browser sent it the session cookie (another port is the same *site*).
* The session cookie is HttpOnly: the page exchanges a single-use ticket (``geo.web``) at
  ``POST /api/session`` for a ``Set-Cookie``; ``DELETE`` clears it at logout. Page
  JavaScript never sees the token.
* Streamlit's JavaScript and CSS (and our vendored Leaflet) go out gzip-compressed, each
  file compressed once (``dashboard.compress``; ``ANTT_COMPRESS=0`` turns it off).

Run as plain ``streamlit run dashboard/app.py`` (or AppTest) there is no route: a login
then lasts as long as the tab's Streamlit session (see ``dashboard.auth.cookie_script``).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

# `streamlit run dashboard/server.py` puts dashboard/ on sys.path, not the project root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402
from starlette.datastructures import Headers  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402
from starlette.types import ASGIApp, Receive, Scope, Send  # noqa: E402
from streamlit import config, net_util  # noqa: E402

from dashboard.compress import StaticGzip  # noqa: E402
from geo import settings, web  # noqa: E402
from geo.i18n import message  # noqa: E402

__all__ = ["app", "SameOriginOnly", "session_route"]

log = logging.getLogger(__name__)

_SAFE_METHODS = frozenset({"GET", "HEAD"})

# Streamlit asks checkip.amazonaws.com for this machine's public address, and "connects"
# a UDP socket to 8.8.8.8 to learn its LAN address, whenever a websocket's Origin is not
# its Host (after our check: an ANTT_PUBLIC_URL origin behind a proxy that rewrites Host)
# and for its start-up banner (which runs before this module is imported: `antt serve`
# avoids it). A commune office has no internet and we send nothing out; neither address
# is needed to decide an origin.
net_util.get_external_ip = lambda: None
net_util.get_internal_ip = lambda: None


class SameOriginOnly:
    """Pure ASGI middleware: refuse a websocket, or an HTTP request other than GET/HEAD,
    whose ``Origin`` is not the request's own ``Host`` nor one of *public*.

    A request without ``Origin`` passes (a program, not a page; browsers always send it
    on websockets and on cross-origin POSTs). A refused websocket gets HTTP 403 (closed
    before it is accepted); a refused request gets 403 with a short message.
    """

    def __init__(self, app: ASGIApp, public: frozenset[str] | None = None) -> None:
        self.app = app
        self.public = (web.parse_origins(settings.get("public_url")) if public is None
                       else public)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket" or kind == "http" and scope["method"] not in _SAFE_METHODS:
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            if not web.origin_allowed(origin, headers.get("host"), self.public):
                log.warning("refused a cross-origin %s %s from %r (Host %r)", kind,
                            scope.get("path"), origin, headers.get("host"))
                if kind == "websocket":
                    await receive()  # websocket.connect
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await PlainTextResponse(message("web.cross_origin"), status_code=403)(
                        scope, receive, send)
                return
        await self.app(scope, receive, send)


def _https(request: Request) -> bool:
    """Did the browser use https (directly, or to the proxy in front)?"""
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme in ("https", "wss") or proto == "https"


def _set_cookie(request: Request, token: str, max_age: int) -> Response:
    cookie = (f"{web.COOKIE}={token}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict"
              + ("; Secure" if _https(request) else ""))
    return Response(status_code=204, headers={"Set-Cookie": cookie,
                                              "Cache-Control": "no-store"})


async def session_route(request: Request) -> Response:
    """POST a ticket: the HttpOnly session cookie for its token. DELETE: clear it."""
    if request.method == "DELETE":
        return _set_cookie(request, "", 0)
    ticket = (await request.body())[:200].decode("ascii", "replace").strip()
    token = web.TICKETS.redeem(ticket)
    if token is None:
        return PlainTextResponse(message("web.ticket_invalid"), status_code=403,
                                 headers={"Cache-Control": "no-store"})
    return _set_cookie(request, token, int(settings.get("session_hours") * 3600))


def _allow_public_origins() -> None:
    """Streamlit checks a websocket's origin again after us, by host name: the addresses
    of ANTT_PUBLIC_URL must pass there too (behind a proxy that rewrites ``Host``)."""
    public = web.parse_origins(settings.get("public_url"))
    if public:
        known = list(config.get_option("server.corsAllowedOrigins") or [])
        config.set_option("server.corsAllowedOrigins", known + sorted(public - set(known)),
                          "ANTT_PUBLIC_URL")


_allow_public_origins()
web.TICKETS.served = True
# Absolute: a relative path resolves against the launcher under `streamlit run` but
# against the working directory under uvicorn.
_MAIN = Path(__file__).with_name("app.py")
app = st.App(
    _MAIN,
    routes=[Route(web.session_path(config.get_option("server.baseUrlPath") or ""),
                  session_route, methods=["POST", "DELETE"])],
    middleware=[Middleware(SameOriginOnly)]
    + ([Middleware(StaticGzip, main_script=_MAIN)] if settings.get("compress") else []),
)
