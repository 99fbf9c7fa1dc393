"""Reports sent upward (báo cáo cấp trên): what each commune owes now (the schedule of
``geo.reports_due`` against what was sent), producing one for its period with the written
review's machinery, marking it sent (who, when, the file kept in the store) and reading
the kept file back."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from geo import calendar as election_calendar
from geo import settings
from geo.accounts import ALL, Actor, authorize, require, require_place
from geo.clock import local_text, to_local, to_local_naive, to_utc, utcnow
from geo.errors import AnttError, NotFound
from geo.reports_due import (
    Occurrence,
    ScheduleRow,
    load_schedule,
    occurrences,
    on_calendar,
    parse_key,
)
from geo.reports_due import state as state_of
from geo.store import Store, Tx

__all__ = ["FORMATS", "Produced", "DueReport", "due_reports", "find_occurrence", "produce",
           "mark_sent", "send", "sent_file", "sent_register", "register_frame",
           "with_calendar"]

FORMATS = ("pdf", "html")
_AHEAD = timedelta(days=400)  # how far ahead the next report of a yearly row may be


@dataclass(frozen=True)
class Produced:
    """A report file made for an occurrence (not yet recorded as sent)."""

    occurrence: Occurrence
    data: bytes
    file_name: str
    fmt: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class DueReport:
    """One report a commune owes, with its state now and, once sent, its record."""

    occurrence: Occurrence
    state: str
    sent: dict | None = None

    @property
    def key(self) -> str:
        return self.occurrence.key


def _communes(store: Store, actor: Actor) -> list[str]:
    codes = [str(c) for c in store.features("communes")["code"].tolist()]
    if isinstance(actor, str) or ALL in actor.communes:
        return codes
    return [c for c in codes if c in actor.communes]


def sent_register(store: Store, actor: Actor | None = None) -> pd.DataFrame:
    """The reports sent (the ``upward_report`` rows), in the actor's communes, newest
    first."""
    frame = store.frame("upward_report")
    if actor is not None and not isinstance(actor, str) and ALL not in actor.communes:
        frame = frame[frame["commune_code"].isin(actor.communes)]
    return frame.sort_values("sent_at", ascending=False).reset_index(drop=True)


def due_reports(store: Store, actor: Actor, *, now: datetime | None = None,
                schedule: list[ScheduleRow] | None = None,
                lookback_days: float | None = None) -> list[DueReport]:
    """What the actor's communes owe around *now* (UTC): every report due in the last
    ``reports_lookback_days`` (late, or sent) and the next one of each schedule row and
    commune; oldest due first."""
    now = now or utcnow()
    schedule = load_schedule() if schedule is None else schedule
    back = timedelta(days=settings.get("reports_lookback_days")
                     if lookback_days is None else lookback_days)
    sent = {r["key"]: r for r in sent_register(store, actor).to_dict("records")}
    out: list[DueReport] = []
    nexts: set[tuple[str, str]] = set()
    communes = _communes(store, actor)
    schedule = with_calendar(store, schedule, communes)
    for occ in occurrences(schedule, now - back, now + _AHEAD, communes):
        row = sent.get(occ.key)
        st = state_of(occ, now, row["sent_at"] if row else None)
        if occ.due_at >= now and row is None:
            if (occ.code, occ.commune_code) in nexts:
                continue
            nexts.add((occ.code, occ.commune_code))
        out.append(DueReport(occ, st, row))
    return out


def with_calendar(store: Store, schedule: list[ScheduleRow], communes: list[str]
                  ) -> list[ScheduleRow]:
    """*schedule* with its windows named by the election calendar ("calendar:peak") made
    concrete from each commune's calendar (``geo.calendar``)."""
    if not any(r.on_calendar for r in schedule):
        return schedule
    calendars = {}
    for c in communes:
        frame = election_calendar.entries(store, [c])
        calendars[c] = {r.code: (to_local_naive(r.starts), None if pd.isna(r.ends)
                                 else to_local_naive(r.ends))
                        for r in frame.itertuples()}
    return on_calendar(schedule, calendars)


def find_occurrence(key: str, schedule: list[ScheduleRow] | None = None,
                    store: Store | None = None) -> Occurrence:
    """The occurrence of *key* (``CODE@DUE@COMMUNE``) in the schedule (its calendar
    windows from *store*'s election calendar), or NotFound."""
    code, due, commune = parse_key(key)
    schedule = load_schedule() if schedule is None else schedule
    if store is not None:
        schedule = with_calendar(store, [r for r in schedule if r.code == code], [commune])
    for occ in occurrences([r for r in schedule if r.code == code], due,
                           due + timedelta(minutes=1), [commune]):
        if occ.due_at == due:
            return occ
    raise NotFound("upward_report", key)


