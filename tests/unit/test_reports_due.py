"""The report schedule (data/rules/report-schedule.csv): read, checked, expanded into the
reports each commune owes, and each one's state."""

from __future__ import annotations

from datetime import datetime

import pytest

from geo import reports_due as rd
from geo.errors import Invalid

HEADER = ",".join(rd.COLUMNS)


def csv_of(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


EVERY2 = ("E2,Báo cáo nhanh,Công an huyện,every_hours,,,2,2021-05-23 07:00,"
          "2021-05-23 21:00,since_previous,0.5,,issue 32,")
DAILY = "D1,Báo cáo ngày,Công an huyện,daily,,17:00,,2021-04-23,2021-06-23,day,2,,seed 001,"
YEARLY = "Y6,Báo cáo 6 tháng,BCĐ 138 xã,yearly,20/05,00:00,,2024-01-01,,half_year,168,,seed 003,"
ONCE = "O1,Sơ kết,BCĐ 138 huyện,once,2025-02-15,00:00,,2024-09-12,,window,168,,seed 002,"


def test_the_shipped_schedule_loads_with_the_plans_rows():
    rows = {r.code: r for r in rd.load_schedule()}
    assert {"BL-SOKET-1", "BL-TONGKET", "HT-6THANG", "HT-NAM", "BC-NGAY-BC",
            "BC-CAO-DIEM"} <= set(rows)
    assert rows["BL-SOKET-1"].due_date.isoformat() == "2025-02-15"
    assert rows["HT-NAM"].due_day_month == (20, 11)
    assert all(r.source for r in rows.values())
    assert "seed 002" in rows["BL-TONGKET"].source and "seed 003" in rows["HT-6THANG"].source


def test_every_two_hours_on_election_day_each_covering_since_the_previous():
    sched = rd.parse_schedule(csv_of(EVERY2))
    occ = rd.occurrences(sched, datetime(2021, 5, 22), datetime(2021, 5, 24), ["C1"])
    # 09:00, 11:00, ..., 21:00 Vietnam time = 02:00 ... 14:00 UTC
    assert [o.due_at.hour for o in occ] == [2, 4, 6, 8, 10, 12, 14]
    assert occ[0].period.start == datetime(2021, 5, 23, 0, 0)  # 07:00 local, the window
    assert occ[0].period.end == occ[0].due_at
    assert occ[1].period.start == occ[0].due_at
    assert occ[0].key == "E2@2021-05-23T02:00Z@C1"


def test_daily_in_the_peak_period_covers_the_day_before():
    sched = rd.parse_schedule(csv_of(DAILY))
    occ = rd.occurrences(sched, datetime(2021, 1, 1), datetime(2022, 1, 1), ["C1"])
    assert len(occ) == 62  # 23/4 .. 23/6 inclusive
    assert occ[0].due_at == datetime(2021, 4, 23, 10, 0)  # 17:00 local
    assert occ[-1].due_at == datetime(2021, 6, 23, 10, 0)
    assert occ[5].period.end - occ[5].period.start == occ[5].due_at - occ[4].due_at


def test_yearly_six_monthly_and_once_periods():
    sched = rd.parse_schedule(csv_of(YEARLY, ONCE))
    occ = rd.occurrences(sched, datetime(2024, 1, 1), datetime(2026, 1, 1), ["C1"])
    six = [o for o in occ if o.code == "Y6"]
    assert [o.due_at for o in six] == [datetime(2024, 5, 19, 17), datetime(2025, 5, 19, 17)]
    assert six[1].period.start == datetime(2024, 11, 19, 17)  # six months before 20/5
    once = [o for o in occ if o.code == "O1"]
    assert once[0].period.start == datetime(2024, 9, 11, 17)  # the window's start
    assert once[0].due_at == datetime(2025, 2, 14, 17)


def test_a_row_for_one_commune_applies_to_that_commune_only():
    row = ONCE.replace(",,seed 002,", ",C2,seed 002,")
    sched = rd.parse_schedule(csv_of(row, YEARLY))
    occ = rd.occurrences(sched, datetime(2025, 1, 1), datetime(2025, 12, 1), ["C1", "C2"])
    assert sorted((o.code, o.commune_code) for o in occ) == [
        ("O1", "C2"), ("Y6", "C1"), ("Y6", "C2")]


def test_states_upcoming_due_soon_late_and_sent():
    occ = rd.occurrences(rd.parse_schedule(csv_of(EVERY2)), datetime(2021, 5, 23),
                         datetime(2021, 5, 24), ["C1"])[0]
    due = occ.due_at
    assert rd.state(occ, datetime(2021, 5, 23, 1, 0)) == "upcoming"
    assert rd.state(occ, datetime(2021, 5, 23, 1, 45)) == "due_soon"
    assert rd.state(occ, datetime(2021, 5, 23, 2, 1)) == "late"
    assert rd.state(occ, datetime(2021, 5, 23, 5), sent_at=due) == "sent_on_time"
    assert rd.state(occ, datetime(2021, 5, 23, 5), sent_at=datetime(2021, 5, 23, 3)) \
        == "sent_late"


def test_a_replaced_file_is_the_schedule(tmp_path, monkeypatch):
    path = tmp_path / "lich.csv"
    path.write_text(csv_of(YEARLY.replace("20/05", "15/06")), encoding="utf-8")
    monkeypatch.setenv("ANTT_REPORT_SCHEDULE", str(path))
    rows = rd.load_schedule()
    assert [r.code for r in rows] == ["Y6"] and rows[0].due_day_month == (15, 6)


@pytest.mark.parametrize(("row", "field", "words"), [
    (YEARLY.replace("yearly", "weekly"), "recurrence", "one of"),
    (YEARLY.replace("20/05", "31/02"), "due", "DD/MM"),
    (ONCE.replace("2025-02-15", "15/02/2025"), "due", "YYYY-MM-DD"),
    (DAILY.replace("17:00", "25:00"), "due_hour", "HH:MM"),
    (EVERY2.replace(",2,2021", ",0,2021"), "every_hours", "more than 0"),
    (DAILY.replace("2021-06-23", ""), "window_end", "needs the window"),
    (DAILY.replace("2021-06-23", "2021-04-01"), "window_end", "before window_start"),
    (YEARLY.replace("half_year", "quarter"), "period_covered", "one of"),
    (YEARLY.replace(",seed 003,", ",,"), "source", "empty"),
    (YEARLY.replace("Y6,", "y 6,"), "code", "capitals"),
])
def test_a_bad_row_is_named_and_the_file_refused_whole(row, field, words):
    with pytest.raises(Invalid) as e:
        rd.parse_schedule(csv_of(ONCE, row))
    assert [(p.row, p.field) for p in e.value.problems] == [(3, field)]
    assert words in e.value.problems[0].reason


def test_duplicate_codes_and_a_missing_column_are_refused():
    with pytest.raises(Invalid, match="already used"):
        rd.parse_schedule(csv_of(YEARLY, YEARLY))
    with pytest.raises(Invalid, match="'source': column missing"):
        rd.parse_schedule(HEADER.replace(",source", "") + "\n")


def test_a_key_reads_back():
    code, due, commune = rd.parse_key("HT-NAM@2026-11-19T17:00Z@10732")
    assert (code, due, commune) == ("HT-NAM", datetime(2026, 11, 19, 17), "10732")
    with pytest.raises(rd.AnttError):
        rd.parse_key("nonsense")


# ---- windows the election calendar gives --------------------------------------------------
ON_DAY = ("CD,Báo cáo nhanh,Công an huyện,every_hours,,,2,calendar:election_day 07:00,"
          "calendar:election_day 21:00,since_previous,0.5,,issue 32,")
ON_PEAK = "CP,Báo cáo ngày,Công an huyện,daily,,17:00,,calendar:peak,calendar:peak,day,2,,seed 001,"
CALENDARS = {  # commune → code → (local start, local end): C1 votes on 23/5, C2 on 24/5
    "C1": {"election_day": (datetime(2021, 5, 23), datetime(2021, 5, 24)),
           "peak": (datetime(2021, 5, 20), datetime(2021, 5, 26))},
    "C2": {"election_day": (datetime(2021, 5, 24), datetime(2021, 5, 25))},
}


def test_a_window_named_by_the_calendar_follows_each_communes_calendar():
    sched = rd.on_calendar(rd.parse_schedule(csv_of(ON_DAY, ON_PEAK)), CALENDARS)
    occ = rd.occurrences(sched, datetime(2021, 5, 1), datetime(2021, 6, 1), ["C1", "C2"])
    day = [(o.commune_code, o.due_at) for o in occ if o.code == "CD"]
    # 09:00 … 21:00 Vietnam time on each commune's own election day (02:00 … 14:00 UTC).
    assert [at.hour for c, at in day if c == "C1"] == [2, 4, 6, 8, 10, 12, 14]
    assert {at.day for c, at in day if c == "C1"} == {23}
    assert {at.day for c, at in day if c == "C2"} == {24} and len(day) == 14
    peak = [o for o in occ if o.code == "CP"]
    # C2's calendar has no peak: it owes no peak report; C1 one a day, 20/5 to 25/5 17:00.
    assert {o.commune_code for o in peak} == {"C1"}
    assert [o.due_at.day for o in peak] == [20, 21, 22, 23, 24, 25]
    assert rd.on_calendar(rd.parse_schedule(csv_of(ON_DAY)), {}) == []


def test_a_bad_calendar_reference_is_named():
    with pytest.raises(Invalid) as e:
        rd.parse_schedule(csv_of(ON_DAY.replace("calendar:election_day 07:00",
                                                "calendar:election day 7h")))
    assert any(p.field == "window_start" and p.row == 2 for p in e.value.problems)
