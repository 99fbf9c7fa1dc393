"""The complaints register (sổ tiếp nhận khiếu nại, tố cáo, kiến nghị, phản ánh): its
vocabulary, lifecycle, commands and the register read with each row's deadline and state.

A complaint is about a matter (the voter list, a candidate, a result, public order), never
a file on a person: who lodged it is a category (công dân, cử tri, tổ bầu cử, …). Its
deadline is never stored: it is computed when read, from the rules file
(:mod:`geo.complaint_rules`) and the election calendar's milestones, so a replaced rules
file applies to every row at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import pandas as pd

from geo import calendar as election_calendar
from geo import complaint_rules as cr
from geo import settings
from geo.accounts import Actor, authorize, name_of, require, require_place
from geo.analysis.places import has_hamlets, locate
from geo.checks.validate import actor_problems, check_point, clean_code, clean_field, clean_note
from geo.clock import to_utc, utcnow
from geo.errors import Invalid, Problem
from geo.lifecycle import Lifecycle
from geo.store import Store, Tx

__all__ = ["KINDS", "START_EVENTS", "MATTERS", "CHANNELS", "FROM_WHOM", "LIFECYCLE", "OPEN",
           "ACTIONS", "STATES", "ALERT_STATES", "receive", "move", "acknowledge", "register",
           "alerts", "milestones", "figures", "placed", "pending_alerts", "with_deadlines",
           "review_summary", "export_frame"]

KINDS = cr.KINDS        # khiếu nại, tố cáo, kiến nghị, phản ánh
START_EVENTS = cr.START_EVENTS
MATTERS = cr.MATTERS    # danh sách cử tri, người ứng cử, kết quả bầu cử, trật tự công cộng, …
CHANNELS: tuple[str, ...] = ("in_person", "letter", "phone", "online", "transferred")
FROM_WHOM: tuple[str, ...] = ("citizen", "voter", "polling_team", "organisation",
                              "anonymous")
LIFECYCLE = Lifecycle(
    entity="complaint",
    initial="received",
    moves={
        # A voter-list complaint is decided without a separate acceptance (Điều 33), and a
        # kiến nghị or phản ánh is often answered at once.
        "received": {"accept": "accepted", "refuse": "refused", "forward": "forwarded",
                     "answer": "answered"},
        "accepted": {"start": "in_progress", "answer": "answered", "extend": "accepted",
                     "forward": "forwarded"},
        "in_progress": {"answer": "answered", "extend": "in_progress",
                        "forward": "forwarded"},
        "answered": {"close": "closed"},
        "refused": {}, "forwarded": {}, "closed": {},
    },
)
OPEN: tuple[str, ...] = ("received", "accepted", "in_progress")
ACTIONS: tuple[str, ...] = ("accept", "refuse", "start", "answer", "close", "forward",
                            "extend")
STAMPS = {"accepted": "accepted_at", "in_progress": "started_at", "answered": "answered_at",
          "closed": "closed_at", "refused": "closed_at", "forwarded": "closed_at"}
# A row's deadline state, computed when read.
STATES: tuple[str, ...] = ("overdue", "due_soon", "on_time", "no_deadline",
                           "answered_on_time", "answered_late", "done")
ALERT_STATES: tuple[str, ...] = ("overdue", "due_soon")
PLACE_MAX = 200


def milestones(store: Store, commune_code: str | None) -> dict[str, datetime]:
    """The election calendar's dates a rule may start from (``election_day``,
    ``voter_list_posted``, ``results_published``) for *commune_code*, from the election
    calendar (``geo.calendar``); a milestone it lacks gives no deadline, and says so."""
    return dict(election_calendar.milestones(store, commune_code))


def _choice(value: object, field: str, choices: Sequence[str], problems: list[Problem]
            ) -> str:
    if value not in choices:
        problems.append(Problem(field, f"{value!r} is not one of {', '.join(choices)}",
                                key="complaint.bad_choice",
                                params={"value": repr(value), "choices": ", ".join(choices)}))
    return str(value)


def receive(store: Store, *, kind: str, matter: str, channel: str, from_whom: str,
            commune_code: str, actor: Actor, summary: str = "",
            hamlet_code: str | None = None, place: str | None = None,
            lon: float | None = None, lat: float | None = None,
            handler_unit: str | None = None, handler_user: str | None = None,
            received_at: datetime | None = None, at: datetime | None = None) -> dict:
    """Record a complaint received (status ``received``) and return its row.

    *received_at* (when it reached the office, default now) starts its deadlines; it
    may be earlier than the moment it is entered, never later. An optional place: a
    hamlet, a place's name, and/or a point (which must lie in *commune_code*)."""
    problems: list[Problem] = []
    _choice(kind, "kind", KINDS, problems)
    _choice(matter, "matter", MATTERS, problems)
    _choice(channel, "channel", CHANNELS, problems)
    _choice(from_whom, "from_whom", FROM_WHOM, problems)
    commune_code = clean_code(commune_code, "commune_code", problems, required=True)
    hamlet_code = clean_code(hamlet_code, "hamlet_code", problems)
    handler_unit = clean_code(handler_unit, "handler_unit", problems)
    handler_user = clean_code(handler_user, "handler_user", problems)
    summary = clean_note(summary, "summary", problems)
    place = clean_field(place, "place", problems, max_len=PLACE_MAX) or None
    if (lon is None) != (lat is None):
        problems.append(Problem("lat" if lat is None else "lon", "give both lon and lat, "
                                "or neither", key="complaint.half_point"))
    elif lon is not None:
        problems += check_point(lon, lat)
    when = to_utc(received_at) if received_at is not None else None
    if when is not None and when > (to_utc(at) if at is not None else utcnow()) + \
            timedelta(minutes=1):
        problems.append(Problem("received_at", "is in the future",
                                key="complaint.received_future"))
    problems += actor_problems(actor)
    if problems:
        raise Invalid(problems)
    require(actor, "complaint.receive", commune=commune_code)
    if lon is not None and has_hamlets(store):
        located_commune, located_hamlet = locate(store, float(lon), float(lat))
        if located_commune and located_commune != commune_code:
            raise Invalid([Problem("lon", f"({float(lon):.5f}, {float(lat):.5f}) is outside "
                                          f"commune {commune_code}",
                                   key="complaint.outside_commune",
                                   params={"commune": commune_code})])
        hamlet_code = hamlet_code or located_hamlet
    account = actor

    def cmd(tx: Tx) -> dict:
        live = authorize(tx, account, "complaint.receive", commune=commune_code)
        who = name_of(live)
        _check_refs(tx, live, commune_code, hamlet_code, handler_unit, handler_user)
        row = {
            "id": tx.next_id("complaint"), "kind": kind, "matter": matter,
            "channel": channel, "from_whom": from_whom, "summary": summary,
            "status": LIFECYCLE.initial, "commune_code": commune_code,
            "hamlet_code": hamlet_code, "place": place,
            "lon": None if lon is None else float(lon),
            "lat": None if lat is None else float(lat),
            "handler_unit": handler_unit, "handler_user": handler_user,
            "forwarded_to": None, "received_at": when or tx.at, "extensions": 0,
            "created_by": who,
        }
        return tx.create("complaint", row, actor=who, action="receive")

    return store.transact(cmd, at=at)


