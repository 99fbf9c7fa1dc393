"""The election calendar (lịch bầu cử): election day, its phases, voting hours,
milestones the law counts from, anniversaries and scheduled events, as data.

A calendar is a CSV file an office writes (``data/calendar/hai-duong-2021.csv`` is the
2021 Hải Dương one, each row with its source) or rows an admin enters on the calendar
page. Every row is an entity ``calendar_entry`` in the store, so a change is an event in
the log and a replay sees the calendar as it was. A row with no commune is every
commune's; a commune's own row with the same code takes its place there.

What the pages ask: :func:`strip` (which phase it is, what is on today, what is next),
:func:`phase_periods` (a phase as a review period), :func:`milestones` (the dates the
complaint deadlines count from) and :func:`phase_table` (incidents per phase).
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from geo.accounts import Actor, authorize, name_of, require, require_place
from geo.checks.text import nfc
from geo.checks.validate import clean_code, clean_field, clean_name
from geo.clock import Period, local_day, local_to_utc, to_local
from geo.errors import Invalid, Problem
from geo.store import Filters, Store, Tx

__all__ = ["KINDS", "PHASE_KINDS", "FIELDS", "Strip", "read_calendar", "import_calendar",
           "add_entry", "remove_entry", "entries", "strip", "milestones", "phase_periods",
           "phase_table", "shift_rows", "entry_id", "export_frame", "election_day"]

ENTITY = "calendar_entry"
# election_day and phase rows are phases (a window the review can pick); voting is the
# voting hours; milestone a date a deadline counts from (no end); anniversary and event
# a window to guard.
KINDS = ("election_day", "phase", "voting", "milestone", "anniversary", "event")
PHASE_KINDS = ("election_day", "phase")
FIELDS = ("code", "kind", "name", "starts", "ends", "commune_code", "place_code", "place",
          "source")
REQUIRED = ("code", "kind", "name", "starts", "source")
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y")


def entry_id(commune_code: str | None, code: str) -> str:
    """The store key of a row: a commune's own ``10732:celebration``, everyone's
    ``*:election_day``."""
    return f"{commune_code or '*'}:{code}"


def _local_time(text: str, field: str, row: int | None, problems: list[Problem]
                ) -> tuple[datetime | None, bool]:
    """A local (Vietnam) time or date as naive UTC, and whether it named only a day."""
    text = text.strip()
    for fmt in _FORMATS:
        try:
            local = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return local_to_utc(local), "%H" not in fmt
    problems.append(Problem(field, f"{text!r} is not a date: write YYYY-MM-DD or "
                            "YYYY-MM-DD HH:MM (Vietnam time)", row, key="problem.calendar_time",
                            params={"value": repr(text)}))
    return None, False


def check_row(raw: dict, row: int | None, problems: list[Problem]) -> dict | None:
    """One calendar row cleaned (times as naive UTC, a day-only end meaning the whole
    day), or None with its problems noted."""
    before = len(problems)
    code = clean_code(raw.get("code"), "code", problems, required=True)
    kind = str(raw.get("kind") or "").strip()
    if kind not in KINDS:
        problems.append(Problem("kind", f"unknown kind {kind!r}; one of {', '.join(KINDS)}",
                                row, key="problem.choice",
                                params={"value": repr(kind), "choices": ", ".join(KINDS)}))
    name = clean_name(raw.get("name"), "name", problems, required=True)
    source = clean_field(raw.get("source"), "source", problems, max_len=500, required=True,
                         row=row)
    commune = clean_code(raw.get("commune_code"), "commune_code", problems)
    place_code = clean_code(raw.get("place_code"), "place_code", problems)
    place = clean_name(raw.get("place"), "place", problems)
    starts, _ = _local_time(str(raw.get("starts") or ""), "starts", row, problems)
    ends_text = str(raw.get("ends") or "").strip()
    ends = None
    if ends_text:
        if kind == "milestone":
            problems.append(Problem("ends", "a milestone is one date: leave ends empty",
                                    row, key="problem.calendar_milestone_end"))
        ends, whole_day = _local_time(ends_text, "ends", row, problems)
        if ends is not None and whole_day:
            ends += timedelta(days=1)  # "2021-06-23" ends at the end of that day
    elif kind in PHASE_KINDS + ("voting", "anniversary", "event") and starts is not None:
        problems.append(Problem("ends", f"a {kind} needs its end", row, key="problem.required"))
    if starts is not None and ends is not None and ends <= starts:
        problems.append(Problem("ends", "the end is not after the start", row,
                                key="problem.calendar_order"))
    problems[before:] = [p if p.row is not None else dataclasses.replace(p, row=row)
                         for p in problems[before:]]
    if len(problems) > before:
        return None
    return {"id": entry_id(commune, code), "code": code, "kind": kind, "name": name,
            "commune_code": commune, "starts": starts, "ends": ends, "place_code": place_code,
            "place": place or None, "source": source, "active": True}


def read_calendar(source: str | Path | bytes) -> list[dict]:
    """A calendar file's rows, checked. A file with any bad row is refused whole
    (:class:`Invalid`, each problem naming its row and field); nothing is written."""
    try:
        if isinstance(source, bytes):
            text = source.decode("utf-8-sig")
        else:
            text = Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise Invalid([Problem("file", f"cannot read the calendar: {e}",
                               key="problem.calendar_unreadable", params={"why": str(e)})]
                      ) from None
    try:
        frame = pd.read_csv(io.StringIO(nfc(text)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise Invalid([Problem("file", f"not a CSV file: {e}",
                               key="problem.calendar_unreadable", params={"why": str(e)})]
                      ) from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise Invalid([Problem("header", f"missing columns: {', '.join(missing)} (a calendar "
                               f"has {', '.join(FIELDS)})", key="problem.calendar_columns",
                               params={"missing": ", ".join(missing),
                                       "columns": ", ".join(FIELDS)})])
    problems: list[Problem] = []
    rows, seen = [], {}
    for i, raw in enumerate(frame.to_dict("records"), start=2):  # line 1 is the header
        row = check_row(raw, i, problems)
        if row is None:
            continue
        if row["id"] in seen:
            problems.append(Problem("code", f"{row['code']!r} is also on row {seen[row['id']]}",
                                    i, key="problem.calendar_duplicate",
                                    params={"value": repr(row["code"]), "other": seen[row["id"]]}))
            continue
        seen[row["id"]] = i
        rows.append(row)
    if problems:
        raise Invalid(problems)
    if not rows:
        raise Invalid([Problem("file", "the calendar has no rows", key="problem.calendar_empty")])
    return rows


def shift_rows(rows: Sequence[dict], d: timedelta) -> list[dict]:
    """*rows* moved by *d* (the demo plays the 2021 calendar on today's drill day)."""
    return [{**r, "starts": r["starts"] + d, "ends": None if r["ends"] is None else r["ends"] + d}
            for r in rows]


def _same(current: dict, row: dict) -> bool:
    return all(current.get(k) == row.get(k) for k in row)


def import_calendar(store: Store, rows: Sequence[dict], *, actor: Actor, source: str,
                    replace: bool = False, at: datetime | None = None) -> dict[str, int]:
    """Write checked *rows* (:func:`read_calendar`): new ones added, changed ones updated;
    with *replace*, the active rows the file does not have (in the actor's communes) are
    taken off. One transaction; returns the counts."""
    account = actor
    require(account, "calendar.edit")
    for r in rows:
        require_place(account, r["commune_code"], f"calendar row {r['code']}")

    def cmd(tx: Tx) -> dict[str, int]:
        live = authorize(tx, account, "calendar.edit")
        for r in rows:  # the account as it is now: its communes may have changed
            require_place(live, r["commune_code"], f"calendar row {r['code']}")
        who = name_of(live)
        current = tx.get_many(ENTITY, [r["id"] for r in rows])
        n = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
        for r in rows:
            cur = current.get(r["id"])
            if cur is None:
                tx.create(ENTITY, r, actor=who, action="add", detail={"source": source})
                n["added"] += 1
            elif _same(cur, r):
                n["unchanged"] += 1
            else:
                tx.change(ENTITY, cur, r, actor=who, action="update", detail={"source": source})
                n["changed"] += 1
        if replace:
            keep = {r["id"] for r in rows}
            for cur in _active_rows(tx):
                if cur["id"] in keep or not _may_touch(live, cur["commune_code"]):
                    continue
                tx.change(ENTITY, cur, {"active": False}, actor=who, action="remove",
                          detail={"source": source})
                n["removed"] += 1
        return n

    return store.transact(cmd, at=at)


def _may_touch(actor: Actor, commune: str | None) -> bool:
    return isinstance(actor, str) or actor.in_scope(commune)


def _active_rows(tx: Tx) -> list[dict]:
    return [r for r in tx.all(ENTITY) if r["active"]]


def add_entry(store: Store, raw: dict, *, actor: Actor, at: datetime | None = None) -> dict:
    """One row entered on the calendar page (the same checks as a file's row); a row
    with the same code and commune is replaced."""
    problems: list[Problem] = []
    row = check_row(raw, None, problems)
    if row is None:
        raise Invalid(problems)
    account = actor
    require(account, "calendar.edit")
    require_place(account, row["commune_code"], f"calendar row {row['code']}")

    def cmd(tx: Tx) -> dict:
        live = authorize(tx, account, "calendar.edit")
        require_place(live, row["commune_code"], f"calendar row {row['code']}")
        who = name_of(live)
        cur = tx.get(ENTITY, row["id"])
        if cur is None:
            return tx.create(ENTITY, row, actor=who, action="add")
        return tx.change(ENTITY, cur, row, actor=who, action="update")

    return store.transact(cmd, at=at)


def remove_entry(store: Store, key: str, *, expected_version: int, actor: Actor,
                 at: datetime | None = None) -> dict:
    """Take one row off the calendar (kept in the log; a replay still sees it)."""
    account = actor
    require(account, "calendar.edit")

    def cmd(tx: Tx) -> dict:
        cur = tx.get_for_update(ENTITY, key, expected_version)
        live = authorize(tx, account, "calendar.edit")
        require_place(live, cur["commune_code"], f"calendar row {cur['code']}")
        who = name_of(live)
        return tx.change(ENTITY, cur, {"active": False}, actor=who, action="remove")

    return store.transact(cmd, at=at)


# ---- reading ----------------------------------------------------------------------------
def entries(store: Store, communes: Sequence[str] = ("*",)) -> pd.DataFrame:
    """The active rows a view of *communes* sees (empty or ``("*",)``: all), starts first. Where a
    commune has its own row of a code, everyone's row of that code is left out for a view
    of that commune alone."""
    frame = store.frame(ENTITY)
    frame = frame[frame["active"].astype(bool)]
    if communes and "*" not in communes:
        frame = frame[frame["commune_code"].isna() | frame["commune_code"].isin(communes)]
        if len(communes) == 1:
            own = set(frame.loc[frame["commune_code"].notna(), "code"])
            frame = frame[frame["commune_code"].notna() | ~frame["code"].isin(own)]
    return frame.sort_values(["starts", "code"]).reset_index(drop=True)


def _as_dt(value: object) -> datetime | None:
    if value is None or pd.isna(value):  # NaT is a datetime too
        return None
    return pd.Timestamp(value).to_pydatetime()


def _ends(row: pd.Series) -> datetime:
    end = _as_dt(row["ends"])
    return end if end is not None else _as_dt(row["starts"]) + timedelta(seconds=1)


@dataclass(frozen=True)
class Strip:
    """What the live page's calendar strip says at one moment."""

    phase: dict | None          # the innermost phase running now
    today: list[dict]           # what is on (or falls) today, in start order
    upcoming: list[dict]        # the next rows after today, in start order

    @property
    def empty(self) -> bool:
        return self.phase is None and not self.today and not self.upcoming


def strip(frame: pd.DataFrame, at: datetime, *, upcoming: int = 2) -> Strip:
    """Which phase *at* (naive UTC) falls in (the innermost: latest start, then
    shortest), what is on its local day, and the next *upcoming* rows after that day."""
    if not len(frame):
        return Strip(None, [], [])
    rows = [r.to_dict() for _, r in frame.iterrows()]
    for r in rows:
        r["starts"], r["ends"] = _as_dt(r["starts"]), _as_dt(r["ends"])
    rows.sort(key=lambda r: (r["starts"], r["code"]))
    phases = [r for r in rows if r["kind"] in PHASE_KINDS
              and r["starts"] <= at < (r["ends"] or r["starts"])]
    phase = max(phases, key=lambda r: (r["starts"], -(r["ends"] - r["starts"]).total_seconds()),
                default=None)
    day = local_day(to_local(at).date())
    on_day = [r for r in rows if r["kind"] not in PHASE_KINDS and r["starts"] < day.end
              and (r["ends"] or r["starts"] + timedelta(seconds=1)) > day.start]
    later = [r for r in rows if r["starts"] >= day.end]
    return Strip(phase, on_day, later[:upcoming])


def milestones(store: Store, commune_code: str | None) -> dict[str, datetime]:
    """The dates deadlines count from, for *commune_code*: each milestone's and the
    election day's code → its start (naive UTC). A commune's own row wins."""
    frame = entries(store, [commune_code] if commune_code else ("*",))
    frame = frame[frame["kind"].isin(("milestone", "election_day"))]
    return {r["code"]: _as_dt(r["starts"]) for _, r in frame.iterrows()}


def phase_periods(frame: pd.DataFrame) -> list[tuple[str, str, Period]]:
    """The phases (and election day) as review periods: ``(code, name, period)`` in
    start order."""
    out = []
    for _, r in frame[frame["kind"].isin(PHASE_KINDS)].iterrows():
        out.append((r["code"], r["name"], Period(_as_dt(r["starts"]), _ends(r))))
    return out


def phase_table(store: Store, filters: Filters, frame: pd.DataFrame) -> pd.DataFrame:
    """Incidents per phase, to compare phases: for each phase its days, the incidents
    reported in it, per day, the serious ones (severity 3–4) and the complaints. Phases
    may overlap (election day inside the peak): each counts its own window."""
    cols = ["code", "name", "start", "end", "days", "incidents", "per_day", "serious",
            "complaints"]
    out = []
    incidents = store.incidents(filters)
    reported = pd.to_datetime(incidents["reported_at"])
    for code, name, period in phase_periods(frame):
        inside = incidents[(reported >= period.start) & (reported < period.end)]
        days = (period.end - period.start).total_seconds() / 86400
        out.append({"code": code, "name": name, "start": period.start, "end": period.end,
                    "days": round(days, 2), "incidents": len(inside),
                    "per_day": round(len(inside) / days, 2) if days else 0.0,
                    "serious": int((inside["severity"] >= 3).sum()),
                    "complaints": int((inside["kind"] == "complaint").sum())})
    return pd.DataFrame(out, columns=cols)


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The calendar as the CSV export writes it (``geo.io.people_csv`` puts it in words):
    the kind read with the calendar's labels, the source as the row's legal basis."""
    out = frame[["code", "kind", "name", "commune_code", "starts", "ends", "place_code",
                 "place", "source", "updated_by", "updated_at"]]
    return out.rename(columns={"kind": "calendar_kind", "source": "basis"})


def election_day(rows: Sequence[dict]) -> date | None:
    """The local date of the election day among checked *rows*, if there is one."""
    days = [to_local(r["starts"]).date() for r in rows if r["kind"] == "election_day"]
    return days[0] if days else None
