"""Registering polling sites and patrol teams: one at a time (``sites.register``,
``units.register``) or many from a layer import (``register_many``). One path, so a
site or team gets the same checks, initial status and event however it arrives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from geo.accounts import Actor, authorize, require
from geo.checks.validate import clean_code, clean_name
from geo.errors import Invalid, Problem
from geo.lifecycle import Lifecycle
from geo.store import Store, Tx

__all__ = ["register", "register_many", "whole_number"]


def whole_number(value: object, field: str, minimum: int, problems: list[Problem]) -> None:
    """Note a problem unless *value* is None or a whole number ≥ *minimum*."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < minimum):
        what = "a positive whole number" if minimum == 1 else f"a whole number ≥ {minimum}"
        key = "problem.positive_number" if minimum == 1 else "problem.whole_number"
        problems.append(Problem(field, f"must be {what}, not {value!r}", key=key,
                                params={"min": minimum, "value": repr(value)}))


def register(store: Store, lifecycle: Lifecycle, *, actor: Actor, code: object, name: object,
             commune_code: object, fields: dict, problems: list[Problem],
             at: datetime | None = None) -> dict:
    """Add one site or team (the admin's task: they come with the layers). *fields* are the
    entity's other columns, already checked, with *problems* found so far; the status is
    the lifecycle's initial one unless *fields* gives another."""
    entity = lifecycle.entity
    account, actor = actor, require(actor, "layers.import", commune=commune_code)
    code = clean_code(code, "code", problems, required=True)
    name = clean_name(name, "name", problems, required=True)
    commune_code = clean_code(commune_code, "commune_code", problems)
    if problems:
        raise Invalid(problems)
    row = {"status": lifecycle.initial, **fields, "code": code, "name": name,
           "commune_code": commune_code}

    def cmd(tx: Tx) -> dict:
        authorize(tx, account, "layers.import", commune=commune_code)
        if tx.exists(entity, code):
            raise Invalid([Problem("code", f"{entity} {code!r} already exists",
                                   key="problem.exists", params={"value": repr(code)})])
        return tx.create(entity, row, actor=actor, action="register")

    return store.transact(cmd, at=at)


def register_many(tx: Tx, lifecycle: Lifecycle, rows: Sequence[dict], actor: str) -> None:
    """Inside an import's transaction: register the new rows (initial status) and update
    the stored ones whose fields differ (their status is left as it is)."""
    if not rows:
        return
    entity = lifecycle.entity
    current = tx.get_many(entity, [r["code"] for r in rows])
    new = [{**r, "status": lifecycle.initial} for r in rows if r["code"] not in current]
    changed = [(current[r["code"]], r) for r in rows if r["code"] in current
               and any(current[r["code"]][k] != v for k, v in r.items())]
    tx.create_many(entity, new, actor=actor, action="register")
    tx.change_many(entity, changed, actor=actor, action="update")
