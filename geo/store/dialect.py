"""The cursor interface both stores implement, as a :class:`typing.Protocol`: DuckDB
(one laptop, a file: ``geo.store.duck``) and PostgreSQL (a province server, a URL:
``geo.store.pg``). The store writes its SQL once, with ``$name`` parameters, against it;
what differs between the two databases lives in those two modules and nowhere else.
``tests/unit/test_store_dialects.py`` checks that both offer every member with the same
signature.

Each cursor wraps one connection's cursor for one operation:

* ``rows(sql, params)`` — the result as tuples;
* ``frame(sql, params)`` — the result as a DataFrame, typed as DuckDB's ``.df()`` types it
  (timestamps ``datetime64``, integers ``int64``, or ``float64`` where NULL);
* ``run(sql, params)`` — a write; the number of rows it touched;
* ``many(sql, rows)`` — one statement for each of many parameter tuples;
* ``staged(name, frame, like)`` — *frame* readable as table *name* for the block (DuckDB
  registers the DataFrame; PostgreSQL copies it into a temporary table shaped like
  table *like*);
* ``insert_frame(table, frame)`` — append a DataFrame's rows to a table;
* ``parquet(sql, params, path)`` — a query's result written to a Parquet file.

and says what differs: the clock lock, DDL spelling, what follows a migration, a
checkpoint, a bulk load's memory, the latest-row queries, the init lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

__all__ = ["Cursor"]


@runtime_checkable
class Cursor(Protocol):
    """One operation's cursor on either store."""

    # A write transaction's first read: the clock row, locked until the commit where
    # another process could write at the same time.
    lock_clock: str

    def rows(self, sql: str, params: Any = None) -> list[tuple]: ...

    def frame(self, sql: str, params: Any = None) -> pd.DataFrame: ...

    def run(self, sql: str, params: Any = None) -> int: ...

    def many(self, sql: str, rows: Sequence[tuple]) -> None: ...

    def staged(self, name: str, frame: pd.DataFrame, like: str
               ) -> AbstractContextManager[None]: ...

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None: ...

    def parquet(self, sql: str, params: dict, path: Path) -> None: ...

    def ddl(self, sql: str) -> str: ...

    def after_migration(self, version: int) -> list[str]: ...

    def checkpoint(self) -> None: ...

    def bulk_begin(self) -> None: ...

    def bulk_end(self) -> None: ...

    def latest_after(self, where: str) -> str: ...

    def rows_from_after(self, table: str, key: str, columns: Sequence[str], when: str
                        ) -> tuple[str, dict]: ...

    def ignored_tables(self) -> set[str]: ...

    def init_lock(self) -> None: ...

    def after_init(self) -> None: ...

    def init_unlock(self) -> None: ...
