"""Writes of many rows at once: a drill's or a benchmark's prepared rows and events
(:meth:`Bulk.bulk_load`, :meth:`Bulk.bulk_load_chunks`) and another store's rows moved in
(:meth:`Bulk.merge`, for ``geo.store.migrate``). A mixin of :class:`geo.store.Store`.

Each goes through the one write path (:func:`geo.store.tx.unit_of_work`): it waits for
the clock row like any command, and its events get the log's next ids there, so a
command committed by another process meanwhile never collides with them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import pandas as pd

from geo.errors import AnttError
from geo.store.dialect import Cursor
from geo.store.schema import COLUMNS_OF, COPIED_TABLES, ENTITIES, EVENT_COLUMNS
from geo.store.tx import Tx, unit_of_work

__all__ = ["Bulk"]


class Bulk:
    """The bulk writes of :class:`geo.store.Store`."""

    _cursor: Callable[[], AbstractContextManager[Cursor]]
    _write_lock: Any

    def bulk_load(self, entity_rows: dict[str, pd.DataFrame], events: pd.DataFrame, *,
                  features: dict[str, pd.DataFrame] | None = None, actor: str = "bulk"
                  ) -> None:
        """Insert prepared rows and their events in one transaction (drills, benchmarks).

        The caller builds rows and events exactly as commands would (``event_row``);
        this path only skips per-row round trips. The events are numbered here, in the
        order of their ``id`` column, after the log's last; they must all come after
        the log's last event time.
        """
        with self._write_lock, self._cursor() as cur:
            with unit_of_work(cur) as tx:
                ordered = events.sort_values("id", kind="stable")
                _after_the_log(tx, ordered["occurred_at"].min() if len(ordered) else None)
                _bulk_features(tx, features, actor)
                for entity, df in entity_rows.items():
                    spec = ENTITIES[entity]
                    cur.insert_frame(spec["table"], df[spec["columns"]])
                _append_events(tx, ordered)
            cur.checkpoint()

    def bulk_load_chunks(self, chunks: Iterable[tuple[dict[str, pd.DataFrame], pd.DataFrame]],
                         *, features: dict[str, pd.DataFrame] | None = None,
                         actor: str = "bulk") -> int:
        """:meth:`bulk_load` for a load too big to hold at once (the national drill): *chunks*
        yields ``(entity_rows, events)`` pieces. Each is written as it comes to staging
        tables (``_bulk_*``), committed a chunk at a time; then one transaction moves them
        into the store. A chunk that fails, or a generator that raises, leaves the store as
        it was (the staging tables are dropped).

        Why staging: one transaction holding the whole day kept every chunk in DuckDB's
        memory until the commit (4.1 GiB for the national drill); committed a chunk at a
        time and moved with ``INSERT … SELECT``, the peak is about a chunk's.

        The events carry ``seq`` instead of ``id``, unique over the whole load: the store
        gives them the log's next ids in ``(occurred_at, seq)`` order once every chunk is
        in, so the caller never holds the whole log to sort it. Returns the events added.
        """
        cols = ", ".join(EVENT_COLUMNS[1:])
        with self._write_lock, self._cursor() as cur:
            # Left to itself DuckDB keeps up to 80 % of RAM as cache (4.0 GiB peak for the
            # national drill even with staging); bounded, it spills to its temp folder.
            cur.bulk_begin()
            try:
                _drop_staging(cur)
                cur.run("CREATE TABLE _bulk_events AS SELECT CAST(0 AS BIGINT) AS seq, "
                        f"{cols} FROM events LIMIT 0")
                for spec in ENTITIES.values():
                    cur.run(f"CREATE TABLE _bulk_{spec['table']} AS "
                            f"SELECT * FROM {spec['table']} LIMIT 0")
                staged = set()
                for entity_rows, events in chunks:
                    for entity, df in entity_rows.items():
                        table = ENTITIES[entity]["table"]
                        cur.insert_frame(f"_bulk_{table}", df[ENTITIES[entity]["columns"]])
                        staged.add(table)
                    if len(events):
                        cur.insert_frame("_bulk_events", events[["seq", *EVENT_COLUMNS[1:]]])
                n, n_seq, first_at, end_at = cur.rows(
                    "SELECT count(*), count(DISTINCT seq), min(occurred_at), max(occurred_at) "
                    "FROM _bulk_events")[0]
                if n != n_seq:
                    raise AnttError("bulk events must each have their own seq")
                with unit_of_work(cur) as tx:
                    _after_the_log(tx, first_at if n else None)
                    _bulk_features(tx, features, actor)
                    for table in sorted(staged):
                        names = ", ".join(COLUMNS_OF[table])
                        cur.run(f"INSERT INTO {table} ({names}) SELECT {names} "
                                f"FROM _bulk_{table}")
                    if n:
                        # The ids: a sort of the keys alone; the rows then go in in id order.
                        first = tx.claim_events(int(n), end_at)
                        cur.run(f"INSERT INTO events SELECT $before + row_number() OVER "
                                f"(ORDER BY occurred_at, seq) AS id, {cols} "
                                "FROM _bulk_events ORDER BY id", {"before": first - 1})
            finally:
                _drop_staging(cur)
                cur.bulk_end()
            cur.checkpoint()
        return int(n)

    def merge(self, rows: dict[str, pd.DataFrame], events: pd.DataFrame) -> tuple[int, int]:
        """Append another store's rows (table → rows, whose keys are new here) and events
        in one transaction; nothing is written if any part fails. The events get this
        log's next ids in ``(occurred_at, id)`` order: each entity keeps its events'
        order. Returns the first and last new event ids (0, 0 for none)."""
        with self._write_lock, self._cursor() as cur:
            with unit_of_work(cur) as tx:
                for table, frame in rows.items():
                    if len(frame):
                        cur.insert_frame(table, frame[COPIED_TABLES[table]])
                first, last = _append_events(tx, events.sort_values(["occurred_at", "id"]))
            cur.checkpoint()
        return first, last


def _after_the_log(tx: Tx, first_at: datetime | None) -> None:
    """A drill's events must come after the log's last: its order is time order."""
    if first_at is not None and tx.last_at is not None and first_at <= tx.last_at:
        raise AnttError(f"bulk events must come after {tx.last_at}")


def _append_events(tx: Tx, ordered: pd.DataFrame) -> tuple[int, int]:
    """*ordered* events as the log's next, in their order; the first and last ids given
    (0, 0 for none)."""
    if not len(ordered):
        return 0, 0
    first = tx.claim_events(len(ordered), ordered["occurred_at"].max())
    numbered = ordered.copy()
    numbered["id"] = range(first, first + len(numbered))
    tx.cursor.insert_frame("events", numbered[list(EVENT_COLUMNS)])
    return first, first + len(numbered) - 1


def _bulk_features(tx: Tx, features: dict[str, pd.DataFrame] | None, actor: str) -> None:
    """A bulk load's layers, each recorded as an import."""
    for kind, rows in (features or {}).items():
        tx.put_features(kind, rows, actor=actor, source="bulk", added=len(rows), changed=0)


def _drop_staging(cur: Cursor) -> None:
    """Drop :meth:`Bulk.bulk_load_chunks`' staging tables (also a killed load's)."""
    for (name,) in cur.rows("SELECT table_name FROM information_schema.tables "
                            "WHERE table_schema = current_schema() "
                            "AND table_name LIKE '\\_bulk\\_%' ESCAPE '\\'"):
        cur.run(f'DROP TABLE IF EXISTS "{name}"')
