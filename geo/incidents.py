"""Incidents (vụ việc): kinds, severities, sources, the lifecycle and its commands.

Commands validate everything first, then make one transaction through
``Store.transact``: the incident, any team it touches and their events are
written together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from geo import settings
from geo.accounts import Actor, authorize, name_of, require, require_place
from geo.analysis.places import commune_labels, has_hamlets, load_layer, locate, nearest_commune
from geo.analysis.spatial import points, within_distance
from geo.checks.outline import near_vietnam
from geo.checks.text import TEXT_MAX
from geo.checks.validate import actor_problems, check_point, clean_code, clean_note
from geo.clock import to_utc, utcnow
from geo.errors import Invalid, NotFound, Problem
from geo.lifecycle import Lifecycle
from geo.store import Filters, Store, Tx
from geo.units import UNIT_LIFECYCLE

__all__ = [
    "KINDS", "SEVERITIES", "SOURCES", "LIFECYCLE", "OPEN", "ACTIONS",
    "report", "move", "verify", "dispatch", "arrive", "resolve", "close", "escalate",
    "false_alarm", "reassign", "add_note", "triage", "STAMPS", "acknowledge", "alerts",
    "REMARKS", "earlier_report", "possible_duplicates", "AlertHead", "oldest_alert",
]

KINDS: tuple[str, ...] = (
    "disorder",        # gây rối trật tự tại / gần điểm bỏ phiếu
    "tampering",       # xé, bôi bẩn danh sách cử tri, áp phích, khẩu hiệu
    "gathering",       # tụ tập đông người, khiếu kiện
    "complaint",       # khiếu nại, tố cáo liên quan bầu cử
    "filming",         # quay phim, vận động trái phép tại điểm bỏ phiếu
    "misinformation",  # thông tin sai lệch trên mạng về bầu cử
    "fire",            # cháy, nổ
    "traffic",         # tai nạn, ùn tắc giao thông
    "medical",         # y tế
    "crime",           # trộm cắp, tội phạm khác
    "other",           # khác
)
SEVERITIES: dict[int, str] = {1: "low", 2: "medium", 3: "high", 4: "critical"}
SOURCES: tuple[str, ...] = ("hamlet_team", "citizen_tip", "patrol", "hotline")

_GIVE_UP = {"escalate": "escalated", "false_alarm": "false_alarm"}
LIFECYCLE = Lifecycle(
    entity="incident",
    initial="reported",
    moves={
        "reported": {"verify": "verifying", **_GIVE_UP},
        "verifying": {"dispatch": "dispatched", **_GIVE_UP},
        "dispatched": {"arrive": "on_scene", "reassign": "dispatched", **_GIVE_UP},
        "on_scene": {"resolve": "resolved", **_GIVE_UP},
        "resolved": {"close": "closed"},
        "closed": {}, "escalated": {}, "false_alarm": {},
    },
)
OPEN: tuple[str, ...] = ("reported", "verifying", "dispatched", "on_scene")
ACTIONS: tuple[str, ...] = ("verify", "dispatch", "arrive", "resolve", "close", "escalate",
                            "false_alarm", "reassign", "note", "acknowledge")
# Actions that record something about an incident without moving its status.
REMARKS: tuple[str, ...] = ("note", "acknowledge")
# The timestamp column each new status stamps.
STAMPS = {"verifying": "verified_at", "dispatched": "dispatched_at",
           "on_scene": "on_scene_at", "resolved": "resolved_at", "closed": "closed_at",
           "escalated": "closed_at", "false_alarm": "closed_at"}
MAX_DESCRIPTION = TEXT_MAX


def triage(incidents: pd.DataFrame) -> pd.DataFrame:
    """Most severe first, then the one waiting longest: the order a duty officer works in."""
    return incidents.sort_values(["severity", "reported_at", "id"],
                                 ascending=[False, True, True]).reset_index(drop=True)


def _check_report(kind: object, severity: object, lon: object, lat: object, source: object,
                  outside: bool = False) -> list[Problem]:
    problems = []
    if kind not in KINDS:
        problems.append(Problem("kind", f"unknown kind {kind!r}; one of {', '.join(KINDS)}",
                                key="problem.unknown_kind",
                                params={"value": repr(kind), "choices": ", ".join(KINDS)}))
    if isinstance(severity, bool) or not isinstance(severity, int | str) or \
            str(severity).strip() not in {"1", "2", "3", "4"}:
        problems.append(Problem("severity", f"must be 1, 2, 3 or 4, not {severity!r}",
                                key="problem.severity", params={"value": repr(severity)}))
    if source not in SOURCES:
        problems.append(Problem("source",
                                f"unknown source {source!r}; one of {', '.join(SOURCES)}",
                                key="problem.unknown_source",
                                params={"value": repr(source), "choices": ", ".join(SOURCES)}))
    problems += check_point(lon, lat, outside=outside)
    return problems


def report(store: Store, *, kind: str, severity: int | str, lon: float, lat: float,
           source: str, actor: Actor, description: str = "", site_code: str | None = None,
           target_code: str | None = None, hamlet_code: str | None = None,
           commune_code: str | None = None, request_id: str | None = None,
           outside: bool = False, at: datetime | None = None) -> dict:
    """Log a new incident (status ``reported``) and return its row.

    With communes loaded, a point outside every one of them is refused, naming the
    nearest and its distance, unless *outside* says it is meant (the event records it).

    A repeated *request_id* (a form submitted twice) returns the first incident
    and writes nothing.
    """
    problems = _check_report(kind, severity, lon, lat, source, outside)
    description = clean_note(description, "description", problems)
    site_code = clean_code(site_code, "site_code", problems)
    target_code = clean_code(target_code, "target_code", problems)
    hamlet_code = clean_code(hamlet_code, "hamlet_code", problems)
    commune_code = clean_code(commune_code, "commune_code", problems)
    request_id = clean_code(request_id, "request_id", problems)
    problems += actor_problems(actor)
    if problems:
        raise Invalid(problems)
    require(actor, "incident.report")  # the role first: a refused account learns nothing
    flag: dict = {}
    if outside and not bool(near_vietnam(float(lon), float(lat))):
        flag["outside_vietnam"] = True  # accepted only because the operator said so
    if hamlet_code is None:
        located_commune, hamlet_code = locate(store, float(lon), float(lat))
        if commune_code and located_commune != commune_code and has_hamlets(store):
            raise Invalid([Problem("lon", f"({float(lon):.5f}, {float(lat):.5f}) is outside "
                                          f"commune {commune_code}",
                                   key="incident.outside_commune",
                                   params={"commune": _commune_name(store, commune_code)})])
        commune_code = commune_code or located_commune
        nearest = nearest_commune(store, float(lon), float(lat)) if not commune_code else None
        if nearest and nearest[2] <= settings.get("position_tolerance_m"):
            commune_code = nearest[0]  # in the commune, where no hamlet is drawn
        elif nearest:
            where = (f"({float(lon):.5f}, {float(lat):.5f}) is outside every loaded commune: "
                     f"the nearest is {nearest[1]} ({nearest[0]}), {nearest[2] / 1000:.1f} km "
                     "away")
            if not outside:
                raise Invalid([Problem("lon", where + "; check the position, or report it "
                                                      "as outside the communes",
                                       key="incident.outside_communes",
                                       params={"commune": nearest[1],
                                               "m": round(nearest[2])})])
            flag.update({"outside_communes": True, "nearest_commune": nearest[0],
                         "distance_m": round(nearest[2])})
    account = actor
    require(account, "incident.report", commune=commune_code)  # out of scope: say so now

    def cmd(tx: Tx) -> dict:
        live = authorize(tx, account, "incident.report", commune=commune_code)
        who = name_of(live)
        if request_id:
            earlier = tx.incident_by_request(request_id)
            if earlier is not None:
                return earlier
        _check_places(tx, live, site_code, target_code)
        row = {
            "id": tx.next_incident_id(), "kind": kind, "severity": int(severity),
            "status": LIFECYCLE.initial, "lon": float(lon), "lat": float(lat),
            "commune_code": commune_code, "hamlet_code": hamlet_code,
            "site_code": site_code or None, "target_code": target_code or None,
            "description": description, "source": source, "team_code": None,
            "reported_at": tx.at, "request_id": request_id or None, "created_by": who,
        }
        return tx.create("incident", row, actor=who, action="report", detail=flag or None)

    return store.transact(cmd, at=at)


def _commune_name(store: Store, code: str) -> str:
    """A commune as people know it (its name; the code only when none is loaded)."""
    communes = load_layer(store, "communes")
    return commune_labels(communes).get(code, code) if not communes.empty else code


def _check_places(tx: Tx, actor: Actor, site_code: str | None, target_code: str | None
                  ) -> None:
    """The site and the target an incident is reported at exist and lie in the actor's
    communes (a code names a place; an unknown one is a typo, not a place)."""
    refs = []
    site = tx.get("site", site_code) if site_code else None
    if site_code and site is None:
        refs.append(Problem("site_code", f"unknown polling site {site_code!r}",
                            key="problem.unknown_site", params={"value": repr(site_code)}))
    target = tx.feature("targets", target_code) if target_code else None
    if target_code and target is None:
        refs.append(Problem("target_code", f"unknown key target {target_code!r}",
                            key="problem.unknown_target", params={"value": repr(target_code)}))
    if refs:
        raise Invalid(refs)
    if site is not None:
        require_place(actor, site["commune_code"], f"polling site {site_code}")
    if target is not None:
        require_place(actor, target["commune_code"], f"key target {target_code}")


def _release_team(tx: Tx, team_code: str | None, incident_id: int, actor: str) -> None:
    if not team_code:
        return
    team = tx.get("unit", team_code)
    if team and team["status"] == "responding" and team["incident_id"] == incident_id:
        status = UNIT_LIFECYCLE.next(team["status"], "release", team_code)
        tx.change("unit", team, {"status": status, "incident_id": None}, actor=actor,
                  action="release", detail={"incident_id": incident_id})


def _take_team(tx: Tx, team_code: str, incident_id: int, account: Actor) -> None:
    team = tx.get("unit", team_code)
    if team is None:
        raise NotFound("unit", team_code)
    require_place(account, team["commune_code"], f"team {team_code}")
    actor = name_of(account)
    status = UNIT_LIFECYCLE.next(team["status"], "respond", team_code)
    tx.change("unit", team, {"status": status, "incident_id": incident_id}, actor=actor,
              action="respond", detail={"incident_id": incident_id})


def move(store: Store, incident_id: int, action: str, *, expected_version: int, actor: Actor,
         team_code: str | None = None, note: str | None = None,
         at: datetime | None = None) -> dict:
    """Apply a lifecycle *action* to an incident that the caller read at *expected_version*.

    Refused with StaleVersion if someone changed it since, IllegalMove if the
    action is not allowed from its status; in both cases nothing is written.
    """
    if action not in ACTIONS:
        raise Invalid([Problem("action", f"unknown action {action!r}; one of "
                               f"{', '.join(ACTIONS)}")])
    account = actor
    require(account, f"incident.{action}")
    problems: list[Problem] = []
    team_code = clean_code(team_code, "team_code", problems)
    text = clean_note(note, "note", problems)
    if problems:
        raise Invalid(problems)
    if action in ("dispatch", "reassign") and not team_code:
        raise Invalid([Problem("team_code", f"'{action}' needs a team", key="problem.needs_team",
                               params={"action": action})])
    if action == "note" and not text:
        raise Invalid([Problem("note", "the note is empty", key="problem.note_empty")])

    def cmd(tx: Tx) -> dict:
        cur = tx.get_for_update("incident", int(incident_id), expected_version)
        live = authorize(tx, account, f"incident.{action}", commune=cur["commune_code"])
        actor = name_of(live)
        detail: dict = {"note": text} if text else {}
        if action in REMARKS:
            return tx.change("incident", cur, {}, actor=actor, action=action, detail=detail)
        status = LIFECYCLE.next(cur["status"], action, incident_id)
        changes: dict = {"status": status}
        stamp = STAMPS.get(status)
        if stamp and cur.get(stamp) is None:
            changes[stamp] = tx.at
        if action == "dispatch":
            _take_team(tx, team_code, cur["id"], live)
            changes["team_code"] = team_code
            detail["team_code"] = team_code
        elif action == "reassign":
            if team_code == cur["team_code"]:
                raise Invalid([Problem("team_code", f"already assigned to {team_code}",
                                       key="problem.already_assigned",
                                       params={"team": team_code})])
            _release_team(tx, cur["team_code"], cur["id"], actor)
            _take_team(tx, team_code, cur["id"], live)
            changes["team_code"] = team_code
            detail.update(team_code=team_code, previous_team=cur["team_code"])
        elif LIFECYCLE.is_final(status) or status == "resolved":
            _release_team(tx, cur["team_code"], cur["id"], actor)
        return tx.change("incident", cur, changes, actor=actor, action=action, detail=detail)

    return store.transact(cmd, at=at)


def _shortcut(action: str):
    def command(store: Store, incident_id: int, *, expected_version: int, actor: Actor,
                note: str | None = None, at: datetime | None = None) -> dict:
        return move(store, incident_id, action, expected_version=expected_version,
                    actor=actor, note=note, at=at)
    command.__name__ = action
    command.__doc__ = f"Incident lifecycle action '{action}' (see :func:`move`)."
    return command


verify = _shortcut("verify")
arrive = _shortcut("arrive")
resolve = _shortcut("resolve")
close = _shortcut("close")
escalate = _shortcut("escalate")
false_alarm = _shortcut("false_alarm")


def dispatch(store: Store, incident_id: int, team_code: str, *, expected_version: int,
             actor: Actor, at: datetime | None = None) -> dict:
    """Send *team_code* (available or on patrol) to the incident; the team becomes responding."""
    return move(store, incident_id, "dispatch", expected_version=expected_version,
                actor=actor, team_code=team_code, at=at)


def reassign(store: Store, incident_id: int, team_code: str, *, expected_version: int,
             actor: Actor, at: datetime | None = None) -> dict:
    """Give a dispatched incident to another team; the first is released."""
    return move(store, incident_id, "reassign", expected_version=expected_version,
                actor=actor, team_code=team_code, at=at)


def acknowledge(store: Store, incident_id: int, *, expected_version: int, actor: Actor,
                at: datetime | None = None) -> dict:
    """Say that an urgent incident's alert has been seen (who and when go on the event);
    the alert stops for everyone."""
    return move(store, incident_id, "acknowledge", expected_version=expected_version,
                actor=actor, at=at)


def alerts(store: Store, filters: Filters) -> pd.DataFrame:
    """Incidents urgent enough to alert the wall and the board until someone acknowledges
    them: open, of at least the ``alert_severity`` setting, in *filters*' places."""
    return store.unacknowledged(Filters(commune_codes=filters.commune_codes,
                                        hamlet_codes=filters.hamlet_codes, statuses=OPEN),
                                settings.get("alert_severity"))


