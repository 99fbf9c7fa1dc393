"""The bundled demo: the layers in ``data/`` (loaded by ``geo.drills.demo_layers``, which
the drill uses too), today's drill played up to now, and the demo accounts (whose
passwords are public: demo only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from geo import accounts
from geo import calendar as cal
from geo.drills.demo_complaints import add_demo_complaints
from geo.drills.demo_layers import DEMO_DIR, load_demo
from geo.drills.simulate import drill_clock, setup_time, simulate
from geo.io.importer import ImportPlan
from geo.store import Store

__all__ = ["DEMO_DIR", "DEMO_ACCOUNTS", "DEMO_CALENDAR", "load_demo", "load_live_demo",
           "load_demo_calendar", "add_demo_accounts", "add_demo_reports",
           "demo_password"]

# The 2021 Hải Dương calendar (each row with its source), played on the drill's day.
DEMO_CALENDAR = DEMO_DIR / "calendar" / "hai-duong-2021.csv"

# (username, display name, role, communes, team, polling site)
DEMO_ACCOUNTS = (
    ("admin", "Quản trị (demo)", "admin", "*", None, None),
    ("chihuy", "Chỉ huy trực (demo)", "commander", "*", None, None),
    ("trucban", "Trực ban (demo)", "operator", "*", None, None),
    ("xem", "Màn hình xem (demo)", "viewer", "*", None, None),
    ("anphu1", "Tổ ANTT An Phụ 1 (demo)", "field", "10732", "10732-TEAM1", "10732-S01"),
)


def demo_password(username: str) -> str:
    return f"{username}-demo-2021"


# A busier day than the drill's default (9 a commune, about 2021's reports), so that at
# any moment of the demo some incidents are in progress on the map.
DEMO_INCIDENTS_PER_COMMUNE = 40


def load_live_demo(store: Store, *, seed: int = 1, progress: bool = False,
                   real_clock: bool = False, now: datetime | None = None, lang: str = "vi"
                   ) -> tuple[list[ImportPlan], str, timedelta]:
    """A new database's demo: the layers, and today's drill played up to now, so the
    wall screen shows a day in progress and live writes carry on after it. Outside voting
    hours the drill's clock is moved so that now is mid-morning of election day (unless
    *real_clock*); returns the plans, the drill's summary (in *lang*) and that move."""
    day, clock, now = drill_clock(now, real=real_clock)
    plans = load_demo(store, actor="diễn tập", at=setup_time(day) + clock, day=day,
                      clock=clock)
    load_demo_calendar(store, day=day, at=setup_time(day) + clock + timedelta(seconds=30))
    summary = simulate(store, scale="commune", seed=seed, day=day, until=now,
                       progress=progress, clock=clock,
                       incidents_per_commune=DEMO_INCIDENTS_PER_COMMUNE, lang=lang)
    add_demo_complaints(store, now)
    return plans, summary, clock


def load_demo_calendar(store: Store, *, day: date, at: datetime | None = None) -> dict[str, int]:
    """The 2021 Hải Dương calendar moved so that its election day (23/5/2021) is the
    drill's *day*: the wall's strip then says "Ngày bầu cử". Only by whole days, not by the
    drill's *clock* (a demo started at night moves the drill's hours): the calendar's
    days and hours stay those a reader expects ("Giờ bỏ phiếu 07:00–19:00")."""
    rows = cal.read_calendar(DEMO_CALENDAR)
    shift = timedelta(days=(day - cal.election_day(rows)).days)
    return cal.import_calendar(store, cal.shift_rows(rows, shift), actor="diễn tập",
                               source=f"{DEMO_CALENDAR.name} (dời theo ngày diễn tập "
                                      f"{day:%d/%m/%Y})", at=at)


def add_demo_accounts(store: Store) -> list[tuple[str, str, str]]:
    """Create the demo accounts; return (username, password, role) of each."""
    made = []
    for name, display, role, commune, unit, site in DEMO_ACCOUNTS:
        accounts.add_user(store, "demo", username=name, display_name=display, role=role,
                          password=demo_password(name), communes=commune,
                          unit_code=unit, site_code=site)
        made.append((name, demo_password(name), role))
    return made


def add_demo_reports(store: Store, *, actor: str = "trucban", now: datetime | None = None
                     ) -> tuple[int, int]:
    """The demo's reports upward (``geo.upward``, the shipped schedule): every report due
    in the lookback window made and recorded as sent the day before it was due, but the
    newest late one, left late for the reports page and the board to show. Returns (sent,
    left late)."""
    from geo import upward

    late = [d for d in upward.due_reports(store, actor, now=now) if d.state == "late"]
    for d in late[:-1]:
        upward.send(store, d.occurrence, actor=actor,
                    sent_at=d.occurrence.due_at - timedelta(days=1))
    return max(len(late) - 1, 0), min(len(late), 1)
