"""The one write path: :func:`unit_of_work` opens a transaction, takes the clock row
(``FOR UPDATE`` on PostgreSQL: writers from every process queue there), hands the block a
:class:`Tx`, then writes the block's events, moves the clock and commits — or, if the
block raises, writes nothing. Commands (``Store.transact``), bulk loads and merges all
write through it."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

import pandas as pd

from geo.clock import to_utc, utcnow
from geo.errors import AnttError, NotFound, StaleVersion
from geo.store import queries as q
from geo.store.dialect import Cursor
from geo.store.schema import ENTITIES, EVENT_COLUMNS, SESSION, STAMP, event_row

__all__ = ["Tx", "unit_of_work", "transaction"]

log = logging.getLogger(__name__)


@contextmanager
def transaction(cur: Cursor) -> Iterator[None]:
    """``BEGIN`` … ``COMMIT``, or ``ROLLBACK`` if the block raises: the store's one
    transaction block (schema migrations use it bare; every write through
    :func:`unit_of_work`)."""
    cur.run("BEGIN TRANSACTION")
    try:
        yield
        cur.run("COMMIT")
    except BaseException:
        _rollback(cur)
        raise


@contextmanager
def unit_of_work(cur: Cursor, at: datetime | None = None) -> Iterator[Tx]:
    """One write transaction around a :class:`Tx` whose time is *at* (see
    :func:`event_time`)."""
    with transaction(cur):
        last_id, last_at = cur.rows(cur.lock_clock)[0]
        tx = Tx(cur, event_time(at, last_at), int(last_id), last_at)
        yield tx
        tx.flush()


class Tx:
    """One write transaction. Domain commands read and change entities through it.

    Every change writes the new row and its event together; the transaction
    commits both or neither.
    """

    def __init__(self, cur: Cursor, at: datetime, last_event_id: int,
                 last_at: datetime | None) -> None:
        self.cursor = cur  # the transaction's cursor (the bulk paths write through it too)
        self.at = at
        self.last_at = last_at  # the log's last event time before this transaction
        self._events: list[tuple] = []
        self._next_event = int(last_event_id) + 1
        self._first_event = self._next_event
        self._end_at: datetime | None = None  # the newest event time this one writes

    def get(self, entity: str, key: object) -> dict | None:
        return q.row(self.cursor, entity, key)

    def get_many(self, entity: str, keys: Sequence[object]) -> dict[object, dict]:
        """The current rows of *keys* (those that exist), by key, in one query."""
        spec = ENTITIES[entity]
        rows = self.cursor.rows(
            f"SELECT {', '.join(spec['columns'])} FROM {spec['table']} "
            f"WHERE {spec['key']} IN (SELECT unnest($keys))", {"keys": list(keys)})
        return {r[0]: dict(zip(spec["columns"], r, strict=True)) for r in rows}

    def get_for_update(self, entity: str, key: object, expected_version: int) -> dict:
        """The current row, or NotFound / StaleVersion (naming who changed it, and when)."""
        cur = self.get(entity, key)
        if cur is None:
            raise NotFound(entity, key)
        if int(expected_version) != cur["version"]:
            raise StaleVersion(entity, key, int(expected_version), cur["version"],
                               cur["updated_by"], cur["updated_at"])
        return cur

    def all(self, entity: str) -> list[dict]:
        """Every row of an entity's table (small tables: the calendar)."""
        spec = ENTITIES[entity]
        rows = self.cursor.rows(f"SELECT {', '.join(spec['columns'])} FROM {spec['table']} "
                                f"ORDER BY {spec['key']}")
        return [dict(zip(spec["columns"], r, strict=True)) for r in rows]

    def exists(self, entity: str, key: object) -> bool:
        return self.get(entity, key) is not None

    def incident_by_request(self, request_id: str) -> dict | None:
        return q.incident_by_request(self.cursor, request_id)

    def next_incident_id(self) -> int:
        return q.next_id(self.cursor, "incidents", "id")

    def create(self, entity: str, row: dict, *, actor: str, action: str = "create",
               detail: dict | None = None) -> dict:
        spec = ENTITIES[entity]
        new = {c: row.get(c) for c in spec["columns"]}
        new.update(version=1, updated_at=self.at, updated_by=actor)
        cols = spec["columns"]
        self.cursor.run(
            f"INSERT INTO {spec['table']} ({', '.join(cols)}) "
            f"VALUES ({', '.join('$' + c for c in cols)})", new)
        self._event(entity, new[spec["key"]], action, actor, 1, None, new, detail)
        return new

    def change(self, entity: str, current: dict, changes: dict, *, actor: str, action: str,
               detail: dict | None = None) -> dict:
        """Write ``current`` + ``changes`` as the next version, with its event."""
        spec = ENTITIES[entity]
        new = {**current, **changes}
        new.update(version=current["version"] + 1, updated_at=self.at, updated_by=actor)
        # Only changed columns: DuckDB rewrites a row whose indexed column is SET
        # (even to the same value) as delete + insert, which the key forbids twice.
        changed = [c for c in spec["columns"]
                   if c != spec["key"] and (new[c] != current[c] or c in STAMP)]
        sets = ", ".join(f"{c} = ${c}" for c in changed)
        params = {c: new[c] for c in changed}
        params[spec["key"]] = new[spec["key"]]
        params["expected"] = current["version"]
        done = self.cursor.run(
            f"UPDATE {spec['table']} SET {sets} "
            f"WHERE {spec['key']} = ${spec['key']} AND version = $expected", params)
        if done != 1:  # cannot happen while writes are serialised; be loud
            raise AnttError(f"{entity} {current[spec['key']]} changed under this transaction")
        self._event(entity, new[spec["key"]], action, actor, new["version"], current, new,
                    detail)
        return new

    def create_many(self, entity: str, rows: Sequence[dict], *, actor: str,
                    action: str = "create") -> int:
        """:meth:`create` for many rows in one statement (imports): same rows, same events."""
        spec = ENTITIES[entity]
        cols = spec["columns"]
        new = [{**{c: r.get(c) for c in cols}, "version": 1, "updated_at": self.at,
                "updated_by": actor} for r in rows]
        if not new:
            return 0
        with self.cursor.staged("_many", pd.DataFrame(new, columns=cols).astype(object),
                              spec["table"]):
            self.cursor.run(f"INSERT INTO {spec['table']} ({', '.join(cols)}) "
                          f"SELECT {', '.join(cols)} FROM _many")
        for row in new:
            self._event(entity, row[spec["key"]], action, actor, 1, None, row, None)
        return len(new)

    def change_many(self, entity: str, changes: Sequence[tuple[dict, dict]], *, actor: str,
                    action: str) -> int:
        """:meth:`change` for many ``(current, changes)`` pairs in one statement (imports).
        Every row must still be at the version in its *current*, or nothing is written."""
        spec = ENTITIES[entity]
        key, cols = spec["key"], spec["columns"]
        if not changes:
            return 0
        new = []
        for current, change in changes:
            row = {**current, **change}
            row.update(version=current["version"] + 1, updated_at=self.at, updated_by=actor)
            new.append(row)
        frame = pd.DataFrame(new, columns=cols).astype(object)
        frame["_expected"] = pd.Series([int(current["version"]) for current, _ in changes],
                                       dtype="int64")
        settable = [c for c in cols if c != key]
        with self.cursor.staged("_many", frame, spec["table"]):
            done = self.cursor.run(
                f"UPDATE {spec['table']} AS t SET "
                + ", ".join(f"{c} = m.{c}" for c in settable)
                + f" FROM _many AS m WHERE t.{key} = m.{key} AND t.version = m._expected")
        if done != len(new):
            raise AnttError(f"{entity}: {len(new) - done} row(s) changed "
                            "while this import was prepared; nothing was written, try again")
        for (current, _), row in zip(changes, new, strict=True):
            self._event(entity, row[key], action, actor, row["version"], current, row, None)
        return len(new)

    def next_id(self, entity: str) -> int:
        spec = ENTITIES[entity]
        return q.next_id(self.cursor, spec["table"], spec["key"])

    def note_event(self, entity_id: str, action: str, actor: str,
                   detail: dict | None = None) -> None:
        """An event that changes no entity (a login, a failed login, a logout)."""
        self._add(event_row(self._next_event, self.at, actor, SESSION, entity_id, action, 0,
                            None, None, detail))

    def set_password_hash(self, username: str, password_hash: str) -> None:
        self.cursor.run("DELETE FROM credentials WHERE username = $u", {"u": username})
        self.cursor.run("INSERT INTO credentials VALUES ($u, $h, $at)",
                          {"u": username, "h": password_hash, "at": self.at})

    def keep_file(self, sha256: str, data: bytes) -> None:
        """Keep a report file's bytes by their SHA-256 (once: the same content is one
        row). Not an entity: the bytes never reach the event log."""
        if not self.cursor.rows("SELECT 1 FROM report_files WHERE sha256 = $h",
                                {"h": sha256}):
            self.cursor.run("INSERT INTO report_files VALUES ($h, $b)",
                            {"h": sha256, "b": bytes(data)})

    def password_hash(self, username: str) -> str | None:
        return q.password_hash(self.cursor, username)

    def note_login_failure(self, username: str, source: str, forget_before: datetime
                           ) -> None:
        """Count a failed login of *username* from *source* (and forget those older
        than *forget_before*: the throttle only looks back one window)."""
        self.cursor.run("DELETE FROM login_failures WHERE occurred_at < $before",
                      {"before": forget_before})
        self.cursor.run("INSERT INTO login_failures VALUES ($at, $u, $src)",
                      {"at": self.at, "u": username, "src": source})

    def forget_login_failures(self, username: str, source: str) -> None:
        """A successful login from *source* clears that source's failures for the name."""
        self.cursor.run("DELETE FROM login_failures WHERE username = $u AND source = $src",
                      {"u": username, "src": source})

    def open_session(self, token_hash: str, username: str, expires_at: datetime) -> None:
        self.cursor.run("INSERT INTO sessions VALUES ($t, $u, $at, $exp, NULL)",
                          {"t": token_hash, "u": username, "at": self.at, "exp": expires_at})

    def session_user(self, token_hash: str) -> str | None:
        """The user name of a session open now (the wall clock's now, even when a drill
        writes at another time), or None."""
        return q.session_user(self.cursor, token_hash, utcnow())

    def wall_token_by_hash(self, token_hash: str) -> dict | None:
        return q.wall_token(self.cursor, token_hash)

    def feature(self, kind: str, code: str) -> dict | None:
        """One stored feature's code, name, commune and props (no geometry), or None."""
        rows = self.cursor.rows("SELECT code, name, commune_code, props FROM features "
                              "WHERE kind = $kind AND code = $code", {"kind": kind, "code": code})
        return dict(zip(("code", "name", "commune_code", "props"), rows[0], strict=True)) \
            if rows else None

    def end_sessions(self, username: str) -> int:
        """End every open session of *username* (a logout ends it everywhere)."""
        return self.cursor.run(
            "UPDATE sessions SET ended_at = $at WHERE username = $u AND ended_at IS NULL",
            {"u": username, "at": self.at})

    def features(self, kind: str) -> pd.DataFrame:
        return q.features(self.cursor, kind)

    def put_features(self, kind: str, rows: pd.DataFrame, *, actor: str, source: str,
                     added: int, changed: int) -> None:
        """Insert or replace features of *kind* by code (columns: code, name,
        commune_code, props, geom, and ``demo`` when the demo or a drill drew them) and
        record the import."""
        rows = rows.assign(demo=rows["demo"].astype(bool) if "demo" in rows.columns
                           else False)
        with self.cursor.staged("_features",
                              rows[["code", "name", "commune_code", "props", "geom", "demo"]],
                              "features"):
            self.cursor.run("DELETE FROM features WHERE kind = $kind AND code IN "
                          "(SELECT code FROM _features)", {"kind": kind})
            self.cursor.run("INSERT INTO features (kind, code, name, commune_code, props, geom, "
                          "demo) SELECT $kind, code, name, commune_code, props, geom, demo "
                          "FROM _features", {"kind": kind})
        self._record_import(kind, actor=actor, source=source, added=added, changed=changed)

    def remove_features(self, kind: str, codes: Sequence[str], *, actor: str,
                        source: str) -> int:
        """Take the features *codes* of *kind* out of the layers and record it (as an
        import that removed them); return how many there were."""
        if not codes:
            return 0
        n = self.cursor.run("DELETE FROM features WHERE kind = $kind AND code IN "
                            "(SELECT unnest($codes))", {"kind": kind, "codes": list(codes)})
        self._record_import(kind, actor=actor, source=source, added=0, changed=0, removed=n)
        return n

    def _record_import(self, kind: str, *, actor: str, source: str, added: int, changed: int,
                       removed: int = 0) -> None:
        nxt = q.next_id(self.cursor, "layer_imports", "id")
        self.cursor.run("INSERT INTO layer_imports (id, imported_at, actor, kind, source, "
                        "added, changed, removed) VALUES ($id, $at, $actor, $kind, $source, "
                        "$added, $changed, $removed)",
                        {"id": nxt, "at": self.at, "actor": actor, "kind": kind,
                         "source": source, "added": added, "changed": changed,
                         "removed": removed})

    def claim_events(self, n: int, end_at: datetime) -> int:
        """Reserve the log's next *n* event ids for events a bulk path writes itself, the
        newest at *end_at*; return the first. The clock moves past them at commit."""
        first = self._next_event
        self._next_event += int(n)
        self._end_at = end_at if self._end_at is None else max(self._end_at, end_at)
        return first

    def _event(self, entity: str, key: object, action: str, actor: str, version: int,
               before: dict | None, after: dict, detail: dict | None) -> None:
        self._add(event_row(self._next_event, self.at, actor, entity, key, action, version,
                            before, after, detail))

    def _add(self, event: tuple) -> None:
        self._events.append(event)
        self._next_event += 1
        self._end_at = self.at if self._end_at is None else max(self._end_at, self.at)

    def flush(self) -> None:
        """Write the events made through this object, and move the clock past every event
        of the transaction (never back: a merge may bring older events)."""
        if self._events and len(self._events) < 50:
            self.cursor.many(
                "INSERT INTO events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                self._events)
        elif self._events:  # an import's thousands of events: one statement, not one each
            self.cursor.insert_frame("events", pd.DataFrame(self._events, columns=EVENT_COLUMNS))
        if self._next_event == self._first_event:
            return
        end = self._end_at if self.last_at is None else max(self._end_at, self.last_at)
        self.cursor.run("UPDATE clock SET last_event_id = $id, last_at = $at",
                      {"id": self._next_event - 1, "at": end})


def event_time(at: datetime | None, last: datetime | None) -> datetime:
    """A transaction's time: with no *at*, now (or 1 µs after the last event if the clock
    went back); an explicit *at* earlier than the last event is refused, so event times
    strictly increase."""
    if at is None:
        now = utcnow()
        return now if last is None or now > last else last + timedelta(microseconds=1)
    at = to_utc(at)
    if last is not None and at <= last:
        raise AnttError(f"event time {at} is not after the last event ({last}); "
                        "events are appended in time order", at=at, last=last)
    return at


def _rollback(cur: Cursor) -> None:
    """Roll back after a failure; a connection already lost has nothing to roll back (and
    the first error, not this one, is the one to report)."""
    try:
        cur.run("ROLLBACK")
    except Exception as e:  # noqa: BLE001
        log.info("rollback failed after an error: %s", e)