def _check_refs(tx: Tx, actor: Actor, commune: str, hamlet: str | None, unit: str | None,
                user: str | None) -> None:
    """The hamlet, the handling team and the handling account exist and belong here."""
    problems = []
    if hamlet:
        h = tx.feature("hamlets", hamlet)
        if h is None:
            problems.append(Problem("hamlet_code", f"unknown hamlet {hamlet!r}",
                                    key="complaint.unknown_hamlet",
                                    params={"value": repr(hamlet)}))
        elif h["commune_code"] and h["commune_code"] != commune:
            problems.append(Problem("hamlet_code", f"hamlet {hamlet} is not in commune "
                                                   f"{commune}",
                                    key="complaint.hamlet_elsewhere",
                                    params={"value": hamlet, "commune": commune}))
    if unit:
        u = tx.get("unit", unit)
        if u is None:
            problems.append(Problem("handler_unit", f"unknown team {unit!r}",
                                    key="complaint.unknown_unit", params={"value": repr(unit)}))
        else:
            require_place(actor, u["commune_code"], f"team {unit}")
    if user:
        a = tx.get("user", user)
        if a is None or not a["active"]:
            problems.append(Problem("handler_user", f"no active account {user!r}",
                                    key="complaint.unknown_user", params={"value": repr(user)}))
    if problems:
        raise Invalid(problems)


