"""PostgreSQL: connections to a server, shared by the threads of a process, and the
cursor that speaks PostgreSQL's dialect (:class:`PgCursor`).

One ``psycopg_pool.ConnectionPool`` per database URL and process: each operation
borrows a connection and gives it back. The pool checks a connection before lending
it, so after a server restart the dead ones are dropped and new ones made; while the
server is down, an operation waits up to ``timeout`` seconds for it, then raises
:class:`StoreBusy` (a page then shows its last state and tries again by itself). A
wrong host, port, database or password is :class:`StoreUnusable` at once, with one line
saying why (the trace goes to the log).

Connections are in autocommit mode: the store marks its own transactions with
BEGIN / COMMIT, exactly as it does on DuckDB.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from geo.errors import StoreBusy, StoreUnusable

__all__ = ["pg_cursor", "close_pool", "close_all_pools", "redact", "is_url", "PgCursor",
           "pyformat"]

log = logging.getLogger(__name__)

_POOLS: dict[str, ConnectionPool] = {}
_LOCK = threading.Lock()


def is_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL without its password (for messages, logs and cache keys)."""
    return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1@", url)


def _pool(url: str, size: int) -> ConnectionPool:
    with _LOCK:
        pool = _POOLS.get(url)
        if pool is None or pool.closed:
            _first_contact(url)
            pool = _POOLS[url] = ConnectionPool(
                url, min_size=1, max_size=size, open=False, name=redact(url),
                kwargs={"autocommit": True, "connect_timeout": 5,
                        "application_name": "antt"},
                check=ConnectionPool.check_connection)
            pool.open(wait=False)
        return pool


def _first_contact(url: str) -> None:
    """One direct connection before a pool is made: a wrong host, port, database or
    password is said at once, instead of after the pool's wait for a server that may be
    restarting."""
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as e:
        raise _unusable(url, e) from e


@contextmanager
def pg_cursor(url: str, timeout: float, size: int = 8) -> Iterator[Any]:
    """A cursor on a pooled connection for one operation (waiting up to *timeout* s for
    the server). A connection lost during the operation raises StoreBusy; the pool
    replaces it for the next one."""
    pool = _pool(url, size)
    try:
        with pool.connection(timeout=timeout) as conn, conn.cursor() as cur:
            yield cur
    except PoolTimeout as e:
        raise StoreBusy(redact(url), timeout, why=f"did not answer within {timeout:g} s "
                        "(the server restarting, down, or out of connections)") from e
    except psycopg.OperationalError as e:
        log.info("connection to %s lost", redact(url), exc_info=e)
        raise StoreBusy(redact(url), 0, why="lost the connection to the server (restarting?); "
                        "try again") from e


def close_pool(url: str) -> None:
    with _LOCK:
        pool = _POOLS.pop(url, None)
    if pool is not None:
        pool.close()


def close_all_pools() -> None:
    """Close every pool of this process (a later operation opens its pool again)."""
    for url in list(_POOLS):
        close_pool(url)


def _unusable(url: str, e: BaseException) -> StoreUnusable:
    log.info("database %s cannot be used", redact(url), exc_info=e)
    text = str(e).lower()
    if any(w in text for w in ("resolve host", "connection refused", "could not connect",
                               "timeout expired", "no route", "network is unreachable")):
        why = ("cannot reach the server (is it running, and are the host and port right?); "
               "try again in a moment")
    elif "does not exist" in text:
        why = "the database does not exist on this server; create it first (createdb)"
    elif "password" in text or "authentication" in text:
        why = "the server refused the user name or password"
    else:
        why = "the connection to the server was lost; try again in a moment"
    return StoreUnusable(redact(url), why)


# ---- the dialect -----------------------------------------------------------------------

_PARAM = re.compile(r"\$(\w+)")


