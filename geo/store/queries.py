"""The SQL both the reads (``Store``) and the writes (``Tx``) need: the WHERE builder,
the incident filters, and the single-row lookups, each written once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from geo.clock import to_utc
from geo.store.dialect import Cursor
from geo.store.schema import ENTITIES

__all__ = ["Filters", "where", "row", "features", "session_user", "incident_by_request",
           "password_hash", "wall_token", "next_id", "events_sql"]


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
        return where(
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


def where(*conditions: tuple[str, str, Any]) -> tuple[str, dict[str, Any]]:
    """``(sql, parameter, value)`` conditions joined with AND, leaving out those whose value
    is None; datetimes become naive UTC. The one WHERE builder of the store."""
    parts, params = ["TRUE"], {}
    for sql, name, value in conditions:
        if value is None:
            continue
        parts.append(sql)
        params[name] = to_utc(value) if isinstance(value, datetime) else value
    return " AND ".join(parts), params


def row(cur: Cursor, entity: str, key: object) -> dict | None:
    """The current row of one entity, or None (reads and writes alike)."""
    spec = ENTITIES[entity]
    rows = cur.rows(f"SELECT {', '.join(spec['columns'])} FROM {spec['table']} "
                       f"WHERE {spec['key']} = $key", {"key": key})
    return dict(zip(spec["columns"], rows[0], strict=True)) if rows else None


def features(cur: Cursor, kind: str) -> pd.DataFrame:
    return cur.frame(
        "SELECT code, name, commune_code, props, geom, demo FROM features WHERE kind = $kind "
        "ORDER BY code", {"kind": kind})


def session_user(cur: Cursor, token_hash: str, now: datetime) -> str | None:
    rows = cur.rows("SELECT username FROM sessions WHERE token_hash = $t AND ended_at IS NULL "
                    "AND expires_at > $now", {"t": token_hash, "now": now})
    return rows[0][0] if rows else None


def incident_by_request(cur: Cursor, request_id: str) -> dict | None:
    rows = cur.rows("SELECT id FROM incidents WHERE request_id = $r", {"r": request_id})
    return row(cur, "incident", rows[0][0]) if rows else None


def password_hash(cur: Cursor, username: str) -> str | None:
    rows = cur.rows("SELECT password_hash FROM credentials WHERE username = $u",
                    {"u": username})
    return rows[0][0] if rows else None


def wall_token(cur: Cursor, token_hash: str) -> dict | None:
    rows = cur.rows("SELECT id FROM wall_tokens WHERE token_hash = $t", {"t": token_hash})
    return row(cur, "wall_token", rows[0][0]) if rows else None


def next_id(cur: Cursor, table: str, column: str) -> int:
    return int(cur.rows(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}"
                           )[0][0])



def events_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
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