def move(store: Store, complaint_id: int, action: str, *, expected_version: int,
         actor: Actor, body: str | None = None, note: str | None = None,
         handler_unit: str | None = None, handler_user: str | None = None,
         rules: cr.Rules | None = None, at: datetime | None = None) -> dict:
    """Apply a lifecycle *action* to a complaint read at *expected_version*.

    ``forward`` names the competent *body* (cơ quan có thẩm quyền); ``extend`` (gia hạn)
    is allowed as many times as its decide rule's ``max_extensions``; *note* (the
    answer, the reason for a refusal) goes on the event. Refused with StaleVersion,
    IllegalMove or Invalid; nothing is written then."""
    if action not in ACTIONS:
        raise Invalid([Problem("action", f"unknown action {action!r}; one of "
                               f"{', '.join(ACTIONS)}", key="complaint.bad_choice",
                               params={"value": repr(action), "choices": ", ".join(ACTIONS)})])
    require(actor, f"complaint.{action}")
    problems: list[Problem] = []
    text = clean_note(note, "note", problems)
    body = clean_field(body, "body", problems, max_len=PLACE_MAX) or None
    handler_unit = clean_code(handler_unit, "handler_unit", problems)
    handler_user = clean_code(handler_user, "handler_user", problems)
    if action == "forward" and not body:
        problems.append(Problem("body", "name the competent body it is forwarded to",
                                key="complaint.needs_body"))
    if problems:
        raise Invalid(problems)
    rules = rules if rules is not None else (cr.load() if action == "extend" else None)
    account = actor

    def cmd(tx: Tx) -> dict:
        cur = tx.get_for_update("complaint", int(complaint_id), expected_version)
        live = authorize(tx, account, f"complaint.{action}", commune=cur["commune_code"])
        who = name_of(live)
        status = LIFECYCLE.next(cur["status"], action, complaint_id)
        changes: dict = {"status": status}
        detail: dict = {"note": text} if text else {}
        stamp = STAMPS.get(status)
        if stamp and cur.get(stamp) is None:
            changes[stamp] = tx.at
        if action == "forward":
            changes["forwarded_to"] = body
            detail["body"] = body
        if action == "extend":
            rule = cr.pick(rules, cur["kind"], cur["matter"], "decide")
            most = rule.max_extensions if rule else 0
            if int(cur["extensions"]) >= most:
                raise Invalid([Problem("action", f"complaint {complaint_id}: no extension "
                                       f"left ({cur['extensions']} of {most} used)",
                                       key="complaint.no_extension",
                                       params={"used": int(cur["extensions"]), "most": most})])
            changes["extensions"] = int(cur["extensions"]) + 1
            detail.update(rule=rule.code, days=rule.extension_days)
        if handler_unit or handler_user:
            _check_refs(tx, live, cur["commune_code"], None, handler_unit, handler_user)
            changes.update({k: v for k, v in (("handler_unit", handler_unit),
                                               ("handler_user", handler_user)) if v})
        return tx.change("complaint", cur, changes, actor=who, action=action, detail=detail)

    return store.transact(cmd, at=at)


def register(store: Store, commune_codes: Sequence[str] = (), *, now: datetime | None = None,
             rules: cr.Rules | None = None,
             calendar: Mapping[str, Mapping[str, datetime]] | None = None) -> pd.DataFrame:
    """The register in *commune_codes* (all when empty), newest first, with each row's
    ``step`` (whose deadline applies), ``due`` (naive UTC or NaT), ``rule`` (its code),
    ``legal_basis``, ``no_due`` (why there is none), ``filed_late`` (received after the
    file-by deadline) and ``state`` (:data:`STATES`) at *now*. *calendar* gives the
    milestones per commune (default: :func:`milestones`)."""
    rows = store.frame("complaint")
    if len(commune_codes):
        rows = rows[rows["commune_code"].isin(list(commune_codes))]
    return with_deadlines(store, rows, now=now, rules=rules, calendar=calendar)


