"""Connections to one DuckDB file, shared safely by threads and processes. No SQL here.

DuckDB lets one process at a time hold a database file for writing, and a
connection object must not be shared between threads. So:

* In a process, one *anchor* connection keeps the database open while it is in
  use; each operation takes its own ``cursor()`` from it (cheap, one per
  thread) and gives it back. Writes in one process are serialised by a lock.
* When no operation has run for ``idle_close`` seconds the anchor is closed,
  which releases the file lock, so the CLI (another process) can get in while
  the dashboard idles between refreshes. Whoever finds the file locked retries
  with back-off for up to ``lock_timeout`` seconds, then raises
  :class:`StoreBusy`; nobody crashes on "Could not set lock".
* A file that is damaged, not a database, a folder or unreadable raises
  :class:`StoreUnusable` with one line saying why (the trace goes to the log).
* The database holds password hashes, so it is its owner's alone: the file is made
  ``0600`` (tightened on first open if it was looser), a folder ANTT creates for it
  ``0700`` (a folder that existed is left as it was), and every write runs under umask
  ``077``, because DuckDB re-creates its ``.wal`` at each write after a checkpoint
  removed it, with no mode of our choosing (see :func:`private_files`).
"""

from __future__ import annotations

import atexit
import errno
import logging
import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from geo.errors import StoreBusy, StoreUnusable

__all__ = ["anchor_for", "Anchor", "WriteLock", "is_damage", "private_folder",
           "private_files", "tighten"]

log = logging.getLogger(__name__)


def anchor_for(path: str, lock_timeout: float, idle_close: float
               ) -> tuple[Anchor, WriteLock]:
    """The process-wide anchor of the file at *path* (made on first use) and its write
    lock. Later calls get the same pair whatever timeouts they give."""
    with _ANCHORS_LOCK:
        anchor = _ANCHORS.get(path)
        if anchor is None:
            anchor = _ANCHORS[path] = Anchor(path, lock_timeout, idle_close)
            _WRITE_LOCKS[path] = WriteLock()
        return anchor, _WRITE_LOCKS[path]


class Anchor:
    """Keeps one process-wide connection open while in use, closes it when idle.

    Fairness: after holding the file for ``max_hold`` seconds the anchor lets
    current users finish, closes, and waits ``yield_gap`` before reopening, so a
    process retrying on the lock gets its turn even while this one is busy.
    """

    def __init__(self, path: str, lock_timeout: float, idle_close: float,
                 max_hold: float = 2.0, yield_gap: float = 0.06) -> None:
        self.path, self.lock_timeout, self.idle_close = path, lock_timeout, idle_close
        self.max_hold, self.yield_gap = max_hold, yield_gap
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened_at = 0.0
        self._users = 0
        self._last_used = 0.0
        self._cond = threading.Condition()
        self._timer: threading.Timer | None = None
        self._tightened = False

    def _open(self) -> duckdb.DuckDBPyConnection:
        start, delay = time.monotonic(), 0.002
        while True:
            try:
                with private_files():  # DuckDB creates a missing file here
                    con = duckdb.connect(self.path)
                if not self._tightened:
                    tighten(self.path)
                    self._tightened = True
                return con
            except duckdb.Error as e:
                if not _is_lock(e):
                    raise _unusable(self.path, e) from e
                waited = time.monotonic() - start
                if waited > self.lock_timeout:
                    raise StoreBusy(self.path, waited) from e
                time.sleep(delay)
                delay = min(delay * 2, 0.02)  # short: another process's gap is brief

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        with self._cond:
            if self._con is not None and time.monotonic() - self._opened_at > self.max_hold:
                # Drain (bounded: a thread holding a cursor may be waiting on us).
                self._cond.wait_for(lambda: self._users == 0, timeout=1.0)
                if self._users == 0 and self._con is not None:
                    self._con.close()
                    self._con = None
                    time.sleep(self.yield_gap)  # hand the file lock to a waiting process
            if self._con is None:
                self._con = self._open()
                self._opened_at = time.monotonic()
            self._users += 1
            return self._con.cursor()

    def _release(self) -> None:
        with self._cond:
            self._users -= 1
            self._last_used = time.monotonic()
            self._cond.notify_all()
            if self._users == 0 and self._timer is None and self.idle_close >= 0:
                self._timer = threading.Timer(self.idle_close, self._close_if_idle)
                self._timer.daemon = True
                self._timer.start()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._acquire()
        try:
            yield cur
        except duckdb.Error as e:
            if is_damage(e):
                raise _unusable(self.path, e) from e
            raise
        finally:
            cur.close()
            self._release()

    def _close_if_idle(self) -> None:
        with self._cond:
            self._timer = None
            if self._con is None or self._users:
                return
            idle = time.monotonic() - self._last_used
            if idle + 1e-3 < self.idle_close:
                self._timer = threading.Timer(self.idle_close - idle, self._close_if_idle)
                self._timer.daemon = True
                self._timer.start()
                return
            self._con.close()
            self._con = None

    def close(self) -> None:
        with self._cond:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is not None and not self._users:
                self._con.close()
                self._con = None


