"""What the store holds: the entity tables and their columns, the event log's columns,
the schema's migrations (append a new one, never edit an old one) and how one event row
is made, for commands and bulk loads alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geo.codec import event_json, to_json

__all__ = ["ENTITIES", "COLUMNS_OF", "SESSION", "EVENT_COLUMNS", "MIGRATIONS", "STAMP",
           "COPIED_TABLES", "event_row"]

# What the store keeps on every entity row itself: its version and who changed it when.
STAMP = ("version", "updated_at", "updated_by")


def _entity(table: str, key: str, columns: str) -> dict[str, Any]:
    """An entity's table, key and columns in table order (the stamp last)."""
    return {"table": table, "key": key, "columns": [*columns.split(), *STAMP]}


# Columns of each stateful entity, in table order.
ENTITIES: dict[str, dict[str, Any]] = {
    "incident": _entity("incidents", "id", """
        id kind severity status lon lat commune_code hamlet_code site_code target_code
        description source team_code reported_at verified_at dispatched_at on_scene_at
        resolved_at closed_at request_id created_by
        """),
    "site": _entity("sites", "code", """
        code name commune_code hamlet_code voters lon lat status voted reason
        incident_id
        """),
    "unit": _entity("units", "code", """
        code name commune_code size route_code status lon lat position_at incident_id
        last_checkpoint last_checkin_at
        """),
    # Accounts: no password here (the hash lives in ``credentials``, never in an event).
    "user": _entity("users", "username", """
        username display_name role communes unit_code site_code active
        """),
    "wall_token": _entity("wall_tokens", "id", """
        id label token_hash communes revoked
        """),
    # The election calendar (geo.calendar): id is "<commune or *>:<code>".
    "calendar_entry": _entity("calendar_entries", "id", """
        id code kind name commune_code starts ends place_code place source active
        """),
    # The complaints register: about a matter, never a file on a person (``from_whom``
    # is a category). ``ack_state``/``ack_due``: the deadline alert last acknowledged.
    "complaint": _entity("complaints", "id", """
        id kind matter channel from_whom summary status commune_code hamlet_code place
        lon lat handler_unit handler_user forwarded_to received_at accepted_at started_at
        answered_at closed_at extensions ack_state ack_due created_by
        """),
    # A report sent upward (báo cáo cấp trên), keyed <schedule code>@<due UTC>@<commune>;
    # the file's bytes live in ``report_files`` by their SHA-256, never in an event.
    "upward_report": _entity("upward_reports", "key", """
        key schedule_code commune_code period_start period_end due_at sent_at sent_by
        file_name file_sha256 format
        """),
}
COLUMNS_OF = {spec["table"]: spec["columns"] for spec in ENTITIES.values()}
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
    (5, "demo layers marked, removals recorded", """
        -- Layers the demo or a drill drew (not real boundaries or places): wherever a
        -- point or a name is looked up, a real layer's feature outranks them.
        ALTER TABLE features ADD COLUMN demo BOOLEAN NOT NULL DEFAULT FALSE;
        -- Features an import (--replace) or `antt layers remove` took out.
        ALTER TABLE layer_imports ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
        -- Layers loaded before this migration: a kind that only the demo ('demo'), a
        -- drill ('diễn tập') or a bulk drill load ('bulk') ever imported is theirs.
        UPDATE features SET demo = TRUE WHERE kind IN (
            SELECT kind FROM layer_imports GROUP BY kind
            HAVING bool_and(actor IN ('demo', 'diễn tập', 'bulk')));
    """),
    (6, "election calendar", """
        -- Election day, phases, voting hours, milestones, anniversaries, scheduled events
        -- (geo.calendar). A row taken off the calendar stays, inactive (the log keeps it).
        CREATE TABLE calendar_entries (
            id VARCHAR PRIMARY KEY,
            code VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            commune_code VARCHAR,
            starts TIMESTAMP NOT NULL,
            ends TIMESTAMP,
            place_code VARCHAR, place VARCHAR,
            source VARCHAR NOT NULL,
            active BOOLEAN NOT NULL,
            version INTEGER NOT NULL,
            updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL
        );
    """),
    (7, "complaints register", """
        -- Khiếu nại, tố cáo, kiến nghị, phản ánh: deadlines are computed at read time
        -- from the rules file (data/rules/complaint-rules.csv), never stored.
        CREATE TABLE complaints (
            id INTEGER PRIMARY KEY,
            kind VARCHAR NOT NULL,
            matter VARCHAR NOT NULL,
            channel VARCHAR NOT NULL,
            from_whom VARCHAR NOT NULL,
            summary VARCHAR NOT NULL DEFAULT '',
            status VARCHAR NOT NULL,
            commune_code VARCHAR NOT NULL, hamlet_code VARCHAR,
            place VARCHAR,
            lon DOUBLE, lat DOUBLE,
            handler_unit VARCHAR, handler_user VARCHAR,
            forwarded_to VARCHAR,
            received_at TIMESTAMP NOT NULL,
            accepted_at TIMESTAMP, started_at TIMESTAMP, answered_at TIMESTAMP,
            closed_at TIMESTAMP,
            extensions INTEGER NOT NULL DEFAULT 0,
            ack_state VARCHAR, ack_due TIMESTAMP,
            created_by VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL
        );
    """),
    (8, "reports sent upward", """
        CREATE TABLE upward_reports (
            key VARCHAR PRIMARY KEY,
            schedule_code VARCHAR NOT NULL,
            commune_code VARCHAR NOT NULL,
            period_start TIMESTAMP NOT NULL, period_end TIMESTAMP NOT NULL,
            due_at TIMESTAMP NOT NULL,
            sent_at TIMESTAMP NOT NULL,
            sent_by VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL,
            file_sha256 VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL
        );
        -- The files of the reports sent, once each by content; not an entity, so the
        -- bytes never reach the event log (the event names the file's SHA-256).
        CREATE TABLE report_files (
            sha256 VARCHAR PRIMARY KEY,
            bytes BLOB NOT NULL
        );
    """),
]

# What `antt migrate` copies besides the event log: the entities, their accounts'
# password hashes, and the map layers with their import records (not sessions: a login
# belongs to the server it was made on).
COPIED_TABLES: dict[str, list[str]] = {
    **{spec["table"]: spec["columns"] for spec in ENTITIES.values()},
    "credentials": ["username", "password_hash", "changed_at"],
    "features": ["kind", "code", "name", "commune_code", "props", "geom", "demo"],
    "layer_imports": ["id", "imported_at", "actor", "kind", "source", "added", "changed",
                      "removed"],
    "report_files": ["sha256", "bytes"],
}


def event_row(event_id: int, at: datetime, actor: str, entity: str, key: object,
              action: str, version: int, before: dict | None, after: dict | None,
              detail: dict | None = None) -> tuple:
    """One row of the event log, in :data:`EVENT_COLUMNS` order: the row versions as
    JSON (``after`` ``{}`` for an event that changes no entity), the detail as JSON or
    NULL. Commands (``Tx``) and the drill's bulk rows both make their events here."""
    return (event_id, at, actor, entity, str(key), action, version, event_json(before),
            event_json(after) if after is not None else "{}",
            to_json(detail) if detail else None)
