"""A real dashboard (streamlit in its own process) and a real headless Chromium that may
reach nothing but localhost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.processes import Served
from bench.processes import dashboard as dashboard_process
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
REFRESH_S = 2
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@dataclass
class Dashboard:
    url: str
    store: Store

    def session(self, role: str = "commander", **account) -> str:
        """A session token of a new account of *role* (what the login cookie holds)."""
        from geo import accounts

        from ..conftest import make_account
        n = len(accounts.users(self.store)) + 1
        who = make_account(self.store, role, username=account.pop("username", f"{role}{n}"),
                           **account)
        return accounts.start_session(self.store, who)


@contextmanager
def serve(db: Path | str, script: Path = ROOT / "dashboard" / "server.py", *,
          port: int | None = None, **env: str) -> Iterator[Served]:
    """The dashboard on *db* in its own streamlit process on *port* (a free one when None:
    a given one lets a test restart a killed server where the browser reconnects), with
    *env* on top of ours (a refresh every REFRESH_S seconds unless given); yields its URL,
    whose ``proc`` a test may kill. *script*: what ``antt serve`` runs, unless a test
    needs the bare ``app.py``. (bench.processes.dashboard, as the benchmarks start it.)"""
    with dashboard_process(db, script, port=port,
                           **{"ANTT_REFRESH_SECONDS": str(REFRESH_S), **env}) as url:
        yield url


def demo_db(folder: Path) -> Path:
    """A new database with the demo communes (layers only, no drill)."""
    from datetime import date
    db = folder / "antt.duckdb"
    store = Store(db)
    store.init()
    load_demo(store, at=setup_time(date(2021, 5, 23)))
    store.close()
    return db


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory) -> Iterator[Dashboard]:
    """The demo communes (layers only, no drill) served on a free port."""
    db = demo_db(tmp_path_factory.mktemp("e2e"))
    with serve(db) as url:
        yield Dashboard(url, Store(db))


@dataclass
class Browser:
    page: object
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    http_failures: list[str] = field(default_factory=list)

    def map_frame(self):
        """The iframe that holds the Leaflet map (streamlit-folium's component)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for f in self.page.frames:
                try:
                    if f.evaluate("typeof map_div !== 'undefined' && !!map_div.getCenter"):
                        return f
                except Exception:  # a frame navigating away
                    continue
            self.page.wait_for_timeout(200)  # polling interval, not an assertion
        raise AssertionError("no Leaflet map appeared")


@pytest.fixture
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install "
                    "chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    """Open a URL in a fresh page with every non-local request blocked and recorded."""
    pages = []

    def _open(url: str, width: int = 1920, height: int = 1080, *,
              session: str | None = None,
              geolocation: tuple[float, float, float] | None = None) -> Browser:
        """*session*: a token from ``Dashboard.session`` to be logged in with (the cookie
        the login page sets); without one the login page shows. *geolocation*: (lon, lat,
        accuracy in metres) the phone reports."""
        extra = {} if geolocation is None else {
            "geolocation": {"longitude": geolocation[0], "latitude": geolocation[1],
                            "accuracy": geolocation[2]}, "permissions": ["geolocation"]}
        ctx = browser.new_context(viewport={"width": width, "height": height}, **extra)
        if session:
            ctx.add_cookies([{"name": "antt_session", "value": session,
                              "url": url.split("/?")[0].split("?")[0]}])
        page = ctx.new_page()
        b = Browser(page)

        def route(r):
            u = r.request.url
            host = u.split("/")[2].split(":")[0] if "://" in u else ""
            if host in ("127.0.0.1", "localhost") or u.startswith(("data:", "blob:")):
                r.continue_()
            else:
                b.blocked.append(u)
                r.abort()

        ctx.route("**/*", route)
        # Opened at a page's own URL (/operator), Streamlit first probes
        # /operator/_stcore/{health,host-config}, gets 404, and falls back to the root:
        # its base-path discovery, not a failure. Every other 4xx/5xx counts.
        def probe(url: str) -> bool:
            return "/_stcore/health" in url or "/_stcore/host-config" in url

        def on_response(r) -> None:
            if r.status >= 400 and not (r.status == 404 and probe(r.url)):
                b.errors.append(f"HTTP {r.status} {r.url}")
                b.http_failures.append(r.url)

        page.on("response", on_response)
        page.on("console", lambda m: b.errors.append(m.text) if m.type == "error" and not (
            "404" in m.text and probe(m.location.get("url", ""))) else None)
        page.on("pageerror", lambda e: b.errors.append(str(e)))
        page.on("dialog", lambda d: (b.dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        pages.append(ctx)
        return b

    yield _open
    for ctx in pages:
        ctx.close()
