"""Patrol units (tổ tuần tra): registration, status lifecycle, positions and check-ins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd

from geo import registry, settings
from geo.accounts import Actor, authorize, name_of, require, require_place
from geo.analysis.places import load_layer
from geo.analysis.spatial import points, within_distance
from geo.checks.validate import check_point, clean_code
from geo.errors import Invalid, NotFound, Problem
from geo.lifecycle import Lifecycle
from geo.registry import whole_number
from geo.store import Store, Tx

__all__ = ["UNIT_LIFECYCLE", "UNIT_ACTIONS", "register", "set_status", "report_position",
           "check_in", "checkin_reach"]

UNIT_LIFECYCLE = Lifecycle(
    entity="unit",
    initial="available",
    moves={
        "available": {"start_patrol": "on_patrol", "respond": "responding",
                      "stand_down": "off_duty"},
        "on_patrol": {"end_patrol": "available", "respond": "responding",
                      "stand_down": "off_duty"},
        # A responding team is freed by its incident (resolved, closed, reassigned).
        "responding": {"release": "available"},
        "off_duty": {"report_for_duty": "available"},
    },
)
# Moves an operator makes directly; respond / release come with incident commands.
UNIT_ACTIONS = ("start_patrol", "end_patrol", "stand_down", "report_for_duty")


def register(store: Store, *, code: str, name: str, actor: Actor, size: int | None = None,
             route_code: str | None = None, commune_code: str | None = None,
             status: str = "available", at: datetime | None = None) -> dict:
    """Add a patrol unit (status available unless given). Teams come with the layers: admin."""
    problems: list[Problem] = []
    route_code = clean_code(route_code, "route_code", problems)
    if status not in UNIT_LIFECYCLE.statuses:
        problems.append(Problem("status", f"unknown status {status!r}"))
    whole_number(size, "size", 1, problems)
    return registry.register(
        store, UNIT_LIFECYCLE, actor=actor, code=code, name=name, commune_code=commune_code,
        fields={"size": size, "route_code": route_code, "status": status}, problems=problems,
        at=at)


def set_status(store: Store, code: str, action: str, *, expected_version: int, actor: Actor,
               at: datetime | None = None) -> dict:
    """An operator's move of a unit (start/end patrol, stand down, report for duty)."""
    account = actor
    require(account, "unit.status")
    if action not in UNIT_ACTIONS:
        raise Invalid([Problem("action", f"unknown unit action {action!r}; one of "
                               f"{', '.join(UNIT_ACTIONS)}")])

    def cmd(tx: Tx) -> dict:
        cur = tx.get_for_update("unit", code, expected_version)
        live = authorize(tx, account, "unit.status", commune=cur["commune_code"])
        status = UNIT_LIFECYCLE.next(cur["status"], action, code)
        return tx.change("unit", cur, {"status": status}, actor=name_of(live), action=action)

    return store.transact(cmd, at=at)


def report_position(store: Store, code: str, lon: float, lat: float, *, actor: Actor,
                    at: datetime | None = None) -> dict:
    """Record a unit's position. A position is a fact from the field, not a decision,
    so it needs no expected version and never conflicts with an operator's edit."""
    require(actor, "unit.checkin", unit=code)
    problems = check_point(lon, lat)
    if problems:
        raise Invalid(problems)
    return _field_report(store, code, actor, lon, lat, "position", {}, at)


def check_in(store: Store, code: str, checkpoint_code: str, lon: float, lat: float, *,
             actor: Actor, at: datetime | None = None) -> dict:
    """Record a checkpoint check-in (time, place); the unit's position moves there. A
    position farther than the ``checkin_far_m`` setting from the checkpoint is refused."""
    require(actor, "unit.checkin", unit=code)
    problems = check_point(lon, lat)
    checkpoint_code = clean_code(checkpoint_code, "checkpoint_code", problems, required=True)
    if problems:
        raise Invalid(problems)

    detail: dict = {"checkpoint": checkpoint_code}
    match, dist = _checkpoint_at(store, checkpoint_code, lon, lat)
    limit = settings.get("checkin_far_m")
    if dist > limit:  # a check-in says "we were there": from elsewhere it is refused
        name = match["name"].iloc[0]
        raise Invalid([Problem("lon", f"{dist:,.0f} m from checkpoint {name}: check in "
                                      f"within {limit:g} m of it", key="checkin.too_far",
                               params={"m": round(dist), "checkpoint": name,
                                       "limit": f"{limit:g}"})])
    detail.update(distance_m=round(dist, 1))
    route = match["route_code"].iloc[0]

    def on_team_route(tx: Tx, live: Actor, team: dict) -> None:
        """A checkpoint belongs to one route and so to its team, in its commune."""
        if team["route_code"] != route:
            raise Invalid([Problem("checkpoint_code", f"checkpoint {checkpoint_code} is on "
                                   f"route {route}, not on team {code}'s route "
                                   f"({team['route_code'] or 'none'})",
                                   key="checkin.other_route",
                                   params={"checkpoint": checkpoint_code})])
        commune = match["commune_code"].iloc[0] if "commune_code" in match else None
        require_place(live, commune if isinstance(commune, str) else team["commune_code"],
                      f"checkpoint {checkpoint_code}")

    return _field_report(store, code, actor, lon, lat, "checkin", detail, at,
                         check=on_team_route, last_checkpoint=checkpoint_code)


def _checkpoint_at(store: Store, checkpoint_code: str, lon: float, lat: float
                   ) -> tuple[pd.DataFrame, float]:
    """The checkpoint's row and how many metres (*lon*, *lat*) is from it."""
    known = load_layer(store, "checkpoints")
    match = known[known["code"] == checkpoint_code] if not known.empty else known
    if match.empty:
        raise Invalid([Problem("checkpoint_code", f"unknown checkpoint {checkpoint_code!r}")])
    here = points([float(lon)], [float(lat)])
    return match, float(within_distance(here, match, 1e7)["distance_m"].iloc[0])


def checkin_reach(store: Store, checkpoint_code: str, lon: float, lat: float
                  ) -> tuple[float, float]:
    """(metres from the checkpoint, the ``checkin_far_m`` setting): how far the phone is
    and how near a check-in must be, to show before the team taps "check in"."""
    return _checkpoint_at(store, checkpoint_code, lon, lat)[1], settings.get("checkin_far_m")


def _field_report(store: Store, code: str, account: Actor, lon: float, lat: float,
                  action: str, detail: dict, at: datetime | None,
                  check: Callable[[Tx, Actor, dict], None] | None = None,
                  **changes: object) -> dict:
    """A team's report from the field (a position, a check-in): the unit moves to
    (*lon*, *lat*) now, with *changes*; a check-in also stamps ``last_checkin_at``.
    *check* refuses the report inside the transaction (the team's row as it is)."""
    require(account, "unit.checkin", unit=code)

    def cmd(tx: Tx) -> dict:
        cur = tx.get("unit", code)
        if cur is None:
            raise NotFound("unit", code)
        live = authorize(tx, account, "unit.checkin", commune=cur["commune_code"], unit=code)
        actor = name_of(live)
        if check is not None:
            check(tx, live, cur)
        stamps = {"last_checkin_at": tx.at} if action == "checkin" else {}
        return tx.change("unit", cur, {"lon": float(lon), "lat": float(lat),
                                       "position_at": tx.at, **changes, **stamps},
                         actor=actor, action=action, detail=detail or None)

    return store.transact(cmd, at=at)
