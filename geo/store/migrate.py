"""Moving up: copy a commune's database (layers, entities, accounts, the whole event log)
into another store, usually the province's PostgreSQL server (`antt migrate --to`).

* **Idempotent.** A row whose key is already there with the same content is left
  alone, and so is an event already there (same entity, id, version, action and time):
  running it twice copies nothing the second time.
* **Refuses to overwrite.** A row whose key is there with different content (another
  commune's incident 12, or this commune's incident changed on one side since) is a
  conflict: nothing at all is written, and the summary names each one.
* **Entities, not sessions.** The log of every entity is copied; logins, logouts and
  failed logins (and the sessions they opened) belong to the laptop they happened on and
  stay in its file, so the migration's own login does not make a second run copy
  something.
* **One transaction.** Everything new goes in at once, with the target's next event
  ids, in time order; each entity keeps its events' order, so a replay of the target
  gives the same states as a replay of the source.

Incident and wall-token ids are numbers given by each database, so two communes that
both logged incident 1 conflict: migrate each commune before its first incident, or
into a database of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from geo.codec import to_json
from geo.store.schema import COPIED_TABLES, ENTITIES, SESSION
from geo.store.store import Store

__all__ = ["MigrationPlan", "plan", "migrate"]

# Each copied table's key; layer imports are matched by what they record (their ids are
# the target's own).
_KEYS: dict[str, tuple[str, ...]] = {
    **{spec["table"]: (spec["key"],) for spec in ENTITIES.values()},
    "credentials": ("username",),
    "features": ("kind", "code"),
    "layer_imports": ("imported_at", "actor", "kind", "source"),
    "report_files": ("sha256",),
}
_EVENT_KEY = ("entity", "entity_id", "version", "action", "occurred_at")
_ENTITY_OF = {spec["table"]: entity for entity, spec in ENTITIES.items()}


@dataclass
class MigrationPlan:
    """What a migration would do: per table, the new rows and the count already there;
    the new events; and every conflict (nothing is written while there is one)."""

    new: dict[str, pd.DataFrame] = field(default_factory=dict)
    same: dict[str, int] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    events_same: int = 0

    def summary(self) -> list[tuple[str, int, int]]:
        """``(table, copied, already there)`` rows, the event log last."""
        out = [(t, len(self.new[t]), self.same[t]) for t in COPIED_TABLES]
        out.append(("events", len(self.events), self.events_same))
        return out


def _content(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Each row as JSON text of its values (the same text whichever store it came from;
    a geometry's bytes as hex)."""
    def value(v: object) -> object:
        return bytes(v).hex() if isinstance(v, bytes | bytearray | memoryview) else v
    return [to_json({c: value(v) for c, v in zip(columns, row, strict=True)})
            for row in frame[columns].itertuples(index=False, name=None)]


def _keys(frame: pd.DataFrame, key: tuple[str, ...]) -> list[str]:
    return _content(frame, list(key))


def plan(source: Store, target: Store) -> MigrationPlan:
    """Compare *source* with *target* (both initialised); write nothing."""
    p = MigrationPlan()
    for table, columns in COPIED_TABLES.items():
        key = _KEYS[table]
        mine, theirs = source.dump(table), target.dump(table)
        compared = [c for c in columns if c != "id"] if table == "layer_imports" else columns
        there = dict(zip(_keys(theirs, key), _content(theirs, compared), strict=True))
        is_new = []
        p.same[table] = 0
        for k, content in zip(_keys(mine, key), _content(mine, compared), strict=True):
            if k not in there:
                is_new.append(True)
                continue
            is_new.append(False)
            if there[k] == content:
                p.same[table] += 1
            else:
                p.conflicts.append(_conflict(table, k, there[k], content))
        new = mine[is_new].copy()
        if table == "layer_imports" and len(new):  # the target numbers its own imports
            start = int(theirs["id"].max()) + 1 if len(theirs) else 1
            new["id"] = range(start, start + len(new))
        p.new[table] = new
    p.events, p.events_same = _new_events(source, target)
    return p


def _conflict(table: str, key: str, there: str, here: str) -> str:
    a, b = json.loads(there), json.loads(here)
    differ = sorted(c for c in a if a.get(c) != b.get(c))
    name = _ENTITY_OF.get(table, table)
    who = (f" (there: version {a.get('version')} by {a.get('updated_by')} at "
           f"{a.get('updated_at')}; here: version {b.get('version')} by {b.get('updated_by')} "
           f"at {b.get('updated_at')})" if "version" in a else "")
    return f"{name} {', '.join(str(v) for v in json.loads(key).values())}: " \
           f"{', '.join(differ[:6])} differ{who}"


def _new_events(source: Store, target: Store) -> tuple[pd.DataFrame, int]:
    """The source's events the target does not have, and how many it has already."""
    mine = source.events()
    mine = mine[mine["entity"] != SESSION]
    if not len(mine):
        return mine, 0
    ids = {e: sorted(mine.loc[mine["entity"] == e, "entity_id"].unique().tolist())
           for e in ENTITIES}
    theirs = target.events_for(ids)
    have = set(_keys(theirs, _EVENT_KEY))
    fresh = [k not in have for k in _keys(mine, _EVENT_KEY)]
    return mine[fresh], int(len(mine) - sum(fresh))


def migrate(source: Store, target: Store, *, dry_run: bool = False) -> MigrationPlan:
    """Plan, and unless there is a conflict (or *dry_run*), copy what is new in one
    transaction. The plan says what was (or would be) done."""
    target.init()
    p = plan(source, target)
    if not p.conflicts and not dry_run:
        target.merge(p.new, p.events)
    return p
