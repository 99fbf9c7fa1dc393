"""``dashboard.compress``: which requests get a file gzip-compressed, which files it may
touch, and the middleware in process in front of a real Starlette ``StaticFiles`` (as
Streamlit serves its bundles), driven with hand-made ASGI messages."""

from __future__ import annotations

import asyncio
import gzip
import os

import pytest

from dashboard.compress import Folder, StaticGzip, accepts_gzip, compressible_type, locate

BUNDLE = "const answer = 42; // a content-hashed bundle\n" * 200


@pytest.mark.parametrize("header, ok", [
    (None, False), ("", False), ("identity", False), ("br", False),
    ("gzip", True), ("gzip, deflate, br, zstd", True), ("GZIP", True),
    ("deflate, gzip;q=0.5", True), ("gzip;q=0", False), ("gzip; q=0.0, br", False),
    ("*", True), ("*;q=0", False), ("br, *", True), ("*, gzip;q=0", False),
    ("x-gzip", True), ("gzip;q=abc", False),
])
def test_gzip_only_when_the_browser_accepts_it(header, ok):
    assert accepts_gzip(header) is ok


@pytest.mark.parametrize("kind, ok", [
    ("application/javascript", True), ("text/javascript; charset=utf-8", True),
    ("text/css", True), ("text/html; charset=utf-8", True), ("application/json", True),
    ("image/svg+xml", True), ("application/manifest+json", True), ("text/plain", True),
    ("image/png", False), ("font/woff2", False), ("application/octet-stream", False),
    ("application/zip", False), (None, False), ("", False),
])
def test_only_text_types_are_compressed(kind, ok):
    assert compressible_type(kind) is ok


@pytest.fixture
def folders(tmp_path):
    """A Streamlit-like static folder at "/" (index.html at its root) and an app folder at
    "/app/static/"; a secret next to them, and a link from inside to it."""
    st_dir, app_dir = tmp_path / "st", tmp_path / "app"
    (st_dir / "static" / "js").mkdir(parents=True)
    (st_dir / "static" / "media").mkdir()
    (app_dir / "vendor").mkdir(parents=True)
    (st_dir / "index.html").write_text("<!doctype html>" + "<p>x</p>" * 300)
    (st_dir / "static" / "js" / "index.abc123.js").write_text(BUNDLE)
    (st_dir / "static" / "js" / "tiny.js").write_text("1")
    (st_dir / "static" / "media" / "font.woff2").write_bytes(os.urandom(4000))
    (app_dir / "vendor" / "leaflet.js").write_text(BUNDLE)
    (tmp_path / "secret.js").write_text(BUNDLE)
    (st_dir / "static" / "js" / "out.js").symlink_to(tmp_path / "secret.js")
    return (Folder("/app/static/", app_dir), Folder("/", st_dir, index="index.html"))


def test_a_path_names_a_text_file_inside_its_folder_or_nothing(folders, tmp_path):
    st_dir = tmp_path / "st"
    assert locate("/static/js/index.abc123.js", folders) == st_dir / "static/js/index.abc123.js"
    assert locate("/", folders) == st_dir / "index.html"
    assert locate("", folders) == st_dir / "index.html"
    assert locate("/app/static/vendor/leaflet.js", folders) == tmp_path / "app/vendor/leaflet.js"
    for path in (
        "/static/js/tiny.js",  # under 1 kB: not worth it
        "/static/media/font.woff2",  # not text
        "/static/js/missing.js",
        "/operator",  # a page: Streamlit's fallback to index.html, its own gzip
        "/app/static", "/app/static/",
        "/static/js/out.js",  # a link out of the folder
        "/static/../../secret.js", "/static/js/../../../secret.js", "/../secret.js",
        "/static/./js/index.abc123.js", "//static/js/index.abc123.js",
        "/static/js\\..\\..\\index.html", "/static/js/index.abc123.js\x00.png",
        "/C:/secret.js", "/app/static/../st/index.html",
    ):
        assert locate(path, folders) is None, path


# --- the middleware in front of a real StaticFiles ------------------------------------------

