"""Deadlines of the complaints register, read from a rules file (DESIGN rule 18): load and
check the rules and the holidays, pick a complaint's rule for a step, count calendar or
working days. Pure: no store, no clock (``now`` comes in)."""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from geo import DATA_DIR, settings
from geo.clock import local_to_utc, to_local, to_utc
from geo.errors import Invalid, Problem

__all__ = ["KINDS", "MATTERS", "STEPS", "START_EVENTS", "MILESTONES", "DAY_TYPES",
           "VARIANTS", "RULES_PATH", "HOLIDAYS_PATH", "Rule", "Rules", "Deadline",
           "read_rules", "read_holidays", "load", "shipped", "pick", "add_days",
           "deadline", "end_of_day", "ENDS"]

KINDS: tuple[str, ...] = ("khieu_nai", "to_cao", "kien_nghi", "phan_anh")
MATTERS: tuple[str, ...] = ("voter_list", "candidate", "result_council", "result_assembly",
                            "public_order", "other")
STEPS: tuple[str, ...] = ("file_by", "accept", "decide")
# The complaint's own dates; the others are the election calendar's milestones.
OWN_EVENTS: tuple[str, ...] = ("received", "accepted")
MILESTONES: tuple[str, ...] = ("voter_list_posted", "results_published", "election_day")
START_EVENTS: tuple[str, ...] = (*OWN_EVENTS, *MILESTONES)
DAY_TYPES: tuple[str, ...] = ("calendar", "working")
# Where a deadline falls on its last day: at 24:00 Vietnam time, moved on past a weekly rest
# day or a holiday (Bộ luật Dân sự 2015, Điều 147–148: the usual reading of "trong N
# ngày"), or at the start event's own time of day (a cutoff counted back from a moment).
ENDS: tuple[str, ...] = ("end_of_day", "same_time")
VARIANTS: tuple[str, ...] = ("standard", "remote")
ANY = "*"
COLUMNS: tuple[str, ...] = ("code", "kind", "matter", "step", "start_event", "days",
                            "day_type", "extension_days", "max_extensions", "variant",
                            "legal_basis", "note")
HOLIDAY_COLUMNS: tuple[str, ...] = ("date", "name", "legal_basis")
RULES_PATH = DATA_DIR / "rules" / "complaint-rules.csv"
HOLIDAYS_PATH = DATA_DIR / "rules" / "holidays.csv"


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    matter: str
    step: str
    start_event: str
    days: int
    day_type: str
    extension_days: int
    max_extensions: int
    variant: str
    legal_basis: str
    note: str
    ends: str = "end_of_day"


@dataclass(frozen=True)
class Rules:
    """A checked rules file and the holidays its working days skip."""

    rules: tuple[Rule, ...]
    holidays: frozenset[date]
    source: str = ""


@dataclass(frozen=True)
class Deadline:
    """A step's deadline: *due* (naive UTC) under *rule*, or None with *reason*
    (``no_rule``, ``not_accepted``, ``no_milestone``) and, for a missing milestone, which."""

    step: str
    rule: Rule | None
    due: datetime | None
    reason: str | None = None
    missing: str | None = None


def _rows(path: Path, columns: tuple[str, ...], what: str) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in reader.fieldnames or []]
            lacking = [c for c in columns if c not in header]
            if lacking:
                raise Invalid([Problem(c, f"{what} {path.name}: column {c!r} is missing",
                                       key="complaint.rules_column",
                                       params={"file": path.name, "column": c})
                               for c in lacking])
            return [{(k or "").strip(): (v or "").strip() for k, v in r.items()}
                    for r in reader]
    except (OSError, UnicodeDecodeError) as e:
        raise Invalid([Problem("file", f"{what} {path}: cannot be read ({e})",
                               key="complaint.rules_unreadable",
                               params={"file": str(path)})]) from None


def _whole(value: str, field: str, row: int, problems: list[Problem], *,
           negative: bool = False) -> int:
    try:
        n = int(value)
    except ValueError:
        n = None
    if n is None or (n < 0 and not negative):
        problems.append(Problem(field, f"{value!r} is not a whole number"
                                       + ("" if negative else " of 0 or more"), row=row,
                                key="complaint.rules_number",
                                params={"value": repr(value)}))
        return 0
    return n


