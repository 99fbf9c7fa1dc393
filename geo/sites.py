"""Polling sites (điểm bỏ phiếu): registration and the voting-day status lifecycle."""

from __future__ import annotations

from datetime import datetime

from geo.accounts import Actor, require
from geo.checks.validate import check_point, clean_code, clean_name, clean_note
from geo.errors import Invalid, NotFound, Problem
from geo.lifecycle import Lifecycle
from geo.store import Store, Tx

__all__ = ["SITE_LIFECYCLE", "register", "move"]

SITE_LIFECYCLE = Lifecycle(
    entity="site",
    initial="not_open",
    moves={
        "not_open": {"open": "voting"},
        "voting": {"suspend": "suspended", "close": "closed"},
        "suspended": {"resume": "voting", "close": "closed"},
        "closed": {"start_count": "counting"},
        "counting": {"finish": "done"},
        "done": {},
    },
)


def register(store: Store, *, code: str, name: str, lon: float, lat: float, actor: Actor,
             voters: int | None = None, hamlet_code: str | None = None,
             commune_code: str | None = None, at: datetime | None = None) -> dict:
    """Add a polling site (status not open). Sites come with the layers: admin."""
    actor = require(actor, "layers.import", commune=commune_code)
    problems = check_point(lon, lat)
    code = clean_code(code, "code", problems, required=True)
    name = clean_name(name, "name", problems, required=True)
    hamlet_code = clean_code(hamlet_code, "hamlet_code", problems)
    commune_code = clean_code(commune_code, "commune_code", problems)
    if voters is not None and (not isinstance(voters, int) or voters < 0):
        problems.append(Problem("voters", f"must be a whole number ≥ 0, not {voters!r}"))
    if problems:
        raise Invalid(problems)

    def cmd(tx: Tx) -> dict:
        if tx.exists("site", code):
            raise Invalid([Problem("code", f"site {code!r} already exists")])
        return tx.create("site", {"code": code, "name": name, "lon": float(lon),
                                  "lat": float(lat), "voters": voters,
                                  "hamlet_code": hamlet_code, "commune_code": commune_code,
                                  "status": SITE_LIFECYCLE.initial},
                         actor=actor, action="register")

    return store.transact(cmd, at=at)


def move(store: Store, code: str, action: str, *, expected_version: int, actor: Actor,
         reason: str | None = None, incident_id: int | None = None,
         voted: int | None = None, at: datetime | None = None) -> dict:
    """Change a site's status. Suspending needs a reason (and may link an incident)."""
    account, actor = actor, require(actor, "site.status")
    problems: list[Problem] = []
    reason = clean_note(reason, "reason", problems)
    if action == "suspend" and not reason:
        problems.append(Problem("reason", "suspending a polling site needs a reason"))
    if voted is not None and (not isinstance(voted, int) or voted < 0):
        problems.append(Problem("voted", f"must be a whole number ≥ 0, not {voted!r}"))
    if problems:
        raise Invalid(problems)

    def cmd(tx: Tx) -> dict:
        cur = tx.get_for_update("site", code, expected_version)
        require(account, "site.status", commune=cur["commune_code"], site=code)
        status = SITE_LIFECYCLE.next(cur["status"], action, code)
        changes: dict = {"status": status}
        if action == "suspend":
            if incident_id is not None and not tx.exists("incident", incident_id):
                raise NotFound("incident", incident_id)
            changes.update(reason=reason, incident_id=incident_id)
        elif action == "resume":
            changes.update(reason=None, incident_id=None)
        if voted is not None:
            if cur["voters"] is not None and voted > cur["voters"]:
                raise Invalid([Problem("voted", f"{voted} is more than the {cur['voters']} "
                                       "registered voters")])
            changes["voted"] = voted
        detail = {k: v for k, v in (("reason", reason), ("incident_id", incident_id),
                                    ("voted", voted)) if v}
        return tx.change("site", cur, changes, actor=actor, action=action, detail=detail)

    return store.transact(cmd, at=at)