class WriteLock:
    """The process's write lock on one file (re-entrant, like the ``threading.RLock`` it
    wraps); while it is held, files this process creates are private
    (:func:`private_files`), which covers the ``.wal`` DuckDB makes for the write."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> WriteLock:
        self._lock.acquire()
        _private_begin()
        return self

    def __exit__(self, *exc: object) -> None:
        _private_end()
        self._lock.release()


_ANCHORS: dict[str, Anchor] = {}
_ANCHORS_LOCK = threading.Lock()
_WRITE_LOCKS: dict[str, WriteLock] = {}

# ---- private files ------------------------------------------------------------------
PRIVATE_FOLDER = 0o700
_UMASK_LOCK = threading.Lock()
_umask_users = 0
_umask_saved = 0


def _private_begin() -> None:
    global _umask_users, _umask_saved
    with _UMASK_LOCK:
        if _umask_users == 0:
            _umask_saved = os.umask(0o077)
            os.umask(_umask_saved | 0o077)  # never looser than the process asked
        _umask_users += 1


def _private_end() -> None:
    global _umask_users
    with _UMASK_LOCK:
        _umask_users -= 1
        if _umask_users == 0:
            os.umask(_umask_saved)


@contextmanager
def private_files() -> Iterator[None]:
    """Files and folders created inside are their owner's alone (umask ``077``).

    A umask belongs to the process, not the thread: while any thread is inside, every
    file the process creates is private too. That only ever tightens a mode; the saved
    umask comes back when the last thread leaves."""
    _private_begin()
    try:
        yield
    finally:
        _private_end()


def private_folder(folder: str | os.PathLike[str]) -> list[Path]:
    """Create *folder* and its missing parents, each ``0700``; return those created.

    A folder that already exists (``/tmp``, a shared data folder) keeps its mode: only
    what ANTT creates is tightened."""
    folder = Path(folder)
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    if not missing and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    made = []
    for level in reversed(missing):
        try:
            level.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # another process made it first: not ours to change
            continue
        level.chmod(PRIVATE_FOLDER)  # mkdir's mode passes through the umask
        made.append(level)
    return made


def tighten(path: str | os.PathLike[str]) -> None:
    """Take the group's and others' access off the database file and its ``.wal`` (if
    there is one): ``0644`` becomes ``0600``. A file this process may not change (another
    user's) is left as it is, with a warning in the log."""
    for f in (Path(path), Path(f"{path}.wal")):
        try:
            mode = stat.S_IMODE(f.stat().st_mode)
            if mode & 0o077:
                f.chmod(mode & ~0o077)  # 0644 → 0600: the owner's bits stay
        except FileNotFoundError:
            continue
        except OSError as e:
            log.warning("cannot make %s private (%s): other local users may read it", f,
                        e.strerror)


@atexit.register
def _close_all() -> None:
    for a in list(_ANCHORS.values()):
        a.close()


def _is_lock(e: duckdb.Error) -> bool:
    return isinstance(e, duckdb.IOException) and "lock" in str(e).lower()


_DAMAGE = ("corrupt", "checksum", "not a valid duckdb", "could not read enough bytes",
           "serializ", "deserializ")


def is_damage(e: duckdb.Error) -> bool:
    """A read that failed because the file is damaged (not a bug in our SQL)."""
    text = str(e).lower()
    return (isinstance(e, duckdb.IOException | duckdb.SerializationException) and
            not _is_lock(e)) or any(w in text for w in _DAMAGE)


def _unusable(path: str, e: BaseException) -> StoreUnusable:
    """One line for the user (the cause goes to the log)."""
    log.info("database %s cannot be used", path, exc_info=e)  # the trace, for the log
    text = str(e).lower()
    if "not a valid duckdb" in text:
        why = ("not a DuckDB database (empty, damaged or another kind of file); restore "
               "a backup or give another path")
    elif any(w in text for w in _DAMAGE):
        why = "the file is damaged (truncated or corrupted); restore a backup"
    elif "is a directory" in text:
        why = "this is a folder, not a database file"
    elif "permission" in text:
        why = "no permission to open the file"
    else:
        why = f"cannot be opened ({type(e).__name__})"
    return StoreUnusable(path, why)