def _choice(value: str, field: str, choices: tuple[str, ...], row: int,
            problems: list[Problem]) -> str:
    if value not in choices:
        problems.append(Problem(field, f"{value!r} is not one of {', '.join(choices)}",
                                row=row, key="complaint.rules_choice",
                                params={"value": repr(value), "choices": ", ".join(choices)}))
    return value


def read_rules(path: Path | str) -> tuple[Rule, ...]:
    """The rules of *path*, or Invalid naming every bad row, field and reason (row 2 is
    the first after the header, as a spreadsheet numbers it). A bad file is refused whole."""
    path = Path(path)
    problems: list[Problem] = []
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    keys: dict[tuple, int] = {}
    for n, r in enumerate(_rows(path, COLUMNS, "rules file"), start=2):
        code = r.get("code", "")
        if not code:
            problems.append(Problem("code", "empty", row=n, key="complaint.rules_empty"))
        elif code in seen:
            problems.append(Problem("code", f"{code!r} is also on row {seen[code]}", row=n,
                                    key="complaint.rules_duplicate",
                                    params={"value": code, "other": seen[code]}))
        seen.setdefault(code, n)
        kind = _choice(r.get("kind", ""), "kind", (*KINDS, ANY), n, problems)
        matter = _choice(r.get("matter", ""), "matter", (*MATTERS, ANY), n, problems)
        step = _choice(r.get("step", ""), "step", STEPS, n, problems)
        start = _choice(r.get("start_event", ""), "start_event", START_EVENTS, n, problems)
        variant = _choice(r.get("variant", "") or ANY, "variant", (*VARIANTS, ANY), n,
                          problems)
        day_type = _choice(r.get("day_type", ""), "day_type", DAY_TYPES, n, problems)
        ends = _choice(r.get("ends", "") or "end_of_day", "ends", ENDS, n, problems)
        days = _whole(r.get("days", ""), "days", n, problems, negative=True)
        ext = _whole(r.get("extension_days", "") or "0", "extension_days", n, problems)
        most = _whole(r.get("max_extensions", "") or "0", "max_extensions", n, problems)
        basis = r.get("legal_basis", "")
        if not basis:
            problems.append(Problem("legal_basis", "empty: every rule names its source",
                                    row=n, key="complaint.rules_no_basis"))
        if start == "accepted" and step == "accept":
            problems.append(Problem("start_event", "an accept step cannot start at "
                                                   "'accepted'", row=n,
                                    key="complaint.rules_accept_start"))
        key = (kind, matter, step, variant)
        if key in keys:
            problems.append(Problem("step", f"rows {keys[key]} and {n} are both the "
                                            f"{step} rule of {kind}/{matter}/{variant}",
                                    row=n, key="complaint.rules_twice",
                                    params={"other": keys[key]}))
        keys.setdefault(key, n)
        rules.append(Rule(code, kind, matter, step, start, days, day_type, ext, most,
                          variant, basis, r.get("note", ""), ends))
    if problems:
        raise Invalid(problems)
    if not rules:
        raise Invalid([Problem("file", f"rules file {path.name} has no rules",
                               key="complaint.rules_none", params={"file": path.name})])
    return tuple(rules)


def read_holidays(path: Path | str) -> frozenset[date]:
    """The holidays of *path* (``date`` as YYYY-MM-DD, a name and its legal basis), or
    Invalid naming every bad row."""
    path = Path(path)
    problems: list[Problem] = []
    days: set[date] = set()
    for n, r in enumerate(_rows(path, HOLIDAY_COLUMNS, "holidays file"), start=2):
        try:
            days.add(date.fromisoformat(r.get("date", "")))
        except ValueError:
            problems.append(Problem("date", f"{r.get('date', '')!r} is not a date "
                                            "(YYYY-MM-DD)", row=n,
                                    key="complaint.rules_date",
                                    params={"value": repr(r.get("date", ""))}))
        if not r.get("legal_basis"):
            problems.append(Problem("legal_basis", "empty: every holiday names its source",
                                    row=n, key="complaint.rules_no_basis"))
    if problems:
        raise Invalid(problems)
    return frozenset(days)