def with_deadlines(store: Store | None, rows: pd.DataFrame, *, now: datetime | None = None,
                   rules: cr.Rules | None = None,
                   calendar: Mapping[str, Mapping[str, datetime]] | None = None
                   ) -> pd.DataFrame:
    """*rows* (complaint rows, current or replayed) with their deadlines (see
    :func:`register`)."""
    rules = rules if rules is not None else cr.load()
    now = to_utc(now) if now is not None else utcnow()
    soon = timedelta(hours=float(settings.get("complaint_due_soon_hours")))
    found: dict[str, Mapping[str, datetime]] = dict(calendar or {})
    extra: dict[str, list] = {c: [] for c in ("step", "due", "rule", "legal_basis", "no_due",
                                             "filed_late", "state")}
    for r in rows.to_dict("records"):
        commune = r["commune_code"]
        if commune not in found:
            found[commune] = milestones(store, commune) if store is not None else {}
        ms = found[commune]
        d = cr.deadline(rules, "decide", r, ms)
        if r["status"] == "received":
            # Not accepted yet: the earlier of the accept deadline and a decide deadline
            # that already runs (the voter list's 5 days run from receipt).
            first = cr.deadline(rules, "accept", r, ms)
            if first.due is not None and (d.due is None or first.due < d.due) or \
                    d.due is None and first.rule is not None:
                d = first
        step = d.step
        filed = cr.deadline(rules, "file_by", r, ms)
        received = _py(r["received_at"])
        extra["filed_late"].append(bool(filed.due is not None and received > filed.due))
        extra["step"].append(step)
        extra["due"].append(d.due)
        extra["rule"].append(d.rule.code if d.rule else None)
        extra["legal_basis"].append(d.rule.legal_basis if d.rule else None)
        extra["no_due"].append(d.missing or d.reason)
        extra["state"].append(_state(r, d.due, now, soon))
    out = rows.copy()
    for c, values in extra.items():
        out[c] = pd.Series(values, index=out.index, dtype=object if c != "due" else
                           "datetime64[ns]")
    return out.sort_values(["received_at", "id"], ascending=False).reset_index(drop=True)


def _py(value: object) -> datetime | None:
    if value is None or pd.isna(value):
        return None
    return to_utc(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)


def _state(row: dict, due: datetime | None, now: datetime, soon: timedelta) -> str:
    status = row["status"]
    if status in ("refused", "forwarded"):
        return "done"
    if status in ("answered", "closed"):
        answered = _py(row.get("answered_at"))
        if due is None or answered is None:
            return "answered_on_time"
        return "answered_on_time" if answered <= due else "answered_late"
    if due is None:
        return "no_deadline"
    if now > due:
        return "overdue"
    return "due_soon" if due - now <= soon else "on_time"


def alerts(store: Store, commune_codes: Sequence[str] = (), *, now: datetime | None = None
           ) -> pd.DataFrame:
    """Open complaints overdue or due soon whose alert nobody has acknowledged in that
    state for that deadline, most urgent first: what the board and the wall show."""
    return pending_alerts(register(store, commune_codes, now=now))


def acknowledge(store: Store, complaint_id: int, *, expected_version: int, actor: Actor,
                now: datetime | None = None, at: datetime | None = None) -> dict:
    """Say that a complaint's overdue or due-soon alert has been seen: it stops until the
    complaint's state or deadline changes (the event names who and when)."""
    require(actor, "complaint.acknowledge")
    row = store.get("complaint", int(complaint_id))  # NotFound names it
    reg = with_deadlines(store, pd.DataFrame([row]), now=now)
    state, due = reg.iloc[0]["state"], _py(reg.iloc[0]["due"])
    if state not in ALERT_STATES:
        raise Invalid([Problem("id", f"complaint {complaint_id} is {state}: nothing to "
                                     "acknowledge", key="complaint.nothing_to_ack",
                               params={"id": complaint_id})])
    account = actor

    def cmd(tx: Tx) -> dict:
        cur = tx.get_for_update("complaint", int(complaint_id), expected_version)
        live = authorize(tx, account, "complaint.acknowledge", commune=cur["commune_code"])
        return tx.change("complaint", cur, {"ack_state": state, "ack_due": due},
                         actor=name_of(live), action="acknowledge",
                         detail={"state": state})

    return store.transact(cmd, at=at)


def figures(reg: pd.DataFrame) -> dict:
    """The review's figures of a register (:func:`register`): received, answered on
    time, answered late, overdue now, still open, and received by kind."""
    return {
        "received": int(len(reg)),
        "answered_on_time": int((reg["state"] == "answered_on_time").sum()) if len(reg) else 0,
        "answered_late": int((reg["state"] == "answered_late").sum()) if len(reg) else 0,
        "overdue": int((reg["state"] == "overdue").sum()) if len(reg) else 0,
        "open": int(reg["status"].isin(OPEN).sum()) if len(reg) else 0,
        "by_kind": {k: int((reg["kind"] == k).sum()) for k in KINDS} if len(reg)
        else dict.fromkeys(KINDS, 0),
    }