@lru_cache(maxsize=512)
def pyformat(sql: str, texts: tuple[str, ...] = ()) -> str:
    """``$name`` → ``%(name)s``, ``$1`` → ``%s``, a literal ``%`` → ``%%`` (psycopg's
    placeholders); the parameters named in *texts* (lists of text) are cast to ``text[]``,
    as psycopg sends a list of Python strings with no type. Our SQL has no ``$`` inside
    string literals."""
    sql = sql.replace("%", "%%")

    def one(m: re.Match) -> str:
        name = m.group(1)
        if name.isdigit():
            return "%s"
        return f"%({name})s::text[]" if name in texts else f"%({name})s"
    return _PARAM.sub(one, sql)


def _py(v: Any) -> Any:
    """A value psycopg can send: NumPy scalars as Python's, NaN/NaT as NULL."""
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, str | bytes | datetime | bool | int):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, memoryview):
        return bytes(v)
    if isinstance(v, list | tuple):
        return [_py(x) for x in v]
    if hasattr(v, "item"):  # NumPy scalar
        return _py(v.item())
    return v


def _q(sql: str, params: Any) -> str:
    """psycopg reads placeholders (and ``%%``) only when parameters are given."""
    if params is None:
        return sql
    texts = () if not isinstance(params, dict) else tuple(sorted(
        k for k, v in params.items()
        if isinstance(v, list | tuple) and all(isinstance(x, str) for x in v)))
    return pyformat(sql, texts)


def _args(params: Any) -> Any:
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: _py(v) for k, v in params.items()}
    return [_py(v) for v in params]


_MIGRATION_LOCK = 0x414E5454  # "ANTT": the advisory lock held while migrating

# PostgreSQL type OIDs → how a DataFrame column of that type is typed.
_TIMESTAMPS, _INTS, _FLOATS, _BOOL = {1114, 1184}, {20, 21, 23}, {700, 701, 1700}, 16


