"""Nothing goes out: the dashboard, driven in a real browser, never tries to reach a host
that is not this machine, neither from the server nor from the page.

The server process runs with ``tests/outbound.py`` as its ``sitecustomize``: an audit
hook that records (and fails) every connect, datagram, name lookup or urllib request to a
non-loopback host. The browser reaches only localhost: every other request is recorded
and aborted (the ``open_page`` fixture). A user logs in through the form and opens every
page; websockets knock with a foreign Origin and with the published one
(``ANTT_PUBLIC_URL``), either of which made Streamlit ask checkip.amazonaws.com for this
machine's public address. Both records must stay empty.
The second test is the tripwire's own check: the bare ``app.py`` (no ``server.py``) makes
that very look-up, and the record shows it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from geo import accounts
from geo import incidents as inc
from geo.i18n import message
from geo.store import Store

from .. import outbound
from .conftest import ROOT, demo_db, serve
from .test_accounts_browser import PASSWORD, _log_in
from .test_origin_browser import _ws_status

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 60_000
PAGES = {"operator": "op.title", "board": "board.title", "sites": "sites.title",
         "teams": "teams.title", "review": "review.title", "incidents": "incidents.title",
         "audit": "audit.title"}


def _tripwire(folder: Path) -> tuple[dict[str, str], Path]:
    """The environment that puts the tripwire in a server process, and its record."""
    site = folder / "site"
    site.mkdir()
    shutil.copy(outbound.__file__, site / "sitecustomize.py")
    record = folder / "outbound.jsonl"
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)
    # NO_PROXY: a proxy on this machine would turn an outside request into a local one.
    return {"PYTHONPATH": path, "ANTT_TEST_OUTBOUND": str(record), "NO_PROXY": "*",
            "no_proxy": "*"}, record


def _attempts(record: Path) -> list[dict]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]


def test_nothing_goes_out_from_server_or_browser(tmp_path, open_page):
    db = demo_db(tmp_path)
    store = Store(db)
    accounts.add_user(store, "setup", username="cb-offline", role="commander",
                      password=PASSWORD, display_name="Chỉ huy")
    site = store.frame("site").iloc[0]
    inc.report(store, kind="gathering", severity=3, lon=float(site["lon"]),
               lat=float(site["lat"]), source="hamlet_team", actor="e2e",
               description="Tụ tập đông người")
    store.close()
    env, record = _tripwire(tmp_path)
    with serve(db, ANTT_PUBLIC_URL="https://antt.example", **env) as url:
        b = open_page(url + "/")
        page = b.page
        page.get_by_role("heading", name="Đăng nhập — ANTT bầu cử").wait_for(timeout=TIMEOUT)
        assert _log_in(page, "cb-offline").status == 204
        page.get_by_role("heading", name=re.compile(re.escape(message("live.title")))
                         ).wait_for(timeout=TIMEOUT)
        b.map_frame()  # the live map, with Leaflet and its plugins
        for path, title in PAGES.items():
            page.goto(f"{url}/{path}")
            page.get_by_role("heading", name=message(title)).wait_for(timeout=TIMEOUT)
        # A page from elsewhere knocks: refused before Streamlit sees it. The published
        # address passes ours, then Streamlit checks it by host name, where it would ask
        # the internet for this machine's address first (server.py stops that).
        assert _ws_status(url, "http://evil.example") == 403
        assert _ws_status(url, "https://antt.example") == 101
        page.reload()
        page.get_by_role("heading", name=message("audit.title")).wait_for(timeout=TIMEOUT)
    attempts = _attempts(record)
    assert [(a["event"], a["target"]) for a in attempts] == [], attempts
    assert b.blocked == []
    assert b.errors == []


def test_the_tripwire_catches_streamlits_own_ip_lookup(tmp_path):
    """Without server.py a foreign Origin makes Streamlit look up checkip.amazonaws.com
    (and "connect" to 8.8.8.8): the tripwire must see it, or the test above proves
    nothing."""
    env, record = _tripwire(tmp_path)
    with serve(demo_db(tmp_path), script=ROOT / "dashboard" / "app.py", **env) as url:
        assert _ws_status(url, "http://evil.example") == 403  # Streamlit's own check
    targets = {a["target"] for a in _attempts(record)}
    assert "checkip.amazonaws.com" in targets and "8.8.8.8:1" in targets, targets
