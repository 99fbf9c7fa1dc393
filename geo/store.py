"""DuckDB store: schema, migrations, the one write path, and every query. The only module
with SQL; connections (threads, processes, the file lock) are ``geo.connection``'s.

Durability: a write returns only after its transaction commits (DuckDB syncs its WAL
on commit). After each write the store runs ``CHECKPOINT`` so the change sits in the
main file and a crash never depends on WAL replay alone; bulk loads checkpoint once
at the end. Closing the anchor checkpoints too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from geo import settings
from geo.clock import to_utc, utcnow
from geo.codec import event_json, to_json
from geo.connection import anchor_for, private_folder
from geo.dialects import Cursor, DuckCursor, PgCursor
from geo.errors import AnttError, NotFound, StaleVersion, StoreUnusable
from geo.pgconnection import close_pool, is_url, pg_cursor, redact

__all__ = ["Store", "Tx", "Filters", "ENTITIES", "EVENT_COLUMNS", "SESSION", "COPIED_TABLES"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Columns of each stateful entity, in table order. ``version``, ``updated_at``
# and ``updated_by`` are kept by the store itself.
ENTITIES: dict[str, dict[str, Any]] = {
    "incident": {
        "table": "incidents",
        "key": "id",
        "columns": [
            "id", "kind", "severity", "status", "lon", "lat", "commune_code", "hamlet_code",
            "site_code", "target_code", "description", "source", "team_code", "reported_at",
            "verified_at", "dispatched_at", "on_scene_at", "resolved_at", "closed_at",
            "request_id", "created_by", "version", "updated_at", "updated_by",
        ],
    },
    "site": {
        "table": "sites",
        "key": "code",
        "columns": [
            "code", "name", "commune_code", "hamlet_code", "voters", "lon", "lat", "status",
            "voted", "reason", "incident_id", "version", "updated_at", "updated_by",
        ],
    },
    "unit": {
        "table": "units",
        "key": "code",
        "columns": [
            "code", "name", "commune_code", "size", "route_code", "status", "lon", "lat",
            "position_at", "incident_id", "last_checkpoint", "last_checkin_at", "version",
            "updated_at", "updated_by",
        ],
    },
    # Accounts: no password here (the hash lives in ``credentials``, never in an event).
    "user": {
        "table": "users",
        "key": "username",
        "columns": [
            "username", "display_name", "role", "communes", "unit_code", "site_code",
            "active", "version", "updated_at", "updated_by",
        ],
    },
    "wall_token": {
        "table": "wall_tokens",
        "key": "id",
        "columns": [
            "id", "label", "token_hash", "communes", "revoked", "version", "updated_at",
            "updated_by",
        ],
    },
}
_COLUMNS_OF = {spec["table"]: spec["columns"] for spec in ENTITIES.values()}
# Events that change no entity (logins, failed logins, logouts) use this entity name;
# replay leaves them out.
SESSION = "session"

EVENT_COLUMNS = ("id", "occurred_at", "actor", "entity", "entity_id", "action", "version",
                 "before", "after", "detail")

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "entities and event log", """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            kind VARCHAR NOT NULL,
            severity SMALLINT NOT NULL CHECK (severity BETWEEN 1 AND 4),
            status VARCHAR NOT NULL,
            lon DOUBLE NOT NULL, lat DOUBLE NOT NULL,
            commune_code VARCHAR, hamlet_code VARCHAR,
            site_code VARCHAR, target_code VARCHAR,
            description VARCHAR NOT NULL DEFAULT '',
            source VARCHAR NOT NULL,
            team_code VARCHAR,
            reported_at TIMESTAMP NOT NULL,
            verified_at TIMESTAMP, dispatched_at TIMESTAMP, on_scene_at TIMESTAMP,
            resolved_at TIMESTAMP, closed_at TIMESTAMP,
            request_id VARCHAR UNIQUE,
            created_by VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL
        );
        CREATE TABLE sites (
            code VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            commune_code VARCHAR, hamlet_code VARCHAR,
            voters INTEGER,
            lon DOUBLE NOT NULL, lat DOUBLE NOT NULL,
            status VARCHAR NOT NULL,
            voted INTEGER, reason VARCHAR, incident_id INTEGER,
            version INTEGER NOT NULL,
            updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL
        );
        CREATE TABLE units (
            code VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            commune_code VARCHAR,
            size INTEGER,
            route_code VARCHAR,
            status VARCHAR NOT NULL,
            lon DOUBLE, lat DOUBLE, position_at TIMESTAMP,
            incident_id INTEGER,
            last_checkpoint VARCHAR, last_checkin_at TIMESTAMP,
            version INTEGER NOT NULL,
            updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL
        );
        -- Append-only: this module has no UPDATE or DELETE on events.
        CREATE TABLE events (
            id BIGINT PRIMARY KEY,
            occurred_at TIMESTAMP NOT NULL,
            actor VARCHAR NOT NULL,
            entity VARCHAR NOT NULL,
            entity_id VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            before VARCHAR,
            after VARCHAR NOT NULL,
            detail VARCHAR
        );
        CREATE TABLE clock (
            one BOOLEAN PRIMARY KEY DEFAULT TRUE,
            last_event_id BIGINT NOT NULL,
            last_at TIMESTAMP
        );
        INSERT INTO clock VALUES (TRUE, 0, NULL);
    """),
    (2, "map layers", """
        -- Static geography: communes, hamlets, sites, targets, hotspots, routes,
        -- checkpoints. Geometry as WKB in EPSG:4326; kind-specific fields as JSON text.
        CREATE TABLE features (
            kind VARCHAR NOT NULL,
            code VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            commune_code VARCHAR,
            props VARCHAR NOT NULL,
            geom BLOB NOT NULL,
            PRIMARY KEY (kind, code)
        );
        CREATE TABLE layer_imports (
            id INTEGER PRIMARY KEY,
            imported_at TIMESTAMP NOT NULL,
            actor VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            added INTEGER NOT NULL,
            changed INTEGER NOT NULL
        );
    """),
    (3, "accounts, sessions and wall tokens", """
        CREATE TABLE users (
            username VARCHAR PRIMARY KEY,
            display_name VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            communes VARCHAR NOT NULL,      -- JSON list of commune codes; ["*"] = all
            unit_code VARCHAR, site_code VARCHAR,   -- a field account's team / site
            active BOOLEAN NOT NULL,
            version INTEGER NOT NULL,
            updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL
        );
        -- argon2id hashes; not an entity, so a hash never reaches the event log.
        CREATE TABLE credentials (
            username VARCHAR PRIMARY KEY,
            password_hash VARCHAR NOT NULL,
            changed_at TIMESTAMP NOT NULL
        );
        -- Only a SHA-256 of each session token is kept.
        CREATE TABLE sessions (
            token_hash VARCHAR PRIMARY KEY,
            username VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            ended_at TIMESTAMP
        );
        CREATE TABLE wall_tokens (
            id INTEGER PRIMARY KEY,
            label VARCHAR NOT NULL,
            token_hash VARCHAR NOT NULL,
            communes VARCHAR NOT NULL,
            revoked BOOLEAN NOT NULL,
            version INTEGER NOT NULL,
            updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL
        );
    """),
    (4, "login failures by name and source", """
        -- The throttle's memory, not a record: rows older than the lock window are
        -- dropped, and a name's rows from a source go when it logs in from there. Every
        -- attempt is also an event in the log (the record).
        CREATE TABLE login_failures (
            occurred_at TIMESTAMP NOT NULL,
            username VARCHAR NOT NULL,
            source VARCHAR NOT NULL
        );
    """),
]


_STAMP = ("version", "updated_at", "updated_by")
# What `antt migrate` copies besides the event log: the entities, their accounts'
# password hashes, and the map layers with their import records (not sessions: a login
# belongs to the server it was made on).
COPIED_TABLES: dict[str, list[str]] = {
    **{spec["table"]: spec["columns"] for spec in ENTITIES.values()},
    "credentials": ["username", "password_hash", "changed_at"],
    "features": ["kind", "code", "name", "commune_code", "props", "geom"],
    "layer_imports": ["id", "imported_at", "actor", "kind", "source", "added", "changed"],
}


@dataclass(frozen=True)
class Filters:
    """What the dashboard filters incidents by. Empty means "any"."""

    commune_codes: Sequence[str] = ()
    hamlet_codes: Sequence[str] = ()
    kinds: Sequence[str] = ()
    severities: Sequence[int] = ()
    statuses: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        return _where(
            ("commune_code IN (SELECT unnest($commune_codes))", "commune_codes",
             list(self.commune_codes) or None),
            ("hamlet_code IN (SELECT unnest($hamlet_codes))", "hamlet_codes",
             list(self.hamlet_codes) or None),
            ("kind IN (SELECT unnest($kinds))", "kinds", list(self.kinds) or None),
            ("severity IN (SELECT unnest($severities))", "severities",
             list(self.severities) or None),
            ("status IN (SELECT unnest($statuses))", "statuses", list(self.statuses) or None),
            ("reported_at >= $since", "since", self.since),
            ("reported_at < $until", "until", self.until))


def _where(*conditions: tuple[str, str, Any]) -> tuple[str, dict[str, Any]]:
    """``(sql, parameter, value)`` conditions joined with AND, leaving out those whose value
    is None; datetimes become naive UTC. The one WHERE builder of this module."""
    parts, params = ["TRUE"], {}
    for sql, name, value in conditions:
        if value is None:
            continue
        parts.append(sql)
        params[name] = to_utc(value) if isinstance(value, datetime) else value
    return " AND ".join(parts), params


def _row(cur: Cursor, entity: str, key: object) -> dict | None:
    """The current row of one entity, or None (reads and writes alike)."""
    spec = ENTITIES[entity]
    rows = cur.rows(f"SELECT {', '.join(spec['columns'])} FROM {spec['table']} "
                       f"WHERE {spec['key']} = $key", {"key": key})
    return dict(zip(spec["columns"], rows[0], strict=True)) if rows else None


def _features(cur: Cursor, kind: str) -> pd.DataFrame:
    return cur.frame(
        "SELECT code, name, commune_code, props, geom FROM features WHERE kind = $kind "
        "ORDER BY code", {"kind": kind})


def _session_user(cur: Cursor, token_hash: str, now: datetime) -> str | None:
    rows = cur.rows("SELECT username FROM sessions WHERE token_hash = $t AND ended_at IS NULL "
                    "AND expires_at > $now", {"t": token_hash, "now": now})
    return rows[0][0] if rows else None


def _incident_by_request(cur: Cursor, request_id: str) -> dict | None:
    rows = cur.rows("SELECT id FROM incidents WHERE request_id = $r", {"r": request_id})
    return _row(cur, "incident", rows[0][0]) if rows else None


def _password_hash(cur: Cursor, username: str) -> str | None:
    rows = cur.rows("SELECT password_hash FROM credentials WHERE username = $u",
                    {"u": username})
    return rows[0][0] if rows else None


def _wall_token(cur: Cursor, token_hash: str) -> dict | None:
    rows = cur.rows("SELECT id FROM wall_tokens WHERE token_hash = $t", {"t": token_hash})
    return _row(cur, "wall_token", rows[0][0]) if rows else None


def _next_id(cur: Cursor, table: str, column: str) -> int:
    return int(cur.rows(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}"
                           )[0][0])


class Tx:
    """One write transaction. Domain commands read and change entities through it.

    Every change writes the new row and its event together; the transaction
    commits both or neither.
    """

    def __init__(self, cur: Cursor, at: datetime, last_event_id: int | None = None) -> None:
        self._cur = cur
        self.at = at
        self._events: list[tuple] = []
        if last_event_id is None:
            last_event_id = cur.rows("SELECT last_event_id FROM clock")[0][0]
        self._next_event = int(last_event_id) + 1

    def get(self, entity: str, key: object) -> dict | None:
        return _row(self._cur, entity, key)

    def get_many(self, entity: str, keys: Sequence[object]) -> dict[object, dict]:
        """The current rows of *keys* (those that exist), by key, in one query."""
        spec = ENTITIES[entity]
        rows = self._cur.rows(
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

    def exists(self, entity: str, key: object) -> bool:
        return self.get(entity, key) is not None

    def incident_by_request(self, request_id: str) -> dict | None:
        return _incident_by_request(self._cur, request_id)

    def next_incident_id(self) -> int:
        return _next_id(self._cur, "incidents", "id")

    def create(self, entity: str, row: dict, *, actor: str, action: str = "create",
               detail: dict | None = None) -> dict:
        spec = ENTITIES[entity]
        new = {c: row.get(c) for c in spec["columns"]}
        new.update(version=1, updated_at=self.at, updated_by=actor)
        cols = spec["columns"]
        self._cur.run(
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
                   if c != spec["key"] and (new[c] != current[c] or c in _STAMP)]
        sets = ", ".join(f"{c} = ${c}" for c in changed)
        params = {c: new[c] for c in changed}
        params[spec["key"]] = new[spec["key"]]
        params["expected"] = current["version"]
        done = self._cur.run(
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
        with self._cur.staged("_many", pd.DataFrame(new, columns=cols).astype(object),
                              spec["table"]):
            self._cur.run(f"INSERT INTO {spec['table']} ({', '.join(cols)}) "
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
        with self._cur.staged("_many", frame, spec["table"]):
            done = self._cur.run(
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
        return _next_id(self._cur, spec["table"], spec["key"])

    def note_event(self, entity_id: str, action: str, actor: str,
                   detail: dict | None = None) -> None:
        """An event that changes no entity (a login, a failed login, a logout)."""
        self._events.append((self._next_event, self.at, actor, SESSION, str(entity_id),
                             action, 0, None, "{}", to_json(detail) if detail else None))
        self._next_event += 1

    def set_password_hash(self, username: str, password_hash: str) -> None:
        self._cur.run("DELETE FROM credentials WHERE username = $u", {"u": username})
        self._cur.run("INSERT INTO credentials VALUES ($u, $h, $at)",
                          {"u": username, "h": password_hash, "at": self.at})

    def password_hash(self, username: str) -> str | None:
        return _password_hash(self._cur, username)

    def note_login_failure(self, username: str, source: str, forget_before: datetime
                           ) -> None:
        """Count a failed login of *username* from *source* (and forget those older
        than *forget_before*: the throttle only looks back one window)."""
        self._cur.run("DELETE FROM login_failures WHERE occurred_at < $before",
                      {"before": forget_before})
        self._cur.run("INSERT INTO login_failures VALUES ($at, $u, $src)",
                      {"at": self.at, "u": username, "src": source})

    def forget_login_failures(self, username: str, source: str) -> None:
        """A successful login from *source* clears that source's failures for the name."""
        self._cur.run("DELETE FROM login_failures WHERE username = $u AND source = $src",
                      {"u": username, "src": source})

    def open_session(self, token_hash: str, username: str, expires_at: datetime) -> None:
        self._cur.run("INSERT INTO sessions VALUES ($t, $u, $at, $exp, NULL)",
                          {"t": token_hash, "u": username, "at": self.at, "exp": expires_at})

    def session_user(self, token_hash: str) -> str | None:
        """The user name of a session open now (the wall clock's now, even when a drill
        writes at another time), or None."""
        return _session_user(self._cur, token_hash, utcnow())

    def wall_token_by_hash(self, token_hash: str) -> dict | None:
        return _wall_token(self._cur, token_hash)

    def feature(self, kind: str, code: str) -> dict | None:
        """One stored feature's code, name, commune and props (no geometry), or None."""
        rows = self._cur.rows("SELECT code, name, commune_code, props FROM features "
                              "WHERE kind = $kind AND code = $code", {"kind": kind, "code": code})
        return dict(zip(("code", "name", "commune_code", "props"), rows[0], strict=True)) \
            if rows else None

    def end_sessions(self, username: str) -> int:
        """End every open session of *username* (a logout ends it everywhere)."""
        return self._cur.run(
            "UPDATE sessions SET ended_at = $at WHERE username = $u AND ended_at IS NULL",
            {"u": username, "at": self.at})

    def features(self, kind: str) -> pd.DataFrame:
        return _features(self._cur, kind)

    def put_features(self, kind: str, rows: pd.DataFrame, *, actor: str, source: str,
                     added: int, changed: int) -> None:
        """Insert or replace features of *kind* by code (columns: code, name,
        commune_code, props, geom) and record the import."""
        with self._cur.staged("_features",
                              rows[["code", "name", "commune_code", "props", "geom"]],
                              "features"):
            self._cur.run("DELETE FROM features WHERE kind = $kind AND code IN "
                          "(SELECT code FROM _features)", {"kind": kind})
            self._cur.run("INSERT INTO features (kind, code, name, commune_code, props, geom) "
                          "SELECT $kind, code, name, commune_code, props, geom FROM _features",
                          {"kind": kind})
        nxt = _next_id(self._cur, "layer_imports", "id")
        self._cur.run("INSERT INTO layer_imports VALUES ($id, $at, $actor, $kind, $source, "
                          "$added, $changed)", {"id": nxt, "at": self.at, "actor": actor,
                                                "kind": kind, "source": source, "added": added,
                                                "changed": changed})

    def _event(self, entity: str, key: object, action: str, actor: str, version: int,
               before: dict | None, after: dict, detail: dict | None) -> None:
        self._events.append((
            self._next_event, self.at, actor, entity, str(key), action, version,
            event_json(before),
            event_json(after),
            to_json(detail) if detail else None,
        ))
        self._next_event += 1

    def _flush(self) -> None:
        if not self._events:
            return
        if len(self._events) < 50:
            self._cur.many(
                "INSERT INTO events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                self._events)
        else:  # an import's thousands of events: one statement, not one per row
            self._cur.insert_frame("events", pd.DataFrame(self._events, columns=EVENT_COLUMNS))
        self._cur.run("UPDATE clock SET last_event_id = $id, last_at = $at",
                          {"id": self._events[-1][0], "at": self.at})



class Store:
    """The incident store on one DuckDB file, or on a PostgreSQL server.

    *path* is a file path (DuckDB) or a ``postgresql://user@host/db`` URL. Safe to
    share between threads; safe to use from several processes at once (DuckDB: they
    take turns on the file lock, see ``geo.connection``; PostgreSQL: the server
    serialises writers on the clock row, see ``geo.dialects``).
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
            cur.run("BEGIN TRANSACTION")
            try:
                cur.run(cur.ddl(sql))
                for extra in cur.after_migration(version):
                    cur.run(extra)
                cur.run("INSERT INTO schema_migrations VALUES ($v, $n, $t)",
                        {"v": version, "n": name, "t": utcnow()})
                cur.run("COMMIT")
            except BaseException:
                _rollback(cur)
                raise
            applied.append(version)
            log.info("applied migration %s: %s", version, name)
        if applied:
            cur.checkpoint()
        return applied

    def migrations(self) -> list[tuple[int, str]]:
        with self._cursor() as cur:
            return cur.rows(
                "SELECT version, name FROM schema_migrations ORDER BY version")

    # ---- the one write path -------------------------------------------------------
    def transact(self, fn: Callable[[Tx], T], *, at: datetime | None = None) -> T:
        """Run *fn* in one transaction and commit its changes and events together.

        Returns only after the commit (and checkpoint). If *fn* raises, nothing is
        written. Event times strictly increase: with no *at*, the time is now (or
        1 µs after the last event if the clock went back); an explicit *at*
        earlier than the last event is refused.
        """
        with self._write_lock, self._cursor() as cur:
            cur.run("BEGIN TRANSACTION")
            try:
                last_id, last = cur.rows(cur.lock_clock)[0]
                stamp = _event_time(at, last)
                tx = Tx(cur, stamp, last_id)
                result = fn(tx)
                tx._flush()
                cur.run("COMMIT")
            except BaseException:
                _rollback(cur)
                raise
            if self.checkpoint_after_write:
                cur.checkpoint()
            return result

    # ---- reads ----------------------------------------------------------------------
    def get(self, entity: str, key: object) -> dict:
        with self._cursor() as cur:
            row = _row(cur, entity, key)
        if row is None:
            raise NotFound(entity, key)
        return row

    def frame(self, entity: str) -> pd.DataFrame:
        """Every row of an entity's table (sites and units are small)."""
        spec = ENTITIES[entity]
        with self._cursor() as cur:
            return cur.frame(
                f"SELECT {', '.join(spec['columns'])} FROM {spec['table']} "
                f"ORDER BY {spec['key']}")

    def incidents(self, filters: Filters | None = None, *, limit: int | None = None
                  ) -> pd.DataFrame:
        """Incidents matching *filters*, newest first."""
        where, params = (filters or Filters()).where()
        sql = (f"SELECT {', '.join(ENTITIES['incident']['columns'])} FROM incidents "
               f"WHERE {where} ORDER BY reported_at DESC, id DESC")
        if limit is not None:
            sql += " LIMIT $limit"
            params["limit"] = int(limit)
        with self._cursor() as cur:
            return cur.frame(sql, params)

    def incident_by_request(self, request_id: str) -> dict | None:
        """The incident a report with *request_id* logged, or None (a form sent again after
        a server restart is recognised before anything is asked or written)."""
        with self._cursor() as cur:
            return _incident_by_request(cur, request_id)

    def counts(self) -> dict[str, Any]:
        """Totals for ``antt status``."""
        with self._cursor() as cur:
            def q(sql: str) -> list[tuple]:
                return cur.rows(sql)

            by_status = "SELECT status, count(*) FROM {} GROUP BY 1 ORDER BY 1"
            return {
                "incidents": dict(q(by_status.format("incidents"))),
                "sites": dict(q(by_status.format("sites"))),
                "units": dict(q(by_status.format("units"))),
                "events": q("SELECT count(*) FROM events")[0][0],
                "last_event_at": q("SELECT last_at FROM clock")[0][0],
            }

    def events(self, entity: str | None = None, entity_id: object = None,
               until: datetime | None = None, limit: int | None = None,
               action: str | None = None) -> pd.DataFrame:
        """Events, oldest first (or the newest *limit*, still oldest first)."""
        where, params = _where(
            ("action = $action", "action", action), ("entity = $entity", "entity", entity),
            ("entity_id = $eid", "eid", None if entity_id is None else str(entity_id)),
            ("occurred_at <= $until", "until", until))
        sql = f"SELECT * FROM events WHERE {where} ORDER BY id"
        if limit is not None:
            sql = f"SELECT * FROM ({sql} DESC LIMIT $limit) AS newest ORDER BY id"
            params["limit"] = int(limit)
        with self._cursor() as cur:
            return cur.frame(sql, params)

    def recent_events(self, n: int, filters: Filters | None = None,
                      skip_actions: Sequence[str] = ("position",)) -> pd.DataFrame:
        """The newest *n* events, newest first, with the entity's display name, for what
        *filters* shows: incidents by commune, hamlet, kind and severity (not status: a
        ticker tells what just happened, a close included); sites by commune and hamlet;
        teams by commune. Routine *skip_actions* are left out."""
        f = filters or Filters()
        inc_where, params = Filters(commune_codes=f.commune_codes, hamlet_codes=f.hamlet_codes,
                                    kinds=f.kinds, severities=f.severities).where()
        place_where, place_params = _where(
            ("commune_code IN (SELECT unnest($p_communes))", "p_communes",
             list(f.commune_codes) or None),
            ("hamlet_code IN (SELECT unnest($p_hamlets))", "p_hamlets",
             list(f.hamlet_codes) or None))
        unit_where, unit_params = _where(
            ("commune_code IN (SELECT unnest($p_communes))", "p_communes",
             list(f.commune_codes) or None))
        when, when_params = _where(("e.occurred_at >= $since", "since", f.since))
        params.update(place_params, **unit_params, **when_params, n=int(n),
                      skip=list(skip_actions))
        with self._cursor() as cur:
            return cur.frame(f"""
                WITH x AS (
                    SELECT 'incident' AS entity, CAST(id AS VARCHAR) AS entity_id,
                           kind AS name FROM incidents WHERE {inc_where}
                    UNION ALL SELECT 'site', code, name FROM sites WHERE {place_where}
                    UNION ALL SELECT 'unit', code, name FROM units WHERE {unit_where})
                SELECT e.id, e.occurred_at, e.actor, e.entity, e.entity_id, e.action, x.name
                FROM events e JOIN x USING (entity, entity_id)
                WHERE e.action NOT IN (SELECT unnest($skip)) AND {when}
                ORDER BY e.id DESC LIMIT $n""", params)

    def unacknowledged(self, filters: Filters, min_severity: int) -> pd.DataFrame:
        """Incidents matching *filters* (the caller says which statuses are open) of at
        least *min_severity* that nobody has acknowledged (no ``acknowledge`` event),
        oldest first."""
        where, params = filters.where()
        with self._cursor() as cur:
            return cur.frame(f"""
                SELECT {', '.join(ENTITIES['incident']['columns'])} FROM incidents
                WHERE {where} AND severity >= $sev AND CAST(id AS VARCHAR) NOT IN (
                    SELECT entity_id FROM events
                    WHERE entity = 'incident' AND action = 'acknowledge')
                ORDER BY reported_at, id""", {**params, "sev": int(min_severity)})

    def latest_snapshots(self, at: datetime | None = None, until_event: int | None = None
                         ) -> list[tuple[str, str, str]]:
        """For each entity, the ``after`` JSON of its last event at or before *at*."""
        where, params = _where(
            ("entity IN (SELECT unnest($entities))", "entities", list(ENTITIES)),
            ("occurred_at <= $at", "at", at),
            ("id <= $eid", "eid", None if until_event is None else int(until_event)))
        with self._cursor() as cur:
            return cur.rows(cur.latest_after(where), params)

    def frame_at(self, entity: str, at: datetime | None = None) -> pd.DataFrame:
        """One entity's rows as they stood at *at*, typed as in its table, parsed from the
        events' ``after`` JSON in the database (no Python object per row: the review's
        replay over a million events stays under a second)."""
        spec = ENTITIES[entity]
        when, params = _where(("entity = $entity", "entity", entity),
                              ("occurred_at <= $at", "at", at))
        with self._cursor() as cur:
            sql, more = cur.rows_from_after(spec["table"], spec["key"], spec["columns"], when)
            return cur.frame(sql, {**params, **more})

    # ---- bulk and export ---------------------------------------------------------------
    def write_parquet(self, out_dir: str | os.PathLike[str], filters: Filters | None = None
                      ) -> list[Path]:
        """Write incidents (filtered) and their events to *out_dir* as Parquet, straight
        from DuckDB; return the files. (CSV goes through ``geo.exports``, which guards
        every cell against formulas.)"""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        where, params = (filters or Filters()).where()
        inc_sql = (f"SELECT {', '.join(ENTITIES['incident']['columns'])} FROM incidents "
                   f"WHERE {where} ORDER BY id")
        ev_sql, ev_params = _events_sql(filters or Filters())
        params = {**params, **ev_params}
        written = []
        with self._cursor() as cur:
            for name, sql in (("incidents", inc_sql), ("events", ev_sql)):
                path = out / f"{name}.parquet"
                cur.parquet(sql, params, path)
                written.append(path)
        return written

    def filtered_events(self, filters: Filters | None = None) -> pd.DataFrame:
        """The events that go with a filtered set of incidents, oldest first: every event of
        those incidents, and the site and unit events of the filtered communes in the
        filtered period (sites and units have no kind or severity)."""
        sql, params = _events_sql(filters or Filters())
        with self._cursor() as cur:
            return cur.frame(sql, params)

    def events_of(self, entity: str, ids: Sequence[object]) -> pd.DataFrame:
        """Every event of the given entities, oldest first (timelines for the review)."""
        with self._cursor() as cur:
            return cur.frame(
                "SELECT * FROM events WHERE entity = $entity AND entity_id IN "
                "(SELECT unnest($ids)) ORDER BY id",
                {"entity": entity, "ids": [str(i) for i in ids]})

    def bulk_load(self, entity_rows: dict[str, pd.DataFrame], events: pd.DataFrame, *,
                  features: dict[str, pd.DataFrame] | None = None, actor: str = "bulk"
                  ) -> None:
        """Insert prepared rows and their events in one transaction (drills, benchmarks).

        The caller builds rows and events exactly as commands would; this path
        only skips per-row round trips. Event ids must continue the log.
        """
        with self._write_lock, self._cursor() as cur:
            cur.run("BEGIN TRANSACTION")
            try:
                last_id, last_at = cur.rows(
                    "SELECT last_event_id, last_at FROM clock")[0]
                if len(events):
                    if int(events["id"].min()) != last_id + 1:
                        raise AnttError(f"bulk events must start at id {last_id + 1}")
                    if last_at is not None and events["occurred_at"].min() <= last_at:
                        raise AnttError(f"bulk events must come after {last_at}")
                _bulk_features(cur, features, actor, last_at)
                _bulk_rows(cur, entity_rows)
                if len(events):
                    cur.insert_frame("events", events[list(EVENT_COLUMNS)])
                    cur.run("UPDATE clock SET last_event_id = $id, last_at = $at",
                                {"id": int(events["id"].max()), "at": events["occurred_at"].max()})
                cur.run("COMMIT")
            except BaseException:
                _rollback(cur)
                raise
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

        The events carry ``seq`` instead of ``id``, unique over the whole load: DuckDB
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
                cur.run("BEGIN TRANSACTION")
                try:
                    last_id, last_at = cur.rows(
                        "SELECT last_event_id, last_at FROM clock")[0]
                    if n and last_at is not None and first_at <= last_at:
                        raise AnttError(f"bulk events must come after {last_at}")
                    _bulk_features(cur, features, actor, last_at)
                    for table in sorted(staged):
                        names = ", ".join(_COLUMNS_OF[table])
                        cur.run(f"INSERT INTO {table} ({names}) SELECT {names} "
                                f"FROM _bulk_{table}")
                    if n:
                        # The ids: a sort of the keys alone; the rows then go in in id order.
                        cur.run(f"INSERT INTO events SELECT $last + row_number() OVER "
                                    f"(ORDER BY occurred_at, seq) AS id, {cols} "
                                    "FROM _bulk_events ORDER BY id", {"last": int(last_id)})
                        cur.run("UPDATE clock SET last_event_id = $id, last_at = $at",
                                    {"id": int(last_id) + int(n), "at": end_at})
                    cur.run("COMMIT")
                except BaseException:
                    _rollback(cur)
                    raise
            finally:
                _drop_staging(cur)
                cur.bulk_end()
            cur.checkpoint()
        return int(n)

    # ---- moving a database to another store (geo.migrate) ----------------------------
    def dump(self, table: str) -> pd.DataFrame:
        """Every row of one of the tables a migration copies (:data:`COPIED_TABLES`), in
        the table's column order."""
        with self._cursor() as cur:
            return cur.frame(f"SELECT {', '.join(COPIED_TABLES[table])} FROM {table}")

    def events_for(self, entity_ids: dict[str, Sequence[str]]) -> pd.DataFrame:
        """Every event of the given ``{entity: [ids]}``, oldest first."""
        frames = [self.events_of(entity, ids) for entity, ids in entity_ids.items() if ids]
        frames = [f for f in frames if len(f)]
        return (pd.concat(frames, ignore_index=True).sort_values("id") if frames
                else self.events(limit=0))

    def merge(self, rows: dict[str, pd.DataFrame], events: pd.DataFrame) -> tuple[int, int]:
        """Append another store's rows (table → rows, whose keys are new here) and events
        in one transaction; nothing is written if any part fails. The events get this
        log's next ids in ``(occurred_at, id)`` order: each entity keeps its events'
        order. Returns the first and last new event ids (0, 0 for none)."""
        with self._write_lock, self._cursor() as cur:
            cur.run("BEGIN TRANSACTION")
            try:
                last_id, last_at = cur.rows(cur.lock_clock)[0]
                for table, frame in rows.items():
                    if len(frame):
                        cur.insert_frame(table, frame[COPIED_TABLES[table]])
                first = last = 0
                if len(events):
                    ordered = events.sort_values(["occurred_at", "id"]).copy()
                    first = int(last_id) + 1
                    ordered["id"] = range(first, first + len(ordered))
                    last = first + len(ordered) - 1
                    cur.insert_frame("events", ordered[list(EVENT_COLUMNS)])
                    newest = ordered["occurred_at"].max()
                    end = newest if last_at is None else max(newest, last_at)
                    cur.run("UPDATE clock SET last_event_id = $id, last_at = $at",
                            {"id": last, "at": end})
                cur.run("COMMIT")
            except BaseException:
                _rollback(cur)
                raise
            cur.checkpoint()
        return first, last

    def features(self, kind: str) -> pd.DataFrame:
        """Features of one layer kind: code, name, commune_code, props (JSON), geom (WKB)."""
        with self._cursor() as cur:
            return _features(cur, kind)

    def layers_version(self) -> int:
        """Grows with every layer import: a cache key for loaded layers."""
        with self._cursor() as cur:
            return int(cur.rows("SELECT coalesce(max(id), 0) FROM layer_imports"
                                   )[0][0])

    def layer_summary(self) -> pd.DataFrame:
        """Per layer kind: features, communes, last import."""
        with self._cursor() as cur:
            # Count first, join after: one row per import would multiply the counts.
            return cur.frame("""
                SELECT f.kind, f.features, f.communes, i.last_import
                FROM (SELECT kind, count(*) AS features,
                             count(DISTINCT commune_code) AS communes
                      FROM features GROUP BY kind) f
                LEFT JOIN (SELECT kind, max(imported_at) AS last_import
                           FROM layer_imports GROUP BY kind) i USING (kind)
                ORDER BY f.kind""")

    def next_incident_id(self) -> int:
        with self._cursor() as cur:
            return _next_id(cur, "incidents", "id")

    def session_user(self, token_hash: str, now: datetime) -> str | None:
        """The user name of an open, unexpired session, or None."""
        with self._cursor() as cur:
            return _session_user(cur, token_hash, now)

    def password_hash(self, username: str) -> str | None:
        """A read outside any write lock: a login verifies before it writes."""
        with self._cursor() as cur:
            return _password_hash(cur, username)

    def login_failures(self, username: str, source: str, since: datetime
                       ) -> tuple[list[datetime], list[datetime]]:
        """Failed logins since *since*: of *username* from *source*, and of any name from
        *source*; times, oldest first."""
        with self._cursor() as cur:
            rows = cur.rows("SELECT occurred_at, username = $u FROM login_failures "
                            "WHERE source = $src AND occurred_at >= $since "
                            "ORDER BY occurred_at", {"u": username, "src": source,
                                                     "since": since})
        return [r[0] for r in rows if r[1]], [r[0] for r in rows]

    def session_live(self, token_hash: str | None, username: str, now: datetime) -> bool:
        """Whether *username*'s account is active and, given a session, that session is
        open at *now*."""
        with self._cursor() as cur:
            if token_hash is None:
                rows = cur.rows("SELECT 1 FROM users WHERE username = $u AND active",
                                {"u": username})
            else:
                rows = cur.rows(
                    "SELECT 1 FROM sessions s JOIN users u ON u.username = s.username "
                    "WHERE s.token_hash = $t AND s.username = $u AND s.ended_at IS NULL "
                    "AND s.expires_at > $now AND u.active",
                    {"t": token_hash, "u": username, "now": now})
        return bool(rows)

    def wall_token_by_hash(self, token_hash: str) -> dict | None:
        with self._cursor() as cur:
            return _wall_token(cur, token_hash)

    def audit(self, *, actor: str | None = None, action: str | None = None,
              since: datetime | None = None, until: datetime | None = None,
              entities: Sequence[str] | None = None, limit: int | None = None,
              offset: int = 0) -> pd.DataFrame:
        """Events (sessions included), newest first, filtered by actor, action, time and
        the kinds of entity they are about (``geo.audit``'s categories). *limit* and
        *offset* give one page; with no *limit* every matching event comes back, so
        nothing is ever cut off silently (:meth:`audit_count` says how many match)."""
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError(f"limit {limit} and offset {offset} must not be negative")
        where, params = self._audit_where(actor, action, since, until, entities)
        params["offset"] = int(offset)
        page = ""
        if limit is not None:
            page, params["limit"] = " LIMIT $limit", int(limit)
        with self._cursor() as cur:
            return cur.frame(
                "SELECT id, occurred_at, actor, entity, entity_id, action, detail FROM events "
                f"WHERE {where} ORDER BY id DESC{page} OFFSET $offset", params)

    def audit_count(self, *, actor: str | None = None, action: str | None = None,
                    since: datetime | None = None, until: datetime | None = None,
                    entities: Sequence[str] | None = None) -> int:
        """How many events :meth:`audit` finds with the same filters (and no limit)."""
        where, params = self._audit_where(actor, action, since, until, entities)
        with self._cursor() as cur:
            return int(cur.rows(f"SELECT count(*) FROM events WHERE {where}", params)[0][0])

    @staticmethod
    def _audit_where(actor: str | None, action: str | None, since: datetime | None,
                     until: datetime | None, entities: Sequence[str] | None
                     ) -> tuple[str, dict[str, Any]]:
        """The WHERE of :meth:`audit` and :meth:`audit_count`."""
        return _where(("actor = $actor", "actor", actor or None),
                      ("action = $action", "action", action or None),
                      ("occurred_at >= $since", "since", since),
                      ("occurred_at < $until", "until", until),
                      ("entity IN (SELECT unnest($entities))", "entities",
                       None if entities is None else list(entities)))

    def last_operation_at(self) -> datetime | None:
        """When an incident, site or unit last changed (logins and accounts left out): the
        day a review starts from."""
        with self._cursor() as cur:
            return cur.rows("SELECT max(occurred_at) FROM events WHERE entity IN "
                               "('incident', 'site', 'unit')")[0][0]

    def last_event(self) -> tuple[int, datetime | None]:
        with self._cursor() as cur:
            eid, at = cur.rows("SELECT last_event_id, last_at FROM clock")[0]
        return int(eid), at


def _events_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    where, params = filters.where()
    other = ["entity IN ('site', 'unit')"]  # not accounts or logins: see Store.audit
    if filters.commune_codes:
        other.append("""(entity = 'site' AND entity_id IN (SELECT code FROM sites
                         WHERE commune_code IN (SELECT unnest($commune_codes)))
                      OR entity = 'unit' AND entity_id IN (SELECT code FROM units
                         WHERE commune_code IN (SELECT unnest($commune_codes))))""")
        params["commune_codes"] = list(filters.commune_codes)
    if filters.since is not None:
        other.append("occurred_at >= $since")
    if filters.until is not None:
        other.append("occurred_at < $until")
    sql = (f"SELECT * FROM events WHERE (entity = 'incident' AND entity_id IN "
           f"(SELECT CAST(id AS VARCHAR) FROM incidents WHERE {where})) "
           f"OR ({' AND '.join(other)}) ORDER BY id")
    return sql, params


def _event_time(at: datetime | None, last: datetime | None) -> datetime:
    if at is None:
        now = utcnow()
        return now if last is None or now > last else last + timedelta(microseconds=1)
    at = to_utc(at)
    if last is not None and at <= last:
        raise AnttError(f"event time {at} is not after the last event ({last}); "
                        "events are appended in time order", at=at, last=last)
    return at


def _bulk_features(cur: Cursor, features: dict[str, pd.DataFrame] | None,
                   actor: str, last_at: datetime | None) -> None:
    """A bulk load's layers, each recorded as an import."""
    tx = Tx(cur, last_at or utcnow())
    for kind, rows in (features or {}).items():
        tx.put_features(kind, rows, actor=actor, source="bulk", added=len(rows), changed=0)


def _drop_staging(cur: Cursor) -> None:
    """Drop :meth:`Store.bulk_load_chunks`' staging tables (also a killed load's)."""
    for (name,) in cur.rows("SELECT table_name FROM information_schema.tables "
                            "WHERE table_schema = current_schema() "
                            "AND table_name LIKE '\\_bulk\\_%' ESCAPE '\\'"):
        cur.run(f'DROP TABLE IF EXISTS "{name}"')


def _bulk_rows(cur: Cursor, entity_rows: dict[str, pd.DataFrame]) -> None:
    """Prepared entity rows, one statement per table."""
    for entity, df in entity_rows.items():
        spec = ENTITIES[entity]
        cur.insert_frame(spec["table"], df[spec["columns"]])


def _rollback(cur: Cursor) -> None:
    """Roll back after a failure; a connection already lost has nothing to roll back (and
    the first error, not this one, is the one to report)."""
    try:
        cur.run("ROLLBACK")
    except Exception as e:  # noqa: BLE001
        log.info("rollback failed after an error: %s", e)
