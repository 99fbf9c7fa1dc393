"""Streamlit's JavaScript and CSS, and ours, sent gzip-compressed, each file compressed once.

Streamlit serves its bundles (``/static/…``) and the root page uncompressed on purpose:
its gzip middleware would compress them again on every request (see ``streamlit.web.
server.starlette.starlette_gzip_middleware._should_bypass_gzip``). On a phone's slow link
that is 2.9 MB before the login form shows, where the same files gzipped are a third.

:class:`StaticGzip` compresses each file once, keeps the bytes in memory keyed by the
file's path, modification time and size, and sends them to every browser that accepts
gzip. It decides nothing Streamlit decides: for a file it could serve, it first asks
Streamlit for the headers (a ``HEAD`` of the same path, without ``Accept-Encoding``), and
only when Streamlit answers 200 with that very file (its size and modification time) and a
text type does it send the compressed body, under Streamlit's own headers (its
``Cache-Control``: a year and ``immutable`` for the content-hashed bundles, ``no-cache``
for ``index.html``) with ``Content-Encoding: gzip``, ``Vary: Accept-Encoding``, the
compressed ``Content-Length`` and a weak ``ETag``. Anything else — a 304, a 404, a path
Streamlit refuses — is Streamlit's answer, unchanged.

Passed straight to Streamlit: websockets, methods other than GET, a ``Range`` request, a
browser that does not accept gzip (its answer gains ``Vary: Accept-Encoding``), a path
that is not a text file inside one of the two folders (checked after resolving links and
``..``; such a path never reaches the file system here), a file under 1 kB.

The folders: Streamlit's own (``file_util.get_static_dir()``, mounted at the base URL,
``index.html`` at its root) unless in development mode, and the app's ``static/``
(``/app/static/``, our vendored Leaflet) when ``server.enableStaticServing`` is on; both
under ``server.baseUrlPath``. ``ANTT_COMPRESS=0`` leaves this middleware out
(``dashboard/server.py``), for a baseline (``python -m bench phone``).
"""

from __future__ import annotations

import gzip
import logging
import os
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import anyio
import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["StaticGzip", "Folder", "accepts_gzip", "compressible_type", "locate",
           "default_folders", "COMPRESSIBLE_SUFFIXES"]

log = logging.getLogger(__name__)

COMPRESSIBLE_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".css", ".html", ".htm", ".json",
                                   ".map", ".svg", ".txt", ".xml", ".geojson"})
MIN_SIZE = 1024  # smaller files gain little (gzip's own header and trailer are 18 bytes)
MAX_SIZE = 32 * 1024 * 1024  # Streamlit's largest bundle is under 5 MB
LEVEL = 9  # once per file, so the smallest output
_TEXT_TYPES = frozenset({"application/javascript", "application/x-javascript",
                         "application/json", "application/xml", "image/svg+xml",
                         "application/geo+json", "application/manifest+json"})