@dataclass(frozen=True)
class AlertHead:
    """The alert a one-line banner names: the oldest one waiting, where it is (its
    polling site, else its hamlet: codes, or None), how many minutes it has waited, and
    how many other alerts wait besides it."""

    id: int
    kind: str
    severity: int
    site_code: str | None
    hamlet_code: str | None
    minutes: int
    more: int


def oldest_alert(pending: pd.DataFrame, now: datetime | None = None) -> AlertHead | None:
    """The :class:`AlertHead` of *pending* (:func:`alerts`), or None when none waits."""
    if pending.empty:
        return None
    r = pending.sort_values(["reported_at", "id"]).iloc[0]
    waited = (to_utc(now) if now is not None else utcnow()) - to_utc(r["reported_at"])

    def code(value: object) -> str | None:
        return str(value) if isinstance(value, str) and value else None

    return AlertHead(int(r["id"]), str(r["kind"]), int(r["severity"]), code(r.get("site_code")),
                     code(r.get("hamlet_code")), max(0, int(waited.total_seconds() // 60)),
                     len(pending) - 1)


def add_note(store: Store, incident_id: int, note: str, *, expected_version: int, actor: Actor,
             at: datetime | None = None) -> dict:
    """Append a note to the incident's timeline (any status)."""
    return move(store, incident_id, "note", expected_version=expected_version, actor=actor,
                note=note, at=at)


def earlier_report(store: Store, request_id: str) -> dict | None:
    """The incident a report with *request_id* already logged, or None: a form sent again
    (after a server restart lost its confirmation) is told its number, not asked again."""
    return store.incident_by_request(request_id) if request_id else None


def possible_duplicates(store: Store, kind: str, lon: float, lat: float,
                        at: datetime | None = None, *, commune_codes: Sequence[str] = ()
                        ) -> pd.DataFrame:
    """Open incidents that a new report of *kind* at (*lon*, *lat*) may be a second report
    of: the same kind, reported in the ``duplicate_minutes`` up to *at* (now) and within
    ``duplicate_radius_m`` of the point; in *commune_codes* only when given (the
    reporter's scope). Nearest first, with ``distance_m`` and ``minutes_ago``."""
    problems = [] if kind in KINDS else [
        Problem("kind", f"unknown kind {kind!r}; one of {', '.join(KINDS)}")]
    problems += check_point(lon, lat)
    if problems:
        raise Invalid(problems)
    now = to_utc(at) if at is not None else utcnow()
    recent = store.incidents(Filters(
        commune_codes=list(commune_codes), kinds=[kind], statuses=OPEN,
        since=now - timedelta(minutes=float(settings.get("duplicate_minutes")))))
    reported = pd.to_datetime(recent["reported_at"])
    if at is not None:  # a past moment: what was reported after it is not known yet
        recent, reported = recent[reported <= now], reported[reported <= now]
    pairs = within_distance(points([float(lon)], [float(lat)]),
                            points(recent["lon"], recent["lat"]).set_index(recent.index),
                            float(settings.get("duplicate_radius_m")))
    out = recent.loc[pairs["place"]].copy()
    out["distance_m"] = pairs["distance_m"].to_numpy(float)
    # A live clock that stepped back may leave a report a moment "ahead": 0 minutes ago.
    out["minutes_ago"] = ((now - reported.loc[pairs["place"]]).dt.total_seconds()
                          .clip(lower=0).to_numpy(float) / 60)
    return out.sort_values(["distance_m", "id"]).reset_index(drop=True)
