"""Streamlit's bundles go out gzip-compressed (``dashboard.compress``), run for real: the
login page in Chromium gets its main bundle with ``Content-Encoding: gzip`` and works (the
form appears); a client that does not accept gzip gets the file's own bytes; a path that
climbs out of the static folder is not served."""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit import file_util

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000
STATIC = Path(file_util.get_static_dir())
# The main bundle, as index.html names it (content-hashed: index.<hash>.js).
MAIN = re.search(r'src="\./(static/js/index\.[^"]+\.js)"',
                 (STATIC / "index.html").read_text()).group(1)


def _fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def test_the_login_page_gets_its_bundle_gzipped_and_works(dashboard, browser):
    # A context of our own: open_page navigates before a test can listen for responses.
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    outside, errors, responses = [], [], []
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        (dashboard.url, "data:", "blob:")) else (outside.append(r.request.url), r.abort()))
    page = ctx.new_page()
    page.on("response", lambda r: responses.append(r))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(dashboard.url + "/")
        page.locator('input[type="password"]').wait_for(state="visible", timeout=TIMEOUT)
        main = [r for r in responses if r.url.endswith("/" + MAIN)]
        assert main, [r.url for r in responses]
        head = main[0].all_headers()
        assert head.get("content-encoding") == "gzip"
        assert "accept-encoding" in head["vary"].lower()
        assert "immutable" in head["cache-control"]
        assert "max-age=31536000" in head["cache-control"]
        assert main[0].body() == (STATIC / MAIN).read_bytes()  # decoded: the file itself
        root = [r for r in responses if r.url == dashboard.url + "/"]
        assert root and root[0].all_headers().get("content-encoding") == "gzip"
        assert errors == [] and outside == []
    finally:
        ctx.close()


def test_without_gzip_the_file_itself_and_nothing_from_outside(dashboard):
    status, head, body = _fetch(f"{dashboard.url}/{MAIN}", **{"Accept-Encoding": "identity"})
    assert status == 200 and "content-encoding" not in head
    assert body == (STATIC / MAIN).read_bytes()
    status, head, body = _fetch(f"{dashboard.url}/{MAIN}", **{"Accept-Encoding": "gzip"})
    assert head.get("content-encoding") == "gzip" and int(head["content-length"]) == len(body)
    assert gzip.decompress(body) == (STATIC / MAIN).read_bytes()
    passwd = Path("/etc/passwd").read_bytes()
    for path in ("/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                 "/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
                 "/static/js/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                 "/app/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
                 "/static/..%5c..%5c..%5c..%5cetc%5cpasswd", "//etc/passwd"):
        status, head, body = _fetch(dashboard.url + path, **{"Accept-Encoding": "gzip"})
        assert status >= 400 or b"root:" not in body, path
        assert "content-encoding" not in head and passwd not in body, path
