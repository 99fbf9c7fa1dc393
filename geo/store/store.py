"""The store: one DuckDB file (a commune's laptop) or one PostgreSQL database (a province
server), behind one :class:`Store`. The package is the only place with SQL:

==============  ==========================================================================
``store.py``    :class:`Store`: opening either database, schema migrations, ``transact``
``schema.py``   the tables, the event log's columns, the migrations, one event row
``tx.py``       the one write path (``unit_of_work``) and :class:`Tx`, what commands use
``queries.py``  the WHERE builder, incident :class:`Filters`, lookups reads and writes share
``reads.py``    every read (a mixin of ``Store``)
``bulk.py``     drills' bulk loads and a migration's merge (a mixin of ``Store``)
``dialect.py``  the cursor interface (a ``Protocol``) both databases implement
``duck.py``     DuckDB: the file's connections and lock, and its cursor
``pg.py``       PostgreSQL: the connection pools, and its cursor
``files.py``    the database file's modes (its owner's alone)
``migrate.py``  moving a commune's file onto the province server (``antt migrate``)
==============  ==========================================================================

Durability: a write returns only after its transaction commits (DuckDB syncs its WAL
on commit). After each write the store runs ``CHECKPOINT`` so the change sits in the
main file and a crash never depends on WAL replay alone; bulk loads checkpoint once
at the end. Closing the anchor checkpoints too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from geo import settings
from geo.clock import utcnow
from geo.errors import StoreUnusable
from geo.store.bulk import Bulk
from geo.store.dialect import Cursor
from geo.store.duck import DuckCursor, anchor_for
from geo.store.files import private_folder
from geo.store.pg import PgCursor, close_pool, is_url, pg_cursor, redact
from geo.store.reads import Reads
from geo.store.schema import MIGRATIONS
from geo.store.tx import Tx, transaction, unit_of_work

__all__ = ["Store"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class Store(Reads, Bulk):
    """The incident store on one DuckDB file, or on a PostgreSQL server.

    *path* is a file path (DuckDB) or a ``postgresql://user@host/db`` URL. Safe to
    share between threads; safe to use from several processes at once (DuckDB: they
    take turns on the file lock, see ``geo.store.duck``; PostgreSQL: the server
    serialises writers on the clock row, see ``geo.store.pg``).
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float | None = None,
                 idle_close: float = 0.25, checkpoint: bool = True) -> None:
        text = os.fspath(path)
        timeout = settings.get("lock_timeout") if lock_timeout is None else lock_timeout
        self.checkpoint_after_write = checkpoint
        self.applied: list[int] = []  # migrations this object's init() applied
        self.url: str | None = None
        if is_url(text):
            self.kind = "postgresql"
            self.url, self.path = text, redact(text)  # path: for messages and cache keys
            self._timeout = timeout
            self._write_lock: Any = nullcontext()  # the server serialises writers
            return
        if "://" in text or text.startswith(("postgres:", "postgresql:")):
            scheme = text.split(":", 1)[0]
            raise StoreUnusable(redact(text), f"'{scheme}://' addresses are not supported; "
                                "give a DuckDB file path such as var/antt.duckdb or a "
                                "postgresql://user@host/database URL")
        if not text.strip():
            raise StoreUnusable(text, "the database path is empty")
        self.kind = "duckdb"
        self.path = str(Path(text).resolve())
        self._anchor, self._write_lock = anchor_for(self.path, timeout, idle_close)

    # ---- plumbing ---------------------------------------------------------------
    @contextmanager
    def _cursor(self) -> Iterator[Cursor]:
        if self.url is not None:
            with pg_cursor(self.url, self._timeout, settings.get("pg_pool_size")) as raw:
                yield PgCursor(raw)
        else:
            with self._anchor.cursor() as raw:
                yield DuckCursor(raw)

    def close(self) -> None:
        """Release the file now (otherwise it is released after ``idle_close``), or the
        server's connections."""
        if self.url is not None:
            close_pool(self.url)
        else:
            self._anchor.close()

    def init(self) -> list[int]:
        """Create the file if needed and apply pending migrations; return those applied.

        Refuses (StoreUnusable, nothing written) a file that is another program's
        database or was made by a newer version of this one."""
        if self.url is None:
            try:
                private_folder(Path(self.path).parent)  # 0700 when ANTT makes it
            except OSError as e:
                raise StoreUnusable(self.path, f"cannot create its folder ({e.strerror})"
                                    ) from e
            if Path(self.path).is_dir():
                raise StoreUnusable(self.path, "this is a folder, not a database file")
        with self._write_lock, self._cursor() as cur:
            cur.init_lock()
            try:
                applied = self._migrate(cur)
                cur.after_init()
            finally:
                cur.init_unlock()
        self.applied += applied
        return applied

    def _migrate(self, cur: Cursor) -> list[int]:
        applied: list[int] = []
        tables = {r[0] for r in cur.rows(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")}
        tables -= cur.ignored_tables()
        if tables and "schema_migrations" not in tables:
            raise StoreUnusable(self.path, "another program's database (it has tables "
                                f"{', '.join(sorted(tables)[:5])} but no ANTT schema); "
                                "give another path")
        cur.run("""CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL)""")
        done = {r[0] for r in cur.rows("SELECT version FROM schema_migrations")}
        newest = max((v for v, _, _ in MIGRATIONS), default=0)
        if done and max(done) > newest:
            raise StoreUnusable(self.path, f"made by a newer version of ANTT (schema "
                                f"{max(done)}; this version knows up to {newest}): "
                                "update ANTT to open it")
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            with transaction(cur):
                cur.run(cur.ddl(sql))
                for extra in cur.after_migration(version):
                    cur.run(extra)
                cur.run("INSERT INTO schema_migrations VALUES ($v, $n, $t)",
                        {"v": version, "n": name, "t": utcnow()})
            applied.append(version)
            log.info("applied migration %s: %s", version, name)
        if applied:
            cur.checkpoint()
        return applied

    def migrations(self) -> list[tuple[int, str]]:
        with self._cursor() as cur:
            return cur.rows(
                "SELECT version, name FROM schema_migrations ORDER BY version")

    # ---- the one write path (geo.store.tx) ------------------------------------------
    def transact(self, fn: Callable[[Tx], T], *, at: datetime | None = None) -> T:
        """Run *fn* in one transaction and commit its changes and events together.

        Returns only after the commit (and checkpoint). If *fn* raises, nothing is
        written. Event times strictly increase: with no *at*, the time is now (or
        1 µs after the last event if the clock went back); an explicit *at*
        earlier than the last event is refused.
        """
        with self._write_lock, self._cursor() as cur:
            with unit_of_work(cur, at) as tx:
                result = fn(tx)
            if self.checkpoint_after_write:
                cur.checkpoint()
            return result