def _app(folders, base_url: str = ""):
    """What Streamlit routes: StaticFiles for the app folder and for its own (at "/")."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    prefix = "/" + base_url.strip("/") if base_url.strip("/") else ""
    inner = Starlette(routes=[
        Mount(prefix + "/app/static", StaticFiles(directory=folders[0].root)),
        Mount(prefix or "/", StaticFiles(directory=folders[1].root, html=True)),
    ])
    return StaticGzip(inner, folders=folders, base_url=base_url)


def _get(app, path: str, method: str = "GET", **headers: str) -> tuple[int, dict, bytes]:
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
             "server": ("127.0.0.1", 8611), "client": ("127.0.0.1", 50000),
             "headers": [(k.replace("_", "-").lower().encode(), v.encode())
                         for k, v in headers.items()]}
    sent: list[dict] = []
    incoming = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if incoming:
            return incoming.pop(0)
        await asyncio.Event().wait()  # the client stays

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    head = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], head, b"".join(m.get("body", b"") for m in sent[1:])


def test_a_bundle_is_compressed_once_and_sent_under_the_same_headers(folders):
    app = _app(folders)
    path = "/static/js/index.abc123.js"
    status, plain_head, plain = _get(app, path)  # no Accept-Encoding
    assert status == 200 and plain == BUNDLE.encode()
    assert "content-encoding" not in plain_head and plain_head["vary"] == "Accept-Encoding"
    for _ in range(3):
        status, head, body = _get(app, path, accept_encoding="gzip, deflate, br")
        assert status == 200 and head["content-encoding"] == "gzip"
        assert gzip.decompress(body) == BUNDLE.encode()
        assert head["content-length"] == str(len(body)) and len(body) < len(plain) / 10
        assert head["vary"] == "Accept-Encoding"
        assert head["content-type"] == plain_head["content-type"]
        assert head["last-modified"] == plain_head["last-modified"]
        assert head["etag"] == "W/" + plain_head["etag"]
        assert "accept-ranges" not in head
    assert app.compressions == 1
    # The browser revalidates with its weak ETag: 304, nothing compressed again.
    status, head, body = _get(app, path, accept_encoding="gzip", if_none_match=head["etag"])
    assert status == 304 and body == b"" and app.compressions == 1
    # The file changes (a new version in place): compressed again, the new bytes.
    file = folders[1].root / "static/js/index.abc123.js"
    file.write_text(BUNDLE + "// v2\n")
    st = file.stat()
    os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    status, head, body = _get(app, path, accept_encoding="gzip")
    assert gzip.decompress(body) == (BUNDLE + "// v2\n").encode() and app.compressions == 2


def test_the_root_page_and_app_files_are_compressed_too(folders):
    app = _app(folders)
    for path in ("/", "/app/static/vendor/leaflet.js"):
        status, head, body = _get(app, path, accept_encoding="gzip")
        assert status == 200 and head["content-encoding"] == "gzip", path
        disk = locate(path, folders).read_bytes()
        assert gzip.decompress(body) == disk


def test_head_range_and_other_paths_are_streamlits_answer_unchanged(folders):
    app = _app(folders)
    path = "/static/js/index.abc123.js"
    status, head, body = _get(app, path, "HEAD", accept_encoding="gzip")
    assert status == 200 and "content-encoding" not in head and body == b""
    status, head, body = _get(app, path, accept_encoding="gzip", range="bytes=0-9")
    assert status == 206 and body == BUNDLE.encode()[:10] and "content-encoding" not in head
    status, head, body = _get(app, "/static/media/font.woff2", accept_encoding="gzip")
    assert status == 200 and "content-encoding" not in head and "vary" not in head
    status, head, _ = _get(app, "/static/js/missing.js", accept_encoding="gzip")
    assert status == 404 and "content-encoding" not in head
    status, head, body = _get(app, "/static/js/out.js", accept_encoding="gzip")
    assert "content-encoding" not in head  # whatever StaticFiles says of a link out
    assert app.compressions == 0


def test_under_a_base_url_path(folders):
    app = _app(folders, base_url="/antt/")
    status, head, body = _get(app, "/antt/static/js/index.abc123.js", accept_encoding="gzip")
    assert status == 200 and gzip.decompress(body) == BUNDLE.encode()
    status, head, body = _get(app, "/antt/", accept_encoding="gzip")
    assert status == 200 and head["content-encoding"] == "gzip"
    status, head, _ = _get(app, "/antt", accept_encoding="gzip")
    assert status == 307 and "content-encoding" not in head  # the mount's redirect, as is
    status, head, _ = _get(app, "/static/js/index.abc123.js", accept_encoding="gzip")
    assert "content-encoding" not in head  # outside the base URL: not ours
