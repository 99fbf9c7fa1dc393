"""The web session's rules: which origins may use the dashboard, and the single-use tickets
that move a login's session token from the page into an HttpOnly cookie.

A login happens inside the websocket (a Streamlit form), but a websocket cannot set a
cookie, and a cookie set by page JavaScript can be read by page JavaScript. So the page
gets a *ticket*, good once and for a minute, and posts it to the server's session route
(``dashboard/server.py``), which answers with the HttpOnly cookie. The token itself never
reaches the page.

Another port on the same host is the same *site* (a SameSite=Strict cookie goes along)
but not the same *origin*; the origin check is what keeps a page on another port out.
Pure Python, no Streamlit: the ASGI glue is in ``dashboard/server.py``.
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlsplit

__all__ = ["COOKIE", "SESSION_ROUTE", "TICKET_SECONDS", "Tickets", "TICKETS", "parse_origins",
           "origin_allowed", "session_path"]

COOKIE = "antt_session"  # the session cookie's name
SESSION_ROUTE = "api/session"
TICKET_SECONDS = 60.0
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def session_path(base_url_path: str = "") -> str:
    """The session route's path under Streamlit's ``server.baseUrlPath``."""
    base = base_url_path.strip("/")
    return f"/{base}/{SESSION_ROUTE}" if base else f"/{SESSION_ROUTE}"


def _origin(text: str) -> str | None:
    """``scheme://host[:port]`` as a browser writes it in ``Origin`` (lower case, no
    default port), or None when *text* is not an http(s) URL."""
    parts = urlsplit(text.strip().lower())
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:  # not a number
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = _DEFAULT_PORTS[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and str(port) != default else "")


def parse_origins(text: str) -> frozenset[str]:
    """The origins of a comma-separated list of URLs (``ANTT_PUBLIC_URL``); a path is
    ignored, an entry that is not an http(s) URL is dropped."""
    return frozenset(o for o in (_origin(p) for p in text.split(",") if p.strip()) if o)


def origin_allowed(origin: str | None, host: str | None,
                   public: frozenset[str] = frozenset()) -> bool:
    """May a request with this ``Origin`` header use the app reached at this ``Host``?

    No Origin: yes (not a browser page, or a same-origin GET). Otherwise its host and
    port must be the request's ``Host`` (the default port of the origin's scheme when
    ``Host`` has none), or the origin must be one of *public* (the addresses the app is
    published under behind a proxy that rewrites ``Host``). ``Origin: null`` (a sandboxed
    frame, a file) is refused.
    """
    if origin is None:
        return True
    mine = _origin(origin)
    if mine is None:
        return False
    if mine in public:
        return True
    if not host:
        return False
    scheme = mine.split(":", 1)[0]
    return _origin(f"{scheme}://{host}") == mine


class Tickets:
    """Single-use, short-lived tickets for session tokens, kept in this process only.

    Thread-safe: tickets are issued from script threads and redeemed on the event loop.
    """

    def __init__(self, seconds: float = TICKET_SECONDS) -> None:
        self.seconds = seconds
        self.served = False  # set by dashboard/server.py: the route exists in this process
        self._lock = threading.Lock()
        self._open: dict[str, tuple[str, float]] = {}

    def issue(self, token: str) -> str:
        """A new ticket for *token*, good once within ``seconds``."""
        ticket = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._lock:
            self._open = {k: v for k, v in self._open.items() if v[1] > now}
            self._open[ticket] = (token, now + self.seconds)
        return ticket

    def redeem(self, ticket: str) -> str | None:
        """The token of *ticket* if it is open and fresh; either way it is spent."""
        with self._lock:
            token, until = self._open.pop(ticket, (None, 0.0))
        return token if token is not None and until > time.monotonic() else None


TICKETS = Tickets()  # the process's one ticket office