def register_frame(store: Store, commune_codes: list[str] | tuple[str, ...] = ()
                   ) -> pd.DataFrame:
    """The sent-reports register for an export: one row per report sent (the schedule's
    title beside its code), in the given communes (all when empty), oldest due first."""
    frame = store.frame("upward_report")
    if commune_codes:
        frame = frame[frame["commune_code"].isin(list(commune_codes))]
    try:
        titles = {r.code: r.title for r in load_schedule()}
    except AnttError:  # a schedule that cannot be read must not stop an export
        titles = {}
    frame = frame.drop(columns=["key"]).sort_values(["due_at", "commune_code"])
    frame.insert(1, "report_title", [titles.get(c, "") for c in frame["schedule_code"]])
    return frame.reset_index(drop=True)


def _upward_review(rev, title: str, **changes: object):
    """The written review *rev* headed with the schedule's *title* instead of the
    review's own ("Báo cáo sơ kết …"), with *changes*."""
    from geo.io.report import Review

    @dataclasses.dataclass
    class UpwardReview(Review):
        heading: str = ""

        @property
        def title(self) -> str:
            return self.heading

    values = {f.name: getattr(rev, f.name) for f in dataclasses.fields(rev)}
    return UpwardReview(**{**values, **changes}, heading=title)


def produce(store: Store, occ: Occurrence, *, actor: Actor, lang: str = "vi",
            fmt: str = "pdf") -> Produced:
    """The report for *occ*'s period and commune, made with the written review's
    machinery (``geo.io.report``), headed with the schedule's title and addressee."""
    from geo.io.report import build_review, render_html, render_pdf

    require(actor, "reports.send", commune=occ.commune_code)
    if fmt not in FORMATS:
        raise AnttError(f"format {fmt!r}: one of {', '.join(FORMATS)}",
                        key="reports.err.format", value=fmt)
    rev = build_review(store, occ.period, lang=lang, commune_codes=[occ.commune_code])
    # The review's summary carries the period's complaints (geo.complaints.review_summary).
    rev = _upward_review(rev, occ.row.title, place=f"{rev.place} → {occ.row.to_whom}")
    data = render_pdf(rev) if fmt == "pdf" else render_html(rev).encode("utf-8")
    name = f"{occ.code}_{occ.commune_code}_{to_local(occ.due_at):%Y%m%d-%H%M}.{fmt}"
    return Produced(occ, data, name, fmt)


def mark_sent(store: Store, produced: Produced, *, actor: Actor,
              at: datetime | None = None, sent_at: datetime | None = None) -> dict:
    """Record *produced* as sent by *actor*: the ``upward_report`` row and its event, and
    the file's bytes, in one transaction. Sent now, or at *sent_at* (UTC) for a report
    that went out earlier (on paper, by phone) and is recorded now; never in the future.
    A report already sent is refused, naming who sent it and when."""
    occ = produced.occurrence

    def cmd(tx: Tx) -> dict:
        live = authorize(tx, actor, "reports.send", commune=occ.commune_code)
        who = live if isinstance(live, str) else live.username
        before = tx.get("upward_report", occ.key)
        if before is not None:
            raise AnttError(
                f"report {occ.key} was already sent by {before['sent_by']} at "
                f"{local_text(before['sent_at'], '%H:%M %d/%m/%Y')}",
                key="reports.err.already_sent", code=occ.code,
                by=before["sent_by"], at=local_text(before["sent_at"], "%H:%M %d/%m/%Y"))
        when = tx.at if sent_at is None else to_utc(sent_at)
        if when > tx.at:
            raise AnttError(f"sent at {local_text(when, '%H:%M %d/%m/%Y')}: not in the future",
                            key="reports.err.future", at=local_text(when, "%H:%M %d/%m/%Y"))
        tx.keep_file(produced.sha256, produced.data)
        return tx.create("upward_report", {
            "key": occ.key, "schedule_code": occ.code, "commune_code": occ.commune_code,
            "period_start": occ.period.start, "period_end": occ.period.end,
            "due_at": occ.due_at, "sent_at": when, "sent_by": who,
            "file_name": produced.file_name, "file_sha256": produced.sha256,
            "format": produced.fmt}, actor=who, action="send",
            detail={"bytes": len(produced.data),
                    **({"recorded_later": True} if sent_at is not None else {})})

    return store.transact(cmd, at=at)


def send(store: Store, occ: Occurrence, *, actor: Actor, lang: str = "vi", fmt: str = "pdf",
         at: datetime | None = None, sent_at: datetime | None = None
         ) -> tuple[dict, Produced]:
    """Produce the report of *occ* and mark it sent: the one click of the reports page."""
    produced = produce(store, occ, actor=actor, lang=lang, fmt=fmt)
    return mark_sent(store, produced, actor=actor, at=at, sent_at=sent_at), produced


def sent_file(store: Store, key: str, *, actor: Actor) -> tuple[str, bytes]:
    """The file name and bytes kept for the sent report *key* (in the actor's communes)."""
    try:
        row = store.get("upward_report", key)
    except NotFound:
        raise NotFound("upward_report", key) from None
    require_place(actor, row["commune_code"], f"report {key}")
    data = store.report_file(row["file_sha256"])
    if data is None:  # the row and its file are written together: cannot happen
        raise NotFound("report_file", row["file_sha256"])
    return row["file_name"], data