def placed(reg: pd.DataFrame, hamlets: pd.DataFrame) -> pd.DataFrame:
    """The register rows that have a place, with ``lon``/``lat``: their own point, else a
    point inside their hamlet (*hamlets*: the hamlets layer, with geometry)."""
    if reg.empty:
        return reg.assign(lon=pd.Series(dtype=float), lat=pd.Series(dtype=float))
    out = reg.copy()
    if len(hamlets) and "geometry" in hamlets:
        inside = {c: g.representative_point() for c, g in
                  zip(hamlets["code"], hamlets.geometry, strict=True) if g is not None}
        missing = out["lon"].isna() & out["hamlet_code"].isin(list(inside))
        out.loc[missing, "lon"] = [inside[c].x for c in out.loc[missing, "hamlet_code"]]
        out.loc[missing, "lat"] = [inside[c].y for c in out.loc[missing, "hamlet_code"]]
    return out[out["lon"].notna() & out["lat"].notna()].reset_index(drop=True)


def pending_alerts(reg: pd.DataFrame) -> pd.DataFrame:
    """The rows of a register (:func:`register`) whose overdue or due-soon alert waits
    for an acknowledgement, most urgent first."""
    if reg.empty:
        return reg
    waiting = reg["state"].isin(ALERT_STATES)
    acked = (reg["ack_state"] == reg["state"]) & (reg["ack_due"] == reg["due"])
    return reg[waiting & ~acked.fillna(False)].sort_values(["due", "id"]).reset_index(drop=True)


def review_summary(store: Store, start: datetime, end: datetime,
                   commune_codes: Sequence[str] = (), lang: str = "vi"
                   ) -> list[tuple[str, str]]:
    """The written review's lines on the register: complaints received in [*start*,
    *end*), answered on time, overdue at the period's end (or now), and by kind."""
    from geo.i18n import label, message

    reg = register(store, commune_codes, now=min(to_utc(end), utcnow()))
    received = pd.to_datetime(reg["received_at"]) if len(reg) else pd.Series(dtype="M8[ns]")
    reg = reg[(received >= start) & (received < end)] if len(reg) else reg
    f = figures(reg)
    return [
        (message("complaint.review.received", lang), str(f["received"])),
        (message("complaint.review.answered_on_time", lang),
         f"{f['answered_on_time']} / {f['answered_on_time'] + f['answered_late']}"),
        (message("complaint.review.overdue", lang), str(f["overdue"])),
        (message("complaint.review.by_kind", lang),
         " · ".join(f"{label('complaint.kind', k, lang)} {n}"
                    for k, n in f["by_kind"].items())),
    ]


_CSV_KEEP = ("id", "kind", "matter", "channel", "from_whom", "summary", "status",
             "commune_code", "hamlet_code", "place", "lon", "lat", "handler_unit",
             "handler_user", "forwarded_to", "received_at", "accepted_at", "started_at",
             "answered_at", "closed_at", "extensions", "due", "state", "rule", "legal_basis",
             "filed_late", "created_by", "version", "updated_at", "updated_by")
# Columns whose codes are worded with the register's own labels (complaint.<group>.<code>).
_CSV_LABELS = {"kind": "kind", "matter": "matter", "channel": "channel",
               "from_whom": "from", "status": "status", "state": "state"}


def export_frame(store: Store, commune_codes: Sequence[str] = (), lang: str = "vi"
                 ) -> pd.DataFrame:
    """The register for ``antt export`` (``complaints.csv``): its codes in words, its
    deadline and state, columns named ``complaint_*`` so the CSV's headers are the
    register's own (``csv.complaint_*``)."""
    from geo.i18n import label

    reg = register(store, commune_codes)
    out = reg.reindex(columns=list(_CSV_KEEP)) if len(reg) else pd.DataFrame(
        columns=list(_CSV_KEEP))
    for col, group in _CSV_LABELS.items():
        out[col] = [label(f"complaint.{group}", v, lang) for v in out[col]]
    keep = {"id", "commune_code", "hamlet_code", "lon", "lat", "created_by", "version",
            "updated_at", "updated_by"}
    return out.rename(columns={c: f"complaint_{c}" for c in out.columns if c not in keep})
