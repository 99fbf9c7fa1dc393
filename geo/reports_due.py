"""Reports due upward (báo cáo cấp trên): the schedule file read and checked, expanded into
the reports each commune owes for a span of time, and the state of each one given what was
sent. Pure: no store, no clock of its own (``geo.upward`` records what was sent)."""

from __future__ import annotations

import csv
import io
import re
from calendar import monthrange
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from geo import DATA_DIR, settings
from geo.clock import Period, local_to_utc, to_local_naive
from geo.errors import AnttError, Invalid, Problem

__all__ = ["COLUMNS", "RECURRENCES", "PERIODS", "STATES", "ScheduleRow", "Occurrence",
           "SHIPPED", "load_schedule", "parse_schedule", "occurrences", "state", "states",
           "occurrence_key", "parse_key", "parse_local_time", "on_calendar"]

COLUMNS = ("code", "title", "to_whom", "recurrence", "due", "due_hour", "every_hours",
           "window_start", "window_end", "period_covered", "soon_hours", "commune_code",
           "source", "note")
RECURRENCES = ("once", "every_hours", "daily", "yearly")
PERIODS = ("since_previous", "day", "half_year", "year", "window")
# upcoming → due_soon → late, or sent (on time / late)
STATES = ("upcoming", "due_soon", "late", "sent_on_time", "sent_late")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,39}$")
_HOUR = re.compile(r"^(\d{1,2}):(\d{2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})/(\d{1,2})$")
SHIPPED = DATA_DIR / "rules" / "report-schedule.csv"
_MAX_OCCURRENCES = 20_000  # a span asked of the schedule, per row and commune


@dataclass(frozen=True)
class ScheduleRow:
    """One checked row of the schedule; times are Vietnam wall-clock (naive)."""

    code: str
    title: str
    to_whom: str
    recurrence: str
    due_date: date | None          # once
    due_day_month: tuple[int, int] | None  # yearly: (day, month)
    due_hour: time
    every_hours: float | None
    window_start: datetime | None
    window_end: datetime | None
    period_covered: str
    soon_hours: float
    commune_code: str | None
    source: str
    note: str
    # A window bound named by the election calendar ("calendar:peak",
    # "calendar:election_day 07:00"): (code, hour or None); resolved per commune by
    # :func:`on_calendar` before the row is expanded.
    window_start_ref: tuple[str, time | None] | None = None
    window_end_ref: tuple[str, time | None] | None = None

    @property
    def on_calendar(self) -> bool:
        return self.window_start_ref is not None or self.window_end_ref is not None

    def local_dues(self, start: datetime, end: datetime) -> list[datetime]:
        """This row's due times (Vietnam time) in [*start*, *end*), oldest first."""
        out: list[datetime] = []
        ws, we = self.window_start, self.window_end
        if self.recurrence == "once":
            at = datetime.combine(self.due_date, self.due_hour)
            out = [at]
        elif self.recurrence == "every_hours":
            step = timedelta(hours=self.every_hours)
            first = ws + step
            if start > first:  # jump near *start* without walking the whole window
                first += step * max(int((start - first) / step) - 1, 0)
            at = first
            while at <= we and at < end and len(out) < _MAX_OCCURRENCES:
                out.append(at)
                at += step
        elif self.recurrence == "daily":
            day = max(ws.date(), start.date() - timedelta(days=1))
            while day <= we.date() and len(out) < _MAX_OCCURRENCES:
                at = datetime.combine(day, self.due_hour)
                if at >= end:
                    break
                if ws <= at <= we + timedelta(days=1):
                    out.append(at)
                day += timedelta(days=1)
        else:  # yearly
            d, m = self.due_day_month
            first_year = ws.year if ws else start.year
            for year in range(max(first_year, start.year - 1), end.year + 1):
                at = datetime.combine(_day(year, m, d), self.due_hour)
                if (ws is None or at >= ws) and (we is None or at <= we):
                    out.append(at)
        return [at for at in out if start <= at < end]

    def local_period(self, due: datetime) -> tuple[datetime, datetime]:
        """The period (Vietnam time, start inclusive, end exclusive) the report due at
        *due* covers."""
        if self.period_covered == "since_previous":
            if self.recurrence == "every_hours":
                return max(due - timedelta(hours=self.every_hours), self.window_start), due
            if self.recurrence == "daily":
                return max(due - timedelta(days=1), self.window_start), due
            if self.recurrence == "yearly":
                return _months_before(due, 12), due
            return (self.window_start or due - timedelta(days=1)), due
        if self.period_covered == "day":
            return due - timedelta(days=1), due
        if self.period_covered == "half_year":
            return _months_before(due, 6), due
        if self.period_covered == "year":
            return _months_before(due, 12), due
        return self.window_start, due  # window


