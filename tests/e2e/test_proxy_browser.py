"""The README's deployment, run: the repo's nginx config (docs/province/nginx-antt.conf) in
front of two dashboard processes on one PostgreSQL database. Each browser sticks to one
process (the websocket and every request), browsers spread over the processes, and a write
reaches a page served through the proxy."""

from __future__ import annotations

import os
import re
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from bench.processes import free_port, start, stop
from geo import incidents as inc
from geo.drills.demo import load_demo
from geo.drills.simulate import setup_time
from geo.store import Store

from ..conftest import new_pg_database
from .conftest import ROOT, Dashboard, serve
from .test_live_browser import _settled

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONF = ROOT / "docs" / "province" / "nginx-antt.conf"


def nginx_conf(site: str, upstreams: list[str], port: int, folder: Path) -> str:
    """The repo's site config with the test's upstream ports and listen port, a header
    naming the process that answered (for this test only), inside a minimal main config."""
    site = re.sub(r"\n    server 127\.0\.0\.1:\d+;", "", site)
    site = site.replace("    hash $antt_route consistent;",
                        "    hash $antt_route consistent;"
                        + "".join(f"\n    server {u};" for u in upstreams))
    assert "listen 80;" in site and "proxy_buffering off;" in site
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("proxy_buffering off;", "proxy_buffering off;\n        "
                        "add_header X-Antt-Upstream $upstream_addr always;")
    temp = " ".join(f"{k}_temp_path {folder / k};" for k in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # its temp folder is ours (0700)
    return (f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'};\nevents {{}}\n"
            f"http {{\naccess_log {folder / 'access.log'};\n{temp}\n{site}\n}}\n")


@contextmanager
def nginx(upstreams: list[str]) -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="antt-nginx-"))
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(CONF.read_text(), upstreams, port, folder))
    url = start(["nginx", "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
                f"http://127.0.0.1:{port}", "nginx", timeout=30)
    try:
        yield url
    finally:
        stop(url.proc, timeout=20)


def _get(url: str, route: str | None) -> tuple[str, str]:
    """The process that answered, and the route cookie nginx set."""
    req = urllib.request.Request(url + "/_stcore/health")
    if route:
        req.add_header("Cookie", f"antt_route={route}")
    with urllib.request.urlopen(req, timeout=10) as r:
        cookie = " ".join(r.headers.get_all("Set-Cookie") or [])
        return r.headers["X-Antt-Upstream"], cookie


@pytest.fixture(scope="module")
def province(tmp_path_factory, request):
    """Two dashboard processes on one PostgreSQL database with the demo, behind nginx."""
    url = new_pg_database(request.getfixturevalue("pg_server"))
    store = Store(url)
    store.init()
    load_demo(store, at=setup_time(date(2021, 5, 23)))
    with serve(url) as one, serve(url) as two:
        ups = [u.removeprefix("http://") for u in (one, two)]
        with nginx(ups) as proxy:
            yield Dashboard(proxy, store), ups
    store.close()


def test_each_route_sticks_to_one_process_and_routes_spread(province):
    dash, ups = province
    first, cookie = _get(dash.url, None)
    assert re.search(r"antt_route=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Lax", cookie), cookie
    answered = {}
    for k in range(20):
        route = f"browser-{k}"
        answered[route] = _get(dash.url, route)[0]
        assert _get(dash.url, route)[0] == answered[route]  # the same process every time
    assert set(answered.values()) == set(ups)  # and both processes get browsers


def test_a_browser_through_the_proxy_stays_on_one_process_and_sees_writes(province,
                                                                          open_page):
    dash, ups = province
    upstreams: list[str] = []
    b = open_page(dash.url + "/", session=dash.session("viewer"))
    b.page.on("response", lambda r: upstreams.append(r.headers.get("x-antt-upstream", "")))
    b.page.reload()
    _settled(b)
    answered = {u for u in upstreams if u}
    assert len(answered) == 1 and answered <= set(ups), answered
    route = [c["value"] for c in b.page.context.cookies() if c["name"] == "antt_route"]
    assert len(route) == 1 and len(route[0]) == 32

    site = dash.store.frame("site").iloc[0]
    row = inc.report(dash.store, kind="gathering", severity=2, lon=float(site["lon"]),
                     lat=float(site["lat"]), source="hamlet_team", actor="e2e",
                     description="Tụ tập")
    selector = f".antt-incident[data-id='{row['id']}']"
    b.map_frame().wait_for_selector(selector, state="attached", timeout=60_000)
    assert b.errors == [] and b.blocked == []
    assert {u for u in upstreams if u} == answered  # the websocket's process all along
