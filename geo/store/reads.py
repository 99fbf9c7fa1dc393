"""The store's reads: entities now and as they stood, the event log, exports, layers,
sessions and the audit trail. A mixin of :class:`geo.store.Store`, which gives it
``_cursor()``; reads take no lock (DuckDB: the process's anchor; PostgreSQL: a pooled
connection)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import NotFound
from geo.store import queries as q
from geo.store.dialect import Cursor
from geo.store.queries import Filters
from geo.store.schema import COPIED_TABLES, ENTITIES

__all__ = ["Reads"]


class Reads:
    """Every read of :class:`geo.store.Store`."""

    _cursor: Callable[[], AbstractContextManager[Cursor]]

    def get(self, entity: str, key: object) -> dict:
        with self._cursor() as cur:
            row = q.row(cur, entity, key)
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
            return q.incident_by_request(cur, request_id)

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
        where, params = q.where(
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
                      skip_actions: Sequence[str] = ("position",),
                      unit_codes: Sequence[str] | None = None) -> pd.DataFrame:
        """The newest *n* events, newest first, with the entity's display name, for what
        *filters* shows: incidents by commune, hamlet, kind and severity (not status: a
        ticker tells what just happened, a close included); sites by commune and hamlet;
        teams by commune, and only *unit_codes* when given (teams have no hamlet of their
        own: the caller says which are in the hamlets shown). Routine *skip_actions* are
        left out."""
        f = filters or Filters()
        inc_where, params = Filters(commune_codes=f.commune_codes, hamlet_codes=f.hamlet_codes,
                                    kinds=f.kinds, severities=f.severities).where()
        place_where, place_params = q.where(
            ("commune_code IN (SELECT unnest($p_communes))", "p_communes",
             list(f.commune_codes) or None),
            ("hamlet_code IN (SELECT unnest($p_hamlets))", "p_hamlets",
             list(f.hamlet_codes) or None))
        units = None if unit_codes is None else list(unit_codes)
        unit_where, unit_params = q.where(
            ("commune_code IN (SELECT unnest($p_communes))", "p_communes",
             list(f.commune_codes) or None),
            ("code IN (SELECT unnest($p_units))", "p_units", units or None))
        if units == []:
            unit_where += " AND FALSE"
        when, when_params = q.where(("e.occurred_at >= $since", "since", f.since))
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
        where, params = q.where(
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
        when, params = q.where(("entity = $entity", "entity", entity),
                              ("occurred_at <= $at", "at", at))
        with self._cursor() as cur:
            sql, more = cur.rows_from_after(spec["table"], spec["key"], spec["columns"], when)
            return cur.frame(sql, {**params, **more})


    # ---- exports --------------------------------------------------------------------------
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
        ev_sql, ev_params = q.events_sql(filters or Filters())
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
        sql, params = q.events_sql(filters or Filters())
        with self._cursor() as cur:
            return cur.frame(sql, params)

    def events_of(self, entity: str, ids: Sequence[object]) -> pd.DataFrame:
        """Every event of the given entities, oldest first (timelines for the review)."""
        with self._cursor() as cur:
            return cur.frame(
                "SELECT * FROM events WHERE entity = $entity AND entity_id IN "
                "(SELECT unnest($ids)) ORDER BY id",
                {"entity": entity, "ids": [str(i) for i in ids]})

    def features(self, kind: str) -> pd.DataFrame:
        """Features of one layer kind: code, name, commune_code, props (JSON), geom (WKB)."""
        with self._cursor() as cur:
            return q.features(cur, kind)

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
            return q.next_id(cur, "incidents", "id")

    def session_user(self, token_hash: str, now: datetime) -> str | None:
        """The user name of an open, unexpired session, or None."""
        with self._cursor() as cur:
            return q.session_user(cur, token_hash, now)

    def password_hash(self, username: str) -> str | None:
        """A read outside any write lock: a login verifies before it writes."""
        with self._cursor() as cur:
            return q.password_hash(cur, username)

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
            return q.wall_token(cur, token_hash)

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
        return q.where(("actor = $actor", "actor", actor or None),
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

    def report_file(self, sha256: str) -> bytes | None:
        """The bytes of a report file sent upward (``report_files``), or None."""
        with self._cursor() as cur:
            rows = cur.rows("SELECT bytes FROM report_files WHERE sha256 = $h",
                            {"h": sha256})
        return bytes(rows[0][0]) if rows else None

    def last_event(self) -> tuple[int, datetime | None]:
        with self._cursor() as cur:
            eid, at = cur.rows("SELECT last_event_id, last_at FROM clock")[0]
        return int(eid), at

    # ---- moving a database to another store (geo.store.migrate) ----------------------------
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