@dataclass(frozen=True)
class Occurrence:
    """One report a commune owes: its row, its due time and its period, in UTC."""

    row: ScheduleRow
    commune_code: str
    due_at: datetime
    period: Period

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def key(self) -> str:
        return occurrence_key(self.row.code, self.due_at, self.commune_code)

    @property
    def soon_at(self) -> datetime:
        return self.due_at - timedelta(hours=self.row.soon_hours)


def occurrence_key(code: str, due_at: datetime, commune_code: str) -> str:
    """``<schedule code>@<due UTC ISO>@<commune>``: the sent report's key in the store."""
    return f"{code}@{due_at:%Y-%m-%dT%H:%MZ}@{commune_code}"


def parse_key(key: str) -> tuple[str, datetime, str]:
    """The schedule code, due time (UTC) and commune of an occurrence key."""
    try:
        code, due, commune = str(key).split("@")
        return code, datetime.strptime(due, "%Y-%m-%dT%H:%MZ"), commune
    except ValueError:
        raise AnttError(f"report {key!r}: not a report key (CODE@YYYY-MM-DDTHH:MMZ@COMMUNE)",
                        key="reports.err.key", value=str(key)) from None


def parse_local_time(text: str, what: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` (or with a ``T``), Vietnam time, as a naive local time."""
    try:
        return datetime.strptime(str(text).strip().replace("T", " "), "%Y-%m-%d %H:%M")
    except ValueError:
        raise AnttError(f"{what} {text!r}: write YYYY-MM-DD HH:MM (Vietnam time)",
                        key="reports.err.time", what=what, value=str(text)) from None


# ---- reading ---------------------------------------------------------------------------
def load_schedule(path: str | Path | None = None) -> list[ScheduleRow]:
    """The schedule file (the ``report_schedule`` setting by default), checked; a file with
    any bad row is refused whole (:class:`Invalid`, every problem with its row and field)."""
    path = Path(path or settings.get("report_schedule") or SHIPPED)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise AnttError(f"report schedule {path}: cannot be read ({e.strerror})",
                        key="reports.err.file", path=str(path)) from None
    return parse_schedule(text)


def parse_schedule(text: str) -> list[ScheduleRow]:
    """The schedule in *text* (CSV with :data:`COLUMNS`), checked. Rows are numbered as
    the file's lines (the header is row 1)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise Invalid([Problem(c, "column missing from the schedule's header", row=1)
                       for c in missing])
    rows: list[ScheduleRow] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for n, raw in enumerate(reader, start=2):
        rec = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not any(rec.values()):
            continue
        row = _row(rec, n, problems)
        if row is not None:
            if row.code in seen:
                problems.append(Problem("code", f"{row.code} is already used by an "
                                        "earlier row", row=n))
            seen.add(row.code)
            rows.append(row)
    if problems:
        raise Invalid(problems)
    return rows


def _row(rec: dict[str, str], n: int, problems: list[Problem]) -> ScheduleRow | None:
    before = len(problems)

    def bad(fld: str, reason: str) -> None:
        problems.append(Problem(fld, reason, row=n))

    if not _CODE.match(rec["code"]):
        bad("code", f"{rec['code']!r}: write capitals, digits and '-' (at most 40)")
    for fld in ("title", "to_whom", "source"):
        if not rec[fld]:
            bad(fld, "is empty")
    rec_kind = rec["recurrence"]
    if rec_kind not in RECURRENCES:
        bad("recurrence", f"{rec_kind!r}: one of {', '.join(RECURRENCES)}")
    if rec["period_covered"] not in PERIODS:
        bad("period_covered", f"{rec['period_covered']!r}: one of {', '.join(PERIODS)}")
    hour = _hour(rec["due_hour"] or "00:00", bad)
    ws_ref = _calendar_ref(rec["window_start"], "window_start", bad)
    we_ref = _calendar_ref(rec["window_end"], "window_end", bad)
    ws = None if ws_ref or _is_ref(rec["window_start"]) else \
        _when(rec["window_start"], "window_start", bad, end=False)
    we = None if we_ref or _is_ref(rec["window_end"]) else \
        _when(rec["window_end"], "window_end", bad, end=True)
    if ws and we and we < ws:
        bad("window_end", f"{rec['window_end']} is before window_start {rec['window_start']}")
    due_date = due_dm = every = None
    if rec_kind == "once":
        try:
            due_date = date.fromisoformat(rec["due"])
        except ValueError:
            bad("due", f"{rec['due']!r}: a once-only report needs a date YYYY-MM-DD")
    elif rec_kind == "yearly":
        m = _DAY_MONTH.match(rec["due"])
        try:
            due_dm = (int(m[1]), int(m[2]))
            _day(2024, due_dm[1], due_dm[0])
        except (TypeError, ValueError):
            due_dm = None
            bad("due", f"{rec['due']!r}: a yearly report needs a day and month DD/MM")
    elif rec["due"] and rec_kind in RECURRENCES:
        bad("due", f"a {rec_kind} report takes its times from the window; leave due empty")
    if rec_kind == "every_hours":
        every = _number(rec["every_hours"], "every_hours", bad)
        if every is not None and not 0 < every <= 24 * 31:
            bad("every_hours", f"{rec['every_hours']}: more than 0 hours, at most 744")
            every = None
    elif rec["every_hours"]:
        bad("every_hours", f"only for recurrence every_hours, not {rec_kind!r}")
    if rec_kind in ("every_hours", "daily"):
        for fld, val in (("window_start", ws or ws_ref), ("window_end", we or we_ref)):
            if val is None and not rec[fld]:
                bad(fld, f"a {rec_kind} report needs the window it applies in")
    if rec["period_covered"] == "window" and not rec["window_start"]:
        bad("window_start", "period_covered 'window' needs the window's start")
    soon = _number(rec["soon_hours"] or "24", "soon_hours", bad)
    if soon is not None and soon < 0:
        bad("soon_hours", f"{rec['soon_hours']}: not negative")
    commune = rec["commune_code"] or None
    if commune is not None and not re.match(r"^[0-9A-Za-z_-]{1,20}$", commune):
        bad("commune_code", f"{commune!r}: a commune code (digits/letters)")
    if len(problems) > before:
        return None
    return ScheduleRow(code=rec["code"], title=rec["title"], to_whom=rec["to_whom"],
                       recurrence=rec_kind, due_date=due_date, due_day_month=due_dm,
                       due_hour=hour, every_hours=every, window_start=ws, window_end=we,
                       period_covered=rec["period_covered"], soon_hours=soon,
                       commune_code=commune, source=rec["source"], note=rec["note"],
                       window_start_ref=ws_ref, window_end_ref=we_ref)


_REF = re.compile(r"^calendar:([A-Za-z0-9_.-]{1,64})(?:\s+(\d{1,2}):(\d{2}))?$")


def _is_ref(text: str) -> bool:
    return text.startswith("calendar:")


def _calendar_ref(text: str, fld: str, bad) -> tuple[str, time | None] | None:
    """``calendar:CODE`` or ``calendar:CODE HH:MM``: a window bound the election calendar
    gives (that row's start or end; with an hour, that hour on its first day)."""
    if not _is_ref(text):
        return None
    m = _REF.match(text)
    if not m or (m[2] and not (int(m[2]) < 24 and int(m[3]) < 60)):
        bad(fld, f"{text!r}: write calendar:CODE or calendar:CODE HH:MM (a row of the "
                 "election calendar)")
        return None
    return m[1], time(int(m[2]), int(m[3])) if m[2] else None


def on_calendar(schedule: Iterable[ScheduleRow],
                calendars: Mapping[str, Mapping[str, tuple[datetime, datetime | None]]]
                ) -> list[ScheduleRow]:
    """*schedule* with each window named by the calendar made concrete for each commune:
    *calendars* maps a commune to its calendar rows (code → local start, local end or
    None). A row whose calendar row a commune lacks owes nothing there."""
    out = []
    for row in schedule:
        if not row.on_calendar:
            out.append(row)
            continue
        communes = [row.commune_code] if row.commune_code else list(calendars)
        for commune in communes:
            rows = calendars.get(commune, {})
            bounds = []
            for ref, given, end in ((row.window_start_ref, row.window_start, False),
                                    (row.window_end_ref, row.window_end, True)):
                if ref is None:
                    bounds.append(given)
                    continue
                code, hour = ref
                if code not in rows:
                    bounds = None
                    break
                start, stop = rows[code]
                if hour is not None:
                    bounds.append(datetime.combine(start.date(), hour))
                elif end:  # the row's end (exclusive) as the window's last minute
                    bounds.append((stop or start) - timedelta(minutes=1))
                else:
                    bounds.append(start)
            if bounds is None or bounds[1] < bounds[0]:
                continue
            out.append(replace(row, window_start=bounds[0], window_end=bounds[1],
                               commune_code=commune, window_start_ref=None,
                               window_end_ref=None))
    return out


def _hour(text: str, bad) -> time:
    m = _HOUR.match(text)
    if m and int(m[1]) < 24 and int(m[2]) < 60:
        return time(int(m[1]), int(m[2]))
    bad("due_hour", f"{text!r}: an hour HH:MM (00:00–23:59)")
    return time()


def _when(text: str, fld: str, bad, *, end: bool) -> datetime | None:
    """A window bound: ``YYYY-MM-DD`` (a start at 00:00, an end at 23:59) or
    ``YYYY-MM-DD HH:MM``."""
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(23, 59) if end else time())
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        bad(fld, f"{text!r}: a date YYYY-MM-DD or a time YYYY-MM-DD HH:MM (Vietnam time)")
        return None


def _number(text: str, fld: str, bad) -> float | None:
    try:
        return float(text)
    except ValueError:
        bad(fld, f"{text!r}: a number")
        return None


def _day(year: int, month: int, day: int) -> date:
    """*day*/*month* of *year*; 29/02 falls on 28/02 in a common year."""
    if (month, day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def _months_before(at: datetime, months: int) -> datetime:
    """*at* moved *months* back (the 31st falls on a shorter month's last day)."""
    y, m = divmod(at.year * 12 + at.month - 1 - months, 12)
    return at.replace(year=y, month=m + 1, day=min(at.day, monthrange(y, m + 1)[1]))


# ---- expanding and stating --------------------------------------------------------------
def occurrences(schedule: Iterable[ScheduleRow], start: datetime, end: datetime,
                communes: Iterable[str]) -> list[Occurrence]:
    """Every report the *communes* owe with a due time in [*start*, *end*) (UTC), by due
    time then commune then code. A row with no commune applies to each one."""
    communes = list(dict.fromkeys(communes))
    lstart, lend = to_local_naive(start), to_local_naive(end)
    out = []
    for row in schedule:
        targets = communes if row.commune_code is None else \
            [c for c in communes if c == row.commune_code]
        if not targets:
            continue
        for due in row.local_dues(lstart, lend):
            ps, pe = row.local_period(due)
            period = Period(local_to_utc(ps), local_to_utc(pe))
            out += [Occurrence(row, c, local_to_utc(due), period) for c in targets]
    return sorted(out, key=lambda o: (o.due_at, o.commune_code, o.code))


def state(occ: Occurrence, now: datetime, sent_at: datetime | None = None) -> str:
    """One of :data:`STATES` for *occ* at *now* (UTC), given when it was sent (if it was)."""
    if sent_at is not None:
        return "sent_on_time" if sent_at <= occ.due_at else "sent_late"
    if now > occ.due_at:
        return "late"
    return "due_soon" if now >= occ.soon_at else "upcoming"


def states(occs: Iterable[Occurrence], now: datetime,
           sent: Mapping[str, datetime]) -> list[tuple[Occurrence, str]]:
    """Each occurrence with its :func:`state`, *sent* mapping a key to its send time."""
    return [(o, state(o, now, sent.get(o.key))) for o in occs]