@dataclass(frozen=True)
class Folder:
    """Files under *root* served at URL *prefix* (``"/"`` or ``"/app/static/"``, relative
    to the base URL); *index*: the file ``prefix`` itself serves (Streamlit's root page)."""

    prefix: str
    root: Path
    index: str | None = None


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Does an ``Accept-Encoding`` header allow gzip (``gzip`` or ``*`` with q > 0, and
    gzip not refused with q=0)?"""
    if not accept_encoding:
        return False
    quality: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding.strip():
            quality[coding.strip()] = q
    if "gzip" in quality:
        return quality["gzip"] > 0
    if "x-gzip" in quality:
        return quality["x-gzip"] > 0
    return quality.get("*", 0.0) > 0


def compressible_type(content_type: str | None) -> bool:
    """Is a ``Content-Type`` text worth compressing (not an image, a font, an archive)?"""
    kind = (content_type or "").split(";")[0].strip().lower()
    return (kind.startswith("text/") or kind in _TEXT_TYPES
            or kind.endswith(("+json", "+xml")))


def _safe_relative(rel: str) -> str | None:
    """*rel* (a decoded URL path below a prefix) if every segment is a plain name: no
    ``..``, ``.``, empty segment, backslash, NUL or drive colon; else None."""
    if not rel or "\\" in rel or "\x00" in rel or ":" in rel:
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    return rel


def locate(route_path: str, folders: tuple[Folder, ...]) -> Path | None:
    """The file a request path (below the base URL) names in one of *folders*, when it is
    a compressible text file of at least MIN_SIZE bytes that really lies inside that
    folder (links and ``..`` resolved); else None. The first folder whose prefix matches
    decides (``/app/static/`` before ``/``, as Streamlit's routes do)."""
    for folder in folders:
        if route_path == folder.prefix.rstrip("/") or route_path == folder.prefix:
            rel = folder.index
        elif route_path.startswith(folder.prefix):
            rel = route_path[len(folder.prefix):]
        else:
            continue
        rel = _safe_relative(rel or "")
        if rel is None or Path(rel).suffix.lower() not in COMPRESSIBLE_SUFFIXES:
            return None
        root = folder.root.resolve()
        try:
            path = (root / rel).resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not path.is_relative_to(root) or not path.is_file():
            return None
        size = path.stat().st_size
        return path if MIN_SIZE <= size <= MAX_SIZE else None
    return None


def default_folders(main_script: Path) -> tuple[Folder, ...]:
    """The folders Streamlit serves for *main_script*, from its configuration: the app's
    static folder (``/app/static/``) if static serving is on, and Streamlit's own unless
    in development mode (where a dev server serves it)."""
    from streamlit import config, file_util

    folders = []
    if config.get_option("server.enableStaticServing"):
        folders.append(Folder("/app/static/", Path(file_util.get_app_static_dir(
            str(main_script)))))
    if not config.get_option("global.developmentMode"):
        static = Path(file_util.get_static_dir())
        if static.is_dir():
            folders.append(Folder("/", static, index="index.html"))
    return tuple(folders)


def _strip_prefix(path: str, prefix: str) -> str | None:
    """*path* below *prefix* (a whole leading segment), ``/`` for the prefix itself; None
    when *path* is not under it."""
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    if not prefix:
        return path
    if path == prefix:
        return "/"
    return path[len(prefix):] if path.startswith(prefix + "/") else None


@dataclass(frozen=True)
class _Compressed:
    mtime_ns: int
    size: int
    body: bytes | None  # None: gzip was no smaller


def _read_and_compress(path: Path, size: int) -> bytes | None:
    data = path.read_bytes()
    if len(data) != size:  # changed while we looked: next request tries again
        raise OSError(f"{path} changed while being read")
    packed = gzip.compress(data, compresslevel=LEVEL, mtime=0)
    return packed if len(packed) < len(data) else None


class StaticGzip:
    """Pure ASGI middleware: Streamlit's static text files (and the app's) gzip-compressed,
    each compressed once per version of the file (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, main_script: Path | None = None,
                 folders: tuple[Folder, ...] | None = None,
                 base_url: str | None = None) -> None:
        self.app = app
        if base_url is None:
            from streamlit import config
            base_url = config.get_option("server.baseUrlPath") or ""
        self.base_url = base_url
        if folders is None:
            if main_script is None:
                raise TypeError("StaticGzip needs the app's main script or its folders")
            folders = default_folders(main_script)
        self.folders = folders
        self._cache: dict[Path, _Compressed] = {}
        self._lock = anyio.Lock()  # one compression at a time: a cold start's herd waits
        self.compressions = 0  # how many files were compressed (a test counts them)

    def _route_path(self, scope: Scope) -> str | None:
        path: str = scope.get("path", "")
        root = scope.get("root_path", "")
        if root:
            path = _strip_prefix(path, root) or path
        return _strip_prefix(path, self.base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        route = self._route_path(scope)
        path = locate(route, self.folders) if route is not None else None
        if path is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if "range" in headers:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "GET" or not accepts_gzip(headers.get("accept-encoding")):
            await self.app(scope, receive, _with_vary(send))
            return
        await self._serve(scope, receive, send, path)

    async def _probe(self, scope: Scope) -> tuple[Message, bool]:
        """Streamlit's answer to a HEAD of the same path, without Accept-Encoding: its
        ``http.response.start`` message, and whether it sent only that (no body)."""
        drop = {b"accept-encoding", b"range", b"if-range"}
        probe = {**scope, "method": "HEAD",
                 "headers": [(k, v) for k, v in scope["headers"] if k.lower() not in drop]}
        got: list[Message] = []
        body = bytearray()
        asked = False

        async def receive() -> Message:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await anyio.Event().wait()  # a HEAD of a file: it ends before it listens
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                got.append(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(probe, receive, send)
        if not got:
            raise RuntimeError("Streamlit sent no response start to a HEAD")
        return got[0], not body

    async def _compressed(self, path: Path, st: os.stat_result) -> bytes | None:
        entry = self._cache.get(path)
        if entry is None or (entry.mtime_ns, entry.size) != (st.st_mtime_ns, st.st_size):
            async with self._lock:
                entry = self._cache.get(path)
                if entry is None or (entry.mtime_ns, entry.size) != (st.st_mtime_ns,
                                                                     st.st_size):
                    packed = await anyio.to_thread.run_sync(_read_and_compress, path,
                                                            st.st_size)
                    self.compressions += 1
                    entry = _Compressed(st.st_mtime_ns, st.st_size, packed)
                    self._cache[path] = entry
        return entry.body

    async def _serve(self, scope: Scope, receive: Receive, send: Send, path: Path) -> None:
        st = path.stat()
        start, bodiless = await self._probe(scope)
        answer = Headers(raw=start.get("headers", []))
        if start["status"] == 304:  # the browser's copy is current
            await send({**start, "headers": _vary(answer).raw})
            await send({"type": "http.response.body", "body": b""})
            return
        same_file = (start["status"] == 200 and bodiless
                     and answer.get("content-length") == str(st.st_size)
                     and answer.get("last-modified") == formatdate(st.st_mtime, usegmt=True)
                     and "content-encoding" not in answer
                     and compressible_type(answer.get("content-type")))
        body = None
        if same_file:
            try:
                body = await self._compressed(path, st)
            except OSError as e:
                log.warning("serving %s uncompressed: %s", path, e)
        if body is None:
            await self.app(scope, receive, _with_vary(send) if same_file else send)
            return
        out = _vary(answer)
        out["content-encoding"] = "gzip"
        out["content-length"] = str(len(body))
        if "accept-ranges" in out:
            del out["accept-ranges"]  # ranges of the compressed body: not offered
        etag = out.get("etag")
        if etag and not etag.startswith("W/"):
            out["etag"] = "W/" + etag  # the same file, another encoding of it
        await send({"type": "http.response.start", "status": 200, "headers": out.raw})
        await send({"type": "http.response.body", "body": body})


def _vary(headers: Headers) -> MutableHeaders:
    """A copy of *headers* whose ``Vary`` names Accept-Encoding."""
    out = MutableHeaders(raw=list(headers.raw))
    vary = out.get("vary", "")
    if "accept-encoding" not in vary.lower():
        out["vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    return out


def _with_vary(send: Send) -> Send:
    """*send*, adding ``Vary: Accept-Encoding`` to a successful answer (a cache must not
    hand this uncompressed copy to a browser that asked for gzip, nor the reverse)."""
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] in (200, 304):
            message = {**message, "headers": _vary(Headers(raw=message["headers"])).raw}
        await send(message)
    return wrapped
