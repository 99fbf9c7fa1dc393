"""Connections to a PostgreSQL server, shared by the threads of a process. No SQL here.

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
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from geo.errors import StoreBusy, StoreUnusable

__all__ = ["pg_cursor", "close_pool", "close_all_pools", "redact", "is_url"]

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