class PgCursor:
    """PostgreSQL through psycopg 3 (autocommit connections: the store's own BEGIN /
    COMMIT statements mark its transactions, as on DuckDB)."""

    # Every write transaction takes the clock row first: writers from every process
    # queue on it, so event ids and times grow in commit order exactly as on DuckDB
    # (a replay's tie-break by id is the log's order), and each reads the versions
    # the previous writer committed.
    lock_clock = "SELECT last_event_id, last_at FROM clock FOR UPDATE"

    def __init__(self, cur: Any) -> None:
        self.raw = cur

    def rows(self, sql: str, params: Any = None) -> list[tuple]:
        self.raw.execute(_q(sql, params), _args(params))
        return self.raw.fetchall() if self.raw.description else []

    def frame(self, sql: str, params: Any = None) -> pd.DataFrame:
        self.raw.execute(_q(sql, params), _args(params))
        desc = self.raw.description
        frame = pd.DataFrame(self.raw.fetchall(), columns=[d.name for d in desc])
        for d in desc:
            col = frame[d.name]
            if d.type_code in _TIMESTAMPS:
                frame[d.name] = pd.to_datetime(col).astype("datetime64[us]")
            elif d.type_code in _INTS:
                frame[d.name] = col.astype("int64" if col.notna().all() else "float64")
            elif d.type_code in _FLOATS:
                frame[d.name] = col.astype("float64")
            elif d.type_code == _BOOL and col.notna().all():
                frame[d.name] = col.astype(bool)
        return frame

    def run(self, sql: str, params: Any = None) -> int:
        self.raw.execute(_q(sql, params), _args(params))
        return max(self.raw.rowcount, 0)

    def many(self, sql: str, rows: Sequence[tuple]) -> None:
        self.raw.executemany(pyformat(sql), [_args(r) for r in rows])

    @contextmanager
    def staged(self, name: str, frame: pd.DataFrame, like: str) -> Iterator[None]:
        known = {r[0] for r in self.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $t "
            "AND table_schema = current_schema()", {"t": like})}
        cols = [f"{c}" if c in known else f"NULL::{_pg_type(frame[c])} AS {c}"
                for c in frame.columns]
        self.raw.execute(f"CREATE TEMPORARY TABLE {name} AS SELECT {', '.join(cols)} "
                         f"FROM {like} LIMIT 0")
        try:
            self._copy(name, frame)
            yield
        finally:
            self.raw.execute(f"DROP TABLE IF EXISTS {name}")

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        self._copy(table, frame)

    def _copy(self, table: str, frame: pd.DataFrame) -> None:
        cols = list(frame.columns)
        with self.raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in frame.itertuples(index=False, name=None):
                copy.write_row([_py(v) for v in row])

    def parquet(self, sql: str, params: dict, path: Path) -> None:
        with duckdb.connect() as con:  # PostgreSQL writes no Parquet; DuckDB does
            con.register("result", self.frame(sql, params))
            target = str(path).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM result) TO '{target}' (FORMAT parquet)")

    # ---- what differs -----------------------------------------------------------------
    def ddl(self, sql: str) -> str:
        """DuckDB's type names that PostgreSQL spells differently."""
        return re.sub(r"\bBLOB\b", "BYTEA", re.sub(r"\bDOUBLE\b", "DOUBLE PRECISION", sql))

    def after_migration(self, version: int) -> list[str]:
        """Indexes for the server's many readers (DuckDB scans its columns fast
        without them, and an index there costs memory on a bulk load)."""
        return _PG_AFTER.get(version, [])

    def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL's commit is durable once it returns."""

    def bulk_begin(self) -> None:
        pass

    def bulk_end(self) -> None:
        pass

    def latest_after(self, where: str) -> str:
        return (f"SELECT DISTINCT ON (entity, entity_id) entity, entity_id, after FROM events "
                f"WHERE {where} ORDER BY entity, entity_id, id DESC")

    def rows_from_after(self, table: str, key: str, columns: Sequence[str], when: str
                        ) -> tuple[str, dict]:
        cols = ", ".join(f"r.{c}" for c in columns)
        return (f"""
            WITH last AS (SELECT max(id) AS id FROM events WHERE {when} GROUP BY entity_id)
            SELECT {cols} FROM events e JOIN last USING (id),
                 LATERAL jsonb_populate_record(NULL::{table}, e.after::jsonb) AS r
            ORDER BY r.{key}""", {})

    def ignored_tables(self) -> set[str]:
        """PostGIS's own table, which a DBA may have created before ANTT's first run."""
        return {"spatial_ref_sys"}

    def init_lock(self) -> None:
        """Several app processes starting at once: one migrates, the others wait and then
        find nothing to do."""
        self.raw.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))

    def init_unlock(self) -> None:
        self.raw.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))

    def after_init(self) -> None:
        """Where PostGIS is installed, the live tables (incidents, sites, units) get a
        ``geom`` column, a point in EPSG:4326 kept by the server from lon/lat, so QGIS
        opens them as live layers. Our own SQL always names its columns and never
        writes ``geom``. Without PostGIS (or the right to create the extension) the
        store works the same, without the column."""
        if not self.rows("SELECT 1 FROM pg_extension WHERE extname = 'postgis'"):
            if not self.rows("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"):
                return
            try:
                self.raw.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            except Exception:  # noqa: BLE001 - not allowed to: the DBA's decision
                return
        have = {r[0] for r in self.rows(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'geom' "
            "AND table_schema = current_schema()")}
        for table in ("incidents", "sites", "units"):
            if table in have:
                continue
            self.raw.execute(
                f"ALTER TABLE {table} ADD COLUMN geom geometry(Point, 4326) GENERATED ALWAYS "
                "AS (CASE WHEN lon IS NULL OR lat IS NULL THEN NULL "
                "ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED")
            self.raw.execute(f"CREATE INDEX {table}_geom ON {table} USING gist (geom)")


_PG_AFTER: dict[int, list[str]] = {
    1: ["CREATE INDEX events_entity ON events (entity, entity_id, id)",
        "CREATE INDEX events_time ON events (occurred_at)",
        "CREATE INDEX events_action ON events (action, entity)",
        "CREATE INDEX incidents_reported ON incidents (reported_at)"],
    4: ["CREATE INDEX login_failures_source ON login_failures (source, occurred_at)"],
}


def _pg_type(col: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(col):
        return "BIGINT"
    if pd.api.types.is_float_dtype(col):
        return "DOUBLE PRECISION"
    return "TEXT"
