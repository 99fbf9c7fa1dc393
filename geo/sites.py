"""Polling sites (điểm bỏ phiếu): registration and the voting-day status lifecycle."""

from __future__ import annotations

from datetime import datetime

from geo import registry
from geo.accounts import Actor, authorize, name_of, require, require_place
from geo.checks.validate import check_point, clean_code, clean_note
from geo.errors import Invalid, NotFound, Problem
from geo.lifecycle import Lifecycle
from geo.registry import whole_number
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
    problems = check_point(lon, lat)
    hamlet_code = clean_code(hamlet_code, "hamlet_code", problems)
    whole_number(voters, "voters", 0, problems)
    return registry.register(
        store, SITE_LIFECYCLE, actor=actor, code=code, name=name, commune_code=commune_code,
        fields={"lon": float(lon) if not problems else lon,
                "lat": float(lat) if not problems else lat, "voters": voters,
                "hamlet_code": hamlet_code}, problems=problems, at=at)


def move(store: Store, code: str, action: str, *, expected_version: int, actor: Actor,
         reason: str | None = None, incident_id: int | None = None,
         voted: int | None = None, at: datetime | None = None) -> dict:
    """Change a site's status. Suspending needs a reason (and may link an incident)."""
    account = actor
    require(account, "site.status")
    problems: list[Problem] = []
    reason = clean_note(reason, "reason", problems)
    if action == "suspend" and not reason:
        problems.append(Problem("reason", "suspending a polling site needs a reason"))
    whole_number(voted, "voted", 0, problems)
    if problems:
        raise Invalid(problems)

    def cmd(tx: Tx) -> dict:
        cur = tx.get_for_update("site", code, expected_version)
        live = authorize(tx, account, "site.status", commune=cur["commune_code"], site=code)
        actor = name_of(live)
        status = SITE_LIFECYCLE.next(cur["status"], action, code)
        changes: dict = {"status": status}
        if action == "suspend":
            if incident_id is not None:
                linked = tx.get("incident", incident_id)
                if linked is None:
                    raise NotFound("incident", incident_id)
                require_place(live, linked["commune_code"], f"incident {incident_id}")
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
