"""DuckDB: connections to one file, shared safely by threads and processes, and the
cursor that speaks DuckDB's dialect (:class:`DuckCursor`).

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
  removed it, with no mode of our choosing (see ``geo.store.files``).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from geo.errors import StoreBusy, StoreUnusable
from geo.store.files import private_begin, private_end, private_files, tighten

__all__ = ["anchor_for", "Anchor", "WriteLock", "is_damage", "DuckCursor"]

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
    (``geo.store.files.private_files``), which covers the ``.wal`` DuckDB makes for the write."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> WriteLock:
        self._lock.acquire()
        private_begin()
        return self

    def __exit__(self, *exc: object) -> None:
        private_end()
        self._lock.release()


_ANCHORS: dict[str, Anchor] = {}
_ANCHORS_LOCK = threading.Lock()
_WRITE_LOCKS: dict[str, WriteLock] = {}

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


# DuckDB's memory while a bulk load runs (SET memory_limit; reset afterwards).
BULK_MEMORY_LIMIT = "1GB"


class DuckCursor:
    """DuckDB: ``$name`` parameters are native; DataFrames are read in place."""

    # A write transaction's first read; DuckDB serialises writers itself (one process
    # holds the file, and a lock in that process), so nothing more is needed.
    lock_clock = "SELECT last_event_id, last_at FROM clock"

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.raw = cur

    # ---- the interface ------------------------------------------------------------
    def rows(self, sql: str, params: Any = None) -> list[tuple]:
        # fetchall: a half-read result blocks register() later
        return self.raw.execute(sql, params).fetchall()

    def frame(self, sql: str, params: Any = None) -> pd.DataFrame:
        return self.raw.execute(sql, params).df()

    def run(self, sql: str, params: Any = None) -> int:
        rows = self.raw.execute(sql, params).fetchall()
        return int(rows[0][0]) if rows and rows[0] and isinstance(rows[0][0], int) else 0

    def many(self, sql: str, rows: Sequence[tuple]) -> None:
        self.raw.executemany(sql, rows)

    @contextmanager
    def staged(self, name: str, frame: pd.DataFrame, like: str) -> Iterator[None]:
        self.raw.register(name, frame)
        try:
            yield
        finally:
            self.raw.unregister(name)

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        cols = ", ".join(frame.columns)
        with self.staged("_bulk", frame, table):
            self.raw.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _bulk")

    def parquet(self, sql: str, params: dict, path: Path) -> None:
        # COPY cannot take a parameter for its target; the path is ours, quoted.
        target = str(path).replace("'", "''")
        self.raw.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)", params)

    # ---- what differs -----------------------------------------------------------------
    def ddl(self, sql: str) -> str:
        return sql

    def after_migration(self, version: int) -> list[str]:
        return []

    def checkpoint(self) -> None:
        """Write the WAL into the main file now, so a crash never depends on WAL replay
        alone; if another process's transaction blocks it, the next write or the close
        will."""
        try:
            self.raw.execute("CHECKPOINT")
        except duckdb.Error:  # pragma: no cover - depends on timing
            pass

    def bulk_begin(self) -> None:
        # Left to itself DuckDB keeps up to 80 % of RAM as cache (4.0 GiB peak for the
        # national drill even with staging); bounded, it spills to its temp folder.
        self.raw.execute(f"SET memory_limit = '{BULK_MEMORY_LIMIT}'")

    def bulk_end(self) -> None:
        self.raw.execute("RESET memory_limit")

    def latest_after(self, where: str) -> str:
        """Each entity's last ``after`` at or before the filter; ties cannot happen (the
        event id is unique and orders the log)."""
        return (f"SELECT entity, entity_id, arg_max(after, id) FROM events WHERE {where} "
                "GROUP BY entity, entity_id")

    def rows_from_after(self, table: str, key: str, columns: Sequence[str], when: str
                        ) -> tuple[str, dict]:
        """Rows of *table* as the last matching event's ``after`` JSON has them, parsed
        in the database (no Python object per row)."""
        types = dict(self.rows("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_name = $t", {"t": table}))
        shape = "{" + ", ".join(f'"{c}": "{types[c]}"' for c in columns) + "}"
        cols = ", ".join(f"r.{c}" for c in columns)
        return (f"""
            WITH last AS (SELECT max(id) AS id FROM events WHERE {when} GROUP BY entity_id)
            SELECT {cols} FROM (
                SELECT json_transform(e.after, $shape) AS r
                FROM events e JOIN last USING (id))
            ORDER BY r.{key}""", {"shape": shape})

    def ignored_tables(self) -> set[str]:
        return set()

    def init_lock(self) -> None:
        """Nothing: the process's write lock and the file lock keep migrations single."""

    def after_init(self) -> None:
        """Nothing: the geometry columns are a PostgreSQL (PostGIS) extra."""

    def init_unlock(self) -> None:
        pass


# DuckDB's memory while a bulk load runs (SET memory_limit; reset afterwards).
BULK_MEMORY_LIMIT = "1GB"