def load(rules_path: Path | str | None = None, holidays_path: Path | str | None = None
         ) -> Rules:
    """The rules and holidays of the given files, else of the settings
    ``complaint_rules`` and ``holidays`` (empty: the shipped files)."""
    rp = Path(rules_path or settings.get("complaint_rules") or RULES_PATH)
    hp = Path(holidays_path or settings.get("holidays") or HOLIDAYS_PATH)
    return _load(str(rp), str(hp), _stamp(rp), _stamp(hp))


def _stamp(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@functools.lru_cache(maxsize=8)
def _load(rules_path: str, holidays_path: str, _r: float, _h: float) -> Rules:
    # Keyed on the files' times too: a replaced file is read again, a failed read is not
    # cached (lru_cache keeps no exception).
    return Rules(read_rules(rules_path), read_holidays(holidays_path), rules_path)


def shipped() -> Rules:
    """The shipped files (tests and the README compare against them)."""
    return load(RULES_PATH, HOLIDAYS_PATH)


def pick(rules: Rules, kind: str, matter: str, step: str,
         variant: str | None = None) -> Rule | None:
    """The most specific rule for a complaint of *kind* about *matter* at *step* in the
    office's area *variant* (the ``complaint_area`` setting): a named matter before
    ``*``, then a named kind, then a named variant; None when no rule applies."""
    variant = variant or settings.get("complaint_area")
    best: tuple[int, Rule] | None = None
    for r in rules.rules:
        if r.step != step or r.kind not in (kind, ANY) or r.matter not in (matter, ANY) \
                or r.variant not in (variant, ANY):
            continue
        score = 4 * (r.matter != ANY) + 2 * (r.kind != ANY) + (r.variant != ANY)
        if best is None or score > best[0]:
            best = (score, r)
    return best[1] if best else None


def add_days(start: datetime, days: int, day_type: str, holidays: frozenset[date]
             ) -> datetime:
    """*start* moved *days* days (back when negative) at the same time of day: calendar
    days, or working days (Vietnam's dates, skipping Saturdays, Sundays and *holidays*)."""
    if day_type == "calendar":
        return start + timedelta(days=days)
    step = 1 if days >= 0 else -1
    at, left = start, abs(days)
    while left:
        at += timedelta(days=step)
        local = to_local(at).date()
        if local.weekday() < 5 and local not in holidays:
            left -= 1
    return at


def deadline(rules: Rules, step: str, complaint: Mapping, milestones: Mapping[str, datetime],
             variant: str | None = None) -> Deadline:
    """The deadline of *step* for *complaint* (a register row: ``kind``, ``matter``,
    ``received_at``, ``accepted_at``, ``extensions``), with *milestones* the election
    calendar's dates. None with a reason when no rule applies or its start event has not
    happened (not accepted yet; a milestone the calendar does not have)."""
    rule = pick(rules, str(complaint["kind"]), str(complaint["matter"]), step, variant)
    if rule is None:
        return Deadline(step, None, None, "no_rule")
    if rule.start_event in OWN_EVENTS:
        start = complaint.get(f"{rule.start_event}_at")
        if start is None or start != start:  # None or NaT
            return Deadline(step, rule, None, "not_accepted")
    else:
        start = milestones.get(rule.start_event)
        if start is None:
            return Deadline(step, rule, None, "no_milestone", rule.start_event)
    start = to_utc(start.to_pydatetime() if hasattr(start, "to_pydatetime") else start)
    extensions = int(complaint.get("extensions") or 0) if step != "file_by" else 0
    days = rule.days + rule.extension_days * extensions
    due = add_days(start, days, rule.day_type, rules.holidays)
    if rule.ends == "end_of_day":
        due = end_of_day(due, rules.holidays, roll=days > 0)
    return Deadline(step, rule, due)


def end_of_day(at: datetime, holidays: frozenset[date], *, roll: bool = True) -> datetime:
    """24:00 Vietnam time of *at*'s day (naive UTC); with *roll*, of the next working day
    when that day is a Saturday, a Sunday or a holiday (Bộ luật Dân sự 2015, Điều 148)."""
    day = to_local(at).date()
    while roll and (day.weekday() >= 5 or day in holidays):
        day += timedelta(days=1)
    return local_to_utc(datetime.combine(day + timedelta(days=1), time(0)))
